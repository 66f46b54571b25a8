"""The bad-input corpus: each case, run through the real ``socinnov ingest``, shows its exact message.

A case is a folder of ``tests/bad_inputs/``: the files that replace those of the tiny valid
cohort (``tests.conftest.tiny_tables``), an optional ``absent.txt`` naming files to remove, and
``expected.txt``, what the user reads on the terminal. The ingest must fail with exit status 2,
leave ``data/raw`` byte for byte as it was and write nothing under ``data/processed``.
"""

import hashlib
from pathlib import Path

import pytest

from socinnov import config
from socinnov.cli.main import main
from tests.conftest import tiny_tables, write_cohort

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
