"""Juror effects: who rates harder, dossier scores adjusted for who rated them, and what changes.

Model (one row per dossier and juror, the mean level over the criteria of the grid):

    score[d, j] = mu + severity[j] + dossier[d] + e[d, j],   dossier[d] ~ N(0, s2_d), e ~ N(0, s2_e)

the linear mixed model statsmodels' ``MixedLM`` fits with dossiers as groups and REML, computed here
in closed form (``fit_random_intercept``: the same estimates and standard errors, checked against
``MixedLM`` in ``tests/test_jurors.py``, in well under a second where ``MixedLM`` takes a minute for
10 000 dossiers). Jurors are *fixed* effects coded
sum-to-zero, so that each juror's severity reads as "levels above (+) or below (-) the average
juror" with its own standard error: with 5 to 15 jurors there are too few to estimate a
juror variance well, and the committee wants each juror's own estimate, not one shrunk toward
the mean. Dossiers are random effects, crossed with jurors through the rating design.

The estimates mean something only if the design links every dossier to every other through
shared jurors (``design_components``): otherwise a dossier's score and its jurors' severity
cannot be told apart, and ``juror_effects`` warns.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.csgraph import connected_components
from scipy.stats import norm

__all__ = ["DisconnectedDesignWarning", "JurorEffects", "decision_changes", "design_components", "juror_effects"]


class DisconnectedDesignWarning(UserWarning):
    """The rating design splits into separate groups of jurors and dossiers."""


def design_components(data: pd.DataFrame, *, unit: str = "dossier_id", rater: str = "juror_id") -> pd.Series:
    """Connected component of each unit in the bipartite unit-rater graph (0, 1, …).

    One component means every dossier is linked to every other through chains of shared jurors.
    """
    pairs = data[[unit, rater]].dropna().drop_duplicates()
    u_codes, u_index = pd.factorize(pairs[unit])
    r_codes, _ = pd.factorize(pairs[rater])
    n_u, n_r = len(u_index), int(r_codes.max()) + 1 if len(r_codes) else 0
    graph = sparse.coo_matrix((np.ones(len(pairs)), (u_codes, n_u + r_codes)), shape=(n_u + n_r, n_u + n_r))
    _, labels = connected_components(graph, directed=False)
    return pd.Series(labels[:n_u], index=u_index, name="component")


@dataclass
class JurorEffects:
    severity: pd.DataFrame  # juror_id, effect, se, ci_low, ci_high, n_dossiers
    adjusted: pd.DataFrame  # dossier_id, raw_score, adjusted_score, n_jurors
    dossier_variance: float
    residual_variance: float
    n_components: int


def _dossier_juror_means(ratings: pd.DataFrame) -> pd.DataFrame:
    r = ratings.dropna(subset=["level_code"])
    return (r.assign(level_code=r["level_code"].astype(float))
            .groupby(["dossier_id", "juror_id"], as_index=False)["level_code"].mean()
            .rename(columns={"level_code": "score"}))


def juror_effects(ratings: pd.DataFrame, *, confidence: float = 0.95) -> JurorEffects:
    """Fit the model above on one grid's ratings of one round (``dossier_id, juror_id, level_code``)."""
    dj = _dossier_juror_means(ratings)
    components = design_components(dj)
    n_comp = int(components.nunique())
    if n_comp > 1:
        warnings.warn(
            f"le plan de notation se divise en {n_comp} groupes de jurés et de dossiers sans juré commun : "
            "la sévérité des jurés et les scores ajustés ne sont pas comparables d'un groupe à l'autre",
            DisconnectedDesignWarning, stacklevel=2)
    jurors = sorted(dj["juror_id"].unique())
    dj["juror_id"] = pd.Categorical(dj["juror_id"], categories=jurors)
    fit = fit_random_intercept(dj["score"].to_numpy(dtype=float), dj["juror_id"].cat.codes.to_numpy(),
                                pd.factorize(dj["dossier_id"])[0], len(jurors))
    # Sum coding: coefficients for all jurors but the last; the last is minus their sum.
    k = len(jurors) - 1
    contrast = np.vstack([np.eye(k), -np.ones((1, k))])
    beta = fit.fe_params[1:]
    cov = fit.fe_cov[1:, 1:]
    effect = contrast @ beta
    se = np.sqrt(np.einsum("ij,jk,ik->i", contrast, cov, contrast))
    z = norm.ppf(0.5 + confidence / 2)
    counts = dj.groupby("juror_id", observed=True)["dossier_id"].nunique()
    severity = pd.DataFrame({"juror_id": jurors, "effect": effect, "se": se, "ci_low": effect - z * se,
                             "ci_high": effect + z * se, "n_dossiers": counts.reindex(jurors).to_numpy()})
    effect_of = dict(zip(jurors, effect))
    dj["adjusted"] = dj["score"] - dj["juror_id"].map(effect_of).astype(float)
    adjusted = (dj.groupby("dossier_id", as_index=False)
                .agg(raw_score=("score", "mean"), adjusted_score=("adjusted", "mean"), n_jurors=("juror_id", "size")))
    return JurorEffects(severity=severity, adjusted=adjusted, dossier_variance=fit.group_variance,
                        residual_variance=fit.scale, n_components=n_comp)


