"""What the comité technique receives (issue 16, item 8): jurors under pseudonyms, consistent
across tables and unrelated to the dossiers' ones; quasi-identifiers coarsened as the schemas
declare (docs/confidentiality.md, « Comité files »); the jury's data untouched.

The cohort is the hand-made one of ``tests/cohorts.py`` at the end of the follow-up (« bilans »):
jurors J1, J2, J3, one dossier filed from Paris (D08), one « collectivité territoriale » (D04).
"""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from socinnov import config
from socinnov.analysis import followup, overview, ranking_tables
from socinnov.analysis.payments import payment_checks
from socinnov.call import schemas
from socinnov.call.vocabulary import OUT_OF_REGION
from socinnov.privacy import coarsening
from socinnov.privacy.pseudonyms import pseudonym
from socinnov.privacy.store import load_cohort
from tests import cohorts

JUROR_TABLES = ("jurors", "conflicts", "assignments", "ratings")


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """The cohort as the jury and as the comité load it, built once for the module: its tests
    only read them. ``SOCINNOV_ROOT`` stays on that project for the module's tests; the session's
    pseudonymisation key (``conftest._pseudonym_key``) is the one the tests' own calls use."""
    from socinnov.privacy import pseudonyms
    from tests.conftest import make_project

    with pytest.MonkeyPatch.context() as mp:
        project = make_project(tmp_path_factory.mktemp("bilans"), mp)
        mp.setenv("SOCINNOV_KEY_FILE", str(tmp_path_factory.getbasetemp() / "cle-pseudonymes"))
        pseudonyms._key.cache_clear()
        cohorts.build_cohort(project / "data" / "raw" / "bilans", "bilans")
        yield load_cohort("bilans", audience="jury"), load_cohort("bilans", audience="comite")


def _pairs(jury, comite, table: str, column: str) -> set[tuple[str, str]]:
    """(clear id, what the comité reads in its place), row by row: the store keeps the rows' order."""
    return set(zip(jury.tables[table][column], comite.tables[table][column]))


def test_every_table_carrying_juror_ids_is_covered():
    carrying = {t.name for t in schemas.TABLES if "juror_id" in t.model.to_schema().columns}
    assert carrying == set(JUROR_TABLES)


def test_jurors_are_pseudonymised_consistently_in_every_comite_table(loaded):
    jury, comite = loaded
    mapping: dict[str, set[str]] = {}
    for table in JUROR_TABLES:
        assert len(comite.tables[table]) == len(jury.tables[table]) > 0, table
        assert not set(comite.tables[table]["juror_id"]) & set(cohorts.JURORS), table
        for clear, pseudo in _pairs(jury, comite, table, "juror_id"):
            mapping.setdefault(clear, set()).add(pseudo)
    assert set(mapping) == set(cohorts.JURORS)
    assert all(len(p) == 1 for p in mapping.values()), mapping  # one pseudonym per juror, in every table
    pseudonyms = {next(iter(p)) for p in mapping.values()}
    assert len(pseudonyms) == len(cohorts.JURORS)
    assert all(re.fullmatch(r"J-[A-Z2-7]{10}", p) for p in pseudonyms)
    # the declared conflict (J2 on D03) still reads as one, between the same pseudonyms
    conflict = comite.conflicts.iloc[0]
    assert {conflict["juror_id"]} == mapping["J2"]
    assert {conflict["dossier_id"]} == {p for c, p in _pairs(jury, comite, "dossiers", "dossier_id") if c == "D03"}


def test_juror_pseudonyms_live_in_their_own_namespace(loaded):
    jury, comite = loaded
    jurors = set(comite.jurors["juror_id"])
    dossiers = set(comite.dossiers["dossier_id"])
    assert all(p.startswith("P-") for p in dossiers) and not jurors & dossiers
    # The same id in the dossiers' namespace gives another digest: no link through the key either.
    for clear, pseudo in _pairs(jury, comite, "jurors", "juror_id"):
        assert pseudo[2:] != pseudonym(clear, cohort="bilans")[2:]
    # Dossier pseudonyms are those of the comité's reports until now (namespace: the cohort's name).
    assert {pseudonym(d, cohort="bilans") for d in cohorts.DOSSIER_IDS} == dossiers


def test_juror_roles_are_withheld_from_the_comite(loaded):
    jury, comite = loaded
    assert list(comite.jurors.columns) == ["juror_id"]
    assert {"name", "role", "structure"} <= set(jury.jurors.columns)


