"""Joint suppression (``socinnov.privacy.joint``) and the attacker it runs on before anything is
shown (``attacker.StarModel``), on the hand-made cohort at the follow-up stage (8 dossiers,
3 funded, 2 re-oriented, 2 not retained, 1 ineligible; ``tests/cohorts.py``).

Expected values are read off that cohort by hand: the laureate list names the 3 funded
dossiers, the funnel shows 5 retained, so the re-oriented ones (2, a small count) are at most
5 - 3 = 2 and at least 0 whatever else is suppressed; the protection rule asks the interval to
reach 2 - 1 and 2 + 1 (``audit.required_margin``, τ-ARGUS symmetric protection levels at 30 %).
"""

from __future__ import annotations

import pytest

from socinnov.inputs.ingest import ingest
from socinnov.privacy import attacker, audit, joint
from socinnov.privacy.attacker import Model, StarModel
from socinnov.privacy.published import Release, dossier_types, frames_cells
from socinnov.privacy.store import load_cohort
from tests import cohorts


@pytest.fixture(scope="module")
def joint_project(tmp_path_factory):
    """One project for the module: the tests only read the cohorts the fixtures below build
    (their cells and truths, computed once for the module instead of once per test)."""
    from tests.conftest import make_project

    with pytest.MonkeyPatch.context() as mp:
        root = make_project(tmp_path_factory.mktemp("joint"), mp)
        mp.setenv("SOCINNOV_KEY_FILE", str(tmp_path_factory.getbasetemp() / "cle-pseudonymes"))
        yield root


@pytest.fixture(scope="module")
def suivi(joint_project):
    cohorts.build_cohort(joint_project / "data" / "raw" / "suivi", "suivi")
    ingest("suivi")
    public = load_cohort("suivi", audience="public")
    truth = dossier_types(load_cohort("suivi", audience="jury").tables)
    frames = {"funnel": public._funnel(), "types": public._innovation_types(), "laureates": public.laureates(),
              **{by: public._profile(by).reset_index() for by in ("legal_group", "stage")}}
    return public, truth, frames_cells(frames, public._departement_counts())


def _reoriented(model, release, truth):
    return next(q for q in audit.count_quantities(model, release, truth, 5) if q[0] == "entonnoir « Retenus - réorientés »")


# The two comparisons with the full universe of tables alone (tens of thousands of unknowns, some
# 180 linear programmes, 10 to 70 s on a shared machine) are a long battery: in `make test`, not
# in `make test-fast`, which keeps the same comparison where records narrow the universe (below).
@pytest.mark.slow
def test_table_model_gives_the_intervals_of_the_full_universe(suivi):
    _public, truth, cells = suivi
    release = Release(cells=cells)
    full, star = Model([("courante", release)]), StarModel(release)
    assert star.n < full.n / 50  # some 200 unknowns against the universe's tens of thousands
    quantities = audit.count_quantities(full, release, truth, 5)
    assert len(quantities) >= 20
    for (label, _s, expr, _v, _sens), (_l, _s2, star_expr, _v2, _sens2) in zip(
            quantities, audit.count_quantities(star, release, truth, 5)):
        assert star.bounds(star_expr) == full.bounds(expr), label


def _records(truth, secret_every: int):
    """Open-data records of the cohort's dossiers as the audit reads them, one attribute in
    ``secret_every`` set to « secret » (in turn), so that patterns are partly known."""
    import pandas as pd

    from socinnov.privacy.opendata import FORMER_REGION_OF
    from socinnov.privacy.published import TYPE_NAMES

    rows = []
    for k, r in enumerate(truth.itertuples()):
        row = {"ancienne_region": FORMER_REGION_OF.get(r.dep, "hors région"), "categorie_porteur": r.grp, "stade": r.stage,
               "types_innovation": " + ".join(n for i, n in enumerate(TYPE_NAMES) if r.types & (1 << i)),
               "eligible": str(bool(r.elig)), "issue": r.dec}
        hidden = list(row)[k % len(row)]
        if k % secret_every == 0:
            row[hidden] = "secret"
        rows.append(row)
    return pd.DataFrame(rows)


@pytest.mark.parametrize("secret_every", [1, 2, 3])
def test_star_model_with_records_gives_the_intervals_of_the_full_universe(suivi, secret_every):
    _public, truth, cells = suivi
    release = Release(cells=cells, records=_records(truth, secret_every))
    full, star = Model([("courante", release)]), StarModel(release)
    for (label, _s, expr, _v, _sens), (_l, _s2, star_expr, _v2, _sens2) in zip(
            audit.count_quantities(full, release, truth, 5), audit.count_quantities(star, release, truth, 5)):
        assert star.bounds(star_expr) == full.bounds(expr), label