@dataclass
class RandomInterceptFit:
    fe_params: np.ndarray  # intercept, then the sum-coded juror coefficients
    fe_cov: np.ndarray
    group_variance: float
    scale: float


def fit_random_intercept(y: np.ndarray, juror: np.ndarray, group: np.ndarray, n_jurors: int) -> RandomInterceptFit:
    """REML fit of the random-intercept model ``y = X b + u[group] + e`` (X: intercept and
    sum-coded jurors; ``u ~ N(0, s2 gamma)``, ``e ~ N(0, s2)``): what statsmodels'
    ``MixedLM(y, X, groups).fit(reml=True)`` returns, computed in closed form.

    Hand-written for speed only; ``tests/test_jurors.py`` checks it against ``MixedLM`` on the
    same data (fixed effects, their standard errors, both variances).

    With one random intercept per group, ``V_g = s2 (I + gamma J)`` and ``V_g^-1`` is known in
    closed form, so every quantity of the REML likelihood (profiled over ``s2``) is a sum over
    groups of a few per-group totals: ``X'V^-1 X = X'X - S' diag(c) S`` with ``S`` the groups'
    column sums and ``c_g = gamma / (1 + n_g gamma)``. The likelihood is maximised over
    ``gamma >= 0`` by a bounded scalar search, then the fixed effects' covariance is read from
    the inverse of the same Hessian as statsmodels' (fixed effects, ``gamma`` and their cross
    terms, scale profiled). statsmodels loops over groups in Python at every step, a minute for
    10 000 dossiers; this takes well under a second, and agrees with it to the optimiser's tolerance.
    """
    from scipy.optimize import minimize_scalar

    n = len(y)
    p = n_jurors  # intercept + (n_jurors - 1) sum-coded columns
    x = np.zeros((n, p))
    x[:, 0] = 1.0
    last = juror == n_jurors - 1
    rows = np.flatnonzero(~last)
    x[rows, 1 + juror[rows]] = 1.0
    x[np.ix_(np.flatnonzero(last), np.arange(1, p))] = -1.0
    n_groups = int(group.max()) + 1
    size = np.bincount(group, minlength=n_groups).astype(float)
    s_mat = sparse.csr_matrix((np.ones(n), (group, np.arange(n))), shape=(n_groups, n)) @ x
    y_sum = np.bincount(group, weights=y, minlength=n_groups)
    xtx, xty = x.T @ x, x.T @ y
    fac = n - p

    def pieces(gamma: float):
        c = gamma / (1.0 + size * gamma)
        xtvix = xtx - (s_mat * c[:, None]).T @ s_mat
        xtviy = xty - s_mat.T @ (c * y_sum)
        beta = np.linalg.solve(xtvix, xtviy)
        resid_sum = y_sum - s_mat @ beta
        resid = y - x @ beta
        rvir = resid @ resid - np.sum(c * resid_sum**2)
        return c, xtvix, beta, resid_sum, rvir

    def neg_loglike(log_gamma: float) -> float:
        gamma = np.exp(log_gamma)
        _, xtvix, _, _, rvir = pieces(gamma)
        logdet = np.linalg.slogdet(xtvix)[1]
        return 0.5 * (np.sum(np.log1p(size * gamma)) + fac * np.log(rvir) + logdet)

    # Search gamma on a log scale, then compare with the boundary gamma = 0 (no group variance).
    best = minimize_scalar(neg_loglike, bounds=(-25.0, 10.0), method="bounded", options={"xatol": 1e-10})
    _, xtvix0, _, _, rvir0 = pieces(0.0)
    at_zero = 0.5 * (fac * np.log(rvir0) + np.linalg.slogdet(xtvix0)[1])
    gamma = float(np.exp(best.x)) if best.fun <= at_zero else 0.0
    _, xtvix, beta, resid_sum, rvir = pieces(gamma)
    scale = rvir / fac
    # The Hessian of statsmodels' MixedLM.hessian for one random intercept (unscaled gamma).
    inv1 = 1.0 / (1.0 + size * gamma)
    a = size * inv1  # 1' V_g^-1 1 (unscaled)
    s_v = s_mat * inv1[:, None]  # X_g' V_g^-1 1
    r_v = resid_sum * inv1  # 1' V_g^-1 r_g
    hess_fe = -fac * xtvix / rvir
    hess_fere = -fac * (s_v.T @ r_v) / rvir
    b_term = np.sum(r_v**2)
    d_term = np.sum(2.0 * r_v**2 * a)
    hess_re = np.sum(a**2) / 2.0 - 0.5 * fac * (d_term / rvir - b_term**2 / rvir**2)
    xtax = s_v.T @ s_v
    f_term = 2.0 * (s_v * a[:, None]).T @ s_v
    ql = np.linalg.solve(xtvix, xtax)
    hess_re += 0.5 * (np.sum(ql.T * ql) - np.trace(np.linalg.solve(xtvix, f_term)))
    hess = np.zeros((p + 1, p + 1))
    hess[:p, :p] = hess_fe
    hess[:p, p] = hess_fere
    hess[p, :p] = hess_fere
    hess[p, p] = hess_re
    pcov = np.linalg.inv(-hess)
    return RandomInterceptFit(fe_params=beta, fe_cov=pcov[:p, :p], group_variance=float(gamma * scale),
                               scale=float(scale))


