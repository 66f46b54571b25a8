"""Juror assignment: `socinnov assign`, the affectations table, and forms drawn from it."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from socinnov.analysis.assignment import (
    InfeasibleDesign,
    assign_jurors,
    describe_design,
    exposure_profiles,
    severity_standard_errors,
)
from socinnov.analysis.juror_effects import design_components
from socinnov.call.eligibility import check_eligibility, eligibility_status
from socinnov.cli.main import main
from socinnov.errors import InputError
from socinnov.inputs.csv_reader import read_text_table
from socinnov.inputs.form_layout import assignments, plan_forms
from socinnov.inputs.ingest import validate_cohort
from tests.conftest import REPO, tiny_tables, write_cohort

DEMO = REPO / "data" / "raw" / "demo"


def _pairs(blocks: list[list[int]]) -> pd.DataFrame:
    return pd.DataFrame([(f"D{b}", f"J{j}") for b, jurors in enumerate(blocks) for j in jurors],
                        columns=["dossier_id", "juror_id"])


# ------------------------------------------------------------------------------------------
# Expected precision of the severities, against textbook designs


def test_severity_errors_of_a_balanced_incomplete_block_design():
    # The Fano plane: a = 7 jurors, b = 7 dossiers, k = 3 jurors per dossier, each pair together
    # λ = 1 time. Montgomery, Design and Analysis of Experiments (8th ed., 2013), section 4.4
    # (BIBD, least squares estimation): V(Σ c_i τ̂_i) = (k / (λ a)) σ² Σ c_i². A sum-coded effect
    # is the contrast τ_i − mean(τ), Σ c_i² = (a − 1) / a, hence V = k (a − 1) / (λ a²) = 18/49.
    fano = [[0, 1, 3], [1, 2, 4], [2, 3, 5], [3, 4, 6], [4, 5, 0], [5, 6, 1], [6, 0, 2]]
    se = severity_standard_errors(_pairs(fano))
    assert len(se) == 7
    np.testing.assert_allclose(se.to_numpy() ** 2, 18 / 49, rtol=1e-12)


def test_severity_errors_of_a_complete_block_design():
    # Every juror rates every dossier (randomised complete block design, a = 4 jurors, b = 5
    # dossiers): τ̂_i = ȳ_i. − ȳ.., V(τ̂_i) = σ² (a − 1) / (a b) = 3/20 (Montgomery 2013, section 4.1).
    se = severity_standard_errors(_pairs([[0, 1, 2, 3]] * 5))
    np.testing.assert_allclose(se.to_numpy() ** 2, 3 / 20, rtol=1e-12)


def test_a_disconnected_design_has_no_finite_error():
    se = severity_standard_errors(_pairs([[0, 1], [0, 1], [2, 3], [2, 3]]))
    assert np.isinf(se).all()


# ------------------------------------------------------------------------------------------
# The demo: 110 eligible dossiers, 9 jurors, 8 conflicts


@pytest.fixture(scope="module")
def demo():
    frames, call = validate_cohort(DEMO)
    status = eligibility_status(check_eligibility(frames, call))
    eligible = frames["dossiers"][frames["dossiers"]["dossier_id"].isin(status.loc[status["eligible"], "dossier_id"])]
    return frames, eligible


def test_demo_numbers(demo):
    frames, eligible = demo
    assert (len(eligible), len(frames["jurors"]), len(frames["conflicts"])) == (110, 9, 8)


@pytest.mark.parametrize("k", [3, 4])
def test_demo_design_meets_every_constraint(demo, k):
    frames, eligible = demo
    jurors, conflicts = list(frames["jurors"]["juror_id"]), frames["conflicts"]
    profiles = exposure_profiles(eligible)
    pairs = assign_jurors(list(eligible["dossier_id"]), jurors, conflicts, per_dossier=k, seed=7, profiles=profiles)
    assert not pairs.duplicated().any()
    assert set(pairs["dossier_id"]) == set(eligible["dossier_id"])
    assert (pairs.groupby("dossier_id").size() == k).all()
    barred = set(zip(conflicts["juror_id"], conflicts["dossier_id"]))
    assert not barred & set(zip(pairs["juror_id"], pairs["dossier_id"]))
    loads = pairs["juror_id"].value_counts().reindex(jurors, fill_value=0)
    assert loads.max() - loads.min() <= 1 and loads.sum() == 110 * k
    assert design_components(pairs).nunique() == 1
    s = describe_design(pairs, jurors, conflicts, profiles)
    # 110 dossiers × C(k, 2) pairs each over C(9, 2) = 36 pairs of jurors: 9.17 (k = 3), 18.33 (k = 4).
    assert s.pair_ideal == {3: (9, 10), 4: (18, 19)}[k]
    assert (s.pair_counts.min(), s.pair_counts.max()) == s.pair_ideal and s.pairs_never == 0
    assert s.n_components == 1 and s.conflicts_respected
    assert np.isfinite(s.severity_se).all() and s.severity_se.max() < {3: 0.19, 4: 0.16}[k]


def test_exposure_balance_at_equal_pair_balance(demo):
    frames, eligible = demo
    jurors, conflicts = list(frames["jurors"]["juror_id"]), frames["conflicts"]
    profiles = exposure_profiles(eligible)
    ids = list(eligible["dossier_id"])

    def imbalance(pairs):
        e = describe_design(pairs, jurors, conflicts, profiles).exposure
        loads = pairs["juror_id"].value_counts().reindex(jurors).to_numpy()[:, None]
        return float(((e.to_numpy() - loads * profiles.mean().to_numpy()) ** 2).sum())

    balanced = assign_jurors(ids, jurors, conflicts, per_dossier=3, seed=1, profiles=profiles)
    blind = assign_jurors(ids, jurors, conflicts, per_dossier=3, seed=1)
    assert imbalance(balanced) < imbalance(blind)


def test_same_seed_same_file_and_properties_printed(project, tmp_path, capsys):
    shutil.copytree(DEMO, project / "data" / "raw" / "demo")
    for name in ("a.csv", "b.csv"):
        assert main(["assign", "demo", "--jures-par-dossier", "3", "--graine", "5", "--out", str(tmp_path / name)]) == 0
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert main(["assign", "demo", "--jures-par-dossier", "3", "--graine", "6", "--out", str(tmp_path / "c.csv")]) == 0
    assert (tmp_path / "c.csv").read_bytes() != (tmp_path / "a.csv").read_bytes()
    written = read_text_table(tmp_path / "a.csv")
    assert list(written.columns) == ["Identifiant du dossier", "Identifiant du juré"] and len(written) == 330
    out = capsys.readouterr().out
    assert "Charges : de 36 à 37 dossiers par juré (écart 1)" in out
    assert "plan connexe" in out and "Conflits d'intérêts : tous respectés." in out
    assert "notent ensemble de 9 à 10 dossiers (au mieux 9 à 10) ; 0 paire(s) jamais réunie(s) sur 36" in out
    assert "Précision attendue des sévérités : erreur type de 0,1" in out


def test_never_writes_into_raw_data_nor_over_a_file(project, tmp_path, capsys):
    cohort = project / "data" / "raw" / "demo"
    shutil.copytree(DEMO, cohort)
    before = (cohort / "affectations.csv").read_bytes()
    assert main(["assign", "demo", "--jures-par-dossier", "3", "--out", str(cohort / "affectations.csv")]) == 2
    assert "écriture refusée dans" in capsys.readouterr().err
    assert (cohort / "affectations.csv").read_bytes() == before
    (tmp_path / "a.csv").write_text("x", encoding="utf-8")
    assert main(["assign", "demo", "--jures-par-dossier", "3", "--out", str(tmp_path / "a.csv")]) == 2
    assert "existe déjà" in capsys.readouterr().err


# ------------------------------------------------------------------------------------------
# Requests that cannot be met: what blocks, what to relax


def test_more_jurors_per_dossier_than_free_of_conflict(project, tmp_path, capsys):
    shutil.copytree(DEMO, project / "data" / "raw" / "demo")
    assert main(["assign", "demo", "--jures-par-dossier", "8", "--out", str(tmp_path / "a.csv")]) == 2
    err = capsys.readouterr().err
    # Demo conflicts: AMI16-040 with J05, J06; AMI16-098 with J03, J05 (conflits_interets.csv).
    assert err.startswith("Affectation impossible pour 110 dossiers éligibles et 9 jurés ; rien n'a été écrit.")
    assert ("dossier(s) sans 8 jurés libres de conflit d'intérêts : AMI16-040 (7 jurés sans conflit), "
            "AMI16-098 (7 jurés sans conflit) ; réduire --jures-par-dossier à 7") in err
    assert not (tmp_path / "a.csv").exists()


def test_more_work_than_the_maximum_load_allows(demo):
    frames, eligible = demo
    with pytest.raises(InfeasibleDesign) as err:
        assign_jurors(list(eligible["dossier_id"]), list(frames["jurors"]["juror_id"]), frames["conflicts"],
                      per_dossier=4, max_load=40)
    assert err.value.reasons == [
        "110 dossiers × 4 jurés = 440 affectations, mais 9 jurés × charge maximale 40 = 360 : relever "
        "--charge-max à 49 au moins, ou réduire --jures-par-dossier à 3"]


def test_a_maximum_load_too_low_for_two_jurors_per_dossier_asks_for_jurors(demo):
    # 9 jurors × 20 = 180 < 220 = 110 × 2: fewer jurors per dossier is no way out (2 at least).
    frames, eligible = demo
    with pytest.raises(InfeasibleDesign) as err:
        assign_jurors(list(eligible["dossier_id"]), list(frames["jurors"]["juror_id"]), frames["conflicts"],
                      per_dossier=3, max_load=20)
    assert err.value.reasons == [
        "110 dossiers × 3 jurés = 330 affectations, mais 9 jurés × charge maximale 20 = 180 : relever "
        "--charge-max à 37 au moins, ou ajouter des jurés dans jures.csv"]


def test_one_juror_per_dossier_cannot_separate_severity_from_quality():
    with pytest.raises(InfeasibleDesign) as err:
        assign_jurors(["D1", "D2"], ["J1", "J2"], None, per_dossier=1)
    assert "demander --jures-par-dossier 2 au moins" in err.value.reasons[0]


def test_conflicts_that_isolate_jurors_are_named():
    # J1 and J2 may rate D1 and D2 only, and must rate two dossiers each: they fill D1 and D2,
    # J3 and J4 take D3 and D4, and no juror links the two halves.
    conflicts = pd.DataFrame({"juror_id": ["J1", "J1", "J2", "J2"], "dossier_id": ["D3", "D4", "D3", "D4"]})
    with pytest.raises(InfeasibleDesign) as err:
        assign_jurors(["D1", "D2", "D3", "D4"], ["J1", "J2", "J3", "J4"], conflicts, per_dossier=2)
    assert err.value.reasons[0].startswith("le plan se divise en 2 groupes de jurés sans dossier commun (J1, J2 | J3, J4)")


@pytest.mark.parametrize("n, m, conflicts", [
    (4, 5, [("J0", "D0"), ("J1", "D0"), ("J1", "D1"), ("J3", "D1"), ("J4", "D3")]),
    (5, 6, [("J3", "D0"), ("J5", "D0"), ("J4", "D1"), ("J0", "D2"), ("J2", "D4")]),
])
def test_small_juries_with_conflicts_get_a_connected_design_whatever_the_seed(n, m, conflicts):
    # Connected designs exist for these (some seeds found one before the repair of the groups);
    # the pair-balance search alone settled, for other seeds, on two groups of jurors and the
    # request was refused as impossible.
    conflicts = pd.DataFrame(conflicts, columns=["juror_id", "dossier_id"])
    barred = set(zip(conflicts["dossier_id"], conflicts["juror_id"]))
    for seed in range(6):
        pairs = assign_jurors([f"D{i}" for i in range(n)], [f"J{j}" for j in range(m)], conflicts,
                              per_dossier=2, seed=seed)
        loads = pairs["juror_id"].value_counts().reindex([f"J{j}" for j in range(m)], fill_value=0)
        assert design_components(pairs).nunique() == 1
        assert (pairs.groupby("dossier_id").size() == 2).all() and pairs["dossier_id"].nunique() == n
        assert loads.max() - loads.min() <= 1
        assert not barred & set(zip(pairs["dossier_id"], pairs["juror_id"]))


def test_a_juror_with_too_few_dossiers_free_of_conflict_for_balanced_loads():
    conflicts = pd.DataFrame({"juror_id": ["J1"] * 3, "dossier_id": ["D1", "D2", "D3"]})
    with pytest.raises(InfeasibleDesign) as err:
        assign_jurors(["D1", "D2", "D3", "D4"], ["J1", "J2", "J3", "J4"], conflicts, per_dossier=2)
    assert err.value.reasons == [
        "charges équilibrées impossibles : chaque juré doit noter 2 dossiers au moins, mais J1 (1 dossier sans "
        "conflit) ; donner --charge-max 2 (charges inégales permises) ou réduire --jures-par-dossier"]
    # With a maximum load instead of balanced loads, J1 rates D4 only.
    pairs = assign_jurors(["D1", "D2", "D3", "D4"], ["J1", "J2", "J3", "J4"], conflicts, per_dossier=2, max_load=3)
    assert set(pairs.loc[pairs["juror_id"] == "J1", "dossier_id"]) <= {"D4"}
    assert (pairs.groupby("dossier_id").size() == 2).all()


# ------------------------------------------------------------------------------------------
# The affectations table and the forms drawn from it


def test_ingest_checks_the_affectations_table(project):
    t = tiny_tables()
    t["conflicts"] = pd.DataFrame([dict(juror_id="J03", dossier_id="D-002", reason=None)])
    t["ratings"] = t["ratings"].iloc[:0]
    t["assignments"] = pd.DataFrame({"dossier_id": ["D-001", "D-002", "D-009", "D-002"],
                                     "juror_id": ["J01", "J03", "J02", "J99"]})
    with pytest.raises(InputError) as err:
        validate_cohort(write_cohort(project / "data" / "raw" / "bad", t))
    assert [str(p) for p in err.value.problems] == [
        "affectations.csv, ligne 3 : le juré J03 est affecté au dossier D-002 alors qu'un conflit d'intérêts est "
        "déclaré (conflits_interets.csv)",
        "affectations.csv, ligne 4, colonne « Identifiant du dossier » : « D-009 » absent de dossiers.csv",
        "affectations.csv, ligne 5, colonne « Identifiant du juré » : « J99 » absent de jures.csv",
    ]
    # A pair written twice is refused by the table's own check (before the cross-checks).
    t["assignments"] = pd.DataFrame({"dossier_id": ["D-001", "D-001"], "juror_id": ["J01", "J01"]})
    with pytest.raises(InputError) as err:
        validate_cohort(write_cohort(project / "data" / "raw" / "twice", t))
    assert [str(p) for p in err.value.problems] == [
        "affectations.csv, ligne 3 : le même juré est affecté deux fois au même dossier"]


def test_affectations_win_over_the_ratings_rows():
    t = tiny_tables()
    t["assignments"] = pd.DataFrame({"dossier_id": ["D-002", "D-001"], "juror_id": ["J02", "J02"]})
    assert assignments(t).to_dict("list") == {"juror_id": ["J02", "J02"], "dossier_id": ["D-001", "D-002"]}
    t["assignments"] = t["assignments"].iloc[:0]
    assert len(assignments(t)) == 6  # the individual round's pairs of notations.csv, as before


def test_forms_from_the_assignment_before_any_rating(project, tmp_path, capsys):
    cohort = project / "data" / "raw" / "avant"
    # Before the jury: the dossiers, the jury and its conflicts, no rating, no decision, no follow-up.
    cohort.mkdir()
    for name in ("appel.yaml", "dossiers.csv", "partenaires.csv", "budget_previsionnel.csv", "jures.csv",
                 "conflits_interets.csv"):
        shutil.copy(DEMO / name, cohort / name)
    header = (DEMO / "notations.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    (cohort / "notations.csv").write_text(header + "\n", encoding="utf-8-sig")
    assert main(["forms", "avant", "--out", str(tmp_path / "f")]) == 2  # nothing assigned yet: said, no traceback
    assert "socinnov assign avant --jures-par-dossier K" in capsys.readouterr().err
    assert main(["assign", "avant", "--jures-par-dossier", "3", "--out", str(tmp_path / "affectations.csv")]) == 0
    shutil.copy(tmp_path / "affectations.csv", cohort / "affectations.csv")
    assert main(["forms", "avant", "--out", str(tmp_path / "f")]) == 0
    assert len(list((tmp_path / "f").glob("formulaire-avant-J0*.xlsx"))) == 9
    frames, call = validate_cohort(cohort)
    plans = {p.juror_id: p.acceptability for p in plan_forms(frames, call, "avant")}
    written = frames["assignments"].groupby("juror_id")["dossier_id"].apply(lambda s: tuple(sorted(s))).to_dict()
    assert plans == written


def test_forms_of_the_demo_unchanged_by_its_affectations_file():
    # The demo's affectations.csv holds the pairs its individual round was rated on.
    frames, _ = validate_cohort(DEMO)
    from_ratings = assignments({**frames, "assignments": frames["assignments"].iloc[:0]})
    pd.testing.assert_frame_equal(assignments(frames), from_ratings)

