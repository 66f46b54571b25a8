"""The stages of a call and ``socinnov status``, on the hand-made cohorts of ``tests/cohorts.py``.

Expected counts are worked out by hand from those cohorts: 8 dossiers, D08 filed from Paris
(ineligible), 3 jurors, J2 in conflict on D03, so 7 × 3 − 1 = 20 assigned pairs; the
acceptability grid has 12 criteria (240 ratings expected per round), the feasibility grid 15,
rated on the 5 retained dossiers by 14 pairs (210 expected), the market section (2 items)
left empty as not relevant for D02 and D05 by their 3 jurors (12 cells).
"""

from __future__ import annotations

import json
import re

import pytest

from socinnov.call import report_plans, stages
from socinnov.call.grids import load_grid
from socinnov.call.settings import load_call
from socinnov.cli.main import main
from socinnov.inputs.ingest import validate_cohort
from socinnov.inputs.tabular import fold
from tests import cohorts


def _write(project, name: str, **kw):
    folder = project / "data" / "raw" / name
    if name == "vide":
        return cohorts.empty_cohort(folder)
    spec = dict(cohorts.VARIANTS.get(name, {}), **kw)
    return cohorts.build_cohort(folder, **spec)


def _status(project, capsys, name: str, **kw) -> tuple[int, str, str]:
    _write(project, name, **kw)
    code = main(["status", name])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("name", list(cohorts.VARIANTS))
def test_every_stage_cohort_ingests(project, capsys, name):
    _write(project, name)
    assert main(["ingest", name]) == 0, capsys.readouterr().err
    rows = json.loads((project / "data" / "processed" / name / "manifest.json").read_text(encoding="utf-8"))["rows"]
    assert rows["dossiers"] == 8


