"""Internal consistency of a group of criteria, over the dossiers: item-rest correlations,
Cronbach's alpha with Feldt's exact interval, and the rank-based alpha (see ``criteria`` for
which library computes what, and why there is no "ordinal alpha").
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from socinnov.analysis.criteria import fisher_interval, groups_of
from socinnov.call.grids import Grid

__all__ = ["cronbach", "feldt_interval", "internal_consistency", "item_rest", "rank_alpha"]


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
        lo, hi = fisher_interval(r, n)
        rows.append({"criterion": crit, "group": gid, "group_label": glabel, "r": r, "ci_low": lo, "ci_high": hi,
                     "n": n})
    return pd.DataFrame(rows)


def cronbach(wide: pd.DataFrame, *, confidence: float = 0.95) -> tuple[float, float, float, int]:
    """Cronbach's alpha of the columns of ``wide`` (``pingouin``) with Feldt's interval.

    Rows with a missing value are left out (listwise), so that alpha, its interval and the
    number of dossiers refer to the same rows. The interval is :func:`feldt_interval`'s.

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
    # pingouin takes seconds to import (it loads statsmodels, scikit-learn…): imported here, only
    # where an alpha is computed, not by every module that imports this one.
    import pingouin as pg

    sub = wide.dropna()
    if sub.shape[1] < 2 or len(sub) < 3:
        return np.nan, np.nan, np.nan, len(sub)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        alpha, _ = pg.cronbach_alpha(data=sub, nan_policy="listwise", ci=confidence)
    low, high = feldt_interval(float(alpha), len(sub), sub.shape[1], confidence=confidence)
    return float(alpha), low, high, len(sub)


def feldt_interval(alpha: float, n: int, k: int, *, confidence: float = 0.95) -> tuple[float, float]:
    """Feldt's exact interval of Cronbach's alpha for ``n`` units and ``k`` items.

    Under Feldt's (1965) model ``(1 - α̂) / (1 - α)`` follows an F distribution with ``n - 1`` and
    ``(n - 1)(k - 1)`` degrees of freedom, so that (Feldt, Woodruff & Salih 1987, p. 95, formulas
    6 and 7) ``low = 1 - (1 - α̂) F[(1 + c) / 2]`` and ``high = 1 - (1 - α̂) F[(1 - c) / 2]``, with
    ``F[p]`` the ``p`` quantile of that F distribution (``scipy.stats.f``).

    Hand-written: ``pingouin.cronbach_alpha`` computes the same interval but returns it rounded
    to three decimals.

    References
    ----------
    Feldt, L. S. (1965). The approximate sampling distribution of Kuder-Richardson reliability
    coefficient twenty. Psychometrika, 30, 357-370.
    Feldt, L. S., Woodruff, D. J., & Salih, F. A. (1987). Statistical inference for coefficient
    alpha. Applied Psychological Measurement, 11, 93-103.

    Examples
    --------
    >>> [round(x, 4) for x in feldt_interval(0.913, 873, 20)]
    [0.9044, 0.9212]
    """
    df1, df2 = n - 1, (n - 1) * (k - 1)
    low = 1 - (1 - alpha) * stats.f.ppf((1 + confidence) / 2, df1, df2)
    high = 1 - (1 - alpha) * stats.f.ppf((1 - confidence) / 2, df1, df2)
    return float(low), float(high)


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
