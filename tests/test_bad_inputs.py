"""The bad-input corpus: each case, run through the real ``socinnov ingest``, shows its exact message.

A case is a folder of ``tests/bad_inputs/``: the files that replace those of the tiny valid
cohort (``tests.conftest.tiny_tables``), an optional ``absent.txt`` naming files to remove, and
``expected.txt``, what the user reads on the terminal. The ingest must fail with exit status 2,
leave ``data/raw`` byte for byte as it was and write nothing under ``data/processed``.
"""

import hashlib
import re
from pathlib import Path

import pytest
from openpyxl.utils import get_column_letter

from socinnov import config
from socinnov.cli.main import main
from socinnov.inputs.csv_reader import read_text_table
from tests.conftest import tiny_tables, write_cohort
from tests.sheets import convert_cohort

CORPUS = Path(__file__).parent / "bad_inputs"
CASES = sorted(p for p in CORPUS.iterdir() if p.is_dir())
SPECIAL = {"expected.txt", "absent.txt"}


def tree_hashes(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def build_case(case: Path, raw: Path) -> Path:
    """The tiny valid cohort under ``raw/<case>``, with the case's files in place of its own."""
    folder = write_cohort(raw / case.name, tiny_tables())
    absent = case / "absent.txt"
    for name in absent.read_text(encoding="utf-8").split() if absent.exists() else ():
        (folder / name).unlink()
    for path in case.iterdir():
        if path.name not in SPECIAL:
            (folder / path.name).write_bytes(path.read_bytes())
    return folder


def test_the_corpus_has_at_least_twenty_cases():
    assert len(CASES) >= 20
    assert all((case / "expected.txt").exists() for case in CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_bad_input_gives_its_exact_message_and_writes_nothing(case, project, capsys):
    build_case(case, config.raw_dir())
    raw_before = tree_hashes(config.raw_dir())
    status = main(["ingest", case.name])
    err = capsys.readouterr().err
    assert err == (case / "expected.txt").read_text(encoding="utf-8")
    assert status == 2
    assert tree_hashes(config.raw_dir()) == raw_before  # data/raw never modified
    assert list(config.processed_dir().iterdir()) == []  # nothing written, no partial or temporary folder


def test_a_previous_processed_folder_survives_a_bad_input(project, capsys):
    """A failed ingest leaves the last good processed data as it was (atomic replacement)."""
    case = CORPUS / "guillemet-non-ferme"
    good = write_cohort(config.raw_dir(case.name), tiny_tables())
    assert main(["ingest", case.name]) == 0
    processed = tree_hashes(config.processed_dir(case.name))
    (good / "partenaires.csv").write_bytes((case / "partenaires.csv").read_bytes())
    assert main(["ingest", case.name]) == 2
    assert tree_hashes(config.processed_dir(case.name)) == processed
    assert [p.name for p in config.processed_dir().iterdir()] == [case.name]
    capsys.readouterr()


# The same corpus with every table of the cohort saved as a workbook (.xlsx, .ods): the same
# messages, each placed in the cell read (« jures.xlsx!C6 ») rather than at a CSV row and column.
CSV_ONLY = {
    "double-encodage-utf8": "a workbook has no text encoding",
    "excel-renomme-en-csv": "a workbook renamed .csv: about the CSV reader",
    "ods-renomme-en-csv": "a workbook renamed .csv: about the CSV reader",
    "fichier-vide": "an empty sheet is tested in tests/test_spreadsheets.py (its own message)",
    "fichier-coupe-en-pleine-ligne": "a row cut short without a line end: a CSV's syntax",
    "guillemet-au-milieu": "quotes: a CSV's syntax",
    "guillemet-non-ferme": "quotes: a CSV's syntax",
    "separateur-non-reconnu": "separators: a CSV's syntax",
    "separateur-tabulation": "separators: a CSV's syntax",
    "utf16-texte-unicode": "a workbook has no text encoding",
    "valeur-en-trop-separateur-non-protege": "separators: a CSV's syntax",
}
SHEET_CASES = [case for case in CASES if case.name not in CSV_ONLY]
_LINE = re.compile(r"^  - (?P<file>[\w.]+)\.csv(?:, ligne (?P<row>\d+))?(?:, colonne « (?P<column>[^»]+) »)? : "
                   r"(?P<message>.*)$")


def spreadsheet_expected(expected: str, headers: dict[str, list[str]], suffix: str) -> str:
    """``expected.txt`` with each converted file's name and place as the spreadsheet writes them:
    « jures.csv, ligne 6, colonne « Qualité » » -> « jures.xlsx!C6, colonne « Qualité » »."""
    names = re.compile(r"(?<![\w.-])(" + "|".join(re.escape(s) for s in headers) + r")\.csv(?!\w)")
    lines = []
    for line in expected.splitlines():
        m = _LINE.match(line)
        if not m or m["file"] not in headers:
            lines.append(names.sub(lambda n: n[1] + suffix, line))
            continue
        message = names.sub(lambda n: n[1] + suffix, m["message"])
        where = f"{m['file']}{suffix}"
        if m["column"] and m["column"] in headers[m["file"]]:
            letter = get_column_letter(headers[m["file"]].index(m["column"]) + 1)
            where += f"!{letter}{m['row'] or 1}, colonne « {m['column']} »"
        else:
            where += (f", ligne {m['row']}" if m["row"] else "") + (f", colonne « {m['column']} »" if m["column"] else "")
        lines.append(f"  - {where} : {message}")
    return "\n".join(lines) + "\n"


def test_the_csv_only_cases_exist():
    assert set(CSV_ONLY) <= {case.name for case in CASES}


@pytest.mark.parametrize("suffix", [".xlsx", ".ods"])
@pytest.mark.parametrize("case", SHEET_CASES, ids=lambda p: p.name)
def test_bad_input_in_a_workbook_gives_the_same_message_at_its_cell(case, suffix, project, capsys):
    folder = build_case(case, config.raw_dir())
    headers = {p.stem: [str(h) for h in read_text_table(p).columns] for p in folder.glob("*.csv")}
    convert_cohort(folder, suffix)
    raw_before = tree_hashes(config.raw_dir())
    status = main(["ingest", case.name])
    err = capsys.readouterr().err
    assert err == spreadsheet_expected((case / "expected.txt").read_text(encoding="utf-8"), headers, suffix)
    assert status == 2
    assert tree_hashes(config.raw_dir()) == raw_before
    assert list(config.processed_dir().iterdir()) == []