def test_departement_outside_the_region_and_legal_status_are_coarsened(loaded):
    jury, comite = loaded
    d = comite.dossiers.assign(clear=jury.dossiers["dossier_id"]).set_index("clear")
    assert d.at["D08", "departement"] == OUT_OF_REGION  # filed from Paris (75)
    assert d.loc[cohorts.ELIGIBLE, "departement"].tolist() == jury.dossiers.set_index("dossier_id").loc[
        cohorts.ELIGIBLE, "departement"].tolist()  # départements of the region kept
    assert d.at["D04", "legal_category"] == "collectivité ou établissement public"  # « collectivité territoriale »
    assert set(d["legal_category"]) == {"association", "entreprise", "collectivité ou établissement public"}
    profile = overview.profile(comite.tables, "departement")
    assert OUT_OF_REGION in profile.index and not any("75" in label for label in profile.index)


def test_eligibility_is_unchanged_but_its_reasons_quote_no_quasi_identifier(loaded):
    jury, comite = loaded
    pd.testing.assert_series_equal(comite.eligibility["passed"], jury.eligibility["passed"])
    reasons = " ".join(comite.eligibility["reason"])
    assert "75" not in reasons and "collectivité territoriale" not in reasons and "2016" not in reasons
    assert "€" not in reasons
    d08 = comite.eligibility[jury.eligibility["dossier_id"].eq("D08") & jury.eligibility["rule"].eq("territoire")]
    assert d08["reason"].tolist() == ["établi hors région"] and not d08["passed"].any()
    assert "département 75" in " ".join(jury.eligibility["reason"])


def test_dates_move_with_the_start_date_and_durations_stay_exact(loaded):
    jury, comite = loaded
    assert (comite.dossiers["filed_on"].dt.day == 1).all() and (comite.dossiers["start_date"].dt.day == 1).all()
    assert (jury.dossiers["start_date"].dt.day != 1).any()  # D03 starts on 15 November: the test bites
    duration = comite.dossiers["end_date"] - comite.dossiers["start_date"]
    pd.testing.assert_series_equal(duration, jury.dossiers["end_date"] - jury.dossiers["start_date"])
    moved = jury.followup["observed_on"] - comite.followup["observed_on"]
    assert set(moved) == {pd.Timedelta(0), pd.Timedelta(days=1)}  # D05 started on 2 January 2017
    # waves are in dossier order, and pseudonyms sort otherwise: compared as sorted (wave, months)
    waves = [sorted(zip(followup.waves(d.tables)["wave_month"], followup.waves(d.tables)["months"].round(9)))
             for d in (jury, comite)]
    assert waves[0] == waves[1] and len(waves[0]) == len(jury.followup)


def test_payment_checks_read_the_same_for_the_comite(loaded):
    jury, comite = loaded
    clear = {p: c for c, p in _pairs(jury, comite, "dossiers", "dossier_id")}
    findings = [set(zip(f["dossier_id"].map(lambda d: clear.get(d, d)), f["rule"], f["passed"]))
                for f in (payment_checks(jury.tables, jury.call), payment_checks(comite.tables, comite.call))]
    assert findings[0] == findings[1] and len(findings[0]) == 15  # 3 funded experiments x 5 rules


def test_the_ranks_do_not_depend_on_how_jurors_are_named(loaded):
    # The comité's juror pseudonyms sort in another order than the jury's ids; the funding line's
    # draws must not follow that order (docs/decisions.md: jury and comité see the same ranks).
    jury, _ = loaded
    renamed = jury.ratings.assign(juror_id=jury.ratings["juror_id"].map({"J1": "M", "J2": "A", "J3": "Z"}))
    zones = [ranking_tables.funding_line(r, jury.grid(), jury.decisions, n_draws=500, seed=3).zone
             for r in (jury.ratings, renamed)]
    pd.testing.assert_frame_equal(zones[0], zones[1])


def test_application_amounts_are_rounded_and_the_aid_s_amounts_kept(loaded):
    jury, comite = loaded
    requested = comite.dossiers["requested_amount"]
    assert (requested % 1000 == 0).all() and (requested - jury.dossiers["requested_amount"]).abs().max() <= 500
    assert 28500.0 in set(jury.dossiers["requested_amount"]) and 28500.0 not in set(requested)
    assert (comite.budget["amount"] % 1000 == 0).all() and (comite.dossiers["total_cost"] % 1000 == 0).all()
    pd.testing.assert_series_equal(comite.decisions["granted_amount"], jury.decisions["granted_amount"])
    pd.testing.assert_series_equal(comite.payments["amount"], jury.payments["amount"])
    pd.testing.assert_series_equal(comite.spending["amount"], jury.spending["amount"])


