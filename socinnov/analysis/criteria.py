"""Are the grid's criteria pertinent? Per-criterion evidence and the technical committee's sheet.

The call gives the technical committee the « formalisation des éléments de définition et
identification de critères pertinents ». This module gathers, criterion by criterion, what the
ratings say about each criterion of a grid (any grid and any version: every function takes a
:class:`~socinnov.call.grids.Grid`), and turns it into a suggested action under explicit rules.

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
Cronbach's alpha (+ Feldt CI)   ``pingouin.cronbach_alpha`` on the dossier means, listwise
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
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pingouin as pg
import statsmodels.api as sm
from scipy import optimize, stats
from statsmodels.multivariate.factor import Factor
from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning

from socinnov import fr
from socinnov.analysis.jury_agreement import RETAINED, criterion_agreement
from socinnov.analysis.scores import dossier_scores
from socinnov.call.grids import Grid, grid_ratings

__all__ = [
    "ACTIONS",
    "OUTCOMES",
    "CriteriaAnalysis",
    "Rules",
    "StructureCheck",
    "analyse_criteria",
    "auc",
    "committee_sheet",
    "consistency_table_fr",
    "correlation_pairs",
    "criterion_profile",
    "cronbach",
    "decision_outcome",
    "discrimination",
    "discrimination_table_fr",
    "dossier_levels",
    "factor_structure",
    "feasibility_association",
    "feasibility_distribution",
    "groups_of",
    "internal_consistency",
    "item_rest",
    "item_statistics",
    "level_distribution",
    "odds_ratio",
    "parallel_analysis",
    "rank_alpha",
    "rank_correlations",
    "rating_status",
    "relevance_summary",
    "risk_items",
    "rules_fr",
    "select_ratings",
    "structure_summary_fr",
    "suggest_actions",
    "within_between",
]

#: Outcomes a criterion may discriminate: retained vs not retained (acceptability), funded vs
#: re-oriented among the retained dossiers (feasibility).
OUTCOMES = {
    "retenu": "dossier retenu (financé ou réorienté) plutôt que non retenu",
    "financé": "dossier retenu financé plutôt que réorienté",
}

#: Suggested actions of the committee sheet, in order of precedence.
ACTIONS = {
    "reconsider": "réexaminer le critère",
    "merge": "fusionner avec un autre critère",
    "clarify": "clarifier les descripteurs",
    "keep": "conserver",
}

STATUS_RATED = "noté"
STATUS_NOT_RELEVANT = "non pertinent"
STATUS_MISSING = "manquant"

_Z = stats.norm.ppf(0.975)

#: An odds ratio whose interval reaches past 1000 (or below 1/1000) rests on a near separation of
#: the outcome by the score: the estimate is then flagged as unstable.
UNSTABLE_OR = 1000.0


# ---------------------------------------------------------------------------
# Selection and reshaping
# ---------------------------------------------------------------------------


def select_ratings(ratings: pd.DataFrame, grid: Grid, *, round: str = "individuel") -> pd.DataFrame:
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


def dossier_levels(ratings: pd.DataFrame, grid: Grid, *, round: str = "individuel") -> pd.DataFrame:
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


def _labels(grid: Grid) -> dict[str, str]:
    return {c.id: c.label for c in grid.criteria}


# ---------------------------------------------------------------------------
# Rating-level statistics
# ---------------------------------------------------------------------------


def rating_status(ratings: pd.DataFrame, grid: Grid, *, round: str = "individuel") -> pd.DataFrame:
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


def level_distribution(ratings: pd.DataFrame, grid: Grid, *, round: str = "individuel") -> pd.DataFrame:
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


def item_statistics(ratings: pd.DataFrame, grid: Grid, *, round: str = "individuel",
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
# Dossier-level statistics: consistency, correlations
# ---------------------------------------------------------------------------


def _fisher_ci(r: float, n: int, se: float | None = None) -> tuple[float, float]:
    """Fisher-z interval of a correlation (``se`` defaults to ``1 / sqrt(n - 3)``)."""
    if not np.isfinite(r) or n < 4:
        return np.nan, np.nan
    if abs(r) >= 1:
        return r, r
    se = 1 / math.sqrt(n - 3) if se is None else se
    z = math.atanh(r)
    return math.tanh(z - _Z * se), math.tanh(z + _Z * se)


def item_rest(wide: pd.DataFrame, groups: dict[str, tuple[str, str]]) -> pd.DataFrame:
    """Correlation of each criterion with the mean of the *other* criteria of its group.

    The corrected item-total correlation: the criterion is left out of the score it is compared
    with, so that it does not correlate with itself. Pearson on the dossiers that have every
    criterion of the group (listwise), with a Fisher-z 95 % interval.

    Parameters
    ----------
    wide : pandas.DataFrame
        Dossiers x criteria (:func:`dossier_levels`).
    groups : dict
        Criterion id -> (group id, group label) (:func:`groups_of`).

    Returns
    -------
    pandas.DataFrame
        ``criterion, group, group_label, r, ci_low, ci_high, n`` (NaN for a criterion alone in
        its group).

    Examples
    --------
    >>> import pandas as pd
    >>> w = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [2, 1, 4, 3, 5], "c": [1, 1, 2, 2, 3]})
    >>> g = {k: ("d", "D") for k in "abc"}
    >>> round(item_rest(w, g).set_index("criterion").loc["a", "r"], 4)  # 13 / sqrt(228)
    np.float64(0.8609)
    """
    rows = []
    members: dict[str, list[str]] = {}
    for crit, (gid, _) in groups.items():
        members.setdefault(gid, []).append(crit)
    for crit, (gid, glabel) in groups.items():
        others = [c for c in members[gid] if c != crit]
        if not others or crit not in wide:
            rows.append({"criterion": crit, "group": gid, "group_label": glabel, "r": np.nan, "ci_low": np.nan,
                         "ci_high": np.nan, "n": 0})
            continue
        sub = wide[[crit] + others].dropna()
        n = len(sub)
        rest = sub[others].mean(axis=1)
        r = float(np.corrcoef(sub[crit], rest)[0, 1]) if n > 2 and sub[crit].std() > 0 and rest.std() > 0 else np.nan
        lo, hi = _fisher_ci(r, n)
        rows.append({"criterion": crit, "group": gid, "group_label": glabel, "r": r, "ci_low": lo, "ci_high": hi,
                     "n": n})
    return pd.DataFrame(rows)


def cronbach(wide: pd.DataFrame, *, confidence: float = 0.95) -> tuple[float, float, float, int]:
    """Cronbach's alpha of the columns of ``wide`` with Feldt's interval (``pingouin``).

    Rows with a missing value are left out (listwise), so that alpha, its interval and the
    number of dossiers refer to the same rows.

    Parameters
    ----------
    wide : pandas.DataFrame
        Units x items.
    confidence : float

    Returns
    -------
    tuple
        ``(alpha, ci_low, ci_high, n)``; NaN with fewer than two items or three units.

    Examples
    --------
    The Likert example of ``pingouin.cronbach_alpha``'s documentation (checked there against
    R's ``psych::alpha``): alpha 0.592, 95 % CI [0.195, 0.840].

    >>> import pingouin as pg
    >>> d = pg.read_dataset("cronbach_alpha").pivot(index="Subj", columns="Items", values="Scores")
    >>> [round(float(x), 3) for x in cronbach(d)[:3]]
    [0.592, 0.195, 0.84]
    """
    sub = wide.dropna()
    if sub.shape[1] < 2 or len(sub) < 3:
        return np.nan, np.nan, np.nan, len(sub)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        alpha, ci = pg.cronbach_alpha(data=sub, nan_policy="listwise", ci=confidence)
    return float(alpha), float(ci[0]), float(ci[1]), len(sub)


def _standardised_alpha(corr: np.ndarray) -> float:
    k = corr.shape[0]
    rbar = (corr.sum() - k) / (k * (k - 1))
    return k * rbar / (1 + (k - 1) * rbar)


# Values (resampled dossiers x criteria) per batch of bootstrap replicates of rank_alpha:
# 12 000 000 is 100 replicates at 10 000 dossiers and 12 criteria. A batch holds its ranks
# (96 MB of floats) and a centred copy's products, so rank_alpha peaks near 260 MB at that size
# (4.7 GB when every replicate was built at once).
_BOOT_BATCH_VALUES = 12_000_000


def _resample_ranks(codes: list[np.ndarray], rows: np.ndarray) -> np.ndarray:
    """Average ranks of each column of the resamples ``rows`` (batch x n row indices).

    ``codes[c]`` numbers the distinct values of column ``c`` in increasing order (the inverse of
    ``np.unique``). A value's average rank in a resample is the number of drawn values below it
    plus (its own count + 1) / 2, from a count per distinct value instead of a sort: the same
    numbers as ``scipy.stats.rankdata(sub[rows], axis=1)`` (half-integers, exact in floating
    point), in the same memory layout, about seven times faster.
    """
    b, n = rows.shape
    out = np.empty((b, len(codes), n))
    for c, inv in enumerate(codes):
        m = int(inv.max()) + 1
        drawn = inv[rows]  # (batch, n) value numbers
        counts = np.bincount((drawn + (np.arange(b) * m)[:, None]).ravel(), minlength=b * m).reshape(b, m)
        average = counts.cumsum(axis=1) - (counts - 1) / 2
        out[:, c, :] = np.take_along_axis(average, drawn, axis=1)
    return out.swapaxes(1, 2)  # (batch, n, k), each column contiguous like rankdata's


def _rank_alpha_replicates(r: np.ndarray, k: int) -> np.ndarray:
    """Standardised alpha of the Spearman correlations of each resample, from its ranks ``r[b]`` (n x k).

    Resamples in which a column is constant (no correlation) are left out.
    """
    r -= r.mean(axis=1, keepdims=True)
    ss = np.sqrt((r * r).sum(axis=1))  # (batch, k)
    ok = np.all(ss > 0, axis=1)  # a resample where a column is constant has no correlation
    r, ss = r[ok], ss[ok]
    corr = np.einsum("bnk,bnl->bkl", r, r) / (ss[:, :, None] * ss[:, None, :])
    rbar = (corr.sum(axis=(1, 2)) - k) / (k * (k - 1))
    return k * rbar / (1 + (k - 1) * rbar)


def rank_alpha(wide: pd.DataFrame, *, n_boot: int = 1000, seed: int = 0,
               confidence: float = 0.95) -> tuple[float, float, float, int]:
    """Rank-based alpha: standardised alpha of the Spearman correlation matrix.

    ``k r̄ / (1 + (k - 1) r̄)`` with ``r̄`` the mean Spearman correlation between the ``k``
    columns, which is the standardised alpha of the rank-transformed columns: only the order
    of the values counts. Percentile bootstrap interval over the rows (listwise).

    Parameters
    ----------
    wide : pandas.DataFrame
        Units x items.
    n_boot : int
        Bootstrap resamples of the rows (0: no interval).
    seed : int
    confidence : float

    Returns
    -------
    tuple
        ``(alpha, ci_low, ci_high, n)``.

    Examples
    --------
    Two columns with the same order give alpha 1, whatever their values:

    >>> import pandas as pd
    >>> rank_alpha(pd.DataFrame({"a": [1, 2, 3, 4], "b": [10, 20, 35, 90]}), n_boot=0)[0]
    1.0
    """
    sub = wide.dropna().to_numpy(dtype=float)
    n, k = sub.shape
    if k < 2 or n < 3:
        return np.nan, np.nan, np.nan, n
    ranks = stats.rankdata(sub, axis=0)  # Spearman = Pearson on (average) ranks
    if np.any(ranks.std(axis=0) == 0):
        return np.nan, np.nan, np.nan, n
    est = float(_standardised_alpha(np.corrcoef(ranks, rowvar=False)))
    if not n_boot:
        return est, np.nan, np.nan, n
    rng = np.random.default_rng(seed)
    # All the resampled row indices in one draw (n_boot x n integers: 80 MB at 10 000 dossiers),
    # so that the resamples, hence the interval, do not depend on the batch size below.
    rows = rng.integers(0, n, (n_boot, n))
    # The resamples' ranks (n_boot x n x k floats, and temporaries of that size) are only built
    # a batch of replicates at a time: all at once they took 4.7 GB at 10 000 dossiers.
    codes = [np.unique(col, return_inverse=True)[1] for col in sub.T]
    batch = max(1, _BOOT_BATCH_VALUES // (n * k))
    parts = [_rank_alpha_replicates(_resample_ranks(codes, rows[i:i + batch]), k) for i in range(0, n_boot, batch)]
    boots = np.concatenate(parts)
    if not boots.size:
        return est, np.nan, np.nan, n
    lo, hi = np.quantile(boots, [(1 - confidence) / 2, (1 + confidence) / 2])
    return est, float(lo), float(hi), n


def internal_consistency(wide: pd.DataFrame, grid: Grid, *, grouping: str = "dimension", n_boot: int = 1000,
                         seed: int = 0) -> pd.DataFrame:
    """Cronbach's alpha and the rank-based alpha of each group of criteria.

    Parameters
    ----------
    wide : pandas.DataFrame
        Dossiers x criteria (:func:`dossier_levels`).
    grid : Grid
    grouping : {'dimension', 'generic'}
    n_boot, seed
        Bootstrap of the rank-based alpha's interval.

    Returns
    -------
    pandas.DataFrame
        ``group, group_label, n_items, n_dossiers, alpha, ci_low, ci_high, rank_alpha,
        rank_ci_low, rank_ci_high`` (NaN for a group of one criterion).
    """
    groups = groups_of(grid, grouping)
    order: dict[str, tuple[str, list[str]]] = {}
    for crit, (gid, glabel) in groups.items():
        order.setdefault(gid, (glabel, []))[1].append(crit)
    rows = []
    for gid, (glabel, crits) in order.items():
        cols = [c for c in crits if c in wide]
        a, lo, hi, n = cronbach(wide[cols])
        ra, rlo, rhi, _ = rank_alpha(wide[cols], n_boot=n_boot, seed=seed)
        rows.append({"group": gid, "group_label": glabel, "n_items": len(cols), "n_dossiers": n, "alpha": a,
                     "ci_low": lo, "ci_high": hi, "rank_alpha": ra, "rank_ci_low": rlo, "rank_ci_high": rhi})
    return pd.DataFrame(rows)


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
    labels = _labels(grid)
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
            lo, hi = _fisher_ci(r, n, se)
            rows.append({"criterion_a": a, "criterion_b": b, "label_a": labels.get(a, a), "label_b": labels.get(b, b),
                         "rho": r, "ci_low": lo, "ci_high": hi, "n": n, "same_dimension": dims.get(a) == dims.get(b),
                         "redundant": bool(np.isfinite(r) and r >= threshold)})
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    return out.sort_values("rho", ascending=False, ignore_index=True)


# ---------------------------------------------------------------------------
# Discrimination
# ---------------------------------------------------------------------------


def decision_outcome(decisions: pd.DataFrame, outcome: str = "retenu") -> pd.Series:
    """The 0/1 outcome a criterion should discriminate, per dossier.

    Parameters
    ----------
    decisions : pandas.DataFrame
        ``dossier_id, decision``.
    outcome : {'retenu', 'financé'}
        ``"retenu"``: 1 for a retained dossier (funded or re-oriented), 0 for one not retained.
        ``"financé"``: among retained dossiers only, 1 funded, 0 re-oriented.

    Returns
    -------
    pandas.Series
        Integer 0/1 indexed by ``dossier_id``; dossiers without a decision (or outside the
        comparison) are left out.
    """
    d = decisions.dropna(subset=["decision"]).set_index("dossier_id")["decision"]
    if outcome == "retenu":
        y = d.isin(RETAINED)
    elif outcome == "financé":
        d = d[d.isin(RETAINED)]
        y = d == "retenu - financé"
    else:
        raise ValueError(f"issue inconnue « {outcome} » : {', '.join(OUTCOMES)}")
    return y.astype(int).rename(outcome)


def odds_ratio(x, y, *, confidence: float = 0.95) -> dict:
    """Logistic regression of a 0/1 outcome on a score: odds ratio per unit of the score.

    Parameters
    ----------
    x : array-like
        Score, e.g. a dossier's mean level on a criterion (one unit = one level).
    y : array-like
        0/1 outcome.
    confidence : float

    Returns
    -------
    dict
        ``odds_ratio, ci_low, ci_high`` (Wald interval of ``statsmodels``' ``Logit``),
        ``p_value, n, n_positive`` and ``note`` (``""``, or why the estimate is missing or
        infinite: no variation, perfect separation; or unstable: interval past
        :data:`UNSTABLE_OR`, a near separation).

    Examples
    --------
    >>> import numpy as np
    >>> res = odds_ratio(np.array([0, 1, 1, 2, 2, 3, 3, 1, 2, 0.]), np.array([0, 0, 1, 0, 1, 1, 1, 0, 1, 1]))
    >>> round(res["odds_ratio"], 2) > 1
    True
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    out = {"odds_ratio": np.nan, "ci_low": np.nan, "ci_high": np.nan, "p_value": np.nan, "n": len(x),
           "n_positive": int(y.sum()), "note": ""}
    if len(x) < 5 or y.min(initial=0) == y.max(initial=0) or np.ptp(x) == 0:
        out["note"] = "pas assez de variation (dossiers, issue ou niveaux)"
        return out
    if x[y == 1].min() > x[y == 0].max() or x[y == 1].max() < x[y == 0].min():
        out["odds_ratio"] = math.inf if x[y == 1].min() > x[y == 0].max() else 0.0
        out["note"] = "séparation parfaite : le niveau suffit à prédire l'issue, rapport de cotes non borné"
        return out
    with warnings.catch_warnings():
        warnings.simplefilter("error", PerfectSeparationWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            fit = sm.Logit(y, sm.add_constant(x)).fit(disp=0)
        except (PerfectSeparationWarning, np.linalg.LinAlgError) as exc:
            out["note"] = f"estimation impossible ({type(exc).__name__})"
            return out
    lo, hi = fit.conf_int(alpha=1 - confidence)[1]
    with np.errstate(over="ignore"):
        out.update(odds_ratio=float(np.exp(fit.params[1])), ci_low=float(np.exp(lo)), ci_high=float(np.exp(hi)),
                   p_value=float(fit.pvalues[1]))
    if out["ci_high"] > UNSTABLE_OR or out["ci_low"] < 1 / UNSTABLE_OR:
        out["note"] = "quasi-séparation : rapport de cotes instable, se fier plutôt à l'AUC"
    return out


def auc(x, y, *, confidence: float = 0.95) -> tuple[float, float, float]:
    """Area under the ROC curve of a score for a 0/1 outcome, with Hanley & McNeil's interval.

    The AUC is the probability that a dossier with outcome 1 scores higher than one with
    outcome 0 (ties count one half): Mann-Whitney's U over ``n1 n0``.

    Parameters
    ----------
    x : array-like
        Score.
    y : array-like
        0/1 outcome.
    confidence : float

    Returns
    -------
    tuple
        ``(auc, ci_low, ci_high)``, the interval clipped to [0, 1].

    References
    ----------
    Hanley, J. A., & McNeil, B. J. (1982). The meaning and use of the area under a receiver
    operating characteristic (ROC) curve. Radiology, 143, 29-36.

    Examples
    --------
    >>> round(auc([3, 4, 5, 1, 2, 3], [1, 1, 1, 0, 0, 0])[0], 4)  # 8,5 pairs won out of 9
    0.9444
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    keep = np.isfinite(x) & np.isfinite(y)
    pos, neg = x[keep & (y == 1)], x[keep & (y == 0)]
    n1, n0 = len(pos), len(neg)
    if not n1 or not n0:
        return np.nan, np.nan, np.nan
    a = float(stats.mannwhitneyu(pos, neg, alternative="two-sided").statistic / (n1 * n0))
    q1, q2 = a / (2 - a), 2 * a * a / (1 + a)
    se = math.sqrt(max(a * (1 - a) + (n1 - 1) * (q1 - a * a) + (n0 - 1) * (q2 - a * a), 0.0) / (n1 * n0))
    z = stats.norm.ppf((1 + confidence) / 2)
    return a, max(0.0, a - z * se), min(1.0, a + z * se)


def discrimination(wide: pd.DataFrame, outcome: pd.Series, grid: Grid | None = None) -> pd.DataFrame:
    """How well each criterion separates the outcome: odds ratio per level and AUC.

    Parameters
    ----------
    wide : pandas.DataFrame
        Dossiers x criteria (mean levels), indexed by ``dossier_id``.
    outcome : pandas.Series
        0/1 per dossier (:func:`decision_outcome`).
    grid : Grid, optional
        For the criteria's labels.

    Returns
    -------
    pandas.DataFrame
        ``criterion, criterion_label, n, n_positive, odds_ratio, ci_low, ci_high, p_value, auc,
        auc_low, auc_high, discriminates, note``; ``discriminates`` is true when the odds
        ratio's interval excludes 1 (or separation is perfect).
    """
    labels = _labels(grid) if grid is not None else {}
    y = outcome.reindex(wide.index)
    rows = []
    for crit in wide.columns:
        res = odds_ratio(wide[crit], y)
        a, alo, ahi = auc(wide[crit], y)
        sep = res["note"].startswith("séparation")
        disc = sep or (np.isfinite(res["ci_low"]) and (res["ci_low"] > 1 or res["ci_high"] < 1))
        rows.append({"criterion": crit, "criterion_label": labels.get(crit, crit), **{k: res[k] for k in (
            "n", "n_positive", "odds_ratio", "ci_low", "ci_high", "p_value")}, "auc": a, "auc_low": alo,
            "auc_high": ahi, "discriminates": bool(disc), "note": res["note"]})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------
# Structure: does the grouping hold in the data?
# ---------------------------------------------------------------------------


def parallel_analysis(wide: pd.DataFrame, *, n_iter: int = 500, seed: int = 0,
                      quantile: float = 0.95) -> pd.DataFrame:
    """Horn's parallel analysis: how many factors stand out from random data of the same size.

    The eigenvalues of the criteria's correlation matrix (dossiers with every criterion) are
    compared with the ``quantile`` of the eigenvalues of normal random data with as many rows
    and columns; the suggested number of factors is the number of leading eigenvalues above it.

    Parameters
    ----------
    wide : pandas.DataFrame
        Dossiers x criteria.
    n_iter : int
        Random data sets.
    seed : int
    quantile : float

    Returns
    -------
    pandas.DataFrame
        ``component, observed, random`` with ``attrs["suggested"]`` (int) and ``attrs["n"]``.

    References
    ----------
    Horn, J. L. (1965). A rationale and test for the number of factors in factor analysis.
    Psychometrika, 30, 179-185.
    """
    sub = wide.dropna()
    sub = sub.loc[:, sub.nunique() > 1].to_numpy(dtype=float)  # constant criteria have no correlation
    n, k = sub.shape
    observed = np.sort(np.linalg.eigvalsh(np.corrcoef(sub, rowvar=False)))[::-1]
    rng = np.random.default_rng(seed)
    sims = np.empty((n_iter, k))
    for i in range(n_iter):
        sims[i] = np.sort(np.linalg.eigvalsh(np.corrcoef(rng.standard_normal((n, k)), rowvar=False)))[::-1]
    random = np.quantile(sims, quantile, axis=0)
    above = observed > random
    suggested = int(np.argmin(above)) if not above.all() else k
    out = pd.DataFrame({"component": np.arange(1, k + 1), "observed": observed, "random": random})
    out.attrs.update(suggested=suggested, n=n)
    return out


@dataclass
class StructureCheck:
    """Whether a grouping of the criteria is found in an exploratory factor analysis.

    Attributes
    ----------
    grouping : str
        ``"dimension"`` or ``"generic"``.
    n_factors : int
    n_dossiers : int
    loadings : pandas.DataFrame
        Criteria x factors (``F1``…), pattern loadings after rotation; factor ``Fi`` is the one
        matched to the ``i``-th group (unmatched factors come last).
    assignment : pandas.DataFrame
        ``criterion, criterion_label, group, group_label, factor, loading, expected_factor,
        matched``: each criterion's main factor and whether it is its group's.
    matched_share : float
        Share of criteria whose main factor (|loading| ≥ ``min_loading``) is their group's.
    rotation : str
    """

    grouping: str
    n_factors: int
    n_dossiers: int
    loadings: pd.DataFrame
    assignment: pd.DataFrame
    matched_share: float
    rotation: str
    min_loading: float
    factor_of_group: dict = field(default_factory=dict)

    @property
    def holds(self) -> bool:
        """Every criterion loads mainly on the factor of its own group."""
        return bool(self.matched_share == 1.0)


def factor_structure(wide: pd.DataFrame, grid: Grid, *, grouping: str = "dimension", n_factors: int | None = None,
                     rotation: str = "oblimin", min_loading: float = 0.4) -> StructureCheck:
    """Exploratory factor analysis and how its factors match a grouping of the criteria.

    Principal-axis factoring (``statsmodels`` ``Factor``; squared multiple correlations as
    starting communalities, or ones when the correlation matrix is singular) with as many
    factors as groups by default, then an oblique oblimin rotation (the groups are expected to
    correlate: they all reflect one dossier's quality). Each criterion's *main factor* is the one
    it loads most on. Factors are matched to groups one to one so that as many criteria as
    possible sit on their group's factor (Hungarian algorithm,
    ``scipy.optimize.linear_sum_assignment``); a criterion is *matched* when its main factor is
    its group's and the loading is at least ``min_loading`` in absolute value. A criterion given
    the same level on every dossier has no correlation with the others: it is left out of the
    fit and counts as not matched.

    Parameters
    ----------
    wide : pandas.DataFrame
        Dossiers x criteria (dossiers with a missing criterion are left out).
    grid : Grid
    grouping : {'dimension', 'generic'}
    n_factors : int, optional
        Default: the number of groups.
    rotation : str
        A rotation of ``FactorResults.rotate`` (``"oblimin"``, ``"varimax"``…).
    min_loading : float
        Salient loading (0,40 is the usual convention).

    Returns
    -------
    StructureCheck
    """
    groups = groups_of(grid, grouping)
    crits = [c for c in groups if c in wide]
    sub = wide[crits].dropna()
    group_ids = list(dict.fromkeys(groups[c][0] for c in crits))
    group_labels = {groups[c][0]: groups[c][1] for c in crits}
    k = n_factors or len(group_ids)
    flat = [c for c in crits if sub[c].nunique() < 2]  # a constant criterion has no correlation: left out
    fitted = [c for c in crits if c not in flat]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        x = sub[fitted].to_numpy(dtype=float)
        try:
            res = Factor(x, n_factor=k, method="pa", smc=True).fit()
        except np.linalg.LinAlgError:  # singular correlations (e.g. two identical criteria): no SMC start
            res = Factor(x, n_factor=k, method="pa", smc=False).fit()
        if k > 1 and rotation:
            res.rotate(rotation)
    L = np.asarray(res.loadings, dtype=float)
    L = L * np.where(L.sum(axis=0) < 0, -1.0, 1.0)  # a factor's sign is arbitrary: mostly positive
    main = np.abs(L).argmax(axis=1)
    counts = np.zeros((len(group_ids), k))
    for ci, crit in enumerate(fitted):
        counts[group_ids.index(groups[crit][0]), main[ci]] += 1
    rows_g, cols_f = optimize.linear_sum_assignment(-counts)
    factor_of = {group_ids[g]: int(f) for g, f in zip(rows_g, cols_f)}
    order = [factor_of[g] for g in group_ids if g in factor_of]
    order += [f for f in range(k) if f not in order]
    rename = {f: f"F{i + 1}" for i, f in enumerate(order)}
    loadings = pd.DataFrame(L[:, order], index=fitted, columns=[rename[f] for f in order]).reindex(crits)
    labels = _labels(grid)
    assign = []
    for crit in crits:
        gid = groups[crit][0]
        expected = factor_of.get(gid)
        row = {"criterion": crit, "criterion_label": labels.get(crit, crit), "group": gid,
               "group_label": group_labels[gid], "factor": None, "loading": np.nan,
               "expected_factor": rename[expected] if expected is not None else None, "matched": False}
        if crit in fitted:
            ci = fitted.index(crit)
            load = float(L[ci, main[ci]])
            row |= {"factor": rename[int(main[ci])], "loading": load,
                    "matched": bool(expected == main[ci] and abs(load) >= min_loading)}
        assign.append(row)
    assignment = pd.DataFrame(assign)
    return StructureCheck(grouping=grouping, n_factors=k, n_dossiers=len(sub), loadings=loadings,
                          assignment=assignment, matched_share=float(assignment["matched"].mean()),
                          rotation=rotation, min_loading=min_loading,
                          factor_of_group={g: rename[f] for g, f in factor_of.items()})


def within_between(wide: pd.DataFrame, grid: Grid, *, grouping: str = "dimension", n_perm: int = 2000,
                   seed: int = 0) -> pd.DataFrame:
    """Are criteria of a group more correlated with each other than with the other criteria?

    Mean Spearman ρ over the pairs of criteria in the same group (*within*) and in different
    groups (*between*), per group and overall. The overall difference is tested by permuting
    the criteria between groups (group sizes kept): the p-value is the share of permutations
    whose difference is at least the observed one (``(1 + count) / (1 + n_perm)``). No model
    is fitted, so this check stands without any factor-analytic assumption.

    Parameters
    ----------
    wide : pandas.DataFrame
        Dossiers x criteria.
    grid : Grid
    grouping : {'dimension', 'generic'}
    n_perm : int
    seed : int

    Returns
    -------
    pandas.DataFrame
        One row per group then an ``ensemble`` row: ``group, group_label, n_items, within,
        between, difference``; ``attrs["p_value"]``.
    """
    groups = groups_of(grid, grouping)
    crits = [c for c in groups if c in wide]
    rho = rank_correlations(wide[crits]).to_numpy()
    labels = np.array([groups[c][0] for c in crits], dtype=object)
    off = ~np.eye(len(crits), dtype=bool)

    def diff(lab):
        same = (lab[:, None] == lab[None, :]) & off
        return np.nanmean(rho[same]) - np.nanmean(rho[~same & off])

    rows = []
    for gid in dict.fromkeys(labels):
        inside = labels == gid
        w = rho[np.ix_(inside, inside)][~np.eye(inside.sum(), dtype=bool)]
        b = rho[np.ix_(inside, ~inside)]
        within = float(np.nanmean(w)) if w.size else np.nan
        between = float(np.nanmean(b)) if b.size else np.nan
        rows.append({"group": gid, "group_label": next(groups[c][1] for c in crits if groups[c][0] == gid),
                     "n_items": int(inside.sum()), "within": within, "between": between,
                     "difference": within - between})
    same = (labels[:, None] == labels[None, :]) & off
    within_all, between_all = float(np.nanmean(rho[same])), float(np.nanmean(rho[~same & off]))
    rows.append({"group": "ensemble", "group_label": "Ensemble", "n_items": len(crits), "within": within_all,
                 "between": between_all, "difference": within_all - between_all})
    observed = within_all - between_all
    rng = np.random.default_rng(seed)
    perms = np.array([diff(rng.permutation(labels)) for _ in range(n_perm)])
    out = pd.DataFrame(rows)
    out.attrs["p_value"] = float((1 + np.sum(perms >= observed - 1e-12)) / (1 + n_perm))
    out.attrs["n_perm"] = n_perm
    return out


GROUPING_LABELS = {"dimension": "les trois dimensions (Portage, Contenu, Contexte)",
                   "generic": "les quatre critères d'appréciation génériques"}


def structure_summary_fr(checks: list[StructureCheck], contrasts: dict[str, pd.DataFrame],
                         parallel: pd.DataFrame) -> str:
    """A French paragraph: how many factors the data suggest and whether each grouping holds.

    Parameters
    ----------
    checks : list of StructureCheck
    contrasts : dict
        Grouping -> :func:`within_between` table.
    parallel : pandas.DataFrame
        :func:`parallel_analysis` result.

    Returns
    -------
    str
    """
    parts = [(f"L'analyse parallèle de Horn retient {parallel.attrs['suggested']} facteur(s) sur "
              f"{parallel.attrs['n']} dossiers.")]
    for chk in checks:
        name = GROUPING_LABELS.get(chk.grouping, chk.grouping)
        n_ok = int(chk.assignment["matched"].sum())
        n = len(chk.assignment)
        if chk.holds:
            verdict = (f"la structure en {name} se retrouve : avec {chk.n_factors} facteurs, chacun des {n} critères "
                       f"sature d'abord le facteur de son groupe (saturation ≥ {fr.number(chk.min_loading, 2)})")
        else:
            off = chk.assignment[~chk.assignment["matched"]]
            verdict = (f"la structure en {name} ne se retrouve qu'en partie : avec {chk.n_factors} facteurs, "
                       f"{n_ok} critère(s) sur {n} saturent d'abord le facteur de leur groupe ; à part : "
                       + ", ".join(f"{r.criterion_label} ({r.group_label})" for r in off.itertuples()))
        c = contrasts.get(chk.grouping)
        if c is not None:
            tot = c[c["group"] == "ensemble"].iloc[0]
            p = c.attrs["p_value"]
            verdict += (f". Corrélation de rang moyenne entre critères d'un même groupe "
                        f"{fr.number(tot['within'], 2)}, entre groupes {fr.number(tot['between'], 2)} "
                        f"({'p = ' + fr.number(p, 3) if p >= 0.001 else 'p < 0,001'}, test de permutation)")
        parts.append(verdict[0].upper() + verdict[1:] + ".")
    return " ".join(parts)


# ---------------------------------------------------------------------------
# The bundle, the profile and the committee sheet
# ---------------------------------------------------------------------------


def _alpha_per_criterion(agreement: pd.DataFrame) -> pd.DataFrame:
    a = agreement[(agreement["level"] == "critère") & (agreement["statistic"] == "krippendorff_alpha")]
    return a.set_index("group")[["estimate", "ci_low", "ci_high"]].rename(
        columns={"estimate": "alpha", "ci_low": "alpha_low", "ci_high": "alpha_high"})


def criterion_profile(ratings: pd.DataFrame, grid: Grid, decisions: pd.DataFrame | None = None, *,
                      round: str = "individuel", outcome: str = "retenu", n_boot: int = 1000, seed: int = 0,
                      agreement: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per criterion: level shares, mean level, floor, ceiling, agreement, discrimination.

    The compact profile that two calls rated with different grid versions are compared on
    (``socinnov.call.crosswalk.compare_versions``).

    Parameters
    ----------
    ratings : pandas.DataFrame
        Long ratings table.
    grid : Grid
    decisions : pandas.DataFrame, optional
        ``dossier_id, decision``; without it the discrimination columns are NaN.
    round, outcome, n_boot, seed
        See :func:`analyse_criteria`.
    agreement : pandas.DataFrame, optional
        ``socinnov.analysis.jury_agreement.criterion_agreement`` output, if already computed.

    Returns
    -------
    pandas.DataFrame
        ``criterion, criterion_label, dimension, n_dossiers, n_ratings, share_0…share_q,
        mean_level, floor, ceiling, missing_rate, alpha, alpha_low, alpha_high, odds_ratio,
        or_low, or_high, auc``.
    """
    items = item_statistics(ratings, grid, round=round)
    dist = level_distribution(ratings, grid, round=round)
    shares = dist.pivot(index="criterion", columns="level_code", values="share")
    shares.columns = [f"share_{c}" for c in shares.columns]
    if agreement is None:
        agreement = criterion_agreement(ratings, grid, round=round, n_boot=n_boot, seed=seed)
    out = (items[["criterion", "criterion_label", "dimension", "n_dossiers", "n_ratings", "mean_level", "floor",
                  "ceiling", "missing_rate"]]
           .join(shares, on="criterion").join(_alpha_per_criterion(agreement), on="criterion"))
    if decisions is not None and len(decisions):
        disc = discrimination(dossier_levels(ratings, grid, round=round), decision_outcome(decisions, outcome), grid)
        disc = disc.set_index("criterion")[["odds_ratio", "ci_low", "ci_high", "auc"]].rename(
            columns={"ci_low": "or_low", "ci_high": "or_high"})
        out = out.join(disc, on="criterion")
    else:
        out = out.assign(odds_ratio=np.nan, or_low=np.nan, or_high=np.nan, auc=np.nan)
    return out


@dataclass(frozen=True)
class Rules:
    """The committee sheet's thresholds (documented, and parameters of the report).

    Attributes
    ----------
    alpha_below : float
        Clarify a criterion whose Krippendorff's alpha is below this… (0,667: Krippendorff's
        lowest bound for tentative conclusions, *Content Analysis*, 2nd ed., 2004, p. 241)
    wide_spread : float
        …and on which the jurors are ``min_spread`` levels apart or more on at least this share
        of the dossiers they rated together.
    min_spread : int
        Levels apart that make a wide spread (the debate sheets' rule).
    rho_merge : float
        Suggest merging two criteria whose Spearman ρ over the dossiers reaches this…
    min_dossiers : int
        …computed on at least this many dossiers rated on both (a ρ on fewer dossiers, e.g. in
        a « si pertinent » section, is too uncertain to merge on).
    floor_ceiling : float
        Reconsider a criterion that does not discriminate (odds ratio's interval includes 1)
        and whose lowest or highest level takes more than this share of the ratings.
    """

    alpha_below: float = 0.667
    wide_spread: float = 0.10
    min_spread: int = 2
    rho_merge: float = 0.80
    min_dossiers: int = 20
    floor_ceiling: float = 0.50


#: How the sheet names the dossiers a criterion should single out, per outcome.
_DISTINGUISHED = {"retenu": "les dossiers retenus des autres", "financé": "les dossiers financés des réorientés"}


def rules_fr(rules: Rules = Rules(), outcome: str = "retenu") -> str:
    """The rules of the committee sheet, in French (markdown list), in order of precedence."""
    p = fr.percent
    intro = ("Règles appliquées, dans cet ordre (la première qui s'applique donne l'action ; les autres constats "
             "restent signalés) :")
    reconsider = (f"1. **{ACTIONS['reconsider'].capitalize()}** quand le critère ne distingue pas "
                  f"{_DISTINGUISHED[outcome]} (l'intervalle de confiance à 95 % du rapport de cotes contient 1) "
                  f"**et** qu'un effet plancher ou plafond dépasse {p(rules.floor_ceiling)} des notes (plus de "
                  f"{p(rules.floor_ceiling)} au niveau le plus bas ou le plus haut) : le critère ne sépare ni les "
                  "dossiers entre eux ni selon la décision.")
    merge = (f"2. **{ACTIONS['merge'].capitalize()}** quand la corrélation de rang de Spearman entre les deux "
             f"critères, sur les niveaux moyens des dossiers, atteint {fr.number(rules.rho_merge, 2)} : les deux "
             "critères classent les dossiers de la même façon (la règle vaut dans les deux sens : chacun des deux "
             "critères est signalé ; seules comptent les paires notées ensemble sur au moins "
             f"{rules.min_dossiers} dossiers).")
    clarify = (f"3. **{ACTIONS['clarify'].capitalize()}** quand l'alpha de Krippendorff du critère est inférieur à "
               f"{fr.number(rules.alpha_below, 3)} (seuil de Krippendorff pour des conclusions provisoires) **et** "
               f"que les jurés s'écartent de {rules.min_spread} niveaux ou plus sur au moins "
               f"{p(rules.wide_spread)} des dossiers qu'ils ont notés ensemble : les jurés ne lisent pas les "
               "descripteurs de la même façon.")
    keep = f"4. **{ACTIONS['keep'].capitalize()}** sinon."
    return f"{intro}\n\n{reconsider}\n{merge}\n{clarify}\n{keep}"


def suggest_actions(evidence: pd.DataFrame, pairs: pd.DataFrame, rules: Rules = Rules(),
                    outcome: str = "retenu") -> pd.DataFrame:
    """Apply the committee's rules to the per-criterion evidence.

    Parameters
    ----------
    evidence : pandas.DataFrame
        One row per criterion with ``criterion, criterion_label, alpha, wide_spread, floor,
        ceiling, or_low, or_high, discriminates``.
    pairs : pandas.DataFrame
        :func:`correlation_pairs` output (``criterion_a, criterion_b, rho``).
    rules : Rules
    outcome : {'retenu', 'financé'}
        The decision the discrimination refers to (for the wording).

    Returns
    -------
    pandas.DataFrame
        ``evidence`` with ``action`` (a key of :data:`ACTIONS`), ``action_label``, ``rule``
        (the rule that decided, with this criterion's figures, in French), ``other_findings``
        and ``merge_with`` (criterion ids).

    Examples
    --------
    >>> ev = pd.DataFrame({"criterion": ["a", "b"], "criterion_label": ["A", "B"], "alpha": [0.9, 0.9],
    ...                    "wide_spread": [0.0, 0.0], "floor": [0.1, 0.1], "ceiling": [0.1, 0.1],
    ...                    "or_low": [2.0, 2.0], "or_high": [5.0, 5.0], "discriminates": [True, True]})
    >>> pairs = pd.DataFrame({"criterion_a": ["a"], "criterion_b": ["b"], "rho": [1.0], "n": [50]})
    >>> suggest_actions(ev, pairs)["action"].tolist()
    ['merge', 'merge']
    """
    labels = dict(zip(evidence["criterion"], evidence["criterion_label"]))
    partners: dict[str, list[tuple[str, float]]] = {c: [] for c in evidence["criterion"]}
    for r in pairs.itertuples():
        if np.isfinite(r.rho) and r.rho >= rules.rho_merge and r.n >= rules.min_dossiers:
            partners.setdefault(r.criterion_a, []).append((r.criterion_b, r.rho))
            partners.setdefault(r.criterion_b, []).append((r.criterion_a, r.rho))
    num = fr.number
    out = []
    for e in evidence.itertuples():
        found = []
        fc = max(e.floor, e.ceiling) if np.isfinite(e.floor) else np.nan
        if not e.discriminates and np.isfinite(fc) and fc > rules.floor_ceiling:
            where = "plancher" if e.floor >= e.ceiling else "plafond"
            ci = (f"rapport de cotes [{num(e.or_low, 2)} ; {num(e.or_high, 2)}] contenant 1"
                  if np.isfinite(e.or_low) else "rapport de cotes non estimable")
            found.append(("reconsider", (f"ne distingue pas {_DISTINGUISHED[outcome]} ({ci}) et effet {where} de "
                                         f"{fr.percent(fc)} (> {fr.percent(rules.floor_ceiling)})")))
        mates = sorted(partners.get(e.criterion, []), key=lambda t: -t[1])
        if mates:
            found.append(("merge", "ρ de Spearman ≥ " + num(rules.rho_merge, 2) + " avec "
                          + ", ".join(f"« {labels.get(m, m)} » ({num(r, 2)})" for m, r in mates)))
        if (np.isfinite(e.alpha) and e.alpha < rules.alpha_below and np.isfinite(e.wide_spread)
                and e.wide_spread >= rules.wide_spread):
            found.append(("clarify", (f"α de Krippendorff {num(e.alpha, 3)} < {num(rules.alpha_below, 3)} et jurés "
                                      f"à {rules.min_spread} niveaux ou plus d'écart sur {fr.percent(e.wide_spread)} "
                                      f"des dossiers (seuil {fr.percent(rules.wide_spread)})")))
        if not found:
            reasons = []
            if np.isfinite(e.alpha) and e.alpha < rules.alpha_below:
                reasons.append(f"α {num(e.alpha, 3)} sous {num(rules.alpha_below, 3)}, mais écarts de "
                               f"{rules.min_spread} niveaux rares ({fr.percent(e.wide_spread)})")
            found.append(("keep", "aucune règle ne s'applique" + (" (" + "; ".join(reasons) + ")" if reasons else "")))
        precedence = list(ACTIONS)
        found.sort(key=lambda t: precedence.index(t[0]))
        action, rule = found[0]
        out.append({"action": action, "action_label": ACTIONS[action], "rule": rule,
                    "other_findings": " ; ".join(f"{ACTIONS[a]} : {t}" for a, t in found[1:]),
                    "merge_with": [m for m, _ in mates]})
    return pd.concat([evidence.reset_index(drop=True), pd.DataFrame(out)], axis=1)


@dataclass
class CriteriaAnalysis:
    """Everything the criteria report shows about one grid (see :func:`analyse_criteria`)."""

    grid: Grid
    round: str
    outcome: str
    rules: Rules
    wide: pd.DataFrame
    items: pd.DataFrame
    distribution: pd.DataFrame
    agreement: pd.DataFrame
    item_rest: pd.DataFrame
    consistency: pd.DataFrame
    correlations: pd.DataFrame
    pairs: pd.DataFrame
    discrimination: pd.DataFrame
    evidence: pd.DataFrame

    @property
    def redundant_pairs(self) -> pd.DataFrame:
        """Pairs of criteria at or above the merge threshold, French headers."""
        p = self.pairs[self.pairs["redundant"]]
        return pd.DataFrame({
            "Critère": p["label_a"], "Autre critère": p["label_b"],
            "ρ de Spearman [IC 95 %]": [_ci(r, lo, hi, 2) for r, lo, hi in zip(p["rho"], p["ci_low"], p["ci_high"])],
            "Même dimension": p["same_dimension"], "Dossiers": p["n"]})


def analyse_criteria(ratings: pd.DataFrame, grid: Grid, decisions: pd.DataFrame | None = None, *,
                     round: str = "individuel", outcome: str = "retenu", rules: Rules = Rules(),
                     n_boot: int = 1000, seed: int = 0) -> CriteriaAnalysis:
    """Every per-criterion statistic of one grid, and the committee's suggested actions.

    Parameters
    ----------
    ratings : pandas.DataFrame
        Long ratings table (any grids and versions: only ``grid``'s are used).
    grid : Grid
        The grid, in the version the ratings used.
    decisions : pandas.DataFrame, optional
        ``dossier_id, decision``; needed for the discrimination. Without decisions the
        "reconsider" rule cannot be checked and suggests nothing.
    round : str
        ``"individuel"`` (default: each juror's own reading) or ``"après débat"``.
    outcome : {'retenu', 'financé'}
        What the criteria should discriminate (:func:`decision_outcome`).
    rules : Rules
    n_boot, seed
        Bootstrap of the agreement and rank-alpha intervals.

    Returns
    -------
    CriteriaAnalysis
    """
    wide = dossier_levels(ratings, grid, round=round)
    items = item_statistics(ratings, grid, round=round, min_spread=rules.min_spread)
    dist = level_distribution(ratings, grid, round=round)
    agreement = criterion_agreement(ratings, grid, round=round, n_boot=n_boot, seed=seed)
    rest = item_rest(wide, groups_of(grid, "dimension"))
    consistency = internal_consistency(wide, grid, n_boot=n_boot, seed=seed)
    pairs = correlation_pairs(wide, grid, threshold=rules.rho_merge)
    if decisions is not None and len(decisions):
        disc = discrimination(wide, decision_outcome(decisions, outcome), grid)
    else:
        disc = pd.DataFrame({"criterion": wide.columns, "odds_ratio": np.nan, "ci_low": np.nan, "ci_high": np.nan,
                             "auc": np.nan, "auc_low": np.nan, "auc_high": np.nan, "discriminates": True,
                             "note": "pas de décisions"})
    best = {}
    for r in pairs.itertuples():
        for a, b in ((r.criterion_a, r.criterion_b), (r.criterion_b, r.criterion_a)):
            if np.isfinite(r.rho) and (a not in best or r.rho > best[a][1]):
                best[a] = (b, r.rho)
    evidence = (items.join(_alpha_per_criterion(agreement), on="criterion")
                .join(rest.set_index("criterion")[["r"]].rename(columns={"r": "item_rest"}), on="criterion")
                .join(disc.set_index("criterion")[["odds_ratio", "ci_low", "ci_high", "auc", "discriminates"]]
                      .rename(columns={"ci_low": "or_low", "ci_high": "or_high"}), on="criterion"))
    evidence["max_rho"] = evidence["criterion"].map(lambda c: best.get(c, (None, np.nan))[1])
    evidence["max_rho_with"] = evidence["criterion"].map(lambda c: best.get(c, (None, np.nan))[0])
    evidence = suggest_actions(evidence, pairs, rules, outcome)
    return CriteriaAnalysis(grid=grid, round=round, outcome=outcome, rules=rules, wide=wide, items=items,
                            distribution=dist, agreement=agreement, item_rest=rest, consistency=consistency,
                            correlations=rank_correlations(wide), pairs=pairs, discrimination=disc,
                            evidence=evidence)


def _ci(est, lo, hi, decimals=2) -> str:
    if est is None or pd.isna(est):
        return "–"
    if np.isinf(est):
        return "non borné"
    if lo is None or pd.isna(lo):
        return fr.number(est, decimals)
    return f"{fr.number(est, decimals)} [{fr.number(lo, decimals)} ; {fr.number(hi, decimals)}]"


def _or_ci(est, lo, hi) -> str:
    """An odds ratio with its interval; values past :data:`UNSTABLE_OR` written as bounds."""
    def one(v):
        if v > UNSTABLE_OR:
            return f"> {fr.number(UNSTABLE_OR)}"
        if v < 1 / UNSTABLE_OR:
            return f"< {fr.number(1 / UNSTABLE_OR, 3)}"
        return fr.number(v, 2)
    if est is None or pd.isna(est):
        return "–"
    if np.isinf(est) or est == 0:
        return "non borné"
    if lo is None or pd.isna(lo):
        return one(est)
    return f"{one(est)} [{one(lo)} ; {one(hi)}]"


def committee_sheet(analysis: CriteriaAnalysis) -> pd.DataFrame:
    """The committee's sheet: one row per criterion, its evidence and a suggested action (French).

    Parameters
    ----------
    analysis : CriteriaAnalysis

    Returns
    -------
    pandas.DataFrame
        French headers and values, in the grid's order; ``attrs["counts"]`` gives the number of
        criteria per action (French labels).
    """
    e = analysis.evidence
    labels = _labels(analysis.grid)
    dims = {d.id: d.label for d in analysis.grid.dimensions}
    sheet = pd.DataFrame({
        "Dimension": e["dimension"].map(dims),
        "Critère": e["criterion_label"],
        "Notes": e["n_ratings"],
        "Manquantes": e["missing_rate"].map(fr.percent),
        "Plancher / plafond": [f"{fr.percent(a)} / {fr.percent(b)}" for a, b in zip(e["floor"], e["ceiling"])],
        f"Écart ≥ {analysis.rules.min_spread} niveaux": e["wide_spread"].map(fr.percent),
        "α de Krippendorff [IC 95 %]": [_ci(a, lo, hi, 3) for a, lo, hi in
                                        zip(e["alpha"], e["alpha_low"], e["alpha_high"])],
        "r item-reste": e["item_rest"].map(lambda v: fr.number(v, 2)),
        "ρ maximal (avec)": [("–" if pd.isna(r) else f"{fr.number(r, 2)} ({labels.get(w, w)})")
                             for r, w in zip(e["max_rho"], e["max_rho_with"])],
        "Rapport de cotes par niveau [IC 95 %]": [_or_ci(o, lo, hi) for o, lo, hi in
                                                  zip(e["odds_ratio"], e["or_low"], e["or_high"])],
        "AUC": e["auc"].map(lambda v: fr.number(v, 2)),
        "Action suggérée": e["action_label"],
        "Règle appliquée": e["rule"],
        "Autres constats": e["other_findings"].replace("", "–"),
    })
    counts = e["action"].value_counts()
    sheet.attrs["counts"] = {ACTIONS[a]: int(counts.get(a, 0)) for a in ACTIONS}
    return sheet


def sheet_summary_fr(sheet: pd.DataFrame) -> str:
    """One French sentence counting the suggested actions of a committee sheet."""
    counts = sheet.attrs["counts"]
    parts = [f"{n} critère(s) : {label}" for label, n in counts.items() if n]
    return f"Sur {len(sheet)} critères, la fiche suggère — " + " ; ".join(parts) + "."


# ---------------------------------------------------------------------------
# French tables for the report
# ---------------------------------------------------------------------------


def items_table_fr(analysis: CriteriaAnalysis) -> pd.DataFrame:
    """Per criterion: level shares, floor, ceiling, missing and spread, French headers."""
    d = analysis.distribution.pivot(index="criterion", columns="level", values="share")
    e = analysis.items.set_index("criterion")
    rows = {"Critère": e["criterion_label"]}
    for lv in analysis.grid.level_labels:
        rows[lv] = d[lv].reindex(e.index).map(fr.percent)
    rows |= {"Niveau moyen": e["mean_level"].map(lambda v: fr.number(v, 2)),
             "Plancher": e["floor"].map(fr.percent), "Plafond": e["ceiling"].map(fr.percent),
             "Manquantes": e["missing_rate"].map(fr.percent),
             f"Écart ≥ {analysis.rules.min_spread} niveaux": e["wide_spread"].map(fr.percent)}
    if e["relevant_share"].notna().any():
        rows["Jugé pertinent"] = e["relevant_share"].map(fr.percent)
    return pd.DataFrame(rows).reset_index(drop=True)


def consistency_table_fr(analysis: CriteriaAnalysis) -> pd.DataFrame:
    """Per dimension: Cronbach's alpha, the rank-based alpha, and each criterion's item-rest r."""
    c = analysis.consistency
    rest = analysis.item_rest
    rows = []
    for g in c.itertuples():
        crits = rest[rest["group"] == g.group]
        rows.append({
            "Dimension": g.group_label, "Critères": g.n_items, "Dossiers": g.n_dossiers,
            "Alpha de Cronbach [IC 95 %]": _ci(g.alpha, g.ci_low, g.ci_high, 2),
            "Alpha sur les rangs [IC 95 %]": _ci(g.rank_alpha, g.rank_ci_low, g.rank_ci_high, 2),
            "r item-reste (critère)": " ; ".join(f"{_labels(analysis.grid)[r.criterion]} {fr.number(r.r, 2)}"
                                                 for r in crits.itertuples()),
        })
    return pd.DataFrame(rows)


def discrimination_table_fr(disc: pd.DataFrame) -> pd.DataFrame:
    """Discrimination per criterion (or item), French headers."""
    return pd.DataFrame({
        "Critère": disc["criterion_label"],
        "Dossiers (issue = 1)": [f"{n} ({k})" for n, k in zip(disc["n"], disc["n_positive"])],
        "Rapport de cotes par niveau [IC 95 %]": [_or_ci(o, lo, hi) for o, lo, hi in
                                                  zip(disc["odds_ratio"], disc["ci_low"], disc["ci_high"])],
        "AUC [IC 95 %]": [_ci(a, lo, hi, 2) for a, lo, hi in zip(disc["auc"], disc["auc_low"], disc["auc_high"])],
        "Distingue": disc["discriminates"],
        "Remarque": disc["note"].replace("", "–"),
    })


def structure_table_fr(check: StructureCheck) -> pd.DataFrame:
    """A structure check's assignment: each criterion, its group, its main factor, matched or not."""
    a = check.assignment
    return pd.DataFrame({
        "Critère": a["criterion_label"], "Groupe": a["group_label"], "Facteur du groupe": a["expected_factor"],
        "Facteur principal": a["factor"], "Saturation": a["loading"].map(lambda v: fr.number(v, 2)),
        "Conforme": a["matched"]})


def within_between_fr(table: pd.DataFrame) -> pd.DataFrame:
    """The within- vs between-group correlations, French headers."""
    return pd.DataFrame({
        "Groupe": table["group_label"], "Critères": table["n_items"],
        "ρ moyen dans le groupe": table["within"].map(lambda v: fr.number(v, 2)),
        "ρ moyen avec les autres critères": table["between"].map(lambda v: fr.number(v, 2)),
        "Écart": table["difference"].map(lambda v: fr.number(v, 2)),
    })


# ---------------------------------------------------------------------------
# Feasibility grid
# ---------------------------------------------------------------------------


def feasibility_distribution(ratings: pd.DataFrame, grid: Grid, *, round: str = "individuel",
                             by: str = "criterion") -> pd.DataFrame:
    """Level shares (A/B/C…) per item or per section, a ``si pertinent`` section handled as such.

    Shares are over the ratings given. An item of a ``si pertinent`` section left empty by a
    juror who left the whole section empty is *not relevant*, not missing: it counts in
    ``relevant_share`` (share of the (dossier, juror) pairs that judged the section relevant),
    not in ``missing_rate``.

    Parameters
    ----------
    ratings : pandas.DataFrame
    grid : Grid
    round : str
    by : {'criterion', 'dimension'}

    Returns
    -------
    pandas.DataFrame
        ``key, label, dimension_label, if_relevant, worded_as_risk, n_ratings, n_missing,
        missing_rate, relevant_share`` and one ``share_<label>`` column per level (highest
        level first: ``share_A, share_B, share_C``).
    """
    r = rating_status(ratings, grid, round=round)
    crit = grid.criteria_frame().set_index("criterion")
    r = r.assign(key=r["criterion"] if by == "criterion" else r["dimension"])
    keys = ([(c.id, c.label, grid.dimension(c.dimension)) for c in grid.criteria] if by == "criterion"
            else [(d.id, d.label, d) for d in grid.dimensions])
    rows = []
    for key, label, dim in keys:
        rk = r[r["key"] == key]
        given = rk["level_code"].dropna()
        n_missing = int((rk["status"] == STATUS_MISSING).sum())
        due = len(given) + n_missing
        row = {"key": key, "label": label, "dimension_label": dim.label, "if_relevant": dim.if_relevant,
               "worded_as_risk": bool(crit.loc[key, "worded_as_risk"]) if by == "criterion"
               else any(c.worded_as_risk for c in dim.criteria),
               "n_ratings": len(given), "n_missing": n_missing, "missing_rate": n_missing / due if due else np.nan,
               "relevant_share": (due / len(rk) if len(rk) else np.nan) if dim.if_relevant else np.nan}
        for lv in sorted(grid.levels, key=lambda lv: -lv.code):
            row[f"share_{lv.label}"] = float((given == lv.code).mean()) if len(given) else np.nan
        rows.append(row)
    out = pd.DataFrame(rows)
    out.attrs["by"] = by
    return out


def feasibility_table_fr(dist: pd.DataFrame, grid: Grid) -> pd.DataFrame:
    """:func:`feasibility_distribution` with French headers (levels with their names)."""
    out = ({"Section": dist["label"]} if dist.attrs.get("by") == "dimension"
           else {"Item": dist["label"], "Section": dist["dimension_label"]})
    for lv in sorted(grid.levels, key=lambda lv: -lv.code):
        out[f"{lv.label} ({lv.name})" if lv.name else lv.label] = dist[f"share_{lv.label}"].map(fr.percent)
    out |= {"Notes": dist["n_ratings"], "Manquantes": dist["missing_rate"].map(fr.percent),
            "Jugé pertinent": dist["relevant_share"].map(fr.percent),
            "Formulé comme un risque": dist["worded_as_risk"]}
    return pd.DataFrame(out)


def relevance_summary(ratings: pd.DataFrame, grid: Grid, *, round: str = "individuel") -> pd.DataFrame:
    """For each ``si pertinent`` section: how often, and how unanimously, it was judged relevant.

    Returns
    -------
    pandas.DataFrame
        ``dimension, dimension_label, n_pairs, relevant_share`` (of (dossier, juror) pairs),
        ``n_dossiers, dossiers_any`` (dossiers where at least one juror judged it relevant),
        ``dossiers_all`` (every juror), ``unanimous_share`` (dossiers where the jurors agree on
        relevance, among those rated by two jurors or more).
    """
    r = rating_status(ratings, grid, round=round)
    rows = []
    for d in grid.dimensions:
        if not d.if_relevant:
            continue
        pairs = (r[r["dimension"] == d.id].groupby(["dossier_id", "juror_id"])["status"]
                 .agg(lambda s: bool((s != STATUS_NOT_RELEVANT).any())).rename("relevant").reset_index())
        per = pairs.groupby("dossier_id")["relevant"].agg(["any", "all", "size"])
        multi = per[per["size"] >= 2]
        rows.append({"dimension": d.id, "dimension_label": d.label, "n_pairs": len(pairs),
                     "relevant_share": float(pairs["relevant"].mean()) if len(pairs) else np.nan,
                     "n_dossiers": len(per), "dossiers_any": int(per["any"].sum()), "dossiers_all": int(per["all"].sum()),
                     "unanimous_share": float((multi["all"] | ~multi["any"]).mean()) if len(multi) else np.nan})
    return pd.DataFrame(rows)


def relevance_fr(summary: pd.DataFrame) -> str:
    """A French sentence per ``si pertinent`` section (empty when the grid has none)."""
    parts = []
    for s in summary.itertuples():
        parts.append(
            f"La section « {s.dimension_label} » (si pertinent) a été jugée pertinente dans "
            f"{fr.percent(s.relevant_share)} des couples dossier-juré ({s.n_pairs}) : par au moins un juré pour "
            f"{s.dossiers_any} dossier(s) sur {s.n_dossiers}, par tous les jurés pour {s.dossiers_all}. Les jurés "
            f"d'un même dossier s'accordent sur sa pertinence dans {fr.percent(s.unanimous_share)} des dossiers. "
            "Une case vide de cette section, quand toute la section est vide, n'est pas une note manquante : "
            "elle est comptée comme « non pertinent ».")
    return "\n\n".join(parts)


def feasibility_association(ratings: pd.DataFrame, grid: Grid, decisions: pd.DataFrame, *,
                            round: str = "individuel", by: str = "criterion") -> pd.DataFrame:
    """Association of each feasibility item (or section) with funding, among retained dossiers.

    Logistic regression of funded (1) vs re-oriented (0) on the dossier's mean level (codes
    C = 0, B = 1, A = 2; only the jurors who rated it, so a market item only where judged
    relevant): odds ratio per level with its interval, and AUC.

    Parameters
    ----------
    ratings, grid, decisions, round
    by : {'criterion', 'dimension'}

    Returns
    -------
    pandas.DataFrame
        :func:`discrimination` columns, ``criterion`` holding the item or section id.
    """
    if by == "criterion":
        wide = dossier_levels(ratings, grid, round=round)
        g = grid
    else:
        s = dossier_scores(ratings, grid, round=round, by="dimension")
        wide = s.pivot(index="dossier_id", columns="group", values="score").reindex(
            columns=[d.id for d in grid.dimensions])
        g = None
    disc = discrimination(wide, decision_outcome(decisions, "financé"), g)
    if by != "criterion":
        disc["criterion_label"] = disc["criterion"].map({d.id: d.label for d in grid.dimensions})
    return disc


def risk_items(ratings: pd.DataFrame, grid: Grid, decisions: pd.DataFrame | None = None, *,
               round: str = "individuel", min_rest: float = 0.2, max_distance: float = 0.2,
               min_dossiers: int = 5) -> pd.DataFrame:
    """Is the A/B/C reading of items worded as risks ambiguous?

    The call's "Prise de risque" items are worded as risks (« Le projet peut engendrer de
    grandes fragilités pour le porteur ») while the scale reads A = satisfaisant: some jurors
    may give A to a *small* risk, others to a *real* one. Signs of an ambiguous reading:

    - the item's correlation with the mean of the other (not risk-worded) items, over the
      dossiers, is below ``min_rest`` (near zero or negative: the item does not go with the
      others as a satisfaisant-is-good item should);
    - its A/B/C distribution diverges from the other items' pooled distribution: total
      variation distance (half the sum of absolute differences of the shares) ≥ ``max_distance``;
    - jurors disagree on the direction: at least one juror (with ``min_dossiers`` dossiers or
      more) whose own correlation between the item and the other items is negative while
      others' is positive.

    Parameters
    ----------
    ratings, grid, decisions, round
    min_rest, max_distance, min_dossiers
        Thresholds above.

    Returns
    -------
    pandas.DataFrame
        One row per risk-worded item: ``criterion, label, rest_r, rest_low, rest_high,
        share_A…, others_share_A…, distance, jurors_negative, jurors_positive, odds_ratio,
        or_low, or_high, ambiguous, reasons`` (French). Empty when the grid has no such item.
    """
    risky = [c for c in grid.criteria if c.worded_as_risk]
    if not risky:
        return pd.DataFrame()
    plain = [c.id for c in grid.criteria if not c.worded_as_risk]
    wide = dossier_levels(ratings, grid, round=round)
    others_mean = wide[plain].mean(axis=1)
    r = select_ratings(ratings, grid, round=round).dropna(subset=["level_code"])
    plain_codes = r[r["criterion"].isin(plain)]["level_code"]
    levels = sorted(grid.levels, key=lambda lv: -lv.code)
    juror_others = r[r["criterion"].isin(plain)].groupby(["juror_id", "dossier_id"])["level_code"].mean()
    assoc = (feasibility_association(ratings, grid, decisions, round=round).set_index("criterion")
             if decisions is not None and len(decisions) else None)
    rows = []
    for c in risky:
        sub = pd.concat([wide[c.id], others_mean], axis=1).dropna()
        rr = float(np.corrcoef(sub.iloc[:, 0], sub.iloc[:, 1])[0, 1]) if len(sub) > 2 else np.nan
        lo, hi = _fisher_ci(rr, len(sub))
        codes = r[r["criterion"] == c.id]["level_code"]
        shares = {lv.label: float((codes == lv.code).mean()) if len(codes) else np.nan for lv in levels}
        others = {lv.label: float((plain_codes == lv.code).mean()) if len(plain_codes) else np.nan for lv in levels}
        distance = 0.5 * sum(abs(shares[k] - others[k]) for k in shares)
        own = r[r["criterion"] == c.id].set_index(["juror_id", "dossier_id"])["level_code"]
        joined = pd.concat([own.rename("item"), juror_others.rename("others")], axis=1, join="inner")
        signs = []
        for _, g in joined.groupby(level="juror_id"):
            if len(g) >= min_dossiers and g["item"].std() > 0 and g["others"].std() > 0:
                signs.append(np.corrcoef(g["item"], g["others"])[0, 1])
        neg, pos = sum(s < 0 for s in signs), sum(s > 0 for s in signs)
        reasons = []
        if np.isfinite(rr) and rr < min_rest:
            reasons.append(f"corrélation avec les autres items {fr.number(rr, 2)} (< {fr.number(min_rest, 2)})")
        if distance >= max_distance:
            reasons.append(f"répartition A/B/C éloignée de celle des autres items (distance {fr.number(distance, 2)} "
                           f"≥ {fr.number(max_distance, 2)})")
        if neg and pos:
            reasons.append(f"{neg} juré(s) sur {neg + pos} le lisent à l'envers des autres items "
                           "(corrélation négative)")
        row = {"criterion": c.id, "label": c.label, "rest_r": rr, "rest_low": lo, "rest_high": hi, "n": len(sub)}
        row |= {f"share_{k}": v for k, v in shares.items()} | {f"others_share_{k}": v for k, v in others.items()}
        row |= {"distance": distance, "jurors_negative": neg, "jurors_positive": pos}
        if assoc is not None and c.id in assoc.index:
            row |= {"odds_ratio": assoc.loc[c.id, "odds_ratio"], "or_low": assoc.loc[c.id, "ci_low"],
                    "or_high": assoc.loc[c.id, "ci_high"]}
        else:
            row |= {"odds_ratio": np.nan, "or_low": np.nan, "or_high": np.nan}
        row |= {"ambiguous": bool(reasons), "reasons": " ; ".join(reasons) if reasons else "aucun signe d'ambiguïté"}
        rows.append(row)
    return pd.DataFrame(rows)


def risk_table_fr(risk: pd.DataFrame) -> pd.DataFrame:
    """:func:`risk_items` with French headers."""
    if risk.empty:
        return pd.DataFrame({"Item": []})
    levels = [c[len("share_"):] for c in risk.columns if c.startswith("share_")]
    return pd.DataFrame({
        "Item": risk["label"],
        "Corrélation avec les autres items [IC 95 %]": [_ci(r, lo, hi, 2) for r, lo, hi in
                                                        zip(risk["rest_r"], risk["rest_low"], risk["rest_high"])],
        "A/B/C de l'item": [" / ".join(fr.percent(row[f"share_{k}"]) for k in levels) for _, row in risk.iterrows()],
        "A/B/C des autres items": [" / ".join(fr.percent(row[f"others_share_{k}"]) for k in levels)
                                   for _, row in risk.iterrows()],
        "Jurés à corrélation négative": [f"{n} sur {n + p}" for n, p in zip(risk["jurors_negative"],
                                                                             risk["jurors_positive"])],
        "Rapport de cotes (financé) [IC 95 %]": [_or_ci(o, lo, hi) for o, lo, hi in
                                                 zip(risk["odds_ratio"], risk["or_low"], risk["or_high"])],
        "Lecture ambiguë": risk["ambiguous"],
        "Constats": risk["reasons"],
    })
