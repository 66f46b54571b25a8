"""Tests of the ``socinnov agreement`` command line (socinnov.cli.agreement)."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from socinnov.analysis.agreement import STATISTICS
from socinnov.cli import agreement

DATA = Path(__file__).parent / "data" / "agreement"
BASE = ["--unit", "unit", "--rater", "rater", "--value", "value"]


def run_cli(args, capsys):
    parser = argparse.ArgumentParser(prog="socinnov agreement")
    agreement.configure_parser(parser)
    code = agreement.run(parser.parse_args([str(a) for a in args]))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(args, capsys):
    code, out, err = run_cli([*args, "--json"], capsys)
    assert code == 0, err
    return json.loads(out)


def test_json_contract_on_krippendorff_2011(capsys):
    res = run_json([DATA / "krippendorff2011.csv", *BASE, "--bootstrap", "200"], capsys)
    assert res["n_units"] == 12
    assert res["n_raters"] == 4
    assert res["n_ratings"] == 41
    assert list(res["statistics"]) == list(STATISTICS)
    for entry in res["statistics"].values():
        assert set(entry) == {"estimate", "ci_low", "ci_high", "note"}
    stats = res["statistics"]
    # Krippendorff (2011), example C: ordinal alpha .815
    assert stats["krippendorff_alpha"]["estimate"] == pytest.approx(0.815, abs=5e-4)
    # irrCAC README (Gwet): pa.coeff.raw(cac.raw4raters) 0.8181818, gwet.ac1.raw 0.77544
    assert stats["percent_agreement"]["estimate"] == pytest.approx(0.8181818, abs=5e-8)
    assert stats["gwet_ac1"]["estimate"] == pytest.approx(0.77544, abs=5e-6)
    assert 0 <= stats["percent_agreement_within_one"]["estimate"] <= 1
    lo, hi = stats["gwet_ac1"]["ci_low"], stats["gwet_ac1"]["ci_high"]
    assert lo < stats["gwet_ac1"]["estimate"] < hi
    # Null estimates come with the reason.
    assert stats["cohen_kappa"]["estimate"] is None
    assert stats["cohen_kappa"]["ci_low"] is None
    assert "exactement deux évaluateurs" in stats["cohen_kappa"]["note"]
    assert "plan incomplet" in stats["icc2"]["note"]


def test_json_two_raters_and_weights(capsys):
    args = [DATA / "gwet_cont3x3abstractors.csv", *BASE, "--levels", "Ectopic,AIU,NIU",
            "--weights", "quadratic", "--bootstrap", "0"]
    stats = run_json(args, capsys)["statistics"]
    # irrCAC vignettes (Gwet): kappa2.table 0.7964094; quadratic 0.8921569; AC2 0.9402369
    assert stats["cohen_kappa"]["estimate"] == pytest.approx(0.7964094, abs=5e-8)
    assert stats["cohen_kappa_weighted"]["estimate"] == pytest.approx(0.8921569, abs=5e-8)
    assert stats["gwet_ac2"]["estimate"] == pytest.approx(0.9402369, abs=5e-8)
    assert stats["cohen_kappa"]["ci_low"] is None  # no bootstrap requested


def test_json_complete_design_icc_with_exact_interval(capsys):
    stats = run_json([DATA / "shrout_fleiss1979.csv", *BASE, "--scale", "interval",
                      "--bootstrap", "0"], capsys)["statistics"]
    # Shrout & Fleiss (1979), Table 4: ICC(2,1) = .29; R psych::ICC (RExRepos): lower 0.019
    assert stats["icc2"]["estimate"] == pytest.approx(0.29, abs=5e-3)
    assert stats["icc2"]["ci_low"] == pytest.approx(0.019, abs=5e-4)
    assert "exact (loi F" in stats["icc2"]["note"]


def test_semicolon_bom_and_grid_labels(tmp_path, capsys):
    # Same ratings as krippendorff2011.csv coded on the grid labels, written the French
    # spreadsheet way: ';' separator and a UTF-8 BOM.
    grid = ["Inexistant", "Faible", "Intermédiaire", "Fort"]
    lines = ["dossier;juré;note"]
    src = (DATA / "krippendorff2011.csv").read_text(encoding="utf-8").splitlines()[1:]
    for line in src:
        unit, rater, value = line.split(",")
        if value in ("5",):
            value = "4"  # keep four levels
        label = grid[int(value) - 1] if value else ""
        lines.append(f"{unit};{rater};{label}")
    path = tmp_path / "notes.csv"
    path.write_bytes("\ufeff".encode() + "\n".join(lines).encode("utf-8"))
    args = [path, "--unit", "dossier", "--rater", "juré", "--value", "note",
            "--levels", ",".join(grid), "--bootstrap", "0"]
    res = run_json(args, capsys)
    assert res["levels"] == grid
    assert res["n_ratings"] == 41
    codes = [[1, 1, None, 1], [2, 2, 3, 2], [3, 3, 3, 3], [3, 3, 3, 3], [2, 2, 2, 2],
             [1, 2, 3, 4], [4, 4, 4, 4], [1, 1, 2, 1], [2, 2, 2, 2], [None, 4, 4, 4],
             [None, None, 1, 1], [None, None, 3, None]]
    # Same statistic on the numeric codes, through the library (labels must not change it).
    import pandas as pd

    from socinnov.analysis.agreement import gwet_ac

    long = pd.DataFrame([(u, r, v) for u, row in enumerate(codes) for r, v in enumerate(row)
                         if v is not None], columns=["unit", "rater", "value"])
    ref = gwet_ac(long, unit="unit", rater="rater", value="value", levels=[1, 2, 3, 4],
                  weights="linear", n_boot=0)["estimate"].item()
    assert res["statistics"]["gwet_ac2"]["estimate"] == pytest.approx(ref, abs=1e-12)


def test_french_table(capsys):
    code, out, err = run_cli([DATA / "krippendorff2011.csv", *BASE, "--bootstrap", "50"], capsys)
    assert code == 0 and err == ""
    assert "Alpha de Krippendorff" in out
    assert "0,815" in out  # Krippendorff (2011): ordinal alpha .815, French decimal comma
    assert "Kappa de Cohen" in out
    assert "exactement deux évaluateurs" in out
    assert "Unités : 12" in out


def test_module_entry_point():
    proc = subprocess.run(
        [sys.executable, "-m", "socinnov.cli.agreement", str(DATA / "fce1969_diagnoses.csv"),
         *BASE, "--scale", "nominal", "--bootstrap", "0", "--json"],
        capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    # RExRepos (Wollschläger): irr::kappa2 on the Fleiss, Cohen & Everitt (1969) table -> 0.429
    kappa = json.loads(proc.stdout)["statistics"]["cohen_kappa"]["estimate"]
    assert kappa == pytest.approx(0.429, abs=5e-4)


# ---------------------------------------------------------------------------
# Bad input: French message on stderr, exit status 2
# ---------------------------------------------------------------------------


def write(tmp_path, text, name="notes.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_missing_column(tmp_path, capsys):
    path = write(tmp_path, "dossier,evaluateur,note\n1,a,1\n1,b,2\n")
    code, out, err = run_cli([path, "--unit", "dossier", "--rater", "juré", "--value", "note"],
                             capsys)
    assert code == 2 and out == ""
    assert err == (f"Erreur : {path}, ligne 1, colonne « juré » : colonne absente ; colonnes du fichier : "
                   "dossier, evaluateur, note\n")


def test_columns_found_as_ingest_finds_headers(tmp_path, capsys):
    """Case, accents and surrounding spaces of a header are forgiven, as ingest forgives them."""
    path = write(tmp_path, " Dossier ;JURE;Note\n1;a;1\n1;b;2\n2;a;2\n2;b;2\n")
    res = run_json([path, "--unit", "dossier", "--rater", "juré", "--value", "note", "--bootstrap", "0"],
                   capsys)
    assert (res["n_units"], res["n_raters"], res["n_ratings"]) == (2, 2, 4)


def test_single_rater(tmp_path, capsys):
    path = write(tmp_path, "unit,rater,value\n1,a,1\n2,a,2\n3,a,0\n")
    code, _, err = run_cli([path, *BASE], capsys)
    assert code == 2
    assert "un seul évaluateur" in err
    assert "colonne « rater »" in err


def test_value_outside_levels_names_line(tmp_path, capsys):
    path = write(tmp_path, "unit;rater;value\n1;a;Fort\n1;b;Faible\n\n2;a;Excellent\n2;b;Fort\n")
    code, _, err = run_cli([path, *BASE, "--levels", "Inexistant,Faible,Intermédiaire,Fort"],
                           capsys)
    assert code == 2
    assert f"{path}, ligne 5, colonne « value »" in err  # blank line 4 still counted
    assert "« Excellent » hors des niveaux déclarés" in err


def test_text_where_numbers_are_needed(tmp_path, capsys):
    path = write(tmp_path, "unit,rater,value\n1,a,2\n1,b,deux\n")
    code, _, err = run_cli([path, *BASE, "--scale", "interval"], capsys)
    assert code == 2
    assert "ligne 3, colonne « value »" in err
    assert "« deux » n'est pas un nombre" in err


def test_text_without_levels_on_ordinal_scale(tmp_path, capsys):
    path = write(tmp_path, "unit,rater,value\n1,a,Fort\n1,b,Faible\n")
    code, _, err = run_cli([path, *BASE], capsys)
    assert code == 2
    assert "--levels" in err


def test_unreadable_files(tmp_path, capsys):
    code, _, err = run_cli([tmp_path / "absent.csv", *BASE], capsys)
    assert code == 2 and "fichier introuvable" in err
    utf16 = write(tmp_path, "unit,rater,value\n1,a,1\n", name="utf16.csv", encoding="utf-16")
    code, _, err = run_cli([utf16, *BASE], capsys)
    assert code == 2 and "UTF-16" in err
    empty = write(tmp_path, "", name="vide.csv")
    code, _, err = run_cli([empty, *BASE], capsys)
    assert code == 2 and "vide" in err


def test_unquoted_decimal_comma_with_comma_separator(tmp_path, capsys):
    path = write(tmp_path, "unit,rater,value\n1,a,2,5\n1,b,3\n")
    code, _, err = run_cli([path, *BASE, "--scale", "interval"], capsys)
    assert code == 2
    assert err == (f"Erreur : {path}, ligne 2 : 4 valeurs pour 3 colonnes (valeur en trop « 5 ») : une valeur "
                   "contenant le séparateur doit être entre guillemets\n")


@pytest.mark.parametrize("text", [
    # The header ends with an empty field: « 2,5 » would fill it, the rating read as 2.
    "unit,rater,value,\n1,a,3,\n1,b,2,5\n2,a,1,\n2,b,1,\n",
    # The rows end with an empty field: « 2,5 » is one value too many.
    "unit,rater,value\n1,a,3,\n1,b,2,5\n2,a,1,\n2,b,1,\n",
])
def test_decimal_comma_never_read_as_its_whole_part(tmp_path, capsys, text):
    """Regression: the command's former reader read « 2,5 » as 2 when an empty field ended the
    header, the 5 moving into the column without header; both layouts are refused on line 3."""
    path = write(tmp_path, text)
    code, out, err = run_cli([path, *BASE, "--scale", "interval", "--bootstrap", "0"], capsys)
    assert code == 2 and out == ""
    assert err.startswith(f"Erreur : {path}, ligne 3 : ")
    assert "« 5 »" in err and "guillemets" in err


def test_quoted_decimal_comma_with_comma_separator(tmp_path, capsys):
    path = write(tmp_path, 'unit,rater,value,\n1,a,3,\n1,b,"2,5",\n2,a,1,\n2,b,1,\n')
    res = run_json([path, *BASE, "--scale", "interval", "--bootstrap", "0"], capsys)
    assert res["levels"] == [1, 2.5, 3]
    assert (res["n_units"], res["n_raters"], res["n_ratings"]) == (2, 2, 4)


def spelled_differently(tmp_path, name, encoding="utf-8"):
    """krippendorff2011.csv with the same unit and rater ids written as users write them: a
    trailing space, quotes around a number, a rater « André » typed with a combining accent
    (NFD) in half of the rows, the file saved as Windows-1252 or UTF-8."""
    rows = (DATA / "krippendorff2011.csv").read_text(encoding="utf-8").splitlines()
    out = ["unit;rater;value"]
    for k, line in enumerate(rows[1:]):
        unit, rater, value = line.split(",")
        unit = [f"{unit} ", f'"{unit}"', f" {unit}", unit][k % 4]
        if rater == "D":
            rater = "André" if k % 8 < 4 else "Andre\u0301"
        out.append(f"{unit};{rater};{value}")
    text = "\n".join(out) + "\n"
    if encoding == "cp1252":
        text = text.replace("Andre\u0301", "André")  # Windows-1252 has no combining accent
    return write(tmp_path, text, name=name, encoding=encoding)


@pytest.mark.parametrize("encoding", ["utf-8", "cp1252"])
def test_ids_cleaned_as_ingest_cleans_them(tmp_path, capsys, encoding):
    """Regression: a trailing space, an NFD accent or quotes around a number made one juror or
    dossier two for the command's former reader (31 units, 5 raters, alpha .877 instead of .815);
    they are one id here."""
    base = run_json([DATA / "krippendorff2011.csv", *BASE, "--bootstrap", "0"], capsys)
    res = run_json([spelled_differently(tmp_path, f"{encoding}.csv", encoding), *BASE, "--bootstrap", "0"],
                   capsys)
    # Krippendorff (2011), example C: 12 units, 4 raters, 41 ratings; ordinal alpha .815
    assert (res["n_units"], res["n_raters"], res["n_ratings"]) == (12, 4, 41)
    assert res["statistics"]["krippendorff_alpha"]["estimate"] == pytest.approx(0.815, abs=5e-4)
    assert res["statistics"] == base["statistics"]


@pytest.mark.parametrize("first, second", [("1,a,2", '"1",a ,3'), ("1,André,2", "1,Andre\u0301,3"),
                                           ("101,a,2", " 101 ,a,3")])
def test_a_duplicate_rating_spelled_differently_is_still_a_duplicate(tmp_path, capsys, first, second):
    path = write(tmp_path, f"unit,rater,value\n{first}\n1,b,3\n101,b,2\n{second}\n")
    code, _, err = run_cli([path, *BASE, "--bootstrap", "0"], capsys)
    assert code == 2
    assert "ligne 5" in err and "plusieurs fois" in err


def test_duplicate_rating(tmp_path, capsys):
    path = write(tmp_path, "unit,rater,value\n1,a,2\n1,b,3\n1,a,1\n")
    code, _, err = run_cli([path, *BASE], capsys)
    assert code == 2
    assert "ligne 4" in err and "plusieurs fois" in err


def test_negative_bootstrap(capsys):
    code, _, err = run_cli([DATA / "krippendorff2011.csv", *BASE, "--bootstrap", "-5"], capsys)
    assert code == 2 and "--bootstrap" in err
