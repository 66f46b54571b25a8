"""Returned workbooks: the ratings put in come back exactly; every problem named by file and cell."""

import random
import shutil
import subprocess

import pandas as pd
import pytest
from openpyxl import load_workbook

from socinnov import config
from socinnov.call.grids import load_grid
from socinnov.call.schemas import TABLES_BY_NAME, Rating
from socinnov.cli.main import main
from socinnov.errors import InputError
from socinnov.inputs.form_import import import_forms, read_form, write_ratings
from socinnov.inputs.form_layout import CONTROL_SHEET
from socinnov.inputs.forms import write_forms
from socinnov.inputs.ingest import validate_cohort
from socinnov.inputs.tabular import load_table
from tests.conftest import tiny_tables, write_cohort

GRIDS = {g: load_grid(g, "2016") for g in ("acceptabilite", "faisabilite")}
COMMENTS = [None, "Collectif solide ; à suivre.", "Deux lignes :\n« co-construction » réelle", "  espaces  "]


def fill(path, values):
    """Type values into a workbook as a juror would: ``{(sheet, cell): value}``."""
    wb = load_workbook(path)
    for (sheet, cell), value in values.items():
        wb[sheet][cell] = value
    wb.save(path)


def fill_at_random(paths, seed=2016) -> pd.DataFrame:
    """Fill every form (a few levels left empty) and return the ratings table that was put in."""
    rng = random.Random(seed)
    rows = []
    for path in paths:
        form, _ = read_form(path)
        values = {}
        for entry in form.entries:
            c = entry.cell
            level = rng.choice([*GRIDS[c.grid].level_labels, None] if rng.random() < 0.1 else GRIDS[c.grid].level_labels)
            comment = rng.choice(COMMENTS)
            values[(c.sheet, c.level_cell)], values[(c.sheet, c.comment_cell)] = level, comment
            rows.append({"dossier_id": c.dossier_id, "juror_id": form.juror_id, "grid": c.grid, "grid_version": c.grid_version,
                             "criterion": c.criterion, "round": "individuel", "level": level,
                             "comment": comment.strip() if comment else None})
        fill(path, values)
    return _frame(rows)


def _frame(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(Rating.to_schema().columns), dtype=str)


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values(["juror_id", "dossier_id", "grid", "criterion"]).reset_index(drop=True)


def assigned_tables() -> dict[str, pd.DataFrame]:
    """The tiny cohort before any rating: its pairs in affectations.csv, notations.csv empty."""
    t = tiny_tables()
    t["assignments"] = t["ratings"][["dossier_id", "juror_id"]].drop_duplicates()
    t["ratings"] = t["ratings"].iloc[:0]
    return t


@pytest.fixture
def forms(project):
    write_cohort(project / "data" / "raw" / "tiny", assigned_tables())
    return write_forms("tiny")


def report_lines(excinfo) -> list[str]:
    return excinfo.value.report().splitlines()


def test_round_trip_gives_back_exactly_the_ratings_put_in(forms):
    expected = fill_at_random(forms)
    assert expected["level"].isna().sum() == 2 and expected["comment"].notna().sum() == 85
    result = import_forms("tiny", forms[0].parent)
    assert len(result.ratings) == 3 * (2 * 12 + 15) == 117
    pd.testing.assert_frame_equal(_sorted(result.ratings), _sorted(expected))
    assert result.files == [p.name for p in forms]


def test_imported_ratings_are_a_valid_notations_csv(project, forms, tmp_path):
    expected = fill_at_random(forms, seed=7)
    out = write_ratings(import_forms("tiny", forms[0].parent).ratings, tmp_path / "notations.csv")
    frame, problems = load_table(TABLES_BY_NAME["ratings"], tmp_path)
    assert problems == []
    pd.testing.assert_frame_equal(_sorted(frame), _sorted(expected))
    cohort = project / "data" / "raw" / "retour"
    shutil.copytree(project / "data" / "raw" / "tiny", cohort)
    shutil.copy(out, cohort / "notations.csv")
    frames, _ = validate_cohort(cohort)
    assert frames["ratings"]["level"].notna().sum() == expected["level"].notna().sum()


@pytest.mark.skipif(shutil.which("soffice") is None,
                    reason="LibreOffice (soffice) absent : aller-retour par LibreOffice non vérifié")
