"""Both rating rounds through the juror workbooks: « individuel », then « après débat » (the individual
round recalled), imported into one notations.csv; conflicts with rows already there are listed."""

import re
import shutil
from statistics import median_low

import pandas as pd
import pytest
from openpyxl import load_workbook

from socinnov import config
from socinnov.call.grids import load_grid
from socinnov.call.schemas import TABLES_BY_NAME
from socinnov.call.vocabulary import AFTER_DEBATE, FUNDED, INDIVIDUAL, NOT_RETAINED, REORIENTED
from socinnov.cli.main import main
from socinnov.errors import InputError
from socinnov.inputs.form_import import import_forms, read_form, write_ratings
from socinnov.inputs.form_layout import (
    CONTROL_SHEET,
    FEASIBILITY_SHEET,
    GRID_SHEET,
    GUIDE_SHEET,
    KEY_ROUND,
)
from socinnov.inputs.forms import write_forms
from socinnov.inputs.tabular import load_table
from tests.conftest import dossier, tiny_tables, write_cohort

ACCEPTABILITY = load_grid("acceptabilite", "2016")
FEASIBILITY = load_grid("faisabilite", "2016")
GRIDS = {g.id: g for g in (ACCEPTABILITY, FEASIBILITY)}
RATINGS = TABLES_BY_NAME["ratings"]


def fill(path, values):
    """Type values into a workbook as a juror would: ``{(sheet, cell): value}``."""
    wb = load_workbook(path)
    for (sheet, cell), value in values.items():
        wb[sheet][cell] = value
    wb.save(path)