def _selection_status(score: pd.Series, n_selected: int) -> tuple[pd.Series, pd.Series]:
    """Rank (ties share the best place, ``method="min"``) and status: ``"in"``, ``"out"`` or ``"tie"``.

    A dossier is ``"tie"`` when it shares its score with others across the cut-off: the places
    its group occupies straddle ``n_selected``, so the scores alone cannot say which of them is
    selected. Neither status depends on the order of the rows.
    """
    best = score.rank(ascending=False, method="min")
    worst = score.rank(ascending=False, method="max")
    status = np.where(worst <= n_selected, "in", np.where(best > n_selected, "out", "tie"))
    return best.astype(int), pd.Series(status, index=score.index)


def decision_changes(adjusted: pd.DataFrame, *, n_selected: int) -> pd.DataFrame:
    """Dossiers whose place in the top ``n_selected`` changes when scores are adjusted for jurors.

    As Tesio et al. (2015) did for grant referees: rank by raw then by adjusted score, keep the
    ``n_selected`` best in each ranking, and list the dossiers that are in one selection only.
    Equal scores share a rank (the best of their places, ``method="min"``), so the result does not
    depend on the order of the rows. Dossiers tied across the cut-off in either ranking (the
    places of their group straddle ``n_selected``) are reported as ties, never assigned to one side
    by row order.

    Returns
    -------
    DataFrame ``dossier_id, raw_rank, adjusted_rank, change``, where ``change`` is ``"entre"`` (in
    the adjusted selection only), ``"sort"`` (in the raw selection only) or ``"ex aequo au seuil"``
    (tied at the cut-off in one ranking and not in the same position in the other), sorted by
    adjusted rank then dossier.

    References
    ----------
    Tesio, L., Simone, A., Grzeda, M. T., Ponzio, M., Dati, G., Zaratin, P., Perucca, L. & Battaglia,
    M. A. (2015). Funding medical research projects: taking into account referees' severity and
    consistency through many-faceted Rasch modeling of projects' scores. Journal of Applied
    Measurement, 16(2), 129-152.
    """
    d = adjusted.reset_index(drop=True)
    raw_rank, raw_status = _selection_status(d["raw_score"], n_selected)
    adj_rank, adj_status = _selection_status(d["adjusted_score"], n_selected)
    changed = raw_status != adj_status
    change = np.where((raw_status == "out") & (adj_status == "in"), "entre",
                      np.where((raw_status == "in") & (adj_status == "out"), "sort", "ex aequo au seuil"))
    out = pd.DataFrame({"dossier_id": d["dossier_id"], "raw_rank": raw_rank, "adjusted_rank": adj_rank,
                        "change": change})[changed.to_numpy()]
    return out.sort_values(["adjusted_rank", "dossier_id"], ignore_index=True)