def test_round_trip_after_a_resave_by_libreoffice(forms, tmp_path):
    expected = fill_at_random(forms, seed=11)
    resaved = tmp_path / "libreoffice"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path / 'profil-lo'}", "--headless",
                    "--convert-to", "xlsx", "--outdir", str(resaved), *map(str, forms)],
                   check=True, capture_output=True, timeout=300)
    assert sorted(p.name for p in resaved.glob("*.xlsx")) == [p.name for p in forms]
    result = import_forms("tiny", resaved)
    pd.testing.assert_frame_equal(_sorted(result.ratings), _sorted(expected))
    wb = load_workbook(resaved / forms[0].name)  # what LibreOffice keeps of the form
    assert wb[CONTROL_SHEET].sheet_state == "hidden" and wb["D-001"].protection.sheet
    assert not wb["D-001"]["C6"].protection.locked and wb["D-001"]["B6"].protection.locked
    assert wb["D-001"]["C6"].comment is not None and len(wb["D-001"].data_validations.dataValidation) == 1


def test_values_normalised_where_unambiguous(forms):
    fill(forms[0], {("D-001", "C6"): "intermediaire", ("D-001", "C7"): "  FORT ", ("D-001", "C8"): "inexistant",
                    ("Faisabilité", "E6"): "a", ("Faisabilité", "E7"): "Peu satisfaisant",
                    ("D-001", "D6"): 12.0, ("D-001", "C9"): "   "})
    ratings = import_forms("tiny", forms[0].parent).ratings.set_index(["juror_id", "dossier_id", "criterion"])
    got = ratings.loc[[("J01", "D-001", c) for c in ("caractere_collectif", "richesse_collectif",
                                                     "integration_beneficiaires", "formalisation_gouvernance",
                                                     "leadership", "environnement_personnel")]]
    assert got["level"].fillna("").tolist() == ["Intermédiaire", "Fort", "Inexistant", "", "A", "B"]
    assert got["comment"].fillna("").tolist() == ["12", "", "", "", "", ""]


def test_refused_values_name_the_cell_and_the_allowed_values(forms, tmp_path):
    fill(forms[0], {("D-001", "C9"): "Excellent", ("D-002", "C6"): 3, ("Faisabilité", "E8"): "D",
                    ("D-001", "C10"): "Fort."})
    with pytest.raises(InputError) as err:
        import_forms("tiny", forms[0].parent)
    assert report_lines(err) == [
        "4 problèmes dans les fichiers d'entrée ; rien n'a été écrit.",
        ("  - formulaire-tiny-J01.xlsx : cellule D-001!C10 (dossier D-001, « Consistance du contenu ») : valeur "
         "« Fort. » non permise ; valeurs permises : « Inexistant », « Faible », « Intermédiaire », « Fort »"),
        ("  - formulaire-tiny-J01.xlsx : cellule D-001!C9 (dossier D-001, « Formalisation de la gouvernance ») : "
         "valeur « Excellent » non permise ; valeurs permises : « Inexistant », « Faible », « Intermédiaire », « Fort »"),
        ("  - formulaire-tiny-J01.xlsx : cellule D-002!C6 (dossier D-002, « Caractère collectif du projet ») : valeur "
         "« 3 » non permise ; valeurs permises : « Inexistant », « Faible », « Intermédiaire », « Fort »"),
        ("  - formulaire-tiny-J01.xlsx : cellule Faisabilité!E8 (dossier D-001, « Volonté d'engagement sur le long "
         "terme ») : valeur « D » non permise ; valeurs permises : « C », « B », « A »"),
    ]


def test_missing_ratings_listed_per_juror(forms):
    fill_at_random(forms[:2], seed=3)
    fill(forms[0], {("D-002", "C17"): None, ("Faisabilité", "E20"): None,
                    ("Faisabilité", "E12"): None, ("Faisabilité", "E13"): None})  # « si pertinent »: not missing
    fill(forms[1], {("D-001", f"C{r}"): "Faible" for r in range(6, 18)}
         | {("D-002", f"C{r}"): "Fort" for r in range(6, 18)}
         | {("Faisabilité", f"E{r}"): "B" for r in range(6, 21)})
    forms[2].unlink()  # J03 returns nothing
    result = import_forms("tiny", forms[0].parent)
    listed = result.missing[result.missing["juror_id"] == "J01"]["cell"].tolist()
    assert set(listed) >= {"D-002!C17", "Faisabilité!E20"} and not {"Faisabilité!E12", "Faisabilité!E13"} & set(listed)
    lines = result.missing_report().splitlines()
    assert lines[0] == "Notes manquantes (importées vides) :"
    assert lines[1].startswith(f"  - J01 (formulaire-tiny-J01.xlsx) : {len(listed)} note(s) manquante(s) : ")
    assert lines[2:] == ["  - J03 : aucun classeur retourné (2 dossiers attribués)"]
    assert result.ratings["juror_id"].unique().tolist() == ["J01", "J02"]


