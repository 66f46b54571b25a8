"""Are the grid's criteria pertinent? Per-criterion statistics of a grid's ratings.

The call gives the technical committee the « formalisation des éléments de définition et
identification de critères pertinents ». This module and its neighbours gather, criterion by
criterion, what the ratings say about each criterion of a grid (any grid and any version: every
function takes a :class:`~socinnov.call.grids.Grid`):

- ``criteria`` (here): selecting and reshaping the ratings, rating-level statistics and
  correlations between criteria;
- ``consistency``: internal consistency of a group of criteria (item-rest correlations,
  Cronbach's alpha with Feldt's interval, the rank-based alpha);
- ``discrimination``: whether a criterion separates the jury's decisions;
- ``criteria_structure``: whether the grid's grouping of the criteria holds in the data;
- ``feasibility``: the feasibility grid's own questions (« si pertinent » sections, risk items);
- ``committee``: the committee's rules and the suggested action per criterion;
- ``criteria_tables``: the French tables and sentences of the criteria report (``*_fr``).

Units
-----
Rating-level statistics (level distribution, floor and ceiling effects, missing ratings, spread
between jurors, agreement) use the individual ratings of one round. Dossier-level statistics
(item-rest correlations, internal consistency, rank correlations, discrimination, factor
structure) use, for each dossier and criterion, the mean level over the jurors who rated it
(``socinnov.analysis.scores.dossier_scores``), in the individual round by default: the jurors' own
reading before the debate.

Statistics and where they come from
-----------------------------------
==============================  ==========================================================
statistic                       computed by
==============================  ==========================================================
agreement per criterion         ``socinnov.analysis.jury_agreement.criterion_agreement`` (Krippendorff's alpha,
                                bootstrap CI), not recomputed here
Cronbach's alpha                ``pingouin.cronbach_alpha`` on the dossier means, listwise;
                                Feldt's F interval by hand (pingouin rounds it to 3 decimals)
rank-based alpha                standardised alpha of the Spearman correlation matrix
                                (= alpha of the rank-transformed criteria), bootstrap CI
item-rest correlation           Pearson, Fisher-z CI
rank correlations               ``pandas.DataFrame.corr("spearman")``, Fisher-z CI with
                                Bonett & Wright's (2000) standard error
odds ratio per level            ``statsmodels`` ``Logit``, Wald CI
AUC                             Mann-Whitney U (``scipy``), Hanley & McNeil (1982) CI
exploratory factor analysis     ``statsmodels.multivariate.factor.Factor`` (principal axis,
                                oblimin rotation); Horn's parallel analysis by hand
within- vs between-group        Spearman correlations, permutation test on the grouping
correlations
==============================  ==========================================================

Why no "ordinal alpha"? Ordinal alpha (Zumbo, Gadermann & Zeisser 2007) is alpha on polychoric
correlations, which assume discrete ordinal responses with a normal latent variable. Our units
are dossier means over three or four jurors (1,33, 2,67…), not ordinal responses; and no
well-kept library of this environment computes polychoric correlations (``pingouin``,
``statsmodels`` and ``factor_analyzer`` do not; ``semopy`` does, but a structural-equation
package for one correlation is not worth its weight). The ordinal-minded variant reported is the
rank-based alpha: invariant to any monotone recoding of the levels, it only uses their order.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from socinnov.analysis.scores import dossier_scores
from socinnov.call.grids import Grid, grid_ratings
from socinnov.call.vocabulary import INDIVIDUAL

__all__ = [
    "STATUS_MISSING",
    "STATUS_NOT_RELEVANT",
    "STATUS_RATED",
    "correlation_pairs",
    "criterion_labels",
    "dossier_levels",
    "fisher_interval",
    "groups_of",
    "item_statistics",
    "level_distribution",
    "rank_correlations",
    "rating_status",
    "select_ratings",
]

STATUS_RATED = "noté"
STATUS_NOT_RELEVANT = "non pertinent"
STATUS_MISSING = "manquant"

_Z = stats.norm.ppf(0.975)


# ---------------------------------------------------------------------------
# Selection and reshaping
# ---------------------------------------------------------------------------


def select_ratings(ratings: pd.DataFrame, grid: Grid, *, round: str = INDIVIDUAL) -> pd.DataFrame:
    """The ratings of one grid version and one round (missing ratings kept).

    Parameters
    ----------
    ratings : pandas.DataFrame
        Long ratings table (``dossier_id, juror_id, grid, grid_version, criterion, round,
        level_code``), as the processed cohort holds it.
    grid : Grid
        Grid and version to keep.
    round : str
        ``"individuel"`` or ``"après débat"``.

    Returns
    -------
    pandas.DataFrame
        The matching rows, ``level_code`` as float (NaN when missing).
    """
    r = grid_ratings(ratings, grid, round)
    return r.assign(level_code=pd.to_numeric(r["level_code"], errors="coerce").astype(float))


def dossier_levels(ratings: pd.DataFrame, grid: Grid, *, round: str = INDIVIDUAL) -> pd.DataFrame:
    """Dossiers x criteria: each dossier's mean level over the jurors who rated the criterion.

    Parameters
    ----------
    ratings : pandas.DataFrame
        Long ratings table.
    grid : Grid
        Grid whose criteria make the columns, in the grid's order.
    round : str
        Rating round.

    Returns
    -------
    pandas.DataFrame
        Index ``dossier_id`` (sorted), one column per criterion id; NaN where no juror rated it.
    """
    s = dossier_scores(ratings, grid, round=round, by="criterion")
    wide = s.pivot(index="dossier_id", columns="group", values="score")
    wide = wide.reindex(columns=[c.id for c in grid.criteria]).sort_index()
    wide.columns.name = None
    return wide.astype(float)


def groups_of(grid: Grid, grouping: str = "dimension") -> dict[str, tuple[str, str]]:
    """Criterion id -> (group id, group label), for the grid's dimensions or generic criteria.

    Parameters
    ----------
    grid : Grid
    grouping : {'dimension', 'generic'}
        The grid's dimensions (sections), or the four generic appraisal criteria of the call's
        section 1-1 (the kit's attachment of each criterion, declared in the grid file).

    Returns
    -------
    dict
        In the grid's order.
    """
    if grouping == "dimension":
        return {c.id: (d.id, d.label) for d in grid.dimensions for c in d.criteria}
    if grouping == "generic":
        labels = {g["id"]: g["label"] for g in grid.groupings.get("generic", {}).get("groups", [])}
        if not labels:
            raise ValueError(f"la grille {grid.key} ne rattache pas ses critères aux critères génériques")
        return {c.id: (c.generic, labels[c.generic]) for c in grid.criteria}
    raise ValueError(f"regroupement inconnu « {grouping} » : dimension ou generic")


def criterion_labels(grid: Grid) -> dict[str, str]:
    """Criterion id -> label, in the grid's order."""
    return {c.id: c.label for c in grid.criteria}


# ---------------------------------------------------------------------------
# Rating-level statistics
# ---------------------------------------------------------------------------


def rating_status(ratings: pd.DataFrame, grid: Grid, *, round: str = INDIVIDUAL) -> pd.DataFrame:
    """Each rating's status: rated, not relevant (``si pertinent`` section left empty), missing.

    In a dimension the grid declares ``if_relevant`` (the feasibility grid's market section,
    « si pertinent »), a juror who leaves *every* item of the section empty for a dossier judged
    it not relevant: those ratings are ``"non pertinent"``, not missing. An empty item beside a
    rated one in the same section is missing. Elsewhere an empty rating is missing.

    Parameters
    ----------
    ratings : pandas.DataFrame
        Long ratings table.
    grid : Grid
    round : str

    Returns
    -------
    pandas.DataFrame
        The grid's ratings of the round with ``dimension`` and ``status`` columns
        (``"noté"``, ``"non pertinent"``, ``"manquant"``).
    """
    r = select_ratings(ratings, grid, round=round)
    dim = {c.id: c.dimension for c in grid.criteria}
    r = r.assign(dimension=r["criterion"].map(dim))
    rated = r["level_code"].notna()
    status = np.where(rated, STATUS_RATED, STATUS_MISSING).astype(object)
    relevant_dims = [d.id for d in grid.dimensions if d.if_relevant]
    if relevant_dims:
        in_section = r["dimension"].isin(relevant_dims)
        any_rated = rated.groupby([r["dossier_id"], r["juror_id"], r["dimension"]]).transform("any")
        status[(in_section & ~any_rated).to_numpy()] = STATUS_NOT_RELEVANT
    return r.assign(status=status)


def level_distribution(ratings: pd.DataFrame, grid: Grid, *, round: str = INDIVIDUAL) -> pd.DataFrame:
    """How often each level is given, per criterion (shares of the ratings actually given).

    Parameters
    ----------
    ratings : pandas.DataFrame
        Long ratings table.
    grid : Grid
    round : str

    Returns
    -------
    pandas.DataFrame
        One row per criterion and level (levels never given included, with 0):
        ``criterion, criterion_label, dimension, dimension_label, level, level_code, n, share``.
    """
    r = select_ratings(ratings, grid, round=round).dropna(subset=["level_code"])
    counts = r.groupby(["criterion", "level_code"]).size()
    rows = []
    for d in grid.dimensions:
        for c in d.criteria:
            total = sum(int(counts.get((c.id, float(lv.code)), 0)) for lv in grid.levels)
            for lv in grid.levels:
                n = int(counts.get((c.id, float(lv.code)), 0))
                rows.append({"criterion": c.id, "criterion_label": c.label, "dimension": d.id,
                             "dimension_label": d.label, "level": lv.label, "level_code": lv.code, "n": n,
                             "share": n / total if total else np.nan})
    return pd.DataFrame(rows)


def item_statistics(ratings: pd.DataFrame, grid: Grid, *, round: str = INDIVIDUAL,
                    min_spread: int = 2) -> pd.DataFrame:
    """Per criterion: ratings, missing rate, floor and ceiling effects, mean level, spread.

    Parameters
    ----------
    ratings : pandas.DataFrame
        Long ratings table.
    grid : Grid
    round : str
    min_spread : int
        A dossier's jurors are *far apart* on a criterion when their highest and lowest levels
        differ by ``min_spread`` levels or more (the debate sheets' rule, ``socinnov.reporting.debate_sheets``).

    Returns
    -------
    pandas.DataFrame
        One row per criterion: ``criterion, criterion_label, dimension, n_ratings, n_missing,
        n_not_relevant, missing_rate`` (missing among the ratings due: a "not relevant" section
        is not due), ``relevant_share`` (for ``si pertinent`` sections: share of (dossier,
        juror) pairs where the section was judged relevant; NaN elsewhere), ``floor`` and
        ``ceiling`` (share of the ratings at the lowest, highest level), ``mean_level, sd_level,
        n_dossiers, n_multi`` (dossiers rated by two jurors or more) and ``wide_spread`` (share
        of those where the jurors are ``min_spread`` levels apart or more).
    """
    r = rating_status(ratings, grid, round=round)
    top = max(lv.code for lv in grid.levels)
    rows = []
    for d in grid.dimensions:
        for c in d.criteria:
            rc = r[r["criterion"] == c.id]
            given = rc["level_code"].dropna()
            n_missing = int((rc["status"] == STATUS_MISSING).sum())
            n_nr = int((rc["status"] == STATUS_NOT_RELEVANT).sum())
            due = len(given) + n_missing
            per_dossier = rc.dropna(subset=["level_code"]).groupby("dossier_id")["level_code"]
            span = per_dossier.max() - per_dossier.min()
            multi = per_dossier.count() >= 2
            rows.append({
                "criterion": c.id, "criterion_label": c.label, "dimension": d.id, "dimension_label": d.label,
                "n_ratings": len(given), "n_missing": n_missing, "n_not_relevant": n_nr,
                "missing_rate": n_missing / due if due else np.nan,
                "relevant_share": (due / len(rc) if len(rc) else np.nan) if d.if_relevant else np.nan,
                "floor": float((given == 0).mean()) if len(given) else np.nan,
                "ceiling": float((given == top).mean()) if len(given) else np.nan,
                "mean_level": float(given.mean()) if len(given) else np.nan,
                "sd_level": float(given.std()) if len(given) > 1 else np.nan,
                "n_dossiers": int(per_dossier.ngroups),
                "n_multi": int(multi.sum()),
                "wide_spread": float((span[multi] >= min_spread).mean()) if multi.any() else np.nan,
            })
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------
# Dossier-level statistics: correlations between criteria
# ---------------------------------------------------------------------------


def fisher_interval(r: float, n: int, se: float | None = None) -> tuple[float, float]:
    """Fisher-z interval of a correlation (``se`` defaults to ``1 / sqrt(n - 3)``)."""
    if not np.isfinite(r) or n < 4:
        return np.nan, np.nan
    if abs(r) >= 1:
        return r, r
    se = 1 / math.sqrt(n - 3) if se is None else se
    z = math.atanh(r)
    return math.tanh(z - _Z * se), math.tanh(z + _Z * se)


def rank_correlations(wide: pd.DataFrame) -> pd.DataFrame:
    """Spearman correlations between criteria over the dossiers (pairwise complete)."""
    return wide.corr(method="spearman")


def correlation_pairs(wide: pd.DataFrame, grid: Grid, *, threshold: float = 0.8) -> pd.DataFrame:
    """Every pair of criteria with its Spearman correlation, interval and redundancy flag.

    Parameters
    ----------
    wide : pandas.DataFrame
        Dossiers x criteria.
    grid : Grid
    threshold : float
        Two criteria are *redundant* when their Spearman ρ is at least ``threshold``.

    Returns
    -------
    pandas.DataFrame
        ``criterion_a, criterion_b, label_a, label_b, rho, ci_low, ci_high, n, same_dimension,
        redundant``, strongest first. The interval uses Fisher's z with Bonett & Wright's
        standard error ``sqrt((1 + ρ²/2) / (n - 3))`` (Psychometrika 65, 2000, 23-28).
    """
    labels = criterion_labels(grid)
    dims = {c.id: c.dimension for c in grid.criteria}
    rho = rank_correlations(wide)
    cols = list(wide.columns)
    present = wide.notna().astype(int)
    counts = present.T @ present
    rows = []
    for i, a in enumerate(cols):
        for b in cols[i + 1:]:
            r = float(rho.loc[a, b])
            n = int(counts.loc[a, b])
            se = math.sqrt((1 + r * r / 2) / (n - 3)) if n > 3 and np.isfinite(r) else None
            lo, hi = fisher_interval(r, n, se)
            rows.append({"criterion_a": a, "criterion_b": b, "label_a": labels.get(a, a), "label_b": labels.get(b, b),
                         "rho": r, "ci_low": lo, "ci_high": hi, "n": n, "same_dimension": dims.get(a) == dims.get(b),
                         "redundant": bool(np.isfinite(r) and r >= threshold)})
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    return out.sort_values("rho", ascending=False, ignore_index=True)

