"""Every report builds at every stage of a call from valid data (issue 14, « Done when »).

The hand-made cohorts of ``tests/cohorts.py`` (8 dossiers, 3 jurors) are built with every report
for every audience, one build per cohort, the cohorts chosen so that together they cover the
stages and the combinations a real call produces: dossiers only, partial individual ratings,
decisions with one round and feasibility ratings, decisions with two rounds and none, follow-up
under way (two rounds, feasibility, validated decisions), and final reports with one round.

Each build must exit 0 with no Python error in any executed notebook. For each report, what
``socinnov.call.report_plans.report_contents`` says is missing is checked section by section in the
executed notebook (a report with nothing to show yet is not built, and the build says why): a
missing section shows exactly one output, the French sentence of what is
missing and which file brings it; a section with its data shows no such sentence; no table is
shown empty.
"""

from __future__ import annotations

import html
import json
import re

import pandas as pd
import pytest

from socinnov import config
from socinnov.call import report_plans
from socinnov.cli.main import main
from socinnov.inputs.tabular import fold
from socinnov.privacy.audiences import IDS as AUDIENCES
from socinnov.privacy.store import load_cohort
from socinnov.reporting.build import discover_reports
from tests import cohorts

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




@pytest.mark.slow
@pytest.mark.parametrize("name", BUILDS)
def test_every_report_builds_and_explains_what_is_missing(stage_reports, monkeypatch, name):
    project, code, err = stage_reports(name)  # built once per test run (tests/conftest.py)
    monkeypatch.setenv("SOCINNOV_ROOT", str(project))
    assert code == 0, err
    assert "Traceback" not in err
    have = report_plans.available(load_cohort(name, audience="jury").tables)
    built = 0
    for spec in discover_reports():
        contents = report_plans.report_contents(have, spec.name)
        absent = dict(contents.absent)
        for audience in (a for a in AUDIENCES if a in spec.audiences):
            executed = config.reports_dir(name) / audience / "notebooks" / f"{spec.name}.ipynb"
            if not contents.buildable:  # nothing to show yet: not built, and the build says why
                assert not executed.exists(), (spec.name, audience)
                assert f"« {spec.title} » pas encore construit : {contents.blocked}" in err
                continue
            built += 1
            assert str(project) not in executed.read_text(encoding="utf-8")  # no absolute path (issue 16)
            sections = _sections(executed)
            for section in report_plans.REPORT_PLANS[spec.name].sections:
                shown = sections[fold(section.title)]
                sentences = [text.strip() for mime, text in shown if mime == "text/markdown" and ABSENT.match(
                    text.strip())]
                if section.title in absent:
                    assert shown == [("text/markdown", report_plans.absent_fr(absent[section.title]))], (
                        spec.name, audience, section.title, shown)
                else:
                    assert not sentences, (spec.name, audience, section.title, sentences)
                    for mime, text in shown:
                        assert not EMPTY_TABLE.search(text), (spec.name, audience, section.title, text[:300])
    assert built
    if name == "depot":  # in the HTML, a missing section's lead-in paragraphs are left out with it
        page = html.unescape((config.reports_dir(name) / "jury" / "cohorte.html").read_text(encoding="utf-8"))
        assert report_plans.absent_fr(report_plans.NEEDS["eligibilite"]).strip("*") in page
        assert ">Dossiers inéligibles et motifs :<" not in page


def test_report_contents_at_decisions_with_one_round():
    # decisions-1tour: one rating round, no feasibility ratings, decisions not yet validated, no follow-up.
    have = report_plans.available(cohorts.cohort_tables(**cohorts.VARIANTS["decisions-1tour"]))
    accord = report_plans.report_contents(have, "accord")
    assert accord.buildable and dict(accord.absent) == {
        "Avant et après le débat": report_plans.NEEDS["apres_debat"], "Grille de faisabilité": report_plans.NEEDS["faisabilite"]}
    assert report_plans.report_contents(have, "evolution").blocked == report_plans.NEEDS["suivi"]
    assert report_plans.report_contents(have, "valorisation").blocked == report_plans.NEEDS["validation"]
    assert not report_plans.report_is_buildable(have, "evolution") and report_plans.report_is_buildable(have, "criteres")
    criteres = dict(report_plans.report_contents(have, "criteres").absent)
    assert set(criteres) == {"Grille de faisabilité", "La section « marché », si pertinent",
                             "Faisabilité et financement", "Les items formulés comme des risques",
                             "Fiche du comité pour la grille de faisabilité",
                             "La structure de la grille tient-elle ?"}  # 7 rated dossiers, 12 criteria
    assert criteres["La structure de la grille tient-elle ?"] == report_plans.NEEDS["structure"]


