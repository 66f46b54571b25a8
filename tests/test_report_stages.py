"""Every report builds at every stage of a call from valid data (issue 14, « Done when »).

The hand-made cohorts of ``tests/cohorts.py`` (8 dossiers, 3 jurors) are built with every report
for every audience, one build per cohort, the cohorts chosen so that together they cover the
stages and the combinations a real call produces: dossiers only, partial individual ratings,
decisions with one round and feasibility ratings, decisions with two rounds and none, follow-up
under way (two rounds, feasibility, validated decisions), and final reports with one round.

Each build must exit 0 with no Python error in any executed notebook. For each report, what
``socinnov.call.stages.report_contents`` says is missing is checked section by section in the
executed notebook (a report with nothing to show yet is not built, and the build says why): a
missing section shows exactly one output, the French sentence of what is
missing and which file brings it; a section with its data shows no such sentence; no table is
shown empty.
"""

from __future__ import annotations

import json
import re

import pytest

from socinnov import config
from socinnov.call import stages
from socinnov.cli.main import main
from socinnov.inputs.tabular import fold
from socinnov.privacy.audiences import IDS as AUDIENCES
from socinnov.privacy.store import load_cohort
from socinnov.reporting.build import discover_reports
from tests import cohorts

pytestmark = pytest.mark.slow

BUILDS = ("depot", "notation_partielle", "decisions-1tour-faisabilite", "decisions-2tours", "suivi", "bilans-1tour")
"""One build per cohort; see the module's docstring for what each covers."""

ABSENT = re.compile(r"^\*Section pas encore disponible : .+\.\*$")
EMPTY_TABLE = re.compile(r"<tbody>\s*</tbody>")


def _sections(path) -> dict[str, list[tuple[str, str]]]:
    """The outputs (mime type, text) of an executed notebook, by section heading (``##``/``###``)."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    out: dict[str, list[tuple[str, str]]] = {}
    current = None
    for cell in nb["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            for line in source.splitlines():
                if line.startswith("##"):
                    current = fold(line.lstrip("#"))
                    out[current] = []
            continue
        for o in cell.get("outputs", []):
            assert o["output_type"] != "error", (path, o.get("ename"), o.get("evalue"))
            if o["output_type"] == "stream":
                assert "Traceback" not in "".join(o["text"]), (path, o["text"])
                continue
            for mime, value in o.get("data", {}).items():
                if mime in ("text/markdown", "text/html") and current is not None:
                    out[current].append((mime, "".join(value) if isinstance(value, list) else value))
    return out


def test_builds_cover_the_stages_and_the_combinations():
    specs = [cohorts.VARIANTS[b] for b in BUILDS]
    stages_built = {s["stage"] for s in specs}
    assert {"depot", "notation_partielle", "decisions", "suivi", "bilans"} <= stages_built
    tables = [cohorts.cohort_tables(**s) for s in specs]
    rounds = {frozenset(t["ratings"]["round"]) for t in tables if len(t["ratings"])}
    assert {frozenset({"individuel"}), frozenset({"individuel", "après débat"})} <= rounds
    with_feasibility = {bool((t["ratings"]["grid"] == "faisabilite").any()) for t in tables
                        if "decisions" in t}
    assert with_feasibility == {True, False}


@pytest.mark.parametrize("name", BUILDS)
def test_every_report_builds_and_explains_what_is_missing(project, capsys, name):
    cohorts.build_cohort(project / "data" / "raw" / name, **cohorts.VARIANTS[name])
    code = main(["report", name, "--audience", "all"])
    _, err = capsys.readouterr()
    assert code == 0, err
    assert "Traceback" not in err
    have = stages.available(load_cohort(name, audience="jury").tables)
    built = 0
    for spec in discover_reports():
        contents = stages.report_contents(have, spec.name)
        absent = dict(contents.absent)
        for audience in (a for a in AUDIENCES if a in spec.audiences):
            executed = config.reports_dir(name) / audience / "notebooks" / f"{spec.name}.ipynb"
            if not contents.buildable:  # nothing to show yet: not built, and the build says why
                assert not executed.exists(), (spec.name, audience)
                assert f"« {spec.title} » pas encore construit : {contents.blocked}" in err
                continue
            built += 1
            sections = _sections(executed)
            for section in stages.REPORT_PLANS[spec.name].sections:
                shown = sections[fold(section.title)]
                sentences = [text.strip() for mime, text in shown if mime == "text/markdown" and ABSENT.match(
                    text.strip())]
                if section.title in absent:
                    assert shown == [("text/markdown", stages.absent_fr(absent[section.title]))], (
                        spec.name, audience, section.title, shown)
                else:
                    assert not sentences, (spec.name, audience, section.title, sentences)
                    for mime, text in shown:
                        assert not EMPTY_TABLE.search(text), (spec.name, audience, section.title, text[:300])
    assert built