def values_of(path) -> list[str]:
    """Every text a workbook shows or hides, its properties included."""
    wb = load_workbook(path)
    texts = [str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    texts += [c.comment.text for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.comment]
    return texts + [str(v) for v in vars(wb.properties).values() if v]


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values(["round", "juror_id", "dossier_id", "grid", "criterion"]).reset_index(drop=True)


def _frame(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(RATINGS.model.to_schema().columns), dtype=str)


def rated_tiny(project, name="tiny"):
    """The tiny cohort: individual acceptability ratings of 3 jurors on 2 dossiers, D-001 retained.

    Juror k gives criterion n of dossier i the level ``(i + k + n) % 3`` of (Faible, Intermédiaire,
    Fort) (tests/conftest.py), so on D-001 J01 gives Faible, Intermédiaire, Fort to the first three
    criteria, J02 Intermédiaire, Fort, Faible and J03 Fort, Faible, Intermédiaire.
    """
    return write_cohort(project / "data" / "raw" / name, tiny_tables())


def unrated_tiny(project, name="tiny", decisions=True):
    """The tiny cohort before any rating: its pairs in affectations.csv, notations.csv empty."""
    t = tiny_tables()
    t["assignments"] = t["ratings"][["dossier_id", "juror_id"]].drop_duplicates()
    t["ratings"] = t["ratings"].iloc[:0]
    if not decisions:
        del t["decisions"]
    return write_cohort(project / "data" / "raw" / name, t)


# --------------------------------------------------------------------------------------------
# The « après débat » workbook


def test_after_debate_workbook_recalls_own_level_and_counts_the_others(project):
    rated_tiny(project)
    paths = write_forms("tiny", round=AFTER_DEBATE)
    assert [p.name for p in paths] == [f"formulaire-tiny-J0{k}-apres-debat.xlsx" for k in (1, 2, 3)]
    wb = load_workbook(paths[0])
    assert wb.sheetnames == [GUIDE_SHEET, GRID_SHEET, "D-001", "D-002", FEASIBILITY_SHEET, CONTROL_SHEET]
    ws = wb["D-001"]
    assert [ws.cell(row=5, column=c).value for c in range(1, 7)] == [
        "Section", "Critère", "Votre niveau (tour individuel)", "Autres jurés (tour individuel)", "Niveau après débat",
        "Commentaire"]
    # Levels by hand from the rule in rated_tiny's docstring; the others counted lowest level first.
    assert [(ws[f"C{r}"].value, ws[f"D{r}"].value) for r in (6, 7, 8)] == [
        ("Faible", "Intermédiaire : 1 · Fort : 1"), ("Intermédiaire", "Faible : 1 · Fort : 1"),
        ("Fort", "Faible : 1 · Intermédiaire : 1")]
    assert all(ws[f"E{r}"].value is None for r in range(6, 18))
    # No individual feasibility rating yet: nothing to recall.
    feasibility = wb[FEASIBILITY_SHEET]
    assert (feasibility["E6"].value, feasibility["F6"].value, feasibility["G6"].value) == ("—", "aucune note", None)
    assert [feasibility.cell(row=5, column=c).value for c in range(5, 9)] == [
        "Votre évaluation (tour individuel)", "Autres jurés (tour individuel)", "Évaluation après débat", "Commentaire"]
    assert ws["A4"].value.startswith("Colonnes C et D : votre niveau au tour individuel et, pour les autres jurés")
    assert ws["A4"].value.endswith("Choisir le niveau après débat dans la liste de la colonne E, même s'il ne change "
                                   "pas ; le repère de chaque niveau s'affiche en commentaire de la cellule. "
                                   "Commentaire libre en colonne F.")


def test_after_debate_workbook_counts_levels_and_empty_ratings(project):
    t = tiny_tables()
    r = t["ratings"]
    first = (r["dossier_id"] == "D-002") & (r["criterion"] == "caractere_collectif")
    r.loc[first & (r["juror_id"] == "J01"), "level"] = "Fort"
    r.loc[first & (r["juror_id"] == "J02"), "level"] = "Fort"
    r.loc[first & (r["juror_id"] == "J03"), "level"] = None
    write_cohort(project / "data" / "raw" / "tiny", t)
    paths = write_forms("tiny", round=AFTER_DEBATE)
    assert (load_workbook(paths[1])["D-002"]["D6"].value) == "Fort : 1 · sans note : 1"
    assert (load_workbook(paths[2])["D-002"]["C6"].value, load_workbook(paths[2])["D-002"]["D6"].value) == (
        "—", "Fort : 2")


def test_after_debate_workbook_has_the_same_drop_downs_and_protection(project):
    rated_tiny(project)
    wb = load_workbook(write_forms("tiny", round=AFTER_DEBATE)[0])
    assert wb.security.lockStructure and wb[CONTROL_SHEET].sheet_state == "hidden"
    assert all(wb[name].protection.sheet for name in wb.sheetnames)
    [dv] = wb["D-001"].data_validations.dataValidation
    assert (dv.formula1, str(dv.sqref)) == ('"Inexistant,Faible,Intermédiaire,Fort"', "E6:E17")
    [dv] = wb[FEASIBILITY_SHEET].data_validations.dataValidation
    assert (dv.formula1, str(dv.sqref)) == ('"C,B,A"', "G6:G20")
    unlocked = {c.coordinate for row in wb["D-001"].iter_rows(min_row=1, max_row=30, max_col=8) for c in row
                if not c.protection.locked}
    assert unlocked == {f"{col}{row}" for col in "EF" for row in range(6, 18)}
    unlocked = {c.coordinate for row in wb[FEASIBILITY_SHEET].iter_rows(min_row=1, max_row=30, max_col=10) for c in row
                if not c.protection.locked}
    assert unlocked == {f"{col}{row}" for col in "GH" for row in range(6, 21)}
    assert wb["D-001"]["E6"].comment.text.startswith("Caractère collectif du projet\nInexistant : ")


def test_after_debate_workbook_never_names_the_other_jurors(project):
    rated_tiny(project)
    for path in write_forms("tiny", round=AFTER_DEBATE):
        own = read_form(path)[0].juror_id
        others = {"J01", "J02", "J03"} - {own}
        shown = "\n".join(values_of(path))
        assert not [j for j in others if j in shown or f"Juré fictif {j}" in shown], path.name


def test_the_round_is_in_the_control_sheet_the_guide_and_the_form_id(project):
    rated_tiny(project)
    individual = write_forms("tiny")[0]
    after = write_forms("tiny", round=AFTER_DEBATE)[0]
    first, second = read_form(individual)[0], read_form(after)[0]
    assert (first.round, second.round) == (INDIVIDUAL, AFTER_DEBATE)
    assert first.form_id != second.form_id
    guide = values_of(after)
    assert guide[0] == "Formulaire de notation après débat" and "« après débat »" in guide
    assert any(t.startswith("1. ") and "même s'il ne change pas" in t for t in guide)
    assert load_workbook(after).properties.title == "Formulaire de notation après débat — Juré fictif J01 (J01)"


def test_after_debate_refused_before_any_individual_rating(project, capsys):
    unrated_tiny(project)
    with pytest.raises(InputError) as err:
        write_forms("tiny", round=AFTER_DEBATE)
    assert err.value.report().splitlines()[1] == (
        "  - notations.csv : aucune note au tour « individuel » : les formulaires du tour « après débat » rappellent "
        "les notes individuelles ; importer d'abord les classeurs du tour individuel (`socinnov import-forms tiny "
        "DOSSIER --out notations.csv`), copier notations.csv dans le dossier de la cohorte, puis relancer "
        "`socinnov forms tiny --tour apres-debat`")
    assert not (config.reports_dir("tiny") / "jury" / "formulaires").exists()
    with pytest.raises(SystemExit) as exit_:
        main(["forms", "tiny", "--tour", "final"])
    assert exit_.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        "socinnov forms : erreur : --tour : tour « final » inconnu ; tours : individuel, apres-debat")


