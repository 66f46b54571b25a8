"""The jury's ratings of the demo cohort: the ``ratings`` table, on both grids, in two rounds.

Each (dossier, juror, criterion) cell has a latent location (the dossier's quality on the
criterion's dimension, moved by its visible features) plus the juror's severity and noise; the
level is the latent value cut at fixed thresholds. After debate each juror's latent value moves
toward the mean of the dossier's jurors. A few ratings are left empty, the market section of the
feasibility grid mostly so for non-market projects, and jurors comment the ratings that depart
from the others.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from socinnov.call import grids
from socinnov.call import vocabulary as voc
from socinnov.call.vocabulary import AFTER_DEBATE, INDIVIDUAL
from socinnov.demo import content
from socinnov.demo.drawing import pick, rating_grid, typed
from socinnov.demo.profiles import Profile

__all__ = [
    "ACCEPTABILITY_CUTS", "FEASIBILITY_CUTS", "acceptability_ratings", "criterion_effect",
    "feasibility_ratings", "make_ratings", "mean_scores",
]

MARKET_CRITERIA_DIMENSION = "marche"

ACCEPTABILITY_CUTS = (-1.9, -0.1, 1.3)
FEASIBILITY_CUTS = (-0.7, 0.55)


def criterion_effect(p: Profile, criterion: str) -> float:
    """How a dossier's visible features move its rating on one acceptability criterion."""
    types = p.extra.get("partner_types", [])
    if criterion == "caractere_collectif":
        return 0.3 * (p.n_partners - 3.5)
    if criterion == "richesse_collectif":
        return 0.3 * (len(set(types)) - 2.5)
    if criterion == "collectif":  # 2018 grid: the two criteria above merged
        return 0.15 * (p.n_partners - 3.5) + 0.15 * (len(set(types)) - 2.5)
    if criterion == "integration_beneficiaires":
        return 0.5 if "citoyens, usagers" in types else -0.1
    if criterion == "ouverture_recherche":
        return 1.4 if p.research else -1.0
    if criterion == "enjeux_environnementaux":
        return 0.9 * p.theme.environment - 0.3
    if criterion == "viabilite_economique":
        return 0.25 if p.market else 0.0
    return 0.0


def _feasibility_effect(p: Profile, criterion: str) -> float:
    """How a dossier's visible features move its rating on one feasibility criterion."""
    ratio = p.extra["total"] / p.extra["requested"]
    if criterion == "plan_financement":
        return 0.4 * (ratio - 2.0)
    if criterion == "mode_experimental":
        return 0.5 if p.research else -0.1
    if criterion in ("fragilite_porteur", "beneficiaires_touches"):
        return -0.2
    return 0.0


def _rate_two_rounds(rng: np.random.Generator, cells: pd.DataFrame, cuts: tuple[float, ...],
                     noise: float, shrink: float) -> pd.DataFrame:
    """Individual and after-debate level codes for each (dossier, juror, criterion) cell.

    ``cells`` holds a latent location ``mu`` and the juror's ``severity``; after debate each
    juror's latent value moves toward the mean of the dossier's jurors on that criterion.
    """
    individual = cells["mu"] + cells["severity"] + rng.normal(0, noise, len(cells))
    consensus = individual.groupby([cells["dossier_id"], cells["criterion"]]).transform("mean")
    debated = consensus + shrink * (individual - consensus) + rng.normal(0, 0.2, len(cells))
    out = cells[["dossier_id", "juror_id", "criterion"]].copy()
    out[INDIVIDUAL] = np.digitize(individual.to_numpy(), cuts)
    out[AFTER_DEBATE] = np.digitize(debated.to_numpy(), cuts)
    return out


def _cells(profiles: dict[str, Profile], design: dict[str, list[str]], criteria: list[str],
           severity: dict[str, float], location) -> pd.DataFrame:
    """One row per (dossier, juror, criterion) of a design, with its latent location and severity."""
    rows = [
        {"dossier_id": d, "juror_id": j, "criterion": c,
         "mu": location(profiles[d], c), "severity": severity[j]}
        for d, jurors in design.items() for j in jurors for c in criteria
    ]
    return pd.DataFrame(rows)


def _long_ratings(codes: pd.DataFrame, grid: grids.Grid) -> pd.DataFrame:
    """Two rounds side by side -> one row per round, levels as the grid's labels."""
    labels = np.array(grid.level_labels, dtype=object)
    parts = []
    for round_ in voc.ROUNDS:
        part = codes[["dossier_id", "juror_id", "criterion"]].copy()
        part["round"] = round_
        part["code"] = codes[round_].to_numpy()
        parts.append(part)
    long = pd.concat(parts, ignore_index=True)
    long["level"] = labels[long["code"].to_numpy()]
    long["grid"] = grid.id
    long["grid_version"] = grid.version
    long["comment"] = None
    return long


def _blank_missing(rng: np.random.Generator, long: pd.DataFrame, rate: float) -> None:
    """Leave a small share of ratings empty (a juror who did not rate a criterion)."""
    missing = rng.random(len(long)) < rate
    long.loc[missing, "level"] = None
    long.loc[missing, "code"] = -1


def _blank_market(rng: np.random.Generator, long: pd.DataFrame, profiles: dict[str, Profile],
                  market_criteria: set[str]) -> None:
    """The market section ("si pertinent") is mostly left empty for non-market projects.

    Each juror decides once per dossier, for both criteria of the section and both rounds.
    """
    pairs = sorted(set(zip(long["dossier_id"], long["juror_id"])))
    skips = dict(zip(pairs, rng.random(len(pairs)) < 0.9))
    non_market = ~long["dossier_id"].map(lambda d: profiles[d].market)
    in_section = long["criterion"].isin(market_criteria)
    skipped = pd.Series([skips[k] for k in zip(long["dossier_id"], long["juror_id"])], index=long.index)
    blank = non_market & in_section & skipped
    long.loc[blank, "level"] = None
    long.loc[blank, "code"] = -1


