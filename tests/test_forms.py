"""Juror workbooks: one per juror, the call's grids word for word, only rating cells open."""

import shutil

import pandas as pd
import pytest
from openpyxl import load_workbook

from socinnov import config
from socinnov.call.grids import load_grid
from socinnov.cli.main import main
from socinnov.errors import InputError
from socinnov.inputs.form_import import read_form
from socinnov.inputs.form_layout import (
    CONTROL_SHEET,
    FEASIBILITY_SHEET,
    GRID_SHEET,
    GUIDE_SHEET,
    assignments,
    plan_forms,
    sheet_names,
)
from socinnov.inputs.forms import forms_dir, write_forms
from socinnov.inputs.ingest import validate_cohort
from tests.conftest import REPO, tiny_tables, write_cohort

ACCEPTABILITY = load_grid("acceptabilite", "2016")
FEASIBILITY = load_grid("faisabilite", "2016")


@pytest.fixture
def forms(tiny_cohort):
    """The tiny cohort's three workbooks, written where ``socinnov forms tiny`` writes them."""
    return write_forms("tiny")


def test_one_workbook_per_juror_in_the_jury_reports(forms):
    assert [p.name for p in forms] == ["formulaire-tiny-J01.xlsx", "formulaire-tiny-J02.xlsx",
                                       "formulaire-tiny-J03.xlsx"]
    assert {p.parent for p in forms} == {config.reports_dir("tiny") / "jury" / "formulaires"} == {forms_dir("tiny")}


def test_sheets_guide_grid_one_per_dossier_feasibility_and_hidden_control(forms):
    wb = load_workbook(forms[0])
    # D-001 is « retenu - financé », D-002 « non retenu »: feasibility for D-001 only.
    assert wb.sheetnames == [GUIDE_SHEET, GRID_SHEET, "D-001", "D-002", FEASIBILITY_SHEET, CONTROL_SHEET]
    assert wb[CONTROL_SHEET].sheet_state == "hidden"
    assert [wb[s].sheet_state for s in wb.sheetnames[:-1]] == ["visible"] * 5
    assert wb.security.lockStructure
    feasibility = wb[FEASIBILITY_SHEET]
    assert [feasibility.cell(row=r, column=1).value for r in range(6, 21)] == ["D-001"] * 15
    assert feasibility["A21"].value is None


def test_only_level_and_comment_cells_are_unlocked(forms):
    wb = load_workbook(forms[0])
    for name in wb.sheetnames:
        assert wb[name].protection.sheet, name
    ws = wb["D-001"]
    unlocked = {c.coordinate for row in ws.iter_rows(min_row=1, max_row=30, max_col=8) for c in row
                if not c.protection.locked}
    assert unlocked == {f"{col}{row}" for col in "CD" for row in range(6, 18)}
    ws = wb[FEASIBILITY_SHEET]
    unlocked = {c.coordinate for row in ws.iter_rows(min_row=1, max_row=30, max_col=8) for c in row
                if not c.protection.locked}
    assert unlocked == {f"{col}{row}" for col in "EF" for row in range(6, 21)}
    guide = wb[GUIDE_SHEET]
    assert all(c.protection.locked for row in guide.iter_rows() for c in row)


def test_drop_down_lists_of_the_grid_levels(forms):
    wb = load_workbook(forms[0])
    [dv] = wb["D-001"].data_validations.dataValidation
    assert (dv.type, dv.formula1, str(dv.sqref)) == ("list", '"Inexistant,Faible,Intermédiaire,Fort"', "C6:C17")
    assert dv.showErrorMessage and dv.error == "Choisir un niveau dans la liste : Inexistant, Faible, Intermédiaire, Fort."
    [dv] = wb[FEASIBILITY_SHEET].data_validations.dataValidation
    assert (dv.formula1, str(dv.sqref)) == ('"C,B,A"', "E6:E20")


