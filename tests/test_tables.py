"""Reading users' files: French writing parsed, every problem reported with file, row, column."""

import pandas as pd
import pytest

from socinnov.call.schemas import TABLES_BY_NAME, french_headers
from socinnov.errors import InputError, Problem
from socinnov.inputs.csv_reader import read_text_table
from socinnov.inputs.french_values import CellError, fold, parse_amount, parse_date
from socinnov.inputs.tabular import load_table

JURORS = TABLES_BY_NAME["jurors"]
DOSSIERS = TABLES_BY_NAME["dossiers"]


def messages(problems):
    return [str(p) for p in problems]


@pytest.mark.parametrize("text, expected", [("12 500,00 €", 12500.0), ("12\u202f500,5", 12500.5),
                                             ("40000", 40000.0), ("1.234,50", 1234.5), ("3 000 EUR", 3000.0)])
def test_amounts_as_french_offices_write_them(text, expected):
    assert parse_amount(text) == expected


@pytest.mark.parametrize("text, expected", [("05/09/2016", "2016-09-05"), ("5/9/2016", "2016-09-05"),
                                             ("2016-09-05", "2016-09-05")])
def test_dates(text, expected):
    assert parse_date(text) == pd.Timestamp(expected)


def test_fold_forgives_case_accents_and_spaces():
    assert fold("  Intermédiaire ") == fold("intermediaire") == "intermediaire"


def test_every_problem_of_a_file_at_once(tmp_path):
    (tmp_path / "jures.csv").write_text(
        "Identifiant du juré;Nom;Qualité;Structure\n"
        "J01;Juré fictif A;élu·e;Région\n"
        "J01;Juré fictif B;chercheur;\n"
        "J 03;;personne qualifiée;X\n", encoding="utf-8")
    df, problems = load_table(JURORS, tmp_path)
    assert df is None
    assert sorted(messages(problems)) == sorted([
        "jures.csv, ligne 2, colonne « Identifiant du juré » : valeur « J01 » en double : chaque valeur doit être unique",
        "jures.csv, ligne 3, colonne « Identifiant du juré » : valeur « J01 » en double : chaque valeur doit être unique",
        "jures.csv, ligne 4, colonne « Identifiant du juré » : valeur « J 03 » : format non reconnu "
        "(attendu : lettres, chiffres, tirets, sans espace)",
        "jures.csv, ligne 4, colonne « Nom » : valeur obligatoire manquante",
        "jures.csv, ligne 3, colonne « Qualité » : valeur « chercheur » : valeur non permise ; valeurs permises : "
        "« élu·e », « équipe projet », « direction de la Région », « partenaire technique », "
        "« réseau de recherche », « personne qualifiée »",
    ])


def test_unknown_and_missing_columns(tmp_path):
    (tmp_path / "jures.csv").write_text("Identifiant du juré;Nom;Fonction\nJ01;A;élu·e\n", encoding="utf-8")
    _, problems = load_table(JURORS, tmp_path)
    texts = messages(problems)
    assert any(t.startswith("jures.csv, colonne « Fonction » : colonne inconnue ; colonnes attendues : « Identifiant")
               for t in texts)
    assert "jures.csv, colonne « Qualité » : colonne obligatoire absente" in texts
    assert "jures.csv, colonne « Structure » : colonne obligatoire absente" in texts


def test_english_headers_comma_separator_windows_1252(tmp_path):
    (tmp_path / "jures.csv").write_text("juror_id,name,role,structure\nJ01,Hélène Fictive,élu·e,Région\n",
                                        encoding="utf-8")
    df, problems = load_table(JURORS, tmp_path)
    assert problems == [] and df.loc[0, "name"] == "Hélène Fictive"
    (tmp_path / "jures.csv").write_bytes("Identifiant du juré;Nom;Qualité;Structure\nJ01;Hélène;élu·e;\n"
                                         .encode("cp1252"))
    df, problems = load_table(JURORS, tmp_path)
    assert problems == [] and df.loc[0, "name"] == "Hélène" and pd.isna(df.loc[0, "structure"])


def test_unreadable_typed_cells_name_the_expected_form(tmp_path):
    headers = french_headers(DOSSIERS.model)
    from socinnov.inputs.french_values import dtype_kind, format_cell
    from tests.conftest import dossier
    schema = DOSSIERS.model.to_schema()
    row = dossier("D-001")
    cells = {headers[k]: format_cell(row[k], dtype_kind(schema.columns[k].dtype)) for k in headers}
    cells[headers["requested_amount"]] = "trente mille"
    cells[headers["filed_on"]] = "31/02/2016"
    cells[headers["market_launched"]] = "peut-être"
    pd.DataFrame([cells]).to_csv(tmp_path / "dossiers.csv", sep=";", index=False)
    _, problems = load_table(DOSSIERS, tmp_path)
    assert sorted(messages(problems)) == sorted([
        "dossiers.csv, ligne 2, colonne « Montant de l'aide sollicitée (EUR) » : valeur « trente mille » illisible : "
        "attendu un montant, par exemple 12 500,00",
        "dossiers.csv, ligne 2, colonne « Date de dépôt » : valeur « 31/02/2016 » illisible (ce jour n'existe pas) : "
        "attendu une date JJ/MM/AAAA, par exemple 05/09/2016",
        "dossiers.csv, ligne 2, colonne « Mise sur le marché déjà engagée » : valeur « peut-être » illisible : "
        "attendu « oui » ou « non »",
    ])