def test_office_files_are_written_as_an_office_writes_them(project):
    folder = _write(project, "validation")
    dossiers = (folder / "dossiers.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        dossiers.decode("utf-8")
    text = dossiers.decode("cp1252")
    assert "28\u00a0500,00\u00a0€" in text
    assert '"Une épicerie solidaire itinérante dessert les villages de la vallée.\n' in text
    assert (folder / "notations.csv").read_bytes().startswith(b"\xef\xbb\xbf")


STAGE_AND_COMPLETENESS = [
    # (cohort, stage line, completeness line of the acceptability grid's individual round or None)
    # The templates as written by `socinnov templates`, nothing filled in.
    ("vide", "Étape : aucun dossier déposé", None),
    ("depot", "Étape : Dossiers déposés", None),
    ("eligibilite", "Étape : Éligibilité vérifiée", None),
    ("affectation", "Étape : Juré·e·s affecté·e·s",
     "grille d'acceptabilité, tour « individuel » : 0 note sur 240 attendues ; J1 : 84 manquantes, "
     "J2 : 72 manquantes, J3 : 84 manquantes"),
    # J3 left D06 out (no rows) and D07 empty (12 rows without level): 24 missing.
    ("notation_partielle", "Étape : Notation individuelle (en cours)",
     "grille d'acceptabilité, tour « individuel » : 216 notes sur 240 attendues ; J3 : 24 manquantes"),
    ("notation_individuelle", "Étape : Notation individuelle",
     "grille d'acceptabilité, tour « individuel » : 240 notes sur 240 attendues : complet"),
    ("apres_debat", "Étape : Notation après débat",
     "grille d'acceptabilité, tour « après débat » : 240 notes sur 240 attendues : complet"),
    ("faisabilite", "Étape : Notation de faisabilité",
     "grille de faisabilité, tour « individuel » : 198 notes sur 210 attendues ; 12 laissées vides dans une "
     "section « si pertinent » : complet"),
    ("decisions-1tour", "Étape : Décisions du jury",
     "grille d'acceptabilité, tour « individuel » : 240 notes sur 240 attendues : complet"),
    ("validation", "Étape : Validation par le comité d'élu-e-s", None),
    ("suivi", "Étape : Suivi des expérimentations (en cours)", None),
    ("bilans", "Étape : Bilans remis", None),
]


@pytest.mark.parametrize(("name", "stage_line", "completeness_line"), STAGE_AND_COMPLETENESS)
def test_status_names_the_stage_and_the_completeness(project, capsys, name, stage_line, completeness_line):
    code, out, err = _status(project, capsys, name)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[1] == stage_line
    if completeness_line is not None:
        assert f"  {completeness_line}" in lines
    assert lines[-1].startswith("Prochaine étape : ")
    assert "Traceback" not in out + err


def test_status_without_assignment_file_expects_the_pairs_written_in_the_ratings(project, capsys):
    # Without affectations.csv, J3 on D06 (no rows at all) is not expected; J3 on D07 (rows with
    # empty levels) is: 19 pairs × 12 = 228 expected, 216 given.
    code, out, _ = _status(project, capsys, "notation_partielle", assignments=False)
    assert code == 0
    assert ("  grille d'acceptabilité, tour « individuel » : 216 notes sur 228 attendues ; J3 : 12 manquantes"
            in out.splitlines())
    assert "d'après notations.csv" in out


def test_status_lists_what_each_report_contains_now(project, capsys):
    code, out, _ = _status(project, capsys, "decisions-1tour")
    assert code == 0
    assert "  « Évolution des expérimentations financées » (jury, comite) : pas construit ; pas encore de suivi " \
           "(suivi.csv)" in out
    assert "  « L'accord entre les jurés » (jury, comite) : 5 sections sur 7" in out
    assert "    - « Avant et après le débat » remplacée par : pas de notes après débat (notations.csv, tour " \
           "« après débat »)" in out
    assert "  « Les expérimentations soutenues (valorisation) » (public) : pas construit ; décisions pas encore " \
           "validées par le comité d'élu-e-s (decisions.csv)" in out
    assert out.splitlines()[-1] == ("Prochaine étape : reporter la validation par le comité d'élu-e-s (decisions.csv, "
                                    "colonnes « Validation par le comité d'élu-e-s » et « Date de validation »).")


def test_status_steps_skipped_and_next_step(project, capsys):
    _, out, _ = _status(project, capsys, "notation_individuelle")
    assert out.splitlines()[-1] == (
        "Prochaine étape : après le débat du jury, recueillir les notes du tour « après débat » (notations.csv) ; "
        "ou, sans cette étape facultative : saisir la décision du jury pour chaque dossier éligible (decisions.csv).")
    _, out, _ = _status(project, capsys, "bilans-1tour")
    assert "  [non fait] Notation après débat (facultatif)" in out.splitlines()
    assert "  [fait]     Bilans remis : 3 « bilan de la deuxième année » sur 3 attendus" in out.splitlines()
    assert out.splitlines()[-1] == "Prochaine étape : aucune : l'appel est arrivé au terme de son suivi."


def test_status_of_a_cohort_that_does_not_ingest(project, capsys):
    folder = _write(project, "notation_individuelle")
    ratings = folder / "notations.csv"
    ratings.write_text(ratings.read_text(encoding="utf-8-sig").replace(";Fort;", ";Très fort;", 1),
                       encoding="utf-8-sig")
    code = main(["status", "notation_individuelle"])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err.startswith("La cohorte « notation_individuelle » ne passe pas l'ingestion")
    assert re.search(r"notations\.csv, ligne \d+, colonne « Niveau » : niveau « Très fort » inconnu", err)
    assert "Traceback" not in err


def test_status_of_an_unknown_cohort(project, capsys):
    assert main(["status", "inconnue"]) == 2
    assert "cohorte introuvable" in capsys.readouterr().err


def test_missing_names_the_first_unmet_need(project):
    folder = _write(project, "decisions", rounds=1, feasibility=False)
    frames, _ = validate_cohort(folder)
    assert report_plans.missing(frames, "notes", "decisions") is None
    assert report_plans.missing(frames, "notes", "apres_debat", "suivi") == \
        "pas de notes après débat (notations.csv, tour « après débat »)"
    with pytest.raises(KeyError):
        report_plans.missing(frames, "inconnu")


def test_completeness_counts_by_hand(project):
    folder = _write(project, "faisabilite")
    frames, call = validate_cohort(folder)
    frames[stages.ASSIGNMENTS] = None  # read the pairs from the ratings
    grid = load_grid("faisabilite", "2016")
    c = stages.completeness(frames, grid)
    assert (c.expected, c.given, c.not_relevant, c.missing, c.outside) == (210, 198, 12, 0, 0)
    assert c.source == "notations.csv"
    assert load_call(folder).title in stages.status_fr(stages.cohort_status(frames, call), "x", call)


def test_report_plans_follow_the_notebooks_headings():
    from socinnov import config
    from socinnov.reporting.build import discover_reports

    names = {spec.name for spec in discover_reports()}
    assert names == set(report_plans.REPORT_PLANS)
    for name, plan in report_plans.REPORT_PLANS.items():
        nb = json.loads((config.notebooks_dir() / f"{name}.ipynb").read_text(encoding="utf-8"))
        headings = {fold(line.lstrip("#")) for cell in nb["cells"] if cell["cell_type"] == "markdown"
                    for line in "".join(cell["source"]).splitlines() if line.startswith("##")}
        for section in plan.sections:
            assert fold(section.title) in headings, (name, section.title)
            assert set(section.needs) <= set(report_plans.NEEDS)


def test_missing_on_the_tables_a_report_declared(project, capsys):
    # A report reads only the tables it declared: a need on another table is unmet, not an error.
    from socinnov.privacy.store import load_cohort

    _write(project, "suivi")
    assert main(["ingest", "suivi"]) == 0
    data = load_cohort("suivi", audience="comite", tables=("decisions", "followup"))
    assert report_plans.missing(data.tables, "decisions", "financement", "suivi") is None
    assert report_plans.missing(data.tables, "notes") == report_plans.NEEDS["notes"]


def test_decisions_close_the_rating_rounds(project, capsys):
    # The jury decided although J3 never rated D06: the round is closed, not a step still to take.
    folder = _write(project, "decisions-1tour")
    ratings = folder / "notations.csv"
    kept = [line for line in ratings.read_text(encoding="utf-8-sig").splitlines(keepends=True)
            if not line.startswith("D06;J3;")]
    ratings.write_text("".join(kept), encoding="utf-8-sig")
    assert main(["status", "decisions-1tour"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "  [clos]     Notation individuelle : 228 notes sur 240 attendues ; J3 : 12 manquantes" in lines
    assert lines[-1].startswith("Prochaine étape : reporter la validation par le comité d'élu-e-s")


def test_completeness_line_sums_the_jurors_beyond_the_eighth():
    def line(n_jurors: int) -> str:
        by_juror = tuple((f"J{k:02d}", k) for k in range(1, n_jurors + 1))
        given = 1000 - sum(n for _, n in by_juror)
        return stages.Completeness("acceptabilite", "individuel", 1000, given, by_juror).line()

    assert line(9).endswith("J08 : 8 manquantes, J09 : 9 manquantes")
    assert line(10).endswith("J08 : 8 manquantes, 2 autres juré·e·s : 19 manquantes")
    assert line(1) == "999 notes sur 1\u202f000 attendues ; J01 : 1 manquante"  # French thousands separator


def test_before_eligibility_can_be_verified_no_dossier_is_called_ineligible(project):
    """Dossiers filed, partners and budget not yet entered: every dossier fails the rules that
    read them, so the funnel has no « Éligibles » step (not « Éligibles 0 ») and a dossier
    without decision is « sans décision », not « inéligible » (issue 14)."""
    from socinnov.analysis import overview
    from socinnov.inputs.ingest import ingest
    from socinnov.privacy.store import load_cohort
    from tests import cohorts

    for stage in ("depot", "eligibilite"):
        cohorts.build_cohort(project / "data" / "raw" / stage, stage)
        ingest(stage)
    t = load_cohort("depot", audience="jury").tables
    assert not overview.eligibility_checked(t)
    assert "Éligibles" not in overview.funnel(t)["Étape"].tolist()
    assert set(overview.with_decision(t)["decision"]) == {"sans décision"}
    later = load_cohort("eligibilite", audience="jury").tables
    assert overview.eligibility_checked(later)
    assert overview.funnel(later).set_index("Étape").loc["Éligibles", "Dossiers"] == 7
    assert (overview.with_decision(later)["decision"] == "inéligible").sum() == 1
