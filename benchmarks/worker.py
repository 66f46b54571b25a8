"""One benchmark step in its own process: ``python -m benchmarks.worker STEP [options]``.

The project folder is ``$SOCINNOV_ROOT`` (set by ``benchmarks.run``). Each step times what it
measures with ``time.perf_counter`` (imports excluded) and prints its measurements as one JSON
line (``benchmarks.measure.emit``); ``benchmarks.run`` adds the process's wall time and peak memory.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.measure import emit

GRIDS = ("acceptabilite", "faisabilite")


@contextlib.contextmanager
def timer(into: dict, key: str):
    start = time.perf_counter()
    try:
        yield
    finally:
        into[key] = into.get(key, 0.0) + time.perf_counter() - start


def _root() -> Path:
    return Path(os.environ["SOCINNOV_ROOT"])


# ------------------------------------------------------------------------------------------------
# Cohorts and ingest
# ------------------------------------------------------------------------------------------------

def step_generate(a) -> dict:
    from benchmarks import cohorts

    out: dict = {}
    with timer(out, "seconds"):
        rows = cohorts.write_cohort(_root() / "data" / "raw" / a.cohort, a.dossiers, n_jurors=a.jurors,
                                    per_dossier=a.per_dossier, seed=a.seed)
    out["rows"] = rows
    out["csv_bytes"] = sum(p.stat().st_size for p in (_root() / "data" / "raw" / a.cohort).glob("*.csv"))
    return out


def step_ingest(a) -> dict:
    import socinnov.inputs.ingest as ingest_module

    out: dict = {}
    for name in ("check_eligibility", "validate_cohort", "file_hashes"):
        original = getattr(ingest_module, name)

        def timed(*args, _original=original, _name=name, **kw):
            with timer(out, _name):
                return _original(*args, **kw)

        setattr(ingest_module, name, timed)
    with timer(out, "seconds"):
        ingest_module.ingest(a.cohort)
    out["seconds_without_eligibility"] = out["seconds"] - out.get("check_eligibility", 0.0)
    return out


# ------------------------------------------------------------------------------------------------
# Agreement, juror effects, peers
# ------------------------------------------------------------------------------------------------

def _ratings(cohort: str) -> pd.DataFrame:
    from socinnov import config

    r = pd.read_parquet(config.processed_dir(cohort) / "ratings.parquet")
    r = r[r["round"] == "individuel"].dropna(subset=["level_code"])
    return r.assign(level_code=r["level_code"].astype(float))


def _criterion_frames(ratings: pd.DataFrame, grids=GRIDS):
    """(grid, criterion, long frame, declared level codes) of every criterion of the grids."""
    from socinnov.call.grids import load_grid

    out = []
    for grid_id in grids:
        grid = load_grid(grid_id, "2016")
        levels = [lv.code for lv in grid.levels]
        g = ratings[ratings["grid"] == grid_id]
        for c in grid.criteria:
            d = g[g["criterion"] == c.id][["dossier_id", "juror_id", "level_code"]]
            if len(d):
                out.append((grid_id, c.id, d, levels))
    return out


def _one_table(args) -> float:
    from socinnov.analysis.agreement import agreement_table

    d, levels, n_boot = args
    start = time.perf_counter()
    agreement_table(d, unit="dossier_id", rater="juror_id", value="level_code", scale="ordinal", levels=levels,
                    weights="linear", n_boot=n_boot, seed=0)
    return time.perf_counter() - start


def step_agreement(a) -> dict:
    """Every agreement statistic (``agreement_table``: 15 rows, bootstrap CIs) of every criterion."""
    frames = _criterion_frames(_ratings(a.cohort))
    out: dict = {"tables": len(frames), "n_boot": a.n_boot}
    jobs = [(d, levels, a.n_boot) for _, _, d, levels in frames]
    with timer(out, "seconds"):
        if a.processes > 1:
            with ProcessPoolExecutor(a.processes) as pool:
                per = list(pool.map(_one_table, jobs))
        else:
            per = [_one_table(j) for j in jobs]
    for (grid_id, _, _, _), t in zip(frames, per):
        out[f"seconds_{grid_id}"] = out.get(f"seconds_{grid_id}", 0.0) + t
    out["slowest_table"] = max(per) if per else 0.0
    out["units_first_table"] = int(frames[0][2]["dossier_id"].nunique()) if frames else 0
    return out


def step_accord_agreement(a) -> dict:
    """The agreement cells of the accord report (criteria, rounds, feasibility), as they run there:
    first computed (empty cache), then asked again as the next report does (committee's accord,
    criteria, dissemination), read from the cache (``socinnov.cache``)."""
    from socinnov import cache
    from socinnov.analysis import jury_agreement
    from socinnov.privacy.store import load_cohort

    cache.clear()
    data = load_cohort(a.cohort, audience="jury")
    grid = data.grid()
    out: dict = {}
    for when in ("cold", "warm"):
        with timer(out, f"{when}_criterion_agreement"):
            jury_agreement.criterion_agreement(data.ratings, grid, n_boot=a.n_boot, seed=2016)
        with timer(out, f"{when}_rounds_comparison"):
            jury_agreement.rounds_comparison(data.ratings, grid, n_boot=a.n_boot, seed=2016)
        with timer(out, f"{when}_feasibility"):
            jury_agreement.criterion_agreement(data.ratings, data.grid("faisabilite"), n_boot=a.n_boot, seed=2016)
        out[when] = sum(v for k, v in out.items() if k.startswith(f"{when}_"))
    out["seconds"] = out["cold"]
    return out


def step_jurors(a) -> dict:
    from socinnov.analysis.juror_effects import juror_effects

    r = _ratings(a.cohort)
    r = r[r["grid"] == "acceptabilite"]
    out: dict = {"rows": len(r)}
    with timer(out, "seconds"):
        fit = juror_effects(r)
    out["jurors"] = len(fit.severity)
    out["dossiers"] = len(fit.adjusted)
    return out


def step_funding_line(a) -> dict:
    """The funding line's statistics (issue 19): G-study and D-study, then the ranking posterior
    (1 000 draws) and the grey zone, on the acceptability grid's individual round."""
    from socinnov.analysis.ranking import grey_zone, rank_posterior
    from socinnov.analysis.reliability import d_study, g_study

    r = _ratings(a.cohort)
    r = r[(r["grid"] == "acceptabilite") & (r["round"] == "individuel")]
    out: dict = {"rows": len(r)}
    with timer(out, "g_study"):
        d_study(g_study(r))
    with timer(out, "ranking"):
        grey_zone(rank_posterior(r, n_draws=1000, seed=1), n_funded=max(1, r["dossier_id"].nunique() // 7))
    return out


def _best_of(fn, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def step_peers(a) -> dict:
    """Our statistics and the libraries' on the same data: the acceptability criteria.

    Krippendorff's alpha (``krippendorff.alpha``) on every rating (incomplete design); Fleiss'
    kappa (``statsmodels``) and ICC (``pingouin``) need a complete design, so both sides get the
    dossiers that have all ``per_dossier`` ratings, raters numbered by position (1st…8th juror of
    the dossier). Our functions start from the long table and validate it; a peer is timed from
    the same long table (reshaped to its input format) and on its input already formed. Each
    point estimate is the best of 3 runs. With bootstrap: our ``n_boot`` resamples against the
    peer re-run ``n_boot`` times (it has no bootstrap), extrapolated from 3 resamples.
    """
    frames = _criterion_frames(_ratings(a.cohort), grids=("acceptabilite",))
    t: dict = {}
    rng = np.random.default_rng(0)
    for _, _, d, levels in frames:
        for key, value in _peer_times(d, levels, a.n_boot, a.per_dossier, rng).items():
            t[key] = t.get(key, 0.0) + value
    t["criteria"] = len(frames)
    t["complete_dossiers"] = t.get("complete_dossiers", 0) / max(len(frames), 1)
    return t


def _peer_times(d: pd.DataFrame, levels: list, n_boot: int, per_dossier: int, rng) -> dict:
    """One criterion's times, ours and the peers' (see ``step_peers``)."""
    import krippendorff
    import pingouin as pg
    from statsmodels.stats.inter_rater import aggregate_raters
    from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss

    from socinnov.analysis import agreement as ag

    cols = {"unit": "dossier_id", "rater": "juror_id", "value": "level_code"}
    t: dict = {}

    def reliability(frame):  # raters x units, NaN where a juror did not rate
        return frame.pivot(index="juror_id", columns="dossier_id", values="level_code").to_numpy()

    def peer_alpha(matrix):
        return krippendorff.alpha(reliability_data=matrix, level_of_measurement="ordinal", value_domain=levels)

    # Krippendorff's alpha, incomplete design.
    wide = reliability(d)
    t["ours_alpha"] = _best_of(lambda: ag.krippendorff_alpha(d, **cols, levels=levels, n_boot=0))
    t["peer_alpha"] = _best_of(lambda: peer_alpha(wide))
    t["peer_alpha_long"] = _best_of(lambda: peer_alpha(reliability(d)))
    with timer(t, "ours_alpha_boot"):
        ag.krippendorff_alpha(d, **cols, levels=levels, n_boot=n_boot, seed=0)
    resamples = [wide[:, rng.integers(0, wide.shape[1], wide.shape[1])] for _ in range(3)]
    start = time.perf_counter()
    for m in resamples:
        peer_alpha(m)
    t["peer_alpha_boot"] = (time.perf_counter() - start) / 3 * n_boot
    # Complete design: dossiers with every rating, raters by position.
    counts = d.groupby("dossier_id")["level_code"].transform("size")
    full = d[counts == per_dossier].sort_values(["dossier_id", "juror_id"])
    full = full.assign(slot=full.groupby("dossier_id").cumcount())
    slot = full[["dossier_id", "slot", "level_code"]].rename(columns={"slot": "juror_id"})

    def table(frame):
        return frame.pivot(index="dossier_id", columns="juror_id", values="level_code").to_numpy()

    def peer_fleiss(matrix):
        return sm_fleiss(aggregate_raters(matrix.astype(int), n_cat=len(levels))[0], method="fleiss")

    mat = table(slot)
    t["ours_fleiss"] = _best_of(lambda: ag.fleiss_kappa(slot, **cols, levels=levels, n_boot=0))
    t["peer_fleiss"] = _best_of(lambda: peer_fleiss(mat))
    t["peer_fleiss_long"] = _best_of(lambda: peer_fleiss(table(slot)))
    with timer(t, "ours_fleiss_boot"):
        ag.fleiss_kappa(slot, **cols, levels=levels, n_boot=n_boot, seed=0)
    start = time.perf_counter()
    for _ in range(3):
        peer_fleiss(mat[rng.integers(0, len(mat), len(mat))])
    t["peer_fleiss_boot"] = (time.perf_counter() - start) / 3 * n_boot
    long = slot.rename(columns={"dossier_id": "unit", "juror_id": "rater", "level_code": "y"})
    t["ours_icc"] = _best_of(lambda: ag.icc(slot, **cols, scale="interval", n_boot=0))
    t["peer_icc"] = _best_of(lambda: pg.intraclass_corr(long, targets="unit", raters="rater", ratings="y"))
    t["complete_dossiers"] = len(mat)
    return t


# ------------------------------------------------------------------------------------------------
# Reports and per-dossier sheets
# ------------------------------------------------------------------------------------------------

def step_reports(a) -> dict:
    from socinnov import cache
    from socinnov.reporting.build import build_reports

    cache.clear()  # a first build: nothing computed yet (the accord-agreement step filled it)
    messages: list[str] = []
    out: dict = {}
    with timer(out, "seconds"):
        _, outcomes = build_reports(a.cohort, audiences=("jury",), only=tuple(a.only.split(",")), force=True,
                                    log=messages.append)
    out["notebooks"] = {o.spec.name: round(o.seconds, 2) for o in outcomes}
    out["errors"] = {o.spec.name: o.error for o in outcomes if o.error}
    out["log"] = messages
    return out


def step_sheets(a) -> dict:
    """Debate and trajectory sheets of every dossier, as the accord and evolution reports write them."""
    from socinnov.privacy.store import load_cohort
    from socinnov.reporting import debate_sheets, trajectory_sheets

    out: dict = {}
    with timer(out, "load"):
        data = load_cohort(a.cohort, audience="jury")
    folder = _root() / "reports" / a.cohort / "jury"
    with timer(out, "debate_seconds"):
        grid = data.grid()
        div = debate_sheets.divergences(data.ratings, grid, min_spread=2)
        paths = debate_sheets.write_debate_sheets(div, data.dossiers, data.jurors, grid, folder / "fiches-debat",
                                           cohort=data.name, min_spread=2)
    out["debate_sheets"] = len(paths)
    if a.trajectory_limit:
        with timer(out, "trajectory_seconds"):
            written = trajectory_sheets.write_sheets(data, folder / "fiches-trajectoire")
        out["trajectory_sheets"] = len(written)
    return out


# ------------------------------------------------------------------------------------------------
# Juror sweep: same dossiers, more or fewer jurors (no files: frames straight from the generator)
# ------------------------------------------------------------------------------------------------

def step_floor(a) -> dict:
    from benchmarks.floor import floor

    return {"seconds": floor(n=10, jobs=2)}


def step_sweep(a) -> dict:
    from benchmarks import cohorts
    from socinnov.analysis.juror_effects import juror_effects
    from socinnov.call.grids import load_grid

    frames = cohorts.generate(a.dossiers, n_jurors=a.jurors, per_dossier=a.per_dossier, seed=a.seed)
    r = frames["ratings"]
    r = r[(r["round"] == "individuel") & r["level"].notna()].copy()
    codes = {}
    for grid_id in GRIDS:
        codes.update({(grid_id, lv.label): float(lv.code) for lv in load_grid(grid_id, "2016").levels})
    r["level_code"] = [codes[k] for k in zip(r["grid"], r["level"])]
    tables = _criterion_frames(r)
    out: dict = {"tables": len(tables)}
    with timer(out, "agreement_seconds"):
        for _, _, d, levels in tables:
            _one_table((d, levels, a.n_boot))
    with timer(out, "jurors_seconds"):
        juror_effects(r[r["grid"] == "acceptabilite"])
    return out


STEPS = {"generate": step_generate, "ingest": step_ingest, "agreement": step_agreement, "jurors": step_jurors,
         "funding-line": step_funding_line,
         "accord-agreement": step_accord_agreement,
         "peers": step_peers, "reports": step_reports, "sheets": step_sheets, "sweep": step_sweep,
         "floor": step_floor}


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("step", choices=sorted(STEPS))
    p.add_argument("--cohort", default="demo")
    p.add_argument("--dossiers", type=int, default=1000)
    p.add_argument("--jurors", type=int, default=80)
    p.add_argument("--per-dossier", type=int, default=8)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--n-boot", type=int, default=1000)
    p.add_argument("--processes", type=int, default=1)
    p.add_argument("--only", default="cohorte,accord,criteres")
    p.add_argument("--trajectory-limit", type=int, default=1)
    a = p.parse_args(argv)
    emit(STEPS[a.step](a))


if __name__ == "__main__":
    main()