@pytest.mark.parametrize(("n_dossiers", "expected"), [(12, False), (13, True)])
def test_the_grid_structure_needs_more_complete_dossiers_than_criteria(n_dossiers, expected):
    # a correlation matrix of 12 criteria is singular on 12 dossiers or fewer
    ratings = pd.DataFrame([{"dossier_id": f"D{d}", "juror_id": "J1", "grid": "acceptabilite",
                             "round": "individuel", "criterion": f"C{c}", "level": "Fort"}
                            for d in range(n_dossiers) for c in range(12)])
    assert ("structure" in report_plans.available({"ratings": ratings})) is expected


def test_report_contents_with_dossiers_only():
    have = report_plans.available(cohorts.cohort_tables("depot"))
    assert {n: report_plans.report_contents(have, n).blocked for n in report_plans.REPORT_PLANS} == {
        "cohorte": None, "diffusion": None, "accord": report_plans.NEEDS["notes"], "criteres": report_plans.NEEDS["notes"],
        "evolution": report_plans.NEEDS["decisions"], "valorisation": report_plans.NEEDS["decisions"]}
    assert dict(report_plans.report_contents(have, "cohorte").absent) == {
        "Éligibilité": report_plans.NEEDS["eligibilite"], "Profils de notation": report_plans.NEEDS["notes"]}


def test_a_heading_found_in_several_reports_needs_the_same_data():
    by_title: dict[str, set] = {}
    for plan in report_plans.REPORT_PLANS.values():
        for section in plan.sections:
            by_title.setdefault(section.title, set()).add(section.needs)
    assert {t: n for t, n in by_title.items() if len(n) > 1} == {}
    assert report_plans.section_needs("Grille de faisabilité") == ("faisabilite",)
    with pytest.raises(KeyError):
        report_plans.section_needs("Une section qui n'existe pas")


def test_an_empty_cohort_is_refused_at_ingest(project, capsys):
    cohorts.empty_cohort(project / "data" / "raw" / "vide")
    assert main(["ingest", "vide"]) == 2
    err = capsys.readouterr().err
    assert "dossiers.csv" in err and "aucun dossier" in err and "Traceback" not in err
    assert not (project / "data" / "processed" / "vide").exists()
    assert main(["status", "vide"]) == 0  # the stage is still read: no dossier filed yet
    assert "Étape : aucun dossier déposé" in capsys.readouterr().out


def test_a_missing_section_shows_one_sentence_and_no_empty_table_is_drawn(project, monkeypatch):
    from socinnov.reporting import display
    from socinnov.reporting.followup_plots import attrition_curve

    cohorts.build_cohort(project / "data" / "raw" / "d1", **cohorts.VARIANTS["decisions-1tour"])
    data = load_cohort("d1", audience="jury", tables=("dossiers", "ratings", "decisions", "jurors"))
    shown = []
    monkeypatch.setattr(display, "display", shown.append)
    assert not display.section(data, "Avant et après le débat")
    assert not display.has(data, "Avant et après le débat")
    assert display.section(data, "Accord par critère") and display.has(data, "Accord par critère")
    assert [o.data for o in shown] == [report_plans.absent_fr(report_plans.NEEDS["apres_debat"])]
    assert report_plans.absent_fr(report_plans.NEEDS["apres_debat"]) == (
        "*Section pas encore disponible : pas de notes après débat (notations.csv, tour « après débat »).*")
    shown.clear()
    display.table(data.decisions.iloc[:0], empty="Aucun dossier ne changerait de place.")
    display.table(data.decisions.iloc[:0])
    display.table(data.decisions.iloc[:0], empty="")
    display.show(attrition_curve(pd.DataFrame(columns=["months", "survival", "events"])))
    assert [o.data for o in shown] == ["Aucun dossier ne changerait de place.", display.EMPTY_TABLE]
