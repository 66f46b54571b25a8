"""Shared fixtures: a tiny valid cohort written as a user would supply it, and a project copy."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from socinnov.call.schemas import TABLES
from socinnov.inputs.tabular import write_table
from socinnov.reporting import notebook_libs

# Test modules import nbformat at collection: without its IRI grammars, as the build does (2.6 s).
notebook_libs.prepare()

REPO = Path(__file__).resolve().parent.parent
CRITERIA = ["caractere_collectif", "richesse_collectif", "integration_beneficiaires", "formalisation_gouvernance",
            "consistance_contenu", "rupture_existant", "potentiel_transformation", "ancrage_territorial",
            "accessibilite_dispositif", "viabilite_economique", "enjeux_environnementaux", "ouverture_recherche"]


def dossier(dossier_id: str, **overrides) -> dict:
    """A dossier that passes every eligibility rule of the 2016 call."""
    row = dict(
        dossier_id=dossier_id, title=f"Action fictive {dossier_id}", porteur=f"Association fictive {dossier_id}",
        legal_category="association", siret="00000000000014", departement="33", commune="Bordeaux",
        email=f"contact@{dossier_id.lower()}.exemple.fr", phone="01 99 00 00 00",
        porteur_presentation="Association créée en 2010.", summary="Une épicerie solidaire itinérante.",
        objectives="Rompre l'isolement.", stage="amorçage", target_publics="Personnes âgées isolées",
        resources="Deux salariés", forecast_accounts=None, territorial_project="Contrat de ville",
        research_mission=None, evaluation_method="Entretiens", innovation_services_produits=True,
        innovation_organisationnelle=False, innovation_territoriale=True, requested_amount=30000.0,
        total_cost=60000.0, filed_on=pd.Timestamp("2016-09-01"), start_date=pd.Timestamp("2016-11-01"),
        end_date=pd.Timestamp("2018-10-31"), market_launched=False, earlier_aid=False, earlier_aid_region=None,
        publication_consent=True,
    )
    row.update(overrides)
    return row


def tiny_tables() -> dict[str, pd.DataFrame]:
    """Two eligible dossiers, three jurors, full acceptability ratings, one decision each."""
    ids = ["D-001", "D-002"]
    jurors = ["J01", "J02", "J03"]
    levels = ["Faible", "Intermédiaire", "Fort"]
    ratings = [
        dict(dossier_id=d, juror_id=j, grid="acceptabilite", grid_version="2016", criterion=c, round="individuel",
             level=levels[(i + k + n) % 3], comment=None)
        for i, d in enumerate(ids) for k, j in enumerate(jurors) for n, c in enumerate(CRITERIA)
    ]
    return {
        "dossiers": pd.DataFrame([dossier(d) for d in ids]),
        "partners": pd.DataFrame([dict(dossier_id=d, partner=f"Partenaire {d}-{k}", partner_type="association",
                                       role="Accueil des publics") for d in ids for k in (1, 2)]),
        "budget": pd.DataFrame([dict(dossier_id=d, category="temps de travail", label="Salaires", amount=60000.0,
                                     month_from=1, month_to=24) for d in ids]),
        "jurors": pd.DataFrame([dict(juror_id=j, name=f"Juré fictif {j}", role="personne qualifiée",
                                     structure="Structure fictive") for j in jurors]),
        "conflicts": pd.DataFrame([dict(juror_id="J03", dossier_id="D-003", reason="x")]).iloc[:0],
        "ratings": pd.DataFrame(ratings),
        "decisions": pd.DataFrame([
            dict(dossier_id="D-001", decision="retenu - financé", granted_amount=30000.0, eligible_base=60000.0,
                 reoriented_to=None, jury_date=pd.Timestamp("2016-09-29"), validated=True,
                 validated_on=pd.Timestamp("2016-10-20"), rationale="Projet solide."),
            dict(dossier_id="D-002", decision="non retenu", granted_amount=None, eligible_base=None,
                 reoriented_to=None, jury_date=pd.Timestamp("2016-09-29"), validated=True,
                 validated_on=pd.Timestamp("2016-10-20"), rationale=None),
        ]),
    }


def write_cohort(folder: Path, tables: dict[str, pd.DataFrame]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for t in TABLES:
        if t.name in tables:
            write_table(tables[t.name], t, folder / t.filename)
    (folder / "appel.yaml").write_text("appel: alpc-2016\n", encoding="utf-8")  # a cohort names its call
    return folder


def make_project(base: Path, monkeypatch) -> Path:
    """An empty project tree (data/raw, data/processed, reports, notebooks) as SOCINNOV_ROOT."""
    root = base / "project"
    for sub in ("data/raw", "data/processed", "data/external", "reports"):
        (root / sub).mkdir(parents=True)
    shutil.copytree(REPO / "notebooks", root / "notebooks")
    for f in (REPO / "data" / "external").iterdir():
        if f.is_file():
            shutil.copy(f, root / "data" / "external" / f.name)
    monkeypatch.setenv("SOCINNOV_ROOT", str(root))
    return root


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    return make_project(tmp_path, monkeypatch)


@pytest.fixture
def tiny_cohort(project) -> Path:
    """The tiny cohort written under the project's data/raw/tiny."""
    return write_cohort(project / "data" / "raw" / "tiny", tiny_tables())