def test_missing_required_file(tmp_path):
    _, problems = load_table(DOSSIERS, tmp_path)
    assert messages(problems) == ["dossiers.csv : fichier obligatoire absent du dossier de la cohorte (ou "
                                  "dossiers.xlsx, dossiers.ods, ou une feuille « dossiers » d'un classeur)"]


def test_optional_file_absent_gives_an_empty_typed_table(tmp_path):
    df, problems = load_table(TABLES_BY_NAME["followup"], tmp_path)
    assert problems == [] and df.empty and list(df.columns) == list(french_headers(TABLES_BY_NAME["followup"].model))


def test_input_error_lists_every_problem_sorted():
    err = InputError([Problem("b.csv", 3, "X", "m"), Problem("a.csv", None, None, "n"), Problem("a.csv", 2, "Y", "o")])
    assert err.report().splitlines() == [
        "3 problèmes dans les fichiers d'entrée ; rien n'a été écrit.",
        "  - a.csv : n", "  - a.csv, ligne 2, colonne « Y » : o", "  - b.csv, ligne 3, colonne « X » : m"]


def test_read_text_table_blank_cells_are_missing(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("\ufeffa;b\n 1 ;\n", encoding="utf-8")
    df = read_text_table(p)
    assert df.loc[0, "a"] == "1" and pd.isna(df.loc[0, "b"])


# --- CSV files as French offices produce them ------------------------------------------------

@pytest.mark.parametrize("text, expected", [("1,234.50", 1234.5), ("12.5", 12.5), ("1.234.567", 1234567.0),
                                             ("0,500", 0.5), ("12 500,00 euros", 12500.0), ("€ 12", 12.0),
                                             ("-5,5", -5.5)])
def test_unambiguous_amounts_are_read(text, expected):
    assert parse_amount(text) == expected


@pytest.mark.parametrize("text, detail", [("12.500", "ambiguë (12 500 ou 12,5 ?)"),
                                           ("30,000", "ambiguë (30 000 ou 30 ?)"),
                                           ("1.2.3", "illisible"), ("12,", "illisible")])
def test_ambiguous_or_malformed_amounts_are_refused(text, detail):
    with pytest.raises(CellError) as err:
        parse_amount(text)
    assert err.value.detail == detail


@pytest.mark.parametrize("text, expected", [("05-09-2016", "2016-09-05"), ("05.09.2016", "2016-09-05"),
                                             ("05/09/2016 00:00", "2016-09-05"),
                                             ("2016-09-05T10:30:00", "2016-09-05")])
def test_more_dates_read_day_first(text, expected):
    assert parse_date(text) == pd.Timestamp(expected)


@pytest.mark.parametrize("text, detail", [("2016/09/05", "illisible (écrite année/mois/jour)"),
                                           ("09/05/16", "illisible (année sur deux chiffres)"),
                                           ("09/25/2016", "illisible (écrite mois/jour/année ?)"),
                                           ("42618", ("illisible (un nombre : la cellule n'est pas au format date "
                                                      "dans le tableur)"))])
def test_dates_not_written_day_month_year_are_refused_with_why(text, detail):
    with pytest.raises(CellError) as err:
        parse_date(text)
    assert err.value.detail == detail


def test_quoted_line_breaks_blank_rows_and_excel_leftovers(tmp_path):
    p = tmp_path / "jures.csv"
    p.write_bytes(b'Identifiant du jur\xe9;Nom;Qualit\xe9;Structure;;\r\n'
                  b'J01;"H\xe9l\xe8ne\r\nFictive";\xe9lu\xb7e;;;\r\n'
                  b'\r\n;;;;;\r\n'
                  b'J02;Sophie;chercheuse\r\n')
    df = read_text_table(p)
    assert list(df.columns) == ["Identifiant du juré", "Nom", "Qualité", "Structure"]
    assert df.index.tolist() == [0, 3]  # spreadsheet rows 2 and 5
    assert df.loc[0, "Nom"] == "Hélène\nFictive" and pd.isna(df.loc[3, "Structure"])
    _, problems = load_table(JURORS, tmp_path)
    assert messages(problems) == [
        ("jures.csv, ligne 5, colonne « Qualité » : valeur « chercheuse » : valeur non permise ; valeurs permises : "
         "« élu·e », « équipe projet », « direction de la Région », « partenaire technique », "
         "« réseau de recherche », « personne qualifiée »")]


@pytest.mark.parametrize("raw, message", [
    (b"", "fichier vide : attendu une ligne d'en-têtes puis une ligne par enregistrement"),
    ("a;b\n".encode("utf-16"), ("fichier encodé en UTF-16 (« Texte Unicode » d'Excel) ; attendu UTF-8 ou "
                                "Windows-1252 : l'ouvrir dans le tableur et « Enregistrer sous » > « CSV (séparateur : "
                                "point-virgule) » ou « CSV UTF-8 »")),
    (b"PK\x03\x04\x14\x00", ("classeur Excel (.xlsx) renommé en .csv, pas un fichier CSV : l'ouvrir dans le "
                              "tableur et « Enregistrer sous » > « CSV (séparateur : point-virgule) »")),
    (b"a;b\n\x81;x\n", "encodage non reconnu (octet 0x81 à la position 4) ; attendu UTF-8 ou Windows-1252"),
])
def test_files_that_are_not_csv_text_are_refused_with_what_was_found(tmp_path, raw, message):
    (tmp_path / "jures.csv").write_bytes(raw)
    _, problems = load_table(JURORS, tmp_path)
    assert messages(problems) == [f"jures.csv : {message}"]


def test_rows_with_more_values_than_headers_name_the_row(tmp_path):
    (tmp_path / "jures.csv").write_text("Identifiant du juré;Nom;Qualité;Structure\nJ01;A;élu·e;Région; pôle ESS\n"
                                        "J02;B;élu·e;\nJ03;C;élu·e;X;;\n", encoding="utf-8")
    _, problems = load_table(JURORS, tmp_path)
    assert messages(problems) == [("jures.csv, ligne 2 : 5 valeurs pour 4 colonnes (valeur en trop « pôle ESS ») : "
                                   "une valeur contenant le séparateur doit être entre guillemets")]


def test_a_check_on_a_row_is_not_reported_for_an_unreadable_cell(tmp_path):
    """« retenu - financé » without a readable amount: only the amount is reported."""
    (tmp_path / "decisions.csv").write_text(
        "Identifiant du dossier;Décision;Montant accordé (EUR);Assiette retenue (EUR);Réorientation vers;Date du jury;"
        "Validation par le comité d'élu-e-s;Date de validation;Motivation\n"
        "D-001;retenu - financé;12.500;;;29/09/2016;oui;20/10/2016;\n"
        "D-002;retenu - financé;;;;29/09/2016;oui;20/10/2016;\n", encoding="utf-8")
    _, problems = load_table(TABLES_BY_NAME["decisions"], tmp_path)
    assert messages(problems) == [
        ("decisions.csv, ligne 2, colonne « Montant accordé (EUR) » : valeur « 12.500 » ambiguë (12 500 ou 12,5 ?) : "
         "attendu un montant, par exemple 12 500,00"),
        "decisions.csv, ligne 3 : un dossier « retenu - financé » doit avoir un montant accordé"]


def test_files_with_and_without_quotes_are_read_alike(tmp_path):
    """A file without any quote goes to pandas' reader, one with quotes to the ``csv`` module:
    same cells, same blank rows skipped, same row numbers, same columns kept."""
    from socinnov.inputs import csv_reader

    text = ("Identifiant du juré ; Nom;Qualité;Structure;\r\n\r\n J01;Juré A ;élu·e;;\r\n;;;;\r\n"
            "J02;Juré B;équipe projet;Région;\r\nJ03;Juré C;élu·e;Mairie;\r\n")
    plain = csv_reader._table(csv_reader._read_unquoted(text.encode("utf-8"), ";"))
    exact = csv_reader._table(csv_reader._read_quoted(text, ";", "jures.csv"))
    pd.testing.assert_frame_equal(plain, exact)
    assert list(plain.index) == [1, 3, 4]  # spreadsheet rows 3, 5 and 6
    assert list(plain.columns) == ["Identifiant du juré", "Nom", "Qualité", "Structure"]
    assert plain.loc[1, "Nom"] == "Juré A" and pd.isna(plain.loc[1, "Structure"])
    path = tmp_path / "jures.csv"
    path.write_text(text, encoding="utf-8")
    pd.testing.assert_frame_equal(read_text_table(path), plain)


def test_ids_cleaned_as_one_id(tmp_path):
    """Surrounding spaces stripped, accents put in composed form (NFC), numbers kept as text."""
    path = tmp_path / "notes.csv"
    path.write_bytes('unité;juré\n101;André\n"101";Andre\u0301\n 101 ;"André "\n007;x\n'.encode("utf-8"))
    df = read_text_table(path)
    assert list(df["unité"]) == ["101", "101", "101", "007"]
    assert list(df["juré"]) == ["André", "André", "André", "x"]


def test_a_ragged_file_without_quotes_is_worded_by_the_exact_reader(tmp_path):
    path = tmp_path / "jures.csv"
    path.write_text("a;b\n1;2\n3;4;5\n", encoding="utf-8")
    with pytest.raises(Exception) as err:
        read_text_table(path)
    assert [str(p) for p in err.value.problems] == [
        "jures.csv, ligne 3 : 3 valeurs pour 2 colonnes (valeur en trop « 5 ») : une valeur contenant le "
        "séparateur doit être entre guillemets"]
