"""The result cache: same inputs give the stored table, any change of input, parameter or code
recomputes; the committee's pseudonymised ratings share the jury's entry."""

from __future__ import annotations

import pandas as pd
import pytest

from socinnov import cache
from socinnov.analysis import jury_agreement
from socinnov.call.grids import load_grid
from socinnov.privacy.pseudonyms import pseudonymise

from .test_jury import ratings as simulated_ratings


@pytest.fixture
def ratings():
    return simulated_ratings(seed=5, n=30)


def _counting(frame):
    calls = []

    def compute():
        calls.append(1)
        return frame

    return calls, compute


def test_second_call_reads_the_stored_table():
    frame = pd.DataFrame({"a": [1.0, 2.5], "b": ["x", "y"]})
    calls, compute = _counting(frame)
    first = cache.cached("t", {"p": 1}, "d", compute)
    second = cache.cached("t", {"p": 1}, "d", compute)
    assert len(calls) == 1
    pd.testing.assert_frame_equal(first, second)
    assert len(list(cache.folder().glob("t-*.parquet"))) == 1


@pytest.mark.parametrize("change", ["params", "digest", "code", "library"])
def test_any_change_recomputes(change, monkeypatch):
    frame = pd.DataFrame({"a": [1.0]})
    calls, compute = _counting(frame)
    cache.cached("t", {"p": 1}, "d", compute)
    params, digest = {"p": 1}, "d"
    if change == "params":
        params = {"p": 2}
    elif change == "digest":
        digest = "e"
    elif change == "code":
        monkeypatch.setattr(cache, "code_fingerprint", lambda: "autre-code")
    else:  # an upgraded statistics library may compute another value
        monkeypatch.setattr(cache, "library_versions", lambda: {"krippendorff": "99.0"})
    cache.cached("t", params, digest, compute)
    assert len(calls) == 2


def test_disabled_by_environment(monkeypatch):
    monkeypatch.setenv("SOCINNOV_NO_CACHE", "1")
    calls, compute = _counting(pd.DataFrame({"a": [1]}))
    cache.cached("t", {}, "d", compute)
    cache.cached("t", {}, "d", compute)
    assert len(calls) == 2 and not cache.folder().exists()


def test_a_result_that_does_not_round_trip_is_not_stored():
    frame = pd.DataFrame({"a": [1.0]})
    frame.index = pd.MultiIndex.from_tuples([(object(), 1)])  # not storable in Parquet
    calls, compute = _counting(frame)
    cache.cached("t", {}, "d", compute)
    assert list(cache.folder().glob("*.parquet")) == []
    cache.cached("t", {}, "d", compute)
    assert len(calls) == 2


def test_damaged_entry_is_recomputed():
    calls, compute = _counting(pd.DataFrame({"a": [1.0]}))
    cache.cached("t", {}, "d", compute)
    (entry,) = cache.folder().glob("t-*.parquet")
    entry.write_bytes(b"pas du parquet")
    out = cache.cached("t", {}, "d", compute)
    assert len(calls) == 2 and out["a"].tolist() == [1.0]


def test_digest_follows_values_and_order_but_not_identifier_labels(ratings):
    cols = ["dossier_id", "juror_id", "criterion", "level_code"]
    base = cache.frame_digest(ratings, cols, identifiers=("dossier_id", "juror_id"))
    relabelled = ratings.assign(dossier_id=pseudonymise(ratings["dossier_id"], cohort="x"))
    assert cache.frame_digest(relabelled, cols, identifiers=("dossier_id", "juror_id")) == base
    changed = ratings.copy()
    changed.loc[changed.index[0], "level_code"] = (changed["level_code"].iloc[0] + 1) % 4
    assert cache.frame_digest(changed, cols, identifiers=("dossier_id", "juror_id")) != base
    shuffled = ratings.iloc[::-1]
    assert cache.frame_digest(shuffled, cols, identifiers=("dossier_id", "juror_id")) != base
    # Without declaring them identifiers, the labels themselves count.
    assert cache.frame_digest(relabelled, cols) != cache.frame_digest(ratings, cols)