def test_every_problem_of_every_workbook_in_one_report(forms, tmp_path):
    folder = forms[0].parent
    fill(forms[0], {("D-001", "C6"): "Tres fort"})
    shutil.copy(forms[0], folder / "formulaire-tiny-J01 (copie).xlsx")  # returned twice
    forms[1].rename(folder / "formulaire-tiny-J03-bis.xlsx")  # J02's form under J03's name
    (folder / "notes J03.ods").write_bytes(b"PK\x03\x04")
    (folder / "~$formulaire-tiny-J01.xlsx").write_bytes(b"verrou Excel")  # Excel's lock file: skipped
    out = tmp_path / "notations.csv"
    assert main(["import-forms", "tiny", str(folder), "--out", str(out)]) == 2
    assert not out.exists()
    with pytest.raises(InputError) as err:
        import_forms("tiny", folder)
    assert report_lines(err) == [
        "6 problèmes dans les fichiers d'entrée ; rien n'a été écrit.",
        ("  - formulaire-tiny-J01 (copie).xlsx : cellule D-001!C6 (dossier D-001, « Caractère collectif du projet ») : "
         "valeur « Tres fort » non permise ; valeurs permises : « Inexistant », « Faible », « Intermédiaire », « Fort »"),
        ("  - formulaire-tiny-J01 (copie).xlsx : classeur reçu deux fois pour le juré J01 (le même formulaire) : "
         "aussi « formulaire-tiny-J01.xlsx » ; n'en garder qu'un dans le dossier"),
        ("  - formulaire-tiny-J01.xlsx : cellule D-001!C6 (dossier D-001, « Caractère collectif du projet ») : "
         "valeur « Tres fort » non permise ; valeurs permises : « Inexistant », « Faible », « Intermédiaire », « Fort »"),
        ("  - formulaire-tiny-J01.xlsx : classeur reçu deux fois pour le juré J01 (le même formulaire) : "
         "aussi « formulaire-tiny-J01 (copie).xlsx » ; n'en garder qu'un dans le dossier"),
        ("  - formulaire-tiny-J03-bis.xlsx : le nom du fichier désigne J03 mais le classeur est le formulaire du juré "
         "J02 (feuille de contrôle) : mauvais classeur renvoyé ?"),
        ("  - notes J03.ods : format .ods non pris en charge : ouvrir le classeur et l'enregistrer au format Excel "
         "(.xlsx)"),
    ]


def _edit_control(path, **facts):
    """Change facts of the hidden control sheet, as a wrong or tampered workbook would have them."""
    wb = load_workbook(path)
    ws = wb[CONTROL_SHEET]
    for row in ws.iter_rows(min_row=1, max_row=12, max_col=2):
        if row[0].value in facts:
            row[1].value = facts[row[0].value]
    wb.save(path)


def test_wrong_juror_wrong_cohort_old_grid(forms):
    _edit_control(forms[0], **{"juré": "J09", "cohorte": "demo", "grille faisabilite": "2015"})
    with pytest.raises(InputError) as err:
        import_forms("tiny", forms[0].parent)
    assert report_lines(err) == [
        "4 problèmes dans les fichiers d'entrée ; rien n'a été écrit.",
        "  - formulaire-tiny-J01.xlsx : formulaire de la cohorte « demo », pas de « tiny »",
        "  - formulaire-tiny-J01.xlsx : formulaire du juré « J09 », absent de jures.csv",
        ("  - formulaire-tiny-J01.xlsx : grille faisabilite en version 2015 alors que l'appel de la cohorte déclare "
         "la version 2016 : formulaire périmé"),
        ("  - formulaire-tiny-J01.xlsx : le nom du fichier désigne J01 mais le classeur est le formulaire du juré J09 "
         "(feuille de contrôle) : mauvais classeur renvoyé ?"),
    ]


def test_a_conflict_declared_after_the_forms_were_sent(project, forms):
    fill(forms[0], {("D-002", "C6"): "Fort"})
    t = assigned_tables()
    t["conflicts"] = pd.DataFrame([{"juror_id": "J01", "dossier_id": "D-002", "reason": "Administrateur du porteur"}])
    t["assignments"] = t["assignments"][~((t["assignments"]["juror_id"] == "J01")
                                          & (t["assignments"]["dossier_id"] == "D-002"))]
    write_cohort(project / "data" / "raw" / "tiny", t)
    with pytest.raises(InputError) as err:
        import_forms("tiny", forms[0].parent)
    assert report_lines(err)[1:] == [
        ("  - formulaire-tiny-J01.xlsx : feuille D-002 : dossier D-002 noté malgré un conflit d'intérêts déclaré "
         "(conflits_interets.csv)")]
    fill(forms[0], {("D-002", "C6"): None})  # left blank: simply not imported
    ratings = import_forms("tiny", forms[0].parent).ratings
    assert set(ratings.loc[ratings["juror_id"] == "J01", "dossier_id"]) == {"D-001"}


