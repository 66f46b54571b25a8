"""The ``socinnov`` command as a user meets it: each command's help (what it does, examples that
run), a cohort given by its path, the progress of a long build, French durations."""

from __future__ import annotations

import argparse
import re
import shlex

import pytest

from socinnov.cli import main as cli
from socinnov.reporting.build import discover_reports

COMMANDS = ("demo", "ingest", "status", "report", "audit", "opendata", "templates", "forms", "assign",
            "import-forms", "import-ds", "agreement")


def _commands() -> dict[str, argparse.ArgumentParser]:
    parser = cli.build_parser()
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices


def _examples(help_text: str) -> list[str]:
    """The command lines of a help's « exemples » section, continuation lines joined."""
    section = help_text.split("\nexemples :\n", 1)[1]
    joined = re.sub(r" \\\n\s+", " ", section)
    return [line.strip() for line in joined.splitlines() if line.startswith("  socinnov ")]


def test_every_command_has_a_french_description_and_examples_that_parse():
    commands = _commands()
    assert sorted(commands) == sorted(COMMANDS)
    for name, parser in commands.items():
        text = parser.format_help()
        assert parser.description and len(parser.description.split()) >= 12, name
        assert text.startswith(f"utilisation : socinnov {name} ")
        assert "show this help" not in text and "options :" in text
        examples = _examples(text)
        assert examples, name
        for line in examples:
            argv = shlex.split(line)
            assert argv[:2] == ["socinnov", name], line
            args = cli.build_parser().parse_args(argv[1:])  # an example the parser refuses exits 2
            assert args.func is not None
        assert all(len(line) <= 80 for line in text.splitlines()), name


def test_help_of_every_command_is_printed_by_the_command_line(capsys):
    for name in COMMANDS:
        with pytest.raises(SystemExit) as exit_:
            cli.main([name, "--help"])
        assert exit_.value.code == 0
        assert "exemples :" in capsys.readouterr().out


def test_only_lists_the_reports_the_notebooks_declare():
    text = re.sub(r"\s+", " ", _commands()["report"].format_help())
    names = [s.name for s in discover_reports()]
    assert len(names) >= 6
    assert "--only RAPPORT ne construire que ce rapport (répétable) : " + ", ".join(names) in text


def test_help_breaks_no_line_before_french_punctuation():
    text = _commands()["report"].format_help()
    assert not [line for line in text.splitlines() if re.match(r"\s*[;:»]", line)]
    assert "(répétable ; défaut : jury)" in text


def test_a_cohort_folder_is_passed_to_the_notebooks_as_ingest_reads_it(project, monkeypatch):
    from socinnov.inputs.ingest import resolve_cohort
    from socinnov.reporting.build import notebook_cohort
    from tests.conftest import tiny_tables, write_cohort

    write_cohort(project / "data" / "raw" / "tiny", tiny_tables())
    elsewhere = write_cohort(project.parent / "ailleurs" / "tiny", tiny_tables())
    assert notebook_cohort("tiny") == "tiny"
    assert notebook_cohort(project / "data" / "raw" / "tiny") == "tiny"  # the same cohort, the same key
    monkeypatch.chdir(project.parent)
    assert notebook_cohort("./ailleurs/tiny") == notebook_cohort(elsewhere) == "../../ailleurs/tiny"
    # What the notebook will do with it, from the notebooks' folder where the kernels run.
    monkeypatch.chdir(project / "notebooks")
    assert resolve_cohort("../../ailleurs/tiny") == ("tiny", elsewhere)


def test_durations_are_french():
    from socinnov.reporting.progress import duration

    assert duration(27.46) == "27,5 s" and duration(0.84) == "0,8 s"
    assert duration(59.97) == "1 min 00 s" and duration(80.2) == "1 min 20 s" and duration(20.4, 0) == "20 s"


def test_a_long_report_says_it_is_still_running_until_it_ends():
    import time

    from socinnov.reporting.progress import Ticker

    lines: list[str] = []
    with Ticker(lines.append, every=0.05) as ticker:
        with ticker.running("Accord entre les jurés (jury)"):
            time.sleep(0.4)
        ended = len(lines)
        time.sleep(0.2)
    assert ended >= 2 and len(lines) == ended  # nothing once the report ended
    assert all(re.fullmatch(r" {6}… Accord entre les jurés \(jury\) en cours depuis 0 s", line) for line in lines)


def test_no_progress_line_when_disabled():
    import threading
    import time

    from socinnov.reporting.progress import Ticker

    lines: list[str] = []
    before = threading.active_count()
    with Ticker(lines.append, enabled=False, every=0.01) as ticker, ticker.running("Rapport (jury)"):
        assert threading.active_count() == before
        time.sleep(0.1)
    assert lines == []


@pytest.mark.parametrize("terminal", [True, False])
def test_progress_only_when_the_errors_go_to_a_terminal(monkeypatch, capsys, tmp_path, terminal):
    import sys

    from socinnov.reporting import build

    asked = {}

    def fake_build(cohort, **kwargs):
        asked.update(kwargs)
        return tmp_path / "index.html", []

    monkeypatch.setattr(build, "build_reports", fake_build)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: terminal)
    assert cli.main(["report", "tiny"]) == 0
    assert asked["progress"] is terminal
