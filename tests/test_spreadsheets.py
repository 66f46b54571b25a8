"""Input tables as .xlsx and .ods: read as the CSV would be, problems at their cell, files not read reported.

The bad-input corpus run on workbooks is in ``tests/test_bad_inputs.py``; here, what only a
workbook has: typed cells, a workbook holding every table, sheets, error cells, the files a
cohort folder may hold beside its tables, the rebuild keys of reports, the templates' workbook.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from socinnov import config
from socinnov.call.schemas import TABLES, TABLES_BY_NAME, french_headers
from socinnov.cli.main import main
from socinnov.inputs import ingest
from socinnov.inputs.spreadsheet_reader import cell_text, french_number
from socinnov.inputs.template_workbook import closed_vocabularies
from socinnov.privacy.store import raw_files
from socinnov.reporting.build import ReportSpec, _key
from tests.conftest import tiny_tables, write_cohort
from tests.sheets import convert_cohort, csv_rows, write_workbook


def _processed(name: str) -> dict[str, pd.DataFrame]:
    return {p.stem: pd.read_parquet(p) for p in sorted(config.processed_dir(name).glob("*.parquet"))}


def _ingest(name: str, capsys) -> tuple[int, str]:
    status = main(["ingest", name])
    return status, capsys.readouterr().err


def test_cells_are_read_as_the_text_a_csv_export_holds():
    assert cell_text(dt.datetime(2016, 9, 5)) == "05/09/2016"
    assert cell_text(dt.datetime(2016, 9, 5, 10, 15)) == "05/09/2016 10:15:00"
    assert cell_text(dt.date(2016, 9, 5)) == "05/09/2016"
    assert cell_text(pd.Timestamp("2016-09-05")) == "05/09/2016"
    assert (cell_text(True), cell_text(False)) == ("oui", "non")
    assert (cell_text(42675), cell_text(28500.0), cell_text(0.1 + 0.2)) == ("42675", "28500", "0,3")
    assert cell_text("ligne 1\r\nligne 2") == "ligne 1\nligne 2"
    assert cell_text("e\u0301") == "é"  # composed, as the CSV reader composes it
    assert (cell_text(None), cell_text(float("nan"))) == ("", "")
    # A fraction of three digits is not the ambiguous « 2,125 » of a CSV: a number cell is exact.
    assert french_number(2.125) == "2,1250"
    assert french_number(-1234567.5) == "-1234567,5"


@pytest.mark.parametrize("suffix", [".xlsx", ".ods"])
def test_a_cohort_of_workbooks_gives_the_tables_its_csv_gives(suffix, project, capsys):
    write_cohort(config.raw_dir("csv"), tiny_tables())
    folder = write_cohort(config.raw_dir("classeurs"), tiny_tables())
    converted = convert_cohort(folder, suffix)
    assert "decisions" in converted and not list(folder.glob("*.csv"))
    assert _ingest("csv", capsys)[0] == 0
    assert _ingest("classeurs", capsys) == (0, "")
    csv, sheets = _processed("csv"), _processed("classeurs")
    assert csv.keys() == sheets.keys()
    for name in csv:
        pd.testing.assert_frame_equal(sheets[name], csv[name], check_dtype=True, obj=name)
    manifest = json.loads((config.processed_dir("classeurs") / ingest.MANIFEST).read_text(encoding="utf-8"))
    assert manifest["sources"]["decisions"] == f"decisions{suffix}"
    assert f"decisions{suffix}" in manifest["inputs"] and "decisions.csv" not in manifest["inputs"]


def _one_workbook(folder, suffix=".xlsx", rename=None) -> None:
    """Every table CSV of ``folder`` moved into one workbook, a sheet per table."""
    sheets = {}
    for path in sorted(folder.glob("*.csv")):
        sheets[(rename or {}).get(path.stem, path.stem)] = csv_rows(path)
        path.unlink()
    write_workbook(folder / f"cohorte{suffix}", sheets)


@pytest.mark.parametrize("suffix", [".xlsx", ".ods"])
def test_one_workbook_with_a_sheet_per_table(suffix, project, capsys):
    write_cohort(config.raw_dir("csv"), tiny_tables())
    folder = write_cohort(config.raw_dir("classeur"), tiny_tables())
    _one_workbook(folder, suffix, rename={"budget_previsionnel": "Budget prévisionnel", "jures": "Jurés"})
    assert _ingest("csv", capsys)[0] == 0
    assert _ingest("classeur", capsys) == (0, "")
    csv, sheets = _processed("csv"), _processed("classeur")
    for name in csv:
        pd.testing.assert_frame_equal(sheets[name], csv[name], obj=name)
    manifest = json.loads((config.processed_dir("classeur") / ingest.MANIFEST).read_text(encoding="utf-8"))
    assert set(manifest["sources"].values()) == {f"cohorte{suffix}"}


def test_a_problem_in_a_workbook_of_several_sheets_names_the_sheet(project, capsys):
    tables = tiny_tables()
    tables["dossiers"].loc[0, "legal_category"] = "associations"
    tables["ratings"].loc[13, "juror_id"] = "J04"
    folder = write_cohort(config.raw_dir("classeur"), tables)
    _one_workbook(folder)
    status, err = _ingest("classeur", capsys)
    assert status == 2
    assert err.splitlines()[1:] == [
        "  - [cohorte.xlsx]dossiers!D2, colonne « Statut juridique » : valeur « associations » : valeur non permise ; "
        "valeurs permises : « entreprise », « association », « collectivité territoriale », « EPCI », « autre "
        "établissement public », « organisation syndicale », « organisation professionnelle », « collectif "
        "d'usagers doté de la personnalité morale », « collectif sans personnalité morale », « personne physique »",
        "  - [cohorte.xlsx]notations!B15, colonne « Identifiant du juré » : « J04 » absent de [cohorte.xlsx]jures",
    ]


def test_a_table_given_twice_is_refused(tiny_cohort, capsys):
    write_workbook(tiny_cohort / "decisions.xlsx", {"Feuil1": csv_rows(tiny_cohort / "decisions.csv")})
    status, err = _ingest("tiny", capsys)
    assert status == 2
    assert err == ("1 problème dans les fichiers d'entrée ; rien n'a été écrit.\n"
                   "  - decisions.csv : table « decisions » fournie plusieurs fois (decisions.csv et decisions.xlsx) : "
                   "n'en garder qu'une, le kit ne choisit pas\n")
    (tiny_cohort / "decisions.csv").unlink()
    assert _ingest("tiny", capsys) == (0, "")


def test_a_table_in_a_format_the_kit_does_not_read_is_refused(tiny_cohort, capsys):
    (tiny_cohort / "decisions.csv").unlink()
    (tiny_cohort / "decisions.xls").write_bytes(b"\xd0\xcf\x11\xe0" + bytes(60))
    status, err = _ingest("tiny", capsys)
    assert status == 2
    assert err.splitlines()[1] == (
        "  - decisions.xls : format .xls non lu : enregistrer le classeur au format .xlsx, .ods ou .csv "
        "(« Enregistrer sous ») sous le nom decisions.xlsx, puis retirer decisions.xls")


def test_files_not_read_are_reported(tiny_cohort, capsys):
    shutil.copy(tiny_cohort / "notations.csv", tiny_cohort / "notations (2).csv")
    shutil.copy(tiny_cohort / "decisions.csv", tiny_cohort / "Decisions.csv")
    write_workbook(tiny_cohort / "notes.xlsx", {"Feuil1": [["à faire"], ["relancer J02"]]})
    (tiny_cohort / "LISEZMOI.md").write_text("notes", encoding="utf-8")  # not a table: not named
    (tiny_cohort / "~$dossiers.xlsx").write_bytes(b"lock")  # Excel's lock file of an open workbook
    status, err = _ingest("tiny", capsys)
    assert status == 0
    assert err.splitlines() == [
        "Remarque : Decisions.csv : fichier non lu : le kit lit decisions.csv, decisions.xlsx ou decisions.ods "
        "(ce nom exactement) ; le renommer s'il doit être lu, sinon le retirer du dossier",
        "Remarque : notations (2).csv : fichier non lu : le kit lit notations.csv, notations.xlsx ou notations.ods "
        "(ce nom exactement) ; le renommer s'il doit être lu, sinon le retirer du dossier",
        "Remarque : notes.xlsx : classeur non lu : aucune feuille ne porte le nom d'une table (dossiers, partenaires, "
        "budget_previsionnel, jures, conflits_interets, affectations, notations, decisions, suivi, versements, "
        "reevaluations, indicateurs, depenses_realisees, bilans)",
    ]
    manifest = json.loads((config.processed_dir("tiny") / ingest.MANIFEST).read_text(encoding="utf-8"))
    assert len(manifest["notes"]) == 3 and "notations (2).csv" in manifest["inputs"]
    assert ingest.is_up_to_date("tiny")
    (tiny_cohort / "notations (2).csv").unlink()  # a file removed: ingested again
    assert not ingest.is_up_to_date("tiny")


def test_sheets_of_a_workbook(tiny_cohort, capsys):
    rows = csv_rows(tiny_cohort / "decisions.csv")
    (tiny_cohort / "decisions.csv").unlink()
    # Excel's empty Feuil2 and Feuil3 are not read, and not worth a note.
    write_workbook(tiny_cohort / "decisions.xlsx", {"Feuil1": rows, "Feuil2": [[None]], "Feuil3": [[None]]})
    assert _ingest("tiny", capsys) == (0, "")
    write_workbook(tiny_cohort / "decisions.xlsx", {"jury": rows, "brouillon": [["à revoir"]]})
    status, err = _ingest("tiny", capsys)
    assert (status, err.splitlines()[1]) == (2, "  - decisions.xlsx : classeur de plusieurs feuilles (« jury », "
                                                "« brouillon ») : nommer « decisions » la feuille à lire")
    write_workbook(tiny_cohort / "decisions.xlsx", {"Decisions": rows, "brouillon": [["à revoir"]]})
    status, err = _ingest("tiny", capsys)
    assert (status, err) == (0, "Remarque : decisions.xlsx : feuille(s) non lue(s) : « brouillon » ; seules les "
                                "feuilles nommées comme une table sont lues\n")


def test_a_cell_in_error_and_an_empty_sheet(tiny_cohort, capsys):
    rows = csv_rows(tiny_cohort / "decisions.csv")
    rows[1][2] = "#DIV/0!"
    (tiny_cohort / "decisions.csv").unlink()
    write_workbook(tiny_cohort / "decisions.xlsx", {"Feuil1": rows})
    write_workbook(tiny_cohort / "partenaires.ods", {"Feuille1": [[None]]})
    (tiny_cohort / "partenaires.csv").unlink()
    status, err = _ingest("tiny", capsys)
    assert status == 2
    assert err.splitlines()[1:] == [
        "  - decisions.xlsx!C2, colonne « Montant accordé (EUR) » : cellule en erreur (« #DIV/0! ») : corriger "
        "la formule ou saisir la valeur",
        "  - partenaires.ods : feuille vide : attendu une ligne d'en-têtes (ligne 1) puis une ligne par enregistrement",
    ]


def test_a_damaged_workbook_is_refused(tiny_cohort, capsys):
    (tiny_cohort / "jures.csv").unlink()
    (tiny_cohort / "jures.xlsx").write_bytes(b"PK\x03\x04 not a workbook")
    status, err = _ingest("tiny", capsys)
    assert (status, err.splitlines()[1]) == (2, "  - jures.xlsx : classeur illisible : ce n'est pas un classeur Excel "
                                                "(.xlsx) valide (fichier abîmé, ou d'un autre format renommé) ; "
                                                "l'ouvrir dans le tableur et l'enregistrer à nouveau")


def test_a_change_in_decisions_xlsx_rebuilds_the_reports_reading_decisions(tiny_cohort, capsys):
    rows = csv_rows(tiny_cohort / "decisions.csv")
    (tiny_cohort / "decisions.csv").unlink()
    write_workbook(tiny_cohort / "decisions.xlsx", {"Feuil1": rows})
    ingest.ingest("tiny")
    manifest = json.loads((config.processed_dir("tiny") / ingest.MANIFEST).read_text(encoding="utf-8"))
    assert raw_files(["decisions"], manifest["sources"]) == ("decisions.xlsx", "appel.yaml")
    assert raw_files(["decisions"]) == ("decisions.csv", "appel.yaml")  # no manifest: the CSV's name
    decisions = ReportSpec("cohorte", "t", ("jury",), inputs=("decisions",))
    jurors = ReportSpec("cohorte", "t", ("jury",), inputs=("jurors",))
    before = {s: _key(s, {}, manifest) for s in (decisions, jurors)}
    rows[1][8] = "Projet solide, revu."
    write_workbook(tiny_cohort / "decisions.xlsx", {"Feuil1": rows})
    assert not ingest.is_up_to_date("tiny")
    ingest.ingest("tiny")
    manifest = json.loads((config.processed_dir("tiny") / ingest.MANIFEST).read_text(encoding="utf-8"))
    assert _key(decisions, {}, manifest) != before[decisions]
    assert _key(jurors, {}, manifest) == before[jurors]
    capsys.readouterr()


def test_the_templates_workbook_offers_every_closed_vocabulary_and_reads_back(project, capsys):
    out = project / "modeles"
    assert main(["templates", str(out), "--format", "xlsx"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["appel.yaml", "cohorte.xlsx"]
    wb = load_workbook(out / "cohorte.xlsx")
    assert wb.sheetnames[-1] == "listes" and wb["listes"].sheet_state == "hidden"
    lists = wb["listes"]
    for table in TABLES:
        ws = wb[table.filename.removesuffix(".csv")]
        headers = french_headers(table.model)
        assert [c.value for c in ws[1]] == list(headers.values())
        rules = {str(dv.sqref).split(":")[0][:-1]: dv for dv in ws.data_validations.dataValidation}
        vocabularies = closed_vocabularies(table)
        for k, name in enumerate(headers, start=1):
            letter = ws.cell(1, k).column_letter
            if name in vocabularies:
                rule = rules[letter]
                column = rule.formula1.split("!")[1].split(":")[0].replace("$", "")[:-1]
                offered = [c.value for c in lists[column][1:] if c.value is not None]
                assert rule.type == "list" and offered == list(vocabularies[name]), (table.name, name)
    assert closed_vocabularies(TABLES_BY_NAME["dossiers"])["legal_category"][0] == "entreprise"
    assert closed_vocabularies(TABLES_BY_NAME["dossiers"])["market_launched"] == ("oui", "non")
    assert "Intermédiaire" in closed_vocabularies(TABLES_BY_NAME["ratings"])["level"]
    # The template filled in as staff would, in the cohort folder: ingested as the CSVs are.
    csv = write_cohort(config.raw_dir("csv"), tiny_tables())
    folder = config.raw_dir("modele")
    folder.mkdir()
    shutil.copy(out / "cohorte.xlsx", folder / "cohorte.xlsx")
    wb = load_workbook(folder / "cohorte.xlsx")
    for path in csv.glob("*.csv"):
        for row in csv_rows(path)[1:]:
            wb[path.stem].append(row)
    wb.save(folder / "cohorte.xlsx")
    shutil.copy(csv / "appel.yaml", folder / "appel.yaml")
    assert _ingest("csv", capsys)[0] == 0
    assert _ingest("modele", capsys) == (0, "")
    for name, df in _processed("csv").items():
        pd.testing.assert_frame_equal(_processed("modele")[name], df, obj=name)


def test_headers_in_english_are_placed_too(tiny_cohort, capsys):
    rows = csv_rows(tiny_cohort / "jures.csv")
    rows[0] = ["juror_id", "name", "role", "structure"]
    rows[2][2] = "expert"
    (tiny_cohort / "jures.csv").unlink()
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    wb.save(tiny_cohort / "jures.xlsx")
    status, err = _ingest("tiny", capsys)
    assert status == 2 and err.splitlines()[1].startswith("  - jures.xlsx!C3, colonne « Qualité » : valeur « expert »")
