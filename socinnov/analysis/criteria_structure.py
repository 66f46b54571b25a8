"""Does the grid's grouping of its criteria hold in the data? Factor structure and correlations.

Horn's parallel analysis (by hand: it is a loop over random correlation matrices), an exploratory
factor analysis (``statsmodels.multivariate.factor.Factor``, principal axis, oblimin rotation)
matched to the grouping, and the within- vs between-group rank correlations with a permutation
test on the grouping.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize

from socinnov.analysis.criteria import criterion_labels, groups_of, rank_correlations
from socinnov.call.grids import Grid

__all__ = ["StructureCheck", "factor_structure", "parallel_analysis", "within_between"]


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
    # statsmodels takes seconds to import: loaded here, where the factor analysis runs.
    from statsmodels.multivariate.factor import Factor

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
    labels = criterion_labels(grid)
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