def test_feasibility_sheet_from_the_assignment_once_decisions_name_retained_dossiers(project):
    unrated_tiny(project, "sans-decisions", decisions=False)
    assert load_workbook(write_forms("sans-decisions")[0]).sheetnames == [
        GUIDE_SHEET, GRID_SHEET, "D-001", "D-002", CONTROL_SHEET]
    unrated_tiny(project)  # decisions: D-001 « retenu - financé », D-002 « non retenu »
    form = read_form(write_forms("tiny")[0])[0]
    assert sorted({e.cell.dossier_id for e in form.entries if e.cell.grid == "faisabilite"}) == ["D-001"]
    assert sum(e.cell.sheet == FEASIBILITY_SHEET for e in form.entries) == len(FEASIBILITY.criteria) == 15


# --------------------------------------------------------------------------------------------
# Importing both rounds


def _fill_all(paths, level_of) -> pd.DataFrame:
    """Fill every criterion of every workbook with ``level_of(form, cell)``; return what was put in."""
    rows = []
    for path in paths:
        form = read_form(path)[0]
        values = {}
        for entry in form.entries:
            c = entry.cell
            level = level_of(form, c)
            values[(c.sheet, c.level_cell)] = level
            rows.append(dict(dossier_id=c.dossier_id, juror_id=form.juror_id, grid=c.grid,
                             grid_version=c.grid_version, criterion=c.criterion, round=form.round, level=level,
                             comment=None))
        fill(path, values)
    return _frame(rows)


def _first_level(form, cell) -> str:
    return GRIDS[cell.grid].level_labels[(int(form.juror_id[1:]) + len(cell.criterion)) % 3]


def _last_level(form, cell) -> str:
    return GRIDS[cell.grid].level_labels[-1]


def _into_cohort(project, ratings: pd.DataFrame, tmp_path) -> None:
    """Write the imported table, then copy it into the cohort as the user would."""
    out = write_ratings(ratings, tmp_path / "retour" / "notations.csv", force=True)
    shutil.copy(out, project / "data" / "raw" / "tiny" / "notations.csv")


def test_import_reads_both_rounds_into_one_notations_csv(project, tmp_path):
    unrated_tiny(project)
    individual = _fill_all(write_forms("tiny"), _first_level)
    first = import_forms("tiny", individual_dir := config.reports_dir("tiny") / "jury" / "formulaires")
    assert first.rounds == {INDIVIDUAL: 3, AFTER_DEBATE: 0} and first.kept == 0
    _into_cohort(project, first.ratings, tmp_path)
    after = _fill_all(write_forms("tiny", round=AFTER_DEBATE), _last_level)
    both = import_forms("tiny", individual_dir)  # the jurors returned both rounds into the same folder
    assert both.rounds == {INDIVIDUAL: 3, AFTER_DEBATE: 3} and both.read == 2 * 117 and both.kept == 0
    assert both.summary() == "6 classeurs lus (tour « individuel » : 3, tour « après débat » : 3)"
    pd.testing.assert_frame_equal(_sorted(both.ratings), _sorted(pd.concat([individual, after], ignore_index=True)))
    assert both.missing.empty and both.conflicts.empty
    out = write_ratings(both.ratings, tmp_path / "deux-tours" / "notations.csv")
    frame, problems = load_table(RATINGS, out.parent)
    assert problems == [] and frame.groupby("round").size().to_dict() == {AFTER_DEBATE: 117, INDIVIDUAL: 117}
    # Only the « après débat » workbooks in a folder: the individual round is carried from notations.csv.
    only_after = tmp_path / "apres-debat"
    only_after.mkdir()
    for path in individual_dir.glob("*-apres-debat.xlsx"):
        shutil.copy(path, only_after / path.name)
    again = import_forms("tiny", only_after)
    assert again.kept == 117 and again.rounds[INDIVIDUAL] == 0
    pd.testing.assert_frame_equal(_sorted(again.ratings), _sorted(both.ratings))


