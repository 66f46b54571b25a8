"""Dossier scores from the long ratings table, by criterion, dimension or generic criterion.

A score is the mean level code (0 = lowest level of the grid) over the jurors who rated the
dossier and the criteria of the group; missing ratings are left out, and ``n_ratings`` says
how many ratings each mean rests on.
"""

from __future__ import annotations

import pandas as pd

from socinnov.call.grids import Grid, grid_ratings
from socinnov.call.vocabulary import INDIVIDUAL

__all__ = [
    "GROUPINGS",
    "dossier_scores",
]

GROUPINGS = ("criterion", "dimension", "generic")


def dossier_scores(ratings: pd.DataFrame, grid: Grid, *, round: str = INDIVIDUAL,
                   by: str = "dimension") -> pd.DataFrame:
    """Mean level per dossier and group.

    Parameters
    ----------
    ratings : long ratings table (``dossier_id, juror_id, grid, grid_version, criterion, round,
        level_code``), as the processed cohort holds it.
    grid : the grid the ratings use; only its ratings are kept.
    round : ``"individuel"`` or ``"après débat"``.
    by : ``"criterion"``, ``"dimension"`` or ``"generic"`` (the four generic appraisal criteria).

    Returns
    -------
    DataFrame with columns ``dossier_id, group, group_label, score, n_ratings``.
    """
    if by not in GROUPINGS:
        raise ValueError(f"by must be one of {GROUPINGS}, not {by!r}")
    r = grid_ratings(ratings, grid, round).dropna(subset=["level_code"])
    crit = grid.criteria_frame()
    if by == "criterion":
        crit = crit.assign(group=crit["criterion"], group_label=crit["criterion_label"])
    elif by == "dimension":
        crit = crit.assign(group=crit["dimension"], group_label=crit["dimension_label"])
    else:
        labels = {g["id"]: g["label"] for g in grid.groupings.get("generic", {}).get("groups", [])}
        crit = crit.assign(group=crit["generic"], group_label=crit["generic"].map(labels))
    merged = r.merge(crit[["criterion", "group", "group_label"]], on="criterion")
    out = (merged.assign(level_code=merged["level_code"].astype(float))
           .groupby(["dossier_id", "group", "group_label"], sort=False)["level_code"]
           .agg(score="mean", n_ratings="count").reset_index())
    order = {g: i for i, g in enumerate(crit["group"].drop_duplicates())}
    return out.sort_values(["dossier_id", "group"], key=lambda s: s.map(order) if s.name == "group" else s,
                           ignore_index=True)