def test_descriptors_word_for_word_where_the_juror_chooses(forms):
    ws = load_workbook(forms[0])["D-002"]
    for row, criterion in enumerate(ACCEPTABILITY.criteria, start=6):
        assert ws[f"B{row}"].value == criterion.label
        assert ws[f"C{row}"].comment.text.split("\n") == [
            criterion.label, *(f"{lv} : {criterion.descriptors[lv]}" for lv in ACCEPTABILITY.level_labels)]
    assert ws["A6"].value == "Portage" and ws["A10"].value == "Contenu" and ws["A13"].value == "Contexte"
    assert ws["A1"].value == "D-002 — Action fictive D-002"
    feasibility = load_workbook(forms[0])[FEASIBILITY_SHEET]
    assert feasibility["E12"].comment.text.split("\n") == [
        "Segmentation précise des marchés dans lesquels le projet s'intègre et pertinence du segment",
        "A : satisfaisant", "B : peu satisfaisant", "C : non satisfaisant", "Section à remplir si pertinent."]
    assert feasibility["C12"].value == "Analyse de l’approche du marché (si pertinent)"


def test_help_sheet_holds_the_whole_grid(forms):
    ws = load_workbook(forms[0])[GRID_SHEET]
    values = {c.value for row in ws.iter_rows() for c in row if c.value is not None}
    descriptors = {d for c in ACCEPTABILITY.criteria for d in c.descriptors.values()}
    assert len(descriptors) == 47  # 48 cells, « Non identifiée » twice
    assert descriptors <= values
    assert {c.label for c in FEASIBILITY.criteria} <= values
    assert [ws.cell(row=4, column=c).value for c in range(1, 7)] == ["Section", "Critère", "Inexistant", "Faible",
                                                                     "Intermédiaire", "Fort"]


def test_guide_says_in_french_how_to_fill_and_return(forms):
    ws = load_workbook(forms[0])[GUIDE_SHEET]
    text = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert text[:2] == ["Formulaire de notation individuelle",
                        "AMI Expérimentation de démarches socialement innovantes — Région ALPC"]
    assert "Juré fictif J01 (J01)" in text and "Comment remplir" in text and "Comment renvoyer" in text
    assert "1. Enregistrer le classeur au format Excel (.xlsx), sans changer son nom." in text
    assert any(t.endswith("Inexistant, Faible, Intermédiaire, Fort.") for t in text)
    assert any("5. L'onglet « Faisabilité »" in t and "A : satisfaisant. B : peu satisfaisant. C : non satisfaisant"
               in t for t in text)
    links = {c.value: c.hyperlink.location for row in ws.iter_rows() for c in row if c.hyperlink}
    assert links == {"D-001": "'D-001'!A1", "D-002": "'D-002'!A1"}
    progress = [c.value for row in ws.iter_rows() for c in row if str(c.value).startswith("=COUNTA")]
    assert progress == ["=COUNTA('D-001'!C6:C17)&\" / 12\"", "=COUNTA('Faisabilité'!E6:E20)&\" / 15\"",
                        "=COUNTA('D-002'!C6:C17)&\" / 12\""]


def test_control_sheet_and_properties_identify_the_form(tiny_cohort, forms):
    frames, call = validate_cohort(tiny_cohort)
    plan = plan_forms(frames, call, "tiny")[1]
    form, problems = read_form(forms[1])
    assert problems == []
    assert (form.cohort, form.juror_id, form.form_id) == ("tiny", "J02", plan.form_id)
    assert form.form_id.startswith("F-") and len(form.form_id) == 14
    assert form.grid_versions == {"acceptabilite": "2016", "faisabilite": "2016"}
    assert len(form.entries) == 2 * 12 + 15 and form.filled() == 0
    assert [e.cell.level_cell for e in form.entries[:3]] == ["C6", "C7", "C8"]
    wb = load_workbook(forms[1])
    assert wb.properties.identifier == plan.form_id
    assert wb.properties.title == "Formulaire de notation individuelle — Juré fictif J02 (J02)"