def test_missing_ratings_and_absent_workbooks_named_per_round(project, tmp_path):
    rated_tiny(project)
    paths = write_forms("tiny", round=AFTER_DEBATE)
    fill(paths[0], {("D-001", "E6"): "Fort"})
    paths[2].unlink()
    result = import_forms("tiny", paths[0].parent)
    lines = result.missing_report().splitlines()
    # 24 acceptability criteria + 15 feasibility items, one filled, the two « si pertinent » items not counted.
    assert lines[1].startswith("  - J01 (formulaire-tiny-J01-apres-debat.xlsx, tour « après débat ») : 36 note(s) "
                               "manquante(s) : D-001!E7, D-001!E8")
    assert lines[2].startswith("  - J02 (formulaire-tiny-J02-apres-debat.xlsx, tour « après débat ») : 37 note(s) ")
    assert lines[3] == "  - J03 : aucun classeur retourné pour le tour « après débat » (2 dossiers attribués)"
    assert len(lines) == 4


def test_conflicting_levels_are_refused_and_listed(project, tmp_path):
    rated_tiny(project)  # J01 gave D-001 « Faible » on the first criterion, « Intermédiaire » on the second
    paths = write_forms("tiny", force=True)
    fill(paths[0], {("D-001", "C6"): "Fort", ("D-001", "C7"): "Intermédiaire", ("D-002", "C6"): None})
    with pytest.raises(InputError) as err:
        import_forms("tiny", paths[0].parent)
    assert err.value.report().splitlines() == [
        "1 problème dans les fichiers d'entrée ; rien n'a été écrit.",
        ("  - formulaire-tiny-J01.xlsx : cellule D-001!C6 (dossier D-001, « Caractère collectif du projet »), tour "
         "« individuel » : niveau « Fort » alors que notations.csv (ligne 2) porte « Faible » pour ce dossier, ce juré "
         "et ce critère ; corriger le classeur ou notations.csv, ou relancer avec --classeurs-prioritaires pour que "
         "le classeur l'emporte")]
    out = tmp_path / "notations.csv"
    assert main(["import-forms", "tiny", str(paths[0].parent), "--out", str(out)]) == 2 and not out.exists()


def test_workbooks_win_only_when_asked_and_the_replaced_rows_are_listed(project, tmp_path, capsys):
    rated_tiny(project)
    paths = write_forms("tiny", force=True)
    fill(paths[0], {("D-001", "C6"): "Fort", ("D-001", "C7"): "Intermédiaire", ("D-001", "D7"): "Relu après débat"})
    out = tmp_path / "notations.csv"
    assert main(["import-forms", "tiny", str(paths[0].parent), "--out", str(out), "--classeurs-prioritaires"]) == 0
    std = capsys.readouterr()
    assert std.err.splitlines()[-2:] == [
        "Notes de notations.csv remplacées par les classeurs (1) :",
        ("  - notations.csv, ligne 2 : cellule D-001!C6 (dossier D-001, « Caractère collectif du projet »), tour "
         "« individuel » : « Faible » remplacé par « Fort » (formulaire-tiny-J01.xlsx)")]
    assert std.out.strip() == f"3 classeurs lus (tour « individuel » : 3), 117 lignes de notation écrites dans {out}"
    written, problems = load_table(RATINGS, tmp_path)
    assert problems == []
    before = tiny_tables()["ratings"]
    keys = ["dossier_id", "juror_id", "criterion"]
    merged = before.merge(written[written["grid"] == "acceptabilite"], on=keys, suffixes=("_avant", ""))
    changed = merged[merged["level"] != merged["level_avant"]]
    # One level replaced; the empty cells of the blank workbooks erased nothing; the comment was added.
    assert changed[keys + ["level_avant", "level"]].values.tolist() == [
        ["D-001", "J01", "caractere_collectif", "Faible", "Fort"]]
    assert merged.loc[merged["comment"].notna(), keys + ["comment"]].values.tolist() == [
        ["D-001", "J01", "richesse_collectif", "Relu après débat"]]
    # The feasibility rows are new (D-001 retained, not rated yet): 3 jurors x 15 items, empty.
    assert written[written["grid"] == "faisabilite"]["level"].isna().sum() == 45 and len(written) == 72 + 45