def test_the_jury_receives_the_tables_as_ingested(loaded):
    jury, _ = loaded
    folder = config.processed_dir("bilans")
    for name, df in jury.tables.items():
        pd.testing.assert_frame_equal(df, pd.read_parquet(folder / f"{name}.parquet"), obj=name)


def test_a_report_reading_follow_up_without_the_dossiers_still_gets_shifted_dates(loaded):
    jury, full = loaded
    only = load_cohort("bilans", audience="comite", tables=("payments",))
    pd.testing.assert_series_equal(only.payments["paid_on"], full.payments["paid_on"])
    assert (jury.payments["paid_on"] - only.payments["paid_on"]).max() == pd.Timedelta(days=1)  # D05


def test_every_declared_quasi_kind_has_its_coarsening():
    declared = {k for t in schemas.TABLES for k in schemas.quasi_identifiers(t.model).values()}
    assert declared <= set(schemas.QUASI_KINDS)
    assert set(coarsening.BY_VALUE) | {schemas.START_SHIFT, schemas.WITHHELD} == set(schemas.QUASI_KINDS)


def test_a_dossier_missing_from_the_dossiers_table_has_its_dates_on_the_first_of_the_month():
    shifts = coarsening.start_shifts(pd.DataFrame({"dossier_id": ["A"], "start_date": [pd.Timestamp("2017-03-20")]}))
    df = pd.DataFrame({"dossier_id": ["A", "B"], "wave_month": [0, 0], "observed_on": pd.to_datetime(
        ["2017-03-25", "2017-05-17"])})
    out = coarsening.coarsen("followup", df, shifts)
    assert out["observed_on"].tolist() == [pd.Timestamp("2017-03-06"), pd.Timestamp("2017-05-01")]


# Whole words J1, J2, J3, outside embedded images (base64 holds any letters and digits).
_CLEAR = re.compile(r"(?<![\w-])J[123](?![\w-])")
_IMAGE = re.compile(r"data:image/[a-z+]+;base64,[A-Za-z0-9+/=\s\\n]+")


def _texts(path) -> list[str]:
    """What a reader sees of a report: its outputs (notebook) or page (HTML), figures' pixels left
    out (their captions and alternative texts kept)."""
    if path.suffix == ".ipynb":
        nb = json.loads(path.read_text(encoding="utf-8"))
        texts = ["".join(v) if isinstance(v, list) else str(v) for cell in nb["cells"] for o in cell.get("outputs", [])
                 for mime, v in {**o.get("data", {}), "text": o.get("text", "")}.items()
                 if not mime.startswith("image/")]
    else:
        texts = [path.read_text(encoding="utf-8")]
    return [_IMAGE.sub(" ", t) for t in texts]


@pytest.mark.slow
def test_no_comite_report_shows_a_juror_id_in_clear(stage_reports, monkeypatch):
    # the comité's reports of the follow-up cohort, as tests/test_report_stages.py builds them
    # (every audience, once per test run: tests/conftest.py::stage_reports)
    project, code, err = stage_reports("suivi")
    monkeypatch.setenv("SOCINNOV_ROOT", str(project))
    assert code == 0, err
    folder = config.reports_dir("suivi") / "comite"
    files = sorted(folder.rglob("*.ipynb")) + sorted(folder.rglob("*.html"))
    assert {p.stem for p in files if p.suffix == ".ipynb"} == {"accord", "cohorte", "criteres", "evolution"}
    found = {p.name: _CLEAR.findall(t) for p in files for t in _texts(p) if _CLEAR.search(t)}
    assert found == {}
    # the reports do show jurors, under their pseudonyms (severity chart's caption, pairwise map)
    shown = set(load_cohort("suivi", audience="comite", tables=("jurors",)).jurors["juror_id"])
    accord = (folder / "accord.html").read_text(encoding="utf-8")
    assert shown and all(p in accord for p in shown)
    # and the same search finds the ids in the jury's copy of the report
    jury = config.reports_dir("suivi") / "jury" / "accord.html"
    assert set(_CLEAR.findall(" ".join(_texts(jury)))) == set(cohorts.JURORS)