def test_form_id_is_stable_and_changes_with_the_assignment(tiny_cohort):
    frames, call = validate_cohort(tiny_cohort)
    first = plan_forms(frames, call, "tiny")
    assert [p.form_id for p in first] == [p.form_id for p in plan_forms(frames, call, "tiny")]
    frames["ratings"] = frames["ratings"][frames["ratings"]["dossier_id"] == "D-001"]
    assert [p.form_id for p in plan_forms(frames, call, "tiny")] != [p.form_id for p in first]
    assert len({p.form_id for p in first}) == 3


def test_conflicts_excluded_in_any_case():
    t = tiny_tables()
    t["conflicts"] = pd.DataFrame([{"juror_id": "J03", "dossier_id": "D-002", "reason": "Administrateur"}])
    pairs = assignments(t)
    assert list(zip(pairs["juror_id"], pairs["dossier_id"])) == [
        ("J01", "D-001"), ("J01", "D-002"), ("J02", "D-001"), ("J02", "D-002"), ("J03", "D-001")]


def test_a_cohort_without_decisions_asks_no_feasibility(project):
    t = tiny_tables()
    del t["decisions"]
    t["ratings"] = t["ratings"].assign(level=None)  # not rated yet: the rows are the assignment
    write_cohort(project / "data" / "raw" / "sans-decisions", t)
    paths = write_forms("sans-decisions")
    assert load_workbook(paths[0]).sheetnames == [GUIDE_SHEET, GRID_SHEET, "D-001", "D-002", CONTROL_SHEET]


def test_sheet_names_stay_valid_and_unique():
    long = "D" * 40
    assert sheet_names(["AMI16-017", long, "grille", "Grille"]) == {
        "AMI16-017": "AMI16-017", long: "D" * 26 + "~", "grille": "grille~3", "Grille": "Grille~4"}


def test_filled_workbooks_are_never_replaced_without_force(forms):
    wb = load_workbook(forms[0])
    wb["D-001"]["C6"] = "Fort"
    wb.save(forms[0])
    with pytest.raises(InputError) as err:
        write_forms("tiny")
    assert err.value.report().splitlines() == [
        "1 problème dans les fichiers d'entrée ; rien n'a été écrit.",
        ("  - formulaire-tiny-J01.xlsx : existe déjà et porte 1 critère(s) rempli(s) : laissé tel quel "
         "(--force pour le remplacer)")]
    assert read_form(forms[0])[0].filled() == 1
    write_forms("tiny", force=True)
    assert read_form(forms[0])[0].filled() == 0


def test_socinnov_forms_demo_writes_one_workbook_per_demo_juror(project, tmp_path, capsys):
    shutil.copytree(REPO / "data" / "raw" / "demo", project / "data" / "raw" / "demo")
    assert main(["forms", "demo", "--out", str(tmp_path / "formulaires")]) == 0
    paths = sorted((tmp_path / "formulaires").glob("*.xlsx"))
    assert [p.name for p in paths] == [f"formulaire-demo-J0{k}.xlsx" for k in range(1, 10)]
    assert capsys.readouterr().out.splitlines()[-1] == (f"9 formulaires de notation (tour « individuel ») écrits dans "
                                                        f"{tmp_path / 'formulaires'}")
    form, problems = read_form(paths[0])
    assert problems == [] and form.juror_id == "J01"
    dossiers = {e.cell.dossier_id for e in form.entries if e.cell.grid == "acceptabilite"}
    assert len(dossiers) == 42 and len(form.entries) == 42 * 12 + 18 * 15


def test_a_cohort_with_no_assignment_gets_no_workbook(project):
    t = tiny_tables()
    t["ratings"] = t["ratings"].iloc[:0]
    write_cohort(project / "data" / "raw" / "vide", t)
    with pytest.raises(InputError) as err:
        write_forms("vide")
    assert err.value.problems[0].file == "affectations.csv"
    assert err.value.problems[0].message.startswith(
        "aucun dossier attribué : écrire les affectations avec `socinnov assign vide --jures-par-dossier K")
    assert not forms_dir("vide").exists()