def test_committee_and_jury_get_the_same_agreement_table(ratings, monkeypatch):
    grid = load_grid("acceptabilite", "2016")
    committee = ratings.assign(dossier_id=pseudonymise(ratings["dossier_id"], cohort="x"))
    monkeypatch.setenv("SOCINNOV_NO_CACHE", "1")
    uncached_committee = jury_agreement.criterion_agreement(committee, grid, n_boot=50, seed=3)
    monkeypatch.delenv("SOCINNOV_NO_CACHE")
    for_jury = jury_agreement.criterion_agreement(ratings, grid, n_boot=50, seed=3)
    from_cache = jury_agreement.criterion_agreement(committee, grid, n_boot=50, seed=3)
    assert len(list(cache.folder().glob("criterion_agreement-*.parquet"))) == 1
    # The shared entry is what the committee's own computation gives, CIs included.
    pd.testing.assert_frame_equal(from_cache, uncached_committee)
    pd.testing.assert_frame_equal(for_jury, uncached_committee)


def test_committee_and_jury_get_the_same_criteria_statistics(monkeypatch):
    """The committee sheet's tables are computed once: the committee's copy (dossiers under
    pseudonyms, which sort in another order) reads the jury's, and they are what the committee's
    own computation gives, bootstrap intervals included."""
    from socinnov.analysis import committee

    from .test_criteria import GRID, synthetic_ratings

    r, dec = synthetic_ratings(GRID, n_dossiers=40, seed=4)
    ids = pseudonymise(r["dossier_id"], cohort="x")
    ids_of = dict(zip(r["dossier_id"], ids))
    c_ratings, c_dec = r.assign(dossier_id=ids), dec.assign(dossier_id=dec["dossier_id"].map(ids_of))
    assert list(pd.unique(c_ratings["dossier_id"])) != sorted(pd.unique(c_ratings["dossier_id"]))
    shared = ("items", "distribution", "item_rest", "consistency", "pairs", "discrimination", "evidence")
    monkeypatch.setenv("SOCINNOV_NO_CACHE", "1")
    own = committee.analyse_criteria(c_ratings, GRID, c_dec, n_boot=40, seed=3)
    monkeypatch.delenv("SOCINNOV_NO_CACHE")
    jury = committee.analyse_criteria(r, GRID, dec, n_boot=40, seed=3)
    calls = []
    monkeypatch.setattr(committee, "internal_consistency", lambda *a, **k: calls.append(1))
    read = committee.analyse_criteria(c_ratings, GRID, c_dec, n_boot=40, seed=3)
    assert not calls  # read from the cache, not recomputed
    assert len(list(cache.folder().glob("criteria_consistency-*.parquet"))) == 1
    for name in shared:
        pd.testing.assert_frame_equal(getattr(read, name), getattr(own, name))
        pd.testing.assert_frame_equal(getattr(jury, name), getattr(own, name))
    pd.testing.assert_frame_equal(read.correlations, jury.correlations)
    # The tables name no dossier; the dossier-by-criterion matrix stays each audience's own.
    assert set(read.wide.index) == set(ids) and set(jury.wide.index) == set(r["dossier_id"])


def test_jury_statistics_are_those_of_its_sorted_matrix():
    """The ratings list the dossiers in identifier order (the processed cohort): the shared tables
    run on the matrix in order of first appearance are the jury's former ones, sorted by identifier."""
    from socinnov.analysis import committee
    from socinnov.analysis.consistency import internal_consistency

    from .test_criteria import GRID, synthetic_ratings

    r, dec = synthetic_ratings(GRID, n_dossiers=40, seed=4)
    analysis = committee.analyse_criteria(r, GRID, dec, n_boot=40, seed=3)
    assert analysis.wide.index.is_monotonic_increasing
    pd.testing.assert_frame_equal(analysis.consistency, internal_consistency(analysis.wide, GRID, n_boot=40, seed=3))