def test_a_round_returned_twice_and_an_unknown_round(project):
    rated_tiny(project)
    paths = write_forms("tiny", round=AFTER_DEBATE)
    shutil.copy(paths[0], paths[0].with_name("formulaire-tiny-J01-apres-debat (2).xlsx"))
    wb = load_workbook(paths[1])
    ws = wb[CONTROL_SHEET]
    next(row for row in ws.iter_rows(max_col=2) if row[0].value == KEY_ROUND)[1].value = "final"
    wb.save(paths[1])
    with pytest.raises(InputError) as err:
        import_forms("tiny", paths[0].parent)
    assert err.value.report().splitlines()[1:] == [
        ("  - formulaire-tiny-J01-apres-debat (2).xlsx : classeur reçu deux fois pour le juré J01 au tour « après "
         "débat » (le même formulaire) : aussi « formulaire-tiny-J01-apres-debat.xlsx » ; n'en garder qu'un dans le "
         "dossier"),
        ("  - formulaire-tiny-J01-apres-debat.xlsx : classeur reçu deux fois pour le juré J01 au tour « après débat » "
         "(le même formulaire) : aussi « formulaire-tiny-J01-apres-debat (2).xlsx » ; n'en garder qu'un dans le "
         "dossier"),
        ("  - formulaire-tiny-J02-apres-debat.xlsx : feuille « _controle » modifiée : tour « final » inconnu (tours : "
         "individuel, après débat) ; renvoyer le classeur reçu, rempli"),
    ]


def test_a_workbook_written_before_rounds_were_recorded_is_individual(project):
    unrated_tiny(project)
    path = write_forms("tiny")[0]
    wb = load_workbook(path)
    ws = wb[CONTROL_SHEET]
    ws.delete_rows(next(row[0].row for row in ws.iter_rows(max_col=1) if row[0].value == KEY_ROUND))
    wb.save(path)
    form = read_form(path)[0]
    assert form.round == INDIVIDUAL and len(form.entries) == 2 * 12 + 15


# --------------------------------------------------------------------------------------------
# From the assignment to the report


def small_cohort() -> dict[str, pd.DataFrame]:
    """Six eligible dossiers, four jurors, one conflict of interest, three dossiers retained; no rating."""
    ids = [f"D-00{k}" for k in range(1, 7)]
    jurors = [f"J0{k}" for k in range(1, 5)]
    decided = dict(zip(ids, [FUNDED, REORIENTED, FUNDED, NOT_RETAINED, NOT_RETAINED, NOT_RETAINED]))
    t = tiny_tables()
    t["dossiers"] = pd.DataFrame([dossier(d, departement=dep) for d, dep in zip(ids, ["33", "87", "86"] * 2)])
    t["partners"] = pd.DataFrame([dict(dossier_id=d, partner=f"Partenaire {d}-{k}", partner_type="association",
                                       role="Accueil des publics") for d in ids for k in (1, 2)])
    t["budget"] = pd.DataFrame([dict(dossier_id=d, category="temps de travail", label="Salaires", amount=60000.0,
                                     month_from=1, month_to=24) for d in ids])
    t["jurors"] = pd.DataFrame([dict(juror_id=j, name=f"Juré fictif {j}", role="personne qualifiée",
                                     structure="Structure fictive") for j in jurors])
    t["conflicts"] = pd.DataFrame([dict(juror_id="J04", dossier_id="D-006", reason="Administrateur du porteur")])
    t["ratings"] = t["ratings"].iloc[:0]
    template = t["decisions"].iloc[0]
    t["decisions"] = pd.DataFrame([template.to_dict() | dict(
        dossier_id=d, decision=decision, granted_amount=30000.0 if decision == FUNDED else None,
        eligible_base=60000.0 if decision == FUNDED else None,
        reoriented_to="France Active" if decision == REORIENTED else None) for d, decision in decided.items()])
    return t