@pytest.fixture(autouse=True)
def _pseudonym_key(tmp_path_factory, monkeypatch):
    """Tests never touch the user's pseudonymisation key: one throw-away key per test session."""
    from socinnov.privacy import pseudonyms

    monkeypatch.setenv("SOCINNOV_KEY_FILE", str(tmp_path_factory.getbasetemp() / "cle-pseudonymes"))
    pseudonyms._key.cache_clear()


@pytest.fixture(autouse=True)
def _result_cache(tmp_path, monkeypatch):
    """Tests never write into the repository's data/processed: each test has its own empty cache
    (report builds in a temporary project use that project's own)."""
    from socinnov import cache

    monkeypatch.setattr(cache, "folder", lambda: tmp_path / "result-cache")


@pytest.fixture(scope="session")
def tiny_reports(tmp_path_factory):
    """The cohort report of the tiny cohort for the jury and the committee, built once per test run
    for the tests that only read it (tests/test_report.py, tests/test_browser.py).

    Returns ``(project root, index, outcomes)``. Nothing stays pointed at that project: a module
    that reads it sets ``SOCINNOV_ROOT`` for its own tests (see ``test_report.built``).
    """
    from socinnov.reporting.build import build_reports

    base = tmp_path_factory.mktemp("tiny-reports")
    with pytest.MonkeyPatch.context() as mp:
        root = make_project(base, mp)
        mp.setenv("SOCINNOV_KEY_FILE", str(base / "cle-pseudonymes"))
        write_cohort(root / "data" / "raw" / "tiny", tiny_tables())
        index, outcomes = build_reports("tiny", audiences=("jury", "comite"), only=("cohorte",), log=lambda m: None)
    return root, index, outcomes


@pytest.fixture(scope="module")
def tiny_reports_root(tiny_reports):
    """:func:`tiny_reports`, with ``SOCINNOV_ROOT`` set to its project for the module's tests."""
    root, index, outcomes = tiny_reports
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOCINNOV_ROOT", str(root))
        yield index, outcomes


@pytest.fixture(scope="session")
def stage_reports(tmp_path_factory):
    """``socinnov report NAME --audience all`` on a hand-made cohort of ``tests/cohorts.py``
    (``NAME`` in ``cohorts.VARIANTS``), each built at most once per test run, the first time a
    test asks for it, for the tests that only read the reports (tests/test_report_stages.py,
    tests/test_comite.py). A real build of every report takes 15 to 45 s.

    ``stage_reports(name)`` returns ``(project root, exit status, stderr)``. The build runs with
    the session's pseudonymisation key (the one ``_pseudonym_key`` gives every test), so that the
    comité's pseudonyms read by a test match the reports'. A test that reads the project sets
    ``SOCINNOV_ROOT`` to it (``monkeypatch.setenv``).
    """
    import contextlib
    import io

    from socinnov.cli.main import main
    from socinnov.privacy import pseudonyms
    from tests import cohorts

    built: dict[str, tuple[Path, int, str]] = {}

    def build(name: str) -> tuple[Path, int, str]:
        if name not in built:
            base = tmp_path_factory.mktemp(f"stage-{name}")
            err = io.StringIO()
            with pytest.MonkeyPatch.context() as mp:
                root = make_project(base, mp)
                mp.setenv("SOCINNOV_KEY_FILE", str(tmp_path_factory.getbasetemp() / "cle-pseudonymes"))
                pseudonyms._key.cache_clear()
                cohorts.build_cohort(root / "data" / "raw" / name, **cohorts.VARIANTS[name])
                with contextlib.redirect_stderr(err):
                    code = main(["report", name, "--audience", "all"])
            pseudonyms._key.cache_clear()
            built[name] = root, code, err.getvalue()
        return built[name]

    return build