_RACE = """
import os, sys, time
from pathlib import Path
import pandas as pd
from socinnov import cache

def compute():
    with open(sys.argv[1], "a") as f:
        f.write(f"{os.getpid()}\\n")
    time.sleep(1.5)
    if sys.argv[2] == "fail":
        raise SystemExit(3)
    return pd.DataFrame({"a": [1.0, 2.0]})

go = Path(sys.argv[3])
Path(f"{go}.pret").touch()
while not go.exists():
    time.sleep(0.01)
print(cache.cached("t", {}, "d", compute)["a"].sum())
"""


def _until(condition, what):
    import time

    deadline = time.monotonic() + 60
    while not condition():
        assert time.monotonic() < deadline, f"attendu depuis 60 s : {what}"
        time.sleep(0.02)


def _racing(project, modes):
    """Processes (kernels) asking for the same entry in ``project``'s cache. Each imports first,
    then waits for its turn; process ``k`` asks once ``k`` computations have started, so that it
    arrives while the one before it computes (and holds the entry's lock)."""
    import subprocess
    import sys

    calls = project / "calculs.txt"
    calls.touch()
    gos = [project / f"tour-{k}" for k in range(len(modes))]
    procs = [subprocess.Popen([sys.executable, "-c", _RACE, str(calls), mode, str(go)],
                              stdout=subprocess.PIPE, text=True) for mode, go in zip(modes, gos)]
    _until(lambda: all(go.with_name(f"{go.name}.pret").exists() for go in gos), "les imports")
    for k, go in enumerate(gos):
        _until(lambda k=k: len(calls.read_text().split()) >= k, f"{k} calcul(s) commencé(s)")
        go.touch()
    outs = [(p.communicate(timeout=60)[0].strip(), p.returncode) for p in procs]
    return outs, calls.read_text().split(), project / "data" / "processed" / cache.CACHE_DIR


def test_an_entry_asked_by_two_kernels_at_once_is_computed_once(project):
    outs, calls, folder = _racing(project, ["ok", "ok"])
    assert outs == [("3.0", 0), ("3.0", 0)]
    assert len(calls) == 1  # the second waited for the first's result
    assert [p.suffix for p in folder.iterdir()] == [".parquet"]  # no lock file left


def test_a_kernel_waiting_on_a_failed_computation_computes_it_itself(project):
    outs, calls, folder = _racing(project, ["fail", "ok"])
    assert outs == [("", 3), ("3.0", 0)]
    assert len(calls) == 2 and len(set(calls)) == 2
    assert [p.suffix for p in folder.iterdir()] == [".parquet"]


def test_a_kernel_arriving_after_a_failed_computation_waits_for_the_one_computing_again(project):
    """The first fails; the second, which waited on it, computes; a third arriving meanwhile
    waits for the second (the lock file the first removed is not the one it locks)."""
    outs, calls, folder = _racing(project, ["fail", "ok", "ok"])
    assert outs == [("", 3), ("3.0", 0), ("3.0", 0)]
    assert len(calls) == 2
    assert [p.suffix for p in folder.iterdir()] == [".parquet"]


def test_clearing_the_cache_removes_the_lock_a_killed_kernel_left():
    cache.cached("t", {}, "d", lambda: pd.DataFrame({"a": [1.0]}))
    (cache.folder() / "t-0123.calcul").touch()  # a kernel killed while it computed
    assert [p.suffix for p in sorted(cache.folder().iterdir())] == [".calcul", ".parquet"]
    assert cache.clear() == 1
    assert list(cache.folder().iterdir()) == []


def test_a_folder_that_cannot_be_locked_still_gives_the_result(monkeypatch):
    """Some network file systems refuse ``flock``: the entry is computed without a lock."""
    import fcntl

    def refuse(fd, op):
        raise OSError(37, "No locks available")

    monkeypatch.setattr(fcntl, "flock", refuse)
    got = cache.cached("t", {}, "d", lambda: pd.DataFrame({"a": [1.0]}))
    assert got["a"].tolist() == [1.0]
    assert [p.suffix for p in cache.folder().iterdir()] == [".parquet"]
