"""Kendall's coefficient of concordance W (``pingouin.friedman``), with a vectorised bootstrap kernel."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from socinnov.analysis.agreement.bootstrap import Stat, evaluate, nan_stat
from socinnov.analysis.agreement.ratings import Ratings, prepare

__all__ = [
    "kendall_w",
    "stat_kendall",
]


def stat_kendall(rt: Ratings) -> Stat:
    name = "kendall_w"
    if rt.scale == "nominal":
        return nan_stat([name], "sans objet sur une échelle nominale (W suppose un ordre)")
    full = np.flatnonzero(rt.per_unit == rt.m)
    if len(full) < 2:
        return nan_stat([name], "W de Kendall exige des unités notées par tous les évaluateurs : "
                                 f"{len(full)} unité(s) dans ce cas")
    m = rt.m
    mat = np.full((rt.n, m), np.nan)
    mat[rt.unit_idx, rt.rater_idx] = rt.y()
    x = mat[full]
    n_c = len(full)
    # Per rater: units sorted by value, tie groups, and each unit's group.
    orders, starts, groups = [], [], []
    for j in range(m):
        order = np.argsort(x[:, j], kind="stable")
        sv = x[order, j]
        new = np.r_[True, sv[1:] != sv[:-1]]
        g_sorted = np.cumsum(new) - 1
        g = np.empty(n_c, dtype=np.int64)
        g[order] = g_sorted
        orders.append(order)
        starts.append(np.flatnonzero(new))
        groups.append(g)

    def kernel(w):
        # Hand-written vectorised replicate of Kendall's W with tie correction: mid-ranks
        # of a resample are cumulative sums of unit multiplicities within each rater's
        # sorted order (no re-ranking per replicate).
        wc = w[:, full]
        big_n = wc.sum(axis=1)
        rank_sum = np.zeros_like(wc)
        ties = np.zeros(len(w))
        for order, st, g in zip(orders, starts, groups):
            seg = np.add.reduceat(wc[:, order], st, axis=1)
            mid = np.cumsum(seg, axis=1) - seg + (seg + 1) / 2
            rank_sum += mid[:, g]
            ties += np.sum(seg**3 - seg, axis=1)
        dev = rank_sum - (m * (big_n + 1) / 2)[:, None]
        s = np.sum(wc * dev**2, axis=1)
        return 12 * s / (m**2 * (big_n**3 - big_n) - m * ties)

    import pingouin as pg

    long = pd.DataFrame({"unit": np.repeat(np.arange(n_c), m), "rater": np.tile(np.arange(m), n_c),
                         "y": x.ravel()})
    with np.errstate(divide="ignore", invalid="ignore"):
        res = pg.friedman(long, dv="y", within="unit", subject="rater")
    est = np.array([float(res["W"].iloc[0])])
    note = f"corrigé des ex aequo, sur {n_c} unités notées par les {m} évaluateurs"
    if n_c < rt.n:
        note += f" ({rt.n - n_c} unités incomplètes écartées)"
    note += " ; pingouin"
    return Stat((name,), est, [note], kernel)


def kendall_w(data: pd.DataFrame, *, unit: str, rater: str, value: str,
              scale: str = "ordinal", levels: Sequence | None = None,
              n_boot: int = 1000, seed=0, confidence: float = 0.95) -> pd.DataFrame:
    """Kendall's coefficient of concordance W, corrected for ties.

    Each rater ranks the units; computed by ``pingouin.friedman`` on the units
    rated by every rater (W requires complete rankings; other units are left
    out and the note says how many).

    Parameters
    ----------
    data, unit, rater, value, scale, levels, n_boot, seed, confidence
        See :func:`percent_agreement`.

    Returns
    -------
    pandas.DataFrame
        One row ``kendall_w``.

    References
    ----------
    Kendall, M. G., & Babington Smith, B. (1939). The problem of m rankings.
    Annals of Mathematical Statistics, 10, 275-287.

    Examples
    --------
    >>> import pandas as pd
    >>> from socinnov.analysis.agreement import kendall_w
    >>> df = pd.DataFrame({"u": [1, 2, 3] * 2, "r": ["a"] * 3 + ["b"] * 3,
    ...                    "v": [1, 2, 3, 1, 2, 3]})
    >>> kendall_w(df, unit="u", rater="r", value="v", n_boot=0)["estimate"].item()
    1.0
    """
    rt = prepare(data, unit, rater, value, scale, levels)
    return evaluate([stat_kendall(rt)], rt, n_boot, seed, confidence)