def _levels(df: pd.DataFrame) -> list[tuple]:
    keys = ["round", "juror_id", "dossier_id", "grid", "criterion", "level"]
    return sorted(df[keys].itertuples(index=False, name=None))


def _as_jurors_would(given: dict):
    """A juror's individual level: the dossier's merit on the criterion, moved by the juror's severity
    (J02 lenient, J04 severe); each level given is recorded in ``given``."""
    severity = {"J01": 0, "J02": 1, "J03": 0, "J04": -1}

    def level_of(form, cell):
        labels = GRIDS[cell.grid].level_labels
        merit = (2 * int(cell.dossier_id[-1]) + len(cell.criterion)) % len(labels)
        level = labels[min(max(merit + severity[form.juror_id], 0), len(labels) - 1)]
        given[(form.juror_id, cell.dossier_id, cell.grid, cell.criterion)] = level
        return level
    return level_of


def _after_debate(individual):
    """After the debate, each juror moves to the middle (lower median) of the dossier's individual levels."""
    def level_of(form, cell):
        labels = GRIDS[cell.grid].level_labels
        given = [labels.index(v) for (j, d, g, c), v in individual.items()
                 if (d, g, c) == (cell.dossier_id, cell.grid, cell.criterion)]
        return labels[median_low(given)]
    return level_of


@pytest.mark.slow
def test_from_the_assignment_to_the_agreement_report(project, tmp_path, capsys):
    cohort = write_cohort(project / "data" / "raw" / "petit", small_cohort())
    assert main(["assign", "petit", "--jures-par-dossier", "3", "--out", str(tmp_path / "affectations.csv")]) == 0
    shutil.copy(tmp_path / "affectations.csv", cohort / "affectations.csv")
    assert main(["forms", "petit"]) == 0
    folder = config.reports_dir("petit") / "jury" / "formulaires"
    individual_levels = {}
    individual = _fill_all(sorted(folder.glob("*.xlsx")), _as_jurors_would(individual_levels))
    assert len(individual) == 6 * 3 * 12 + 3 * 3 * 15 == 351
    assert main(["import-forms", "petit", str(folder), "--out", str(tmp_path / "tour1" / "notations.csv")]) == 0
    shutil.copy(tmp_path / "tour1" / "notations.csv", cohort / "notations.csv")
    assert main(["forms", "petit", "--tour", "apres-debat"]) == 0
    after = _fill_all(sorted(folder.glob("*-apres-debat.xlsx")), _after_debate(individual_levels))
    out = tmp_path / "tour2" / "notations.csv"
    assert main(["import-forms", "petit", str(folder), "--out", str(out)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        f"8 classeurs lus (tour « individuel » : 4, tour « après débat » : 4), 702 lignes de notation écrites dans "
        f"{out}")
    written, problems = load_table(RATINGS, out.parent)
    assert problems == [] and _levels(written) == _levels(pd.concat([individual, after]))
    shutil.copy(out, cohort / "notations.csv")
    assert main(["ingest", "petit"]) == 0
    assert main(["report", "petit", "--audience", "jury", "--only", "accord"]) == 0
    html = (config.reports_dir("petit") / "jury" / "accord.html").read_text(encoding="utf-8")
    assert "<h2" in html and "Avant et après le débat" in html
    # The jurors moved to the dossier's middle level after the debate (_after_debate): agreement rises.
    gain = re.search(r"Accord par critère avant et après le débat du jury ; gain moyen de (-?\d+,\d+)", html)
    assert gain and float(gain.group(1).replace(",", ".")) > 0
    capsys.readouterr()
    assert main(["status", "petit"]) == 0
    assert "  « L'accord entre les jurés » (jury, comite) : 7 sections sur 7" in capsys.readouterr().out