@pytest.fixture(scope="module")
def two_releases(suivi, joint_project):
    """The cohort published, then again after D04 was withdrawn by its porteur and D07's
    département corrected from 33 to 24 (``tests/audit_release.py``): the earlier release's cells
    and truth, the current one's."""
    from tests.audit_release import correct, withdraw

    raw = cohorts.build_cohort(joint_project / "data" / "raw" / "suivi-bis", "suivi")
    assert withdraw(raw) == "D04"  # the first « non retenu »
    correct(raw, "D07", "Département", "24")
    ingest("suivi-bis")
    public = load_cohort("suivi-bis", audience="public")
    frames = {"funnel": public._funnel(), "types": public._innovation_types(), "laureates": public.laureates(),
              **{by: public._profile(by).reset_index() for by in ("legal_group", "stage")}}
    _public, before, cells = suivi
    now = dossier_types(load_cohort("suivi-bis", audience="jury").tables)
    return before, cells, now, frames_cells(frames, public._departement_counts())


def _both(full, star, releases, truth, changes):
    quantities = [audit.count_quantities(m, releases[-1][1], truth, 5) + attacker.changes(m, *changes) for m in (full, star)]
    assert len(quantities[0]) == len(quantities[1]) >= 30
    return zip(*quantities)


@pytest.mark.parametrize("secret_every", [1, 2, 3])
def test_star_model_of_two_releases_gives_the_intervals_of_the_full_universe(two_releases, secret_every):
    before, cells_before, now, cells_now = two_releases
    releases = [("antérieure", Release(cells=cells_before, records=_records(before, secret_every))),
                ("courante", Release(cells=cells_now, records=_records(now, secret_every)))]
    full, star = Model(releases), StarModel(releases)
    for (label, _s, expr, v, sens), (_l, _s2, star_expr, _v2, _sens2) in _both(full, star, releases, now,
                                                                               (before, now)):
        withdrawn = label.startswith(("retrait", "modification"))
        assert star.bounds(star_expr) == full.bounds(expr), label
        assert audit.check(star, star_expr, v, True, withdrawn=withdrawn) == audit.check(
            full, expr, v, True, withdrawn=withdrawn), label


@pytest.mark.slow  # a long battery, as the comparison of one release above
def test_star_model_of_two_releases_of_tables_alone_gives_the_withdrawals_of_the_full_universe(two_releases):
    """No record: each release is one pattern of any type, the full universe three times over
    (earlier, current, kept: some 60 000 unknowns), so only the departures are compared."""
    before, cells_before, now, cells_now = two_releases
    releases = [("antérieure", Release(cells=cells_before)), ("courante", Release(cells=cells_now))]
    full, star = Model(releases), StarModel(releases)
    assert star.n * 50 < full.n
    changes = list(zip(attacker.changes(full, before, now), attacker.changes(star, before, now)))
    assert len(changes) == 7  # the 8 values of the departures but « amorçage », held by every dossier
    for (label, _s, expr, v, _sens), (_l, _s2, star_expr, _v2, _sens2) in changes:
        assert star.bounds(star_expr) == full.bounds(expr), label


def test_the_laureate_list_and_the_funnel_bound_the_reoriented_until_the_retained_are_suppressed(suivi):
    _public, truth, cells = suivi
    release = Release(cells=cells)
    model = StarModel(release)
    _label, _source, expr, v, sensitive = _reoriented(model, release, truth)
    assert (v, sensitive) == (2, True)
    assert model.bounds(expr) == (0, 2)  # 5 retained - 3 laureates
    assert not audit.check(model, expr, v, sensitive)[2]
    binding = {cell.label for _tag, cell in model.binding(expr, upper=True)}
    assert "entonnoir « Retenus »" in binding

    extra = joint.extra_suppressions(cells, truth, min_count=5, fixed=frozenset({"laureates"}))
    assert [c.label for c in extra] == ["entonnoir « Retenus »"]
    after = Release(cells=[joint._suppressed(c) if c in extra else c for c in cells])
    model = StarModel(after)
    low, high, safe = audit.check(model, *_reoriented(model, after, truth)[2:])
    assert safe and low <= 1 and high >= 3
    for _label, _source, expr, v, sensitive in audit.count_quantities(model, after, truth, 5):
        assert audit.check(model, expr, v, sensitive)[2]


def test_the_public_tables_carry_the_joint_suppression_and_the_laureates_stay(suivi):
    public, _truth, _cells = suivi
    funnel = public.funnel().set_index("Étape")["Dossiers"]
    assert funnel["Retenus"] == "secret"
    assert funnel["Dossiers déposés"] == 8
    assert len(public.laureates()) == 3


def test_a_count_over_two_attributes_is_refused_by_the_table_model():
    from socinnov.privacy.published import Cell, pred

    release = Release(cells=[Cell("t", "x", pred(grp={"association"}, stage={"amorçage"}), 3.0, at=(0, "x"))])
    with pytest.raises(ValueError, match="plusieurs attributs"):
        StarModel(release)


def test_a_cohort_too_small_to_publish_its_total_gets_no_error(project):
    """Under 5 dossiers, even the number filed is secret: nothing bounds the tables from above
    (the programme is unbounded there), and joint suppression has nothing to add."""
    from tests.conftest import tiny_tables, write_cohort

    write_cohort(project / "data" / "raw" / "tiny", tiny_tables())
    ingest("tiny")
    public = load_cohort("tiny", audience="public")
    funnel = public.funnel().set_index("Étape")["Dossiers"]
    assert funnel["Dossiers déposés"] == "secret"
    assert public._joint_suppressions() == []