def _departure_comment(rng: np.random.Generator, departure: float, key: str) -> str | None:
    """A short comment, mostly when a juror departs from the others' mean by two levels."""
    comments = content.JURY["departure_comments"][key]
    lower, higher = comments["lower"], comments["higher"]
    if abs(departure) >= 2 and rng.random() < 0.7 or abs(departure) >= 1 and rng.random() < 0.03:
        return pick(rng, higher if departure > 0 else lower)
    if rng.random() < 0.004:
        return pick(rng, higher if departure >= 0 else lower)
    return None


def _add_comments(rng: np.random.Generator, long: pd.DataFrame, grid: grids.Grid) -> None:
    """Comment individual ratings that depart from the others; note some revisions after debate."""
    keys = {c.id: (c.id if grid.id == grids.ACCEPTABILITY else c.dimension) for c in grid.criteria}
    first = long["round"] == voc.ROUNDS[0]
    rated = first & (long["code"] >= 0)
    codes = long["code"].where(rated)
    key = [long["dossier_id"], long["criterion"]]
    total = codes.groupby(key).transform("sum")
    count = codes.groupby(key).transform("count")
    others_mean = (total - codes) / (count - 1)
    departure = (codes - others_mean).where(count > 1)
    comments = [
        _departure_comment(rng, dep, keys[crit]) if not np.isnan(dep) else None
        for dep, crit in zip(departure.to_numpy(dtype=float), long["criterion"])
    ]
    long["comment"] = comments
    n_first = int(first.sum())
    before = long.loc[first, ["code", "comment"]].to_numpy()
    after = long.loc[~first, "code"].to_numpy()
    for i in range(n_first):
        code_before, comment = before[i]
        if pd.isna(comment) or code_before < 0 or after[i] < 0:
            continue
        if rng.random() < 0.5:
            text = (content.JURY["maintained_comment"] if after[i] == code_before
                    else pick(rng, content.JURY["debate_comments"]))
            long.iat[n_first + i, long.columns.get_loc("comment")] = text


def acceptability_ratings(rng: np.random.Generator, profiles: dict[str, Profile],
                          design: dict[str, list[str]], severity: dict[str, float]) -> pd.DataFrame:
    """Ratings of every eligible dossier on the acceptability grid, in the two rounds."""
    grid = rating_grid(grids.ACCEPTABILITY)
    dimension_of = {c.id: c.dimension for c in grid.criteria}
    offsets = dict(zip(dimension_of, rng.normal(0, 0.25, len(dimension_of))))

    def location(p: Profile, criterion: str) -> float:
        return p.quality[dimension_of[criterion]] + criterion_effect(p, criterion) + offsets[criterion]

    cells = _cells(profiles, design, list(dimension_of), severity, location)
    long = _long_ratings(_rate_two_rounds(rng, cells, ACCEPTABILITY_CUTS, 0.6, 0.35), grid)
    _blank_missing(rng, long, 0.015)
    _add_comments(rng, long, grid)
    return long


def feasibility_ratings(rng: np.random.Generator, profiles: dict[str, Profile],
                        design: dict[str, list[str]], severity: dict[str, float]) -> pd.DataFrame:
    """Ratings of the retained dossiers on the feasibility grid (A/B/C), in the two rounds."""
    grid = rating_grid(grids.FEASIBILITY)
    criteria = [c.id for c in grid.criteria]
    market_criteria = {c.id for c in grid.dimension(MARKET_CRITERIA_DIMENSION).criteria}
    offsets = dict(zip(criteria, rng.normal(0, 0.2, len(criteria))))

    def location(p: Profile, criterion: str) -> float:
        return p.feasibility + _feasibility_effect(p, criterion) + offsets[criterion]

    cells = _cells(profiles, design, criteria, {j: 0.7 * s for j, s in severity.items()}, location)
    long = _long_ratings(_rate_two_rounds(rng, cells, FEASIBILITY_CUTS, 0.55, 0.35), grid)
    _blank_market(rng, long, profiles, market_criteria)
    _blank_missing(rng, long, 0.01)
    _add_comments(rng, long, grid)
    return long


def make_ratings(acceptability: pd.DataFrame, feasibility: pd.DataFrame) -> pd.DataFrame:
    """The ``ratings`` table: both grids, ordered by grid, round, dossier, juror, criterion."""
    frames = []
    for long in (acceptability, feasibility):
        grid = grids.load_grid(long["grid"].iat[0], long["grid_version"].iat[0])
        order = {c.id: i for i, c in enumerate(grid.criteria)}
        rounds = {r: i for i, r in enumerate(voc.ROUNDS)}
        long = long.assign(_r=long["round"].map(rounds), _c=long["criterion"].map(order))
        frames.append(long.sort_values(["_r", "dossier_id", "juror_id", "_c"], kind="stable"))
    ratings = pd.concat(frames, ignore_index=True)
    return typed(ratings.drop(columns=["_r", "_c", "code"]).to_dict("records"), "ratings")


def mean_scores(long: pd.DataFrame) -> pd.Series:
    """Mean after-debate level code of each dossier (missing ratings left out)."""
    after = long[(long["round"] == voc.ROUNDS[1]) & (long["code"] >= 0)]
    return after.groupby("dossier_id")["code"].mean()