def test_moved_rows_renamed_sheets_and_foreign_files_refused(forms):
    folder = forms[0].parent
    wb = load_workbook(forms[0])
    wb["D-001"]["B7"] = "Caractère collectif du projet"  # a row moved once protection was removed
    wb["D-002"].title = "Dossier 2"
    wb.save(forms[0])
    wb = load_workbook(forms[1])
    wb.remove(wb[CONTROL_SHEET])
    wb.save(forms[1])
    (folder / "formulaire-tiny-J03.xlsx").write_bytes(b"pas un classeur")
    with pytest.raises(InputError) as err:
        import_forms("tiny", folder)
    assert report_lines(err) == [
        "3 problèmes dans les fichiers d'entrée ; rien n'a été écrit.",
        "  - formulaire-tiny-J01.xlsx : feuille « D-002 » absente : ne pas renommer ni supprimer les onglets",
        ("  - formulaire-tiny-J02.xlsx : pas un formulaire de notation de ce kit (feuille de contrôle « _controle » "
         "absente) : renvoyer le classeur reçu, rempli"),
        "  - formulaire-tiny-J03.xlsx : classeur illisible (BadZipFile) : l'enregistrer au format Excel (.xlsx)",
    ]
    wb = load_workbook(forms[0])
    wb["Dossier 2"].title = "D-002"
    wb.save(forms[0])
    shutil.copy(forms[0], forms[1])  # J01's form twice once the others are fixed
    forms[2].unlink()
    with pytest.raises(InputError) as err:
        import_forms("tiny", folder)
    moved = ("cellule D-001!C7 (dossier D-001, « Richesse du collectif ») : structure modifiée, la cellule D-001!B7 "
             "devrait porter « Richesse du collectif » ; ne pas déplacer, ajouter ni supprimer de ligne")
    assert report_lines(err)[1:] == [
        f"  - formulaire-tiny-J01.xlsx : {moved}",
        ("  - formulaire-tiny-J01.xlsx : classeur reçu deux fois pour le juré J01 (le même formulaire) : "
         "aussi « formulaire-tiny-J02.xlsx » ; n'en garder qu'un dans le dossier"),
        f"  - formulaire-tiny-J02.xlsx : {moved}",
        ("  - formulaire-tiny-J02.xlsx : classeur reçu deux fois pour le juré J01 (le même formulaire) : "
         "aussi « formulaire-tiny-J01.xlsx » ; n'en garder qu'un dans le dossier"),
        ("  - formulaire-tiny-J02.xlsx : le nom du fichier désigne J02 mais le classeur est le formulaire du juré J01 "
         "(feuille de contrôle) : mauvais classeur renvoyé ?"),
    ]


def test_import_forms_command_never_writes_under_data_raw(forms, capsys):
    fill_at_random(forms)
    raw = config.raw_dir("tiny") / "notations.csv"
    before = raw.read_bytes()
    assert main(["import-forms", "tiny", str(forms[0].parent), "--out", str(raw)]) == 2
    assert raw.read_bytes() == before
    err = capsys.readouterr().err.splitlines()
    assert err == ["1 problème dans les fichiers d'entrée ; rien n'a été écrit.",
                   (f"  - {raw} : écriture refusée dans {config.raw_dir()} : les fichiers fournis n'y sont jamais "
                    "modifiés ; écrire ailleurs, vérifier, puis remplacer notations.csv à la main")]
    out = config.project_root() / "retours" / "notations.csv"
    assert main(["import-forms", "tiny", str(forms[0].parent), "--out", str(out)]) == 0
    assert capsys.readouterr().out.strip() == (f"3 classeurs lus (tour « individuel » : 3), 117 lignes de notation "
                                               f"écrites dans {out}")
    assert main(["import-forms", "tiny", str(forms[0].parent), "--out", str(out)]) == 2
    assert capsys.readouterr().err.splitlines()[1] == (
        f"  - {out} : existe déjà : laissé tel quel (--force pour le remplacer)")
    assert main(["import-forms", "tiny", str(forms[0].parent), "--out", str(out), "--force"]) == 0
