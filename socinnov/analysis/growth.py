"""REML fit of a linear mixed model with per-experiment random effects, vectorised over experiments.

The follow-up's change model (``socinnov.analysis.change.change_model``) is
``score ~ years (+ source)`` with a random intercept and slope per experiment. statsmodels'
``MixedLM`` fits it, but evaluates the likelihood and its gradient in a Python loop over the
experiments: with 1 400 funded experiments, each of the fifteen fits of the « Évolution » report
took 5 to 30 s. No library of the kit's lock fits this model otherwise (no lme4, no glmmTMB), so
this module writes the same REML criterion with every experiment's terms computed at once by
numpy. ``change`` uses it from ``VECTORISED_FROM`` experiments on and keeps statsmodels below
(the demo's results are statsmodels' to the last digit); ``tests/test_followup.py`` checks that
both agree, and this fit against lme4's published estimates.

The model, for experiment ``g`` with ``n_g`` observations::

    y_g = X_g b + Z_g u_g + e_g,   u_g ~ N(0, s2 * L L'),   e_g ~ N(0, s2 * I)

The profiled REML criterion (Bates et al. 2015, section 3) is minimised over the lower
triangular ``L`` (non-negative diagonal, as lme4 does). With ``A_g = I + L' Z_g' Z_g L``
and the Woodbury identity, ``V_g^-1 = I - Z_g L A_g^-1 L' Z_g'`` and ``log|V_g| = log|A_g|``, so
each experiment contributes through its cross-products ``Z'Z, Z'X, Z'y`` only: the criterion is a
few batched ``q x q`` solves (``q`` = 1 or 2), whatever the number of experiments.

The standard errors of the fixed effects are ``sqrt(diag(s2 (X' V^-1 X)^-1))``, lme4's ``vcov``.

References
----------
Bates, D., Mächler, M., Bolker, B. & Walker, S. (2015). Fitting linear mixed-effects models using
lme4. Journal of Statistical Software, 67(1), 1-48. doi:10.18637/jss.v067.i01
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, stats

__all__ = ["GrowthFit", "fit_reml"]


@dataclass(frozen=True)
class GrowthFit:
    fe_params: pd.Series
    bse_fe: pd.Series
    pvalues: pd.Series
    cov_re: np.ndarray  # covariance of the random effects (not relative to the scale)
    scale: float
    loglike: float  # REML log-likelihood at the optimum, lme4's ``logLik``
    converged: bool


def _group_sums(values: np.ndarray, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """Column sums of ``values`` (n, k) per group: (n_groups, k)."""
    return np.stack([np.bincount(codes, weights=values[:, j], minlength=n_groups)
                     for j in range(values.shape[1])], axis=1)


def fit_reml(y: np.ndarray, exog: pd.DataFrame, exog_re: pd.DataFrame, groups: np.ndarray) -> GrowthFit:
    """REML estimates of ``y = exog b + exog_re u_g + e`` with ``u_g`` per group (see the module).

    Parameters
    ----------
    y : responses (n,).
    exog : fixed-effects design (n, p), named columns.
    exog_re : random-effects design (n, q), q = 1 or 2.
    groups : group of each row (n,).
    """
    y = np.asarray(y, dtype=float)
    X = exog.to_numpy(dtype=float)
    Z = exog_re.to_numpy(dtype=float)
    n, p = X.shape
    q = Z.shape[1]
    codes, _ = pd.factorize(np.asarray(groups))
    G = int(codes.max()) + 1
    ZtZ = _group_sums((Z[:, :, None] * Z[:, None, :]).reshape(n, q * q), codes, G).reshape(G, q, q)
    ZtX = _group_sums((Z[:, :, None] * X[:, None, :]).reshape(n, q * p), codes, G).reshape(G, q, p)
    Zty = _group_sums(Z * y[:, None], codes, G)
    XtX, Xty, yty = X.T @ X, X.T @ y, float(y @ y)
    rows, cols = np.tril_indices(q)
    dof = n - p

    def solve_at(theta: np.ndarray):
        L = np.zeros((q, q))
        L[rows, cols] = theta
        A = np.eye(q) + L.T @ ZtZ @ L  # (G, q, q)
        B = L.T @ ZtX  # L' Z'X, (G, q, p)
        C = Zty @ L  # L' Z'y, (G, q)
        AiBC = np.linalg.solve(A, np.concatenate([B, C[:, :, None]], axis=2))  # (G, q, p + 1)
        AiB, AiC = AiBC[:, :, :p], AiBC[:, :, p]
        xvx = XtX - np.tensordot(B, AiB, axes=([0, 1], [0, 1]))
        xvy = Xty - np.tensordot(B, AiC, axes=([0, 1], [0, 1]))
        yvy = yty - float(np.sum(C * AiC))
        return L, A, xvx, xvy, yvy

    def criterion(theta: np.ndarray) -> float:
        _, A, xvx, xvy, yvy = solve_at(theta)
        beta = np.linalg.solve(xvx, xvy)
        r = yvy - beta @ xvy
        sign_a, logdet_a = np.linalg.slogdet(A)
        sign_x, logdet_x = np.linalg.slogdet(xvx)
        if r <= 0 or np.any(sign_a <= 0) or sign_x <= 0:
            return np.inf
        return dof * np.log(r) + float(logdet_a.sum()) + logdet_x

    start = np.eye(q)[rows, cols]
    bounds = [(0.0, None) if i == j else (None, None) for i, j in zip(rows, cols)]
    # L-BFGS-B (finite-difference gradient) gets close quickly but stops where the criterion is
    # flat; Nelder-Mead, lme4's optimiser, then finishes: on lme4's dietox example this reaches
    # lme4's estimates to 1e-6, L-BFGS-B alone only to 1e-3.
    first = optimize.minimize(criterion, start, method="L-BFGS-B", bounds=bounds)
    res = optimize.minimize(criterion, first.x, method="Nelder-Mead", bounds=bounds,
                            options={"xatol": 1e-8, "fatol": 1e-9, "maxiter": 2000})
    L, _, xvx, xvy, yvy = solve_at(res.x)
    beta = np.linalg.solve(xvx, xvy)
    scale = (yvy - beta @ xvy) / dof
    # -2 logLik = criterion + (n - p) (1 + log(2 pi / (n - p))): Bates et al. (2015), eq. 42
    loglike = -0.5 * (res.fun + dof * (1.0 + np.log(2.0 * np.pi / dof)))
    cov = scale * np.linalg.inv(xvx)
    se = np.sqrt(np.diag(cov))
    names = list(exog.columns)
    z = beta / se
    return GrowthFit(fe_params=pd.Series(beta, index=names), bse_fe=pd.Series(se, index=names),
                     pvalues=pd.Series(2 * stats.norm.sf(np.abs(z)), index=names),
                     cov_re=scale * (L @ L.T), scale=float(scale), loglike=float(loglike),
                     converged=bool(res.success))
