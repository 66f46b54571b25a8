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


def _leave(path, text: str = "ancienne version") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_a_report_with_nothing_to_show_any_more_loses_what_an_earlier_build_left(project):
    """At the deposit stage « accord » and « évolution » have nothing to show: what an earlier
    build left of them (another state of the data) is removed for every audience, sheets
    included, even for a report the build was not asked for, and the index links none of it."""
    from socinnov import config
    from socinnov.reporting.build import build_reports
    from tests import cohorts

    cohorts.build_cohort(project / "data" / "raw" / "c", "depot")
    reports = config.reports_dir("c")
    left = [reports / "jury" / "accord.html", reports / "jury" / "accord.pdf", reports / "comite" / "accord.html",
            reports / "jury" / "notebooks" / "accord.ipynb", reports / "jury" / "notebooks" / ".accord.key",
            reports / "jury" / "fiches-debat" / "D01.html", reports / "jury" / "evolution.html",
            reports / "jury" / "fiches-trajectoire" / "D01.html"]
    for path in left:
        _leave(path)
    lines: list[str] = []
    index, outcomes = build_reports("c", only=("accord",), log=lines.append)  # nothing to run: no kernel
    assert outcomes == []
    assert [p for p in left if p.exists()] == []
    assert not (reports / "jury" / "fiches-debat").exists() and not (reports / "jury" / "fiches-trajectoire").exists()
    assert "« L'accord entre les jurés » (jury) : version précédente supprimée, plus rien à montrer" in lines
    page = index.read_text(encoding="utf-8")
    assert "accord.html" not in page and "evolution.html" not in page and "pas encore construit" in page


def test_a_rebuilt_report_that_writes_no_sheet_any_more_leaves_none(project):
    from socinnov.reporting.outputs import ReportFiles

    out = ReportFiles("c", "jury", "evolution")
    _leave(out.sheets / "D01.html")
    before = out.sheets_id()
    assert not out.drop_unwritten_sheets(None)
    # The notebook wrote its sheets again (a new folder swapped in): they stay.
    from socinnov import files

    with files.replacing_folder(out.sheets) as new:
        (new / "D02.html").write_text("nouvelle fiche", encoding="utf-8")
    assert not out.drop_unwritten_sheets(before) and (out.sheets / "D02.html").exists()
    # It wrote none (its section had no data): the old folder goes.
    assert out.drop_unwritten_sheets(out.sheets_id()) and not out.sheets.exists()
    assert ReportFiles("c", "jury", "cohorte").sheets is None


def test_the_reports_that_write_sheets_are_those_of_the_notebooks():
    import json

    from socinnov import config
    from socinnov.reporting.outputs import SHEETS
    from socinnov.reporting.pages import DEBATE_SHEETS, TRAJECTORY_SHEETS

    writers = {DEBATE_SHEETS: "debate_sheets.debate_sheets(", TRAJECTORY_SHEETS: "trajectory_sheets.write_sheets("}
    found = {}
    for path in sorted(config.notebooks_dir().glob("*.ipynb")):
        source = "".join("".join(c["source"]) for c in json.loads(path.read_text(encoding="utf-8"))["cells"])
        for folder, call in writers.items():
            if call in source:
                found[path.stem] = folder
    assert found == SHEETS


def test_the_index_links_each_pdf_and_says_which_is_older_than_its_html(project):
    import os
    from types import SimpleNamespace

    from socinnov import config
    from socinnov.reporting.index import index_html

    folder = config.reports_dir("c") / "jury"
    entries = []
    for name, title, pdf_age in (("cohorte", "Imprimé après", 5), ("accord", "Reconstruit depuis", -5),
                                 ("criteres", "Jamais imprimé", None)):
        html = folder / f"{name}.html"
        _leave(html)
        os.utime(html, (1_700_000_000, 1_700_000_000))
        if pdf_age is not None:
            _leave(html.with_suffix(".pdf"))
            os.utime(html.with_suffix(".pdf"), (1_700_000_000 + pdf_age,) * 2)
        entries.append(SimpleNamespace(spec=SimpleNamespace(title=title), html=html, error=None))
    page = index_html("c", {"jury": entries})
    assert '<a href="jury/cohorte.html">Imprimé après</a> (<a href="jury/cohorte.pdf">PDF</a>)</li>' in page
    assert ('<a href="jury/accord.html">Reconstruit depuis</a> (<a href="jury/accord.pdf">PDF</a>, '
            "PDF antérieur à la dernière construction)</li>") in page
    assert '<a href="jury/criteres.html">Jamais imprimé</a></li>' in page
