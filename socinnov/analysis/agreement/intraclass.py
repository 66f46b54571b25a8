"""Intraclass correlations ICC(1,1), ICC(2,1), ICC(3,1) and their k-rater forms.

Complete designs: ``pingouin.intraclass_corr`` (exact F intervals). Incomplete designs: variance
components by Henderson's method III, hand-written (no library has an ANOVA estimator for
unbalanced crossed designs), with a unit-bootstrap interval.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import sparse

from socinnov.analysis.agreement.bootstrap import Stat, evaluate, lazy, nan_stat
from socinnov.analysis.agreement.ratings import Ratings, prepare, row_pairs, scale_rows, wdot

__all__ = [
    "ICC_NAMES",
    "icc",
    "stat_icc",
]

ICC_NAMES = ("icc1", "icc2", "icc3", "icc1k", "icc2k", "icc3k")
_ICC_LABELS = ("ICC(1,1)", "ICC(2,1)", "ICC(3,1)", "ICC(1,k)", "ICC(2,k)", "ICC(3,k)")


def _pinv_quadratic(c_mat: np.ndarray, v: np.ndarray, present: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``v' pinv(C) v`` and ``rank(C)`` for a stack of reduced normal matrices ``C`` (b x m x m),
    as ``np.linalg.pinv`` and ``np.linalg.matrix_rank`` (hermitian) give them. ``c_mat`` is
    overwritten.

    ``C`` is the Laplacian of the raters' graph (raters linked by the units they share, weights
    w_u / n_u). When that graph is connected over the ``present`` raters, its null space is their
    constant vector, to which ``v`` is orthogonal, so ``A = C + 11'/m_eff`` (+ 1 on absent raters)
    is positive definite and ``v' pinv(C) v = v' A^-1 v``, rank ``m_eff - 1``: one batched
    Cholesky factorisation instead of an eigendecomposition and a rank per replicate (the cost of
    the ICC bootstrap with dozens of raters). Connected graphs have pivots bounded well away from
    zero (algebraic connectivity >= 4 w_min / (n_max m^2)); a disconnected one has a vanishing
    pivot: those replicates, and any whose smallest pivot is not clearly positive, take the
    eigendecomposition as before.
    """
    from scipy.linalg import solve_triangular

    b, m, _ = c_mat.shape
    p = present.astype(float)
    m_eff = np.maximum(p.sum(axis=1), 1.0)
    outer = p[:, :, None] * (p / m_eff[:, None])[:, None, :]
    a = c_mat
    a += outer
    diag = np.arange(m)
    a[:, diag, diag] += 1.0 - p
    quad = np.full(b, np.nan)
    rank = np.full(b, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        try:
            chol = np.linalg.cholesky(a)
            ok = np.ones(b, dtype=bool)
        except np.linalg.LinAlgError:
            chol = np.zeros_like(a)
            ok = np.zeros(b, dtype=bool)
            for i in range(b):
                try:
                    chol[i] = np.linalg.cholesky(a[i])
                    ok[i] = True
                except np.linalg.LinAlgError:
                    pass
        pivots = np.einsum("bii->bi", chol) ** 2
        scale = np.abs(np.einsum("bii->bi", a)).max(axis=1)
        fast = ok & np.all(np.isfinite(pivots), axis=1) & (pivots.min(axis=1) > 1e-9 * scale)
    if fast.all():
        z = solve_triangular(chol, v[:, :, None], lower=True)[:, :, 0]
        return np.sum(z * z, axis=1) - v.sum(axis=1) ** 2 / m_eff, p.sum(axis=1) - 1
    if fast.any():
        z = solve_triangular(chol[fast], v[fast][:, :, None], lower=True)[:, :, 0]
        quad[fast] = np.sum(z * z, axis=1) - v[fast].sum(axis=1) ** 2 / m_eff[fast]
        rank[fast] = p[fast].sum(axis=1) - 1
    slow = ~fast
    c_slow = a[slow] - outer[slow]
    c_slow[:, diag, diag] -= 1.0 - p[slow]
    quad[slow] = np.einsum("bi,bij,bj->b", v[slow], np.linalg.pinv(c_slow, hermitian=True), v[slow])
    rank[slow] = np.linalg.matrix_rank(c_slow, hermitian=True)
    return quad, rank


def _icc_kernel(rt: Ratings):
    """Variance-components ICCs for (possibly) incomplete designs, with unit weights.

    Hand-written: pingouin and statsmodels offer no ANOVA estimator for unbalanced
    crossed designs (statsmodels' MixedLM would fit crossed REML far more slowly and
    is not the Shrout-Fleiss estimator). Henderson's method III (fitting constants):
    sigma2_e from the additive two-way fit, sigma2_r from R(raters | units), sigma2_u
    from R(units | raters); one-way ANOVA with Searle's n0 for ICC(1,1). On a complete
    design these reduce exactly to Shrout & Fleiss (1979).
    """
    n, m = rt.n, rt.m
    y = rt.y()
    n_i = rt.per_unit.astype(float)
    s_i = np.bincount(rt.unit_idx, weights=y, minlength=n)
    qq_i = np.bincount(rt.unit_idx, weights=y * y, minlength=n)
    inc = sparse.csr_matrix((np.ones(len(y)), (rt.unit_idx, rt.rater_idx)), shape=(n, m))
    ymat = sparse.csr_matrix((y, (rt.unit_idx, rt.rater_idx)), shape=(n, m))
    row, ja, jb, _, _ = row_pairs(inc, self_pairs=True)
    # The reduced normal matrix is symmetric: its upper triangle (pairs ja <= jb) suffices.
    upper = ja <= jb
    pairs, pair_idx = np.unique(ja[upper] * m + jb[upper], return_inverse=True)
    cross = sparse.csr_matrix((1.0 / n_i[row[upper]], (row[upper], pair_idx)), shape=(n, len(pairs)))
    pair_a, pair_b = np.divmod(pairs, m)
    gmat = scale_rows(inc, s_i / n_i)
    dense = np.column_stack([np.ones(n), n_i, s_i, qq_i, s_i**2 / n_i, n_i**2, 1.0 / n_i])

    def kernel(w):
        b = len(w)
        w_units, n_tot, s_tot, syy, r_u, sum_n2, inv_n = (w @ dense).T
        n_j = wdot(w, inc)
        y_j = wdot(w, ymat)
        cu = wdot(w, cross)
        c_mat = np.zeros((b, m, m))
        c_mat[:, pair_a, pair_b] = -cu
        c_mat[:, pair_b, pair_a] = -cu
        c_mat[:, np.arange(m), np.arange(m)] += n_j
        qv = y_j - wdot(w, gmat)
        r_r = np.sum(np.divide(y_j**2, n_j, out=np.zeros_like(y_j), where=n_j > 0), axis=1)
        r_r_u, rank = _pinv_quadratic(c_mat, qv, n_j > 0)
        m_eff = (n_j > 0).sum(axis=1).astype(float)
        n_comp = m_eff - rank
        # two-way additive model (Henderson III)
        se2 = (syy - r_u - r_r_u) / (n_tot - w_units - rank)
        r_u_r = r_u + r_r_u - r_r
        su2 = (r_u_r - (w_units - n_comp) * se2) / (n_tot - m_eff)
        sr2 = (r_r_u - rank * se2) / (n_tot - w_units)
        # one-way model (ANOVA estimator, Searle's n0)
        msw = (syy - r_u) / (n_tot - w_units)
        msb = (r_u - s_tot**2 / n_tot) / (w_units - 1)
        n0 = (n_tot - sum_n2 / n_tot) / (w_units - 1)
        su1 = (msb - msw) / n0
        k_h = w_units / inv_n  # harmonic mean of ratings per unit
        return np.column_stack([
            su1 / (su1 + msw),
            su2 / (su2 + sr2 + se2),
            su2 / (su2 + se2),
            su1 / (su1 + msw / k_h),
            su2 / (su2 + (sr2 + se2) / k_h),
            su2 / (su2 + se2 / k_h),
        ])

    return kernel


def stat_icc(rt: Ratings, confidence: float) -> Stat:
    if rt.scale == "nominal":
        return nan_stat(ICC_NAMES, "sans objet sur une échelle nominale (l'ICC suppose des "
                                     "valeurs numériques)")
    if not np.any(rt.per_unit >= 2):
        return nan_stat(ICC_NAMES, "aucune unité n'est notée par au moins deux évaluateurs")
    values_note = f" (codes 0 à {rt.q - 1} des niveaux)" if rt.labelled else ""
    kernel = lazy(lambda: _icc_kernel(rt))  # a complete design's estimate and CI need no kernel
    if rt.complete:
        import pingouin as pg

        n, m = rt.n, rt.m
        mat = np.empty((n, m))
        mat[rt.unit_idx, rt.rater_idx] = rt.y()
        if n < 2:
            return nan_stat(ICC_NAMES, "il faut au moins deux unités")
        long = pd.DataFrame({"unit": np.repeat(np.arange(n), m), "rater": np.tile(np.arange(m), n),
                             "y": mat.ravel()})
        saved = dict(pg.options)
        pg.options.pop("round.column.CI95", None)  # pingouin rounds intervals to 2 decimals
        source = "pingouin"
        try:
            with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
                # pingouin 0.7 calls DataFrame.dropna(inplace=True), deprecated in pandas 3.1
                warnings.filterwarnings("ignore", message=".*inplace keyword.*")
                res = pg.intraclass_corr(long, targets="unit", raters="rater", ratings="y")
            est = res["ICC"].to_numpy(dtype=float)
            ci = (np.vstack(res["CI95"].to_numpy()).astype(float)
                  if abs(confidence - 0.95) < 1e-12 else None)
        except AssertionError:  # pingouin refuses fewer than 5 ratings
            with np.errstate(divide="ignore", invalid="ignore"):
                est = kernel(np.ones((1, n)))[0]
            ci, source = None, "moins de 5 notes"
        finally:
            pg.options.clear()
            pg.options.update(saved)
        if ci is None:
            with np.errstate(divide="ignore", invalid="ignore"):
                ci = _icc_exact_ci(mat, est, confidence)
        notes = [f"{lab} de Shrout et Fleiss (1979), plan complet ({n} unités x {m} "
                 f"évaluateurs){values_note} ; {source}" for lab in _ICC_LABELS]
        pct = f"{confidence * 100:g}".replace(".", ",")
        return Stat(ICC_NAMES, est, notes, kernel, ci=ci,
                     ci_note=f"IC {pct} % exact (loi F, Shrout et Fleiss 1979 ; McGraw et Wong 1996)")
    if rt.n < 2:
        return nan_stat(ICC_NAMES, "il faut au moins deux unités")
    with np.errstate(divide="ignore", invalid="ignore"):
        est = kernel(np.ones((1, rt.n)))[0]
    k_h = rt.n / np.sum(1.0 / rt.per_unit)
    k_txt = f"{k_h:.2f}".replace(".", ",")
    notes = [f"plan incomplet : {lab} estimé par composantes de variance (Henderson III"
             f"{', ANOVA à un facteur' if i in (0, 3) else ''})"
             f"{'' if i < 3 else f', k = moyenne harmonique {k_txt} évaluations par unité'}"
             f"{values_note}" for i, lab in enumerate(_ICC_LABELS)]
    return Stat(ICC_NAMES, est, notes, kernel)


def _icc_exact_ci(mat: np.ndarray, est: np.ndarray, confidence: float) -> np.ndarray:
    """Shrout & Fleiss (1979) / McGraw & Wong (1996) F intervals at any confidence level.

    Same formulas as pingouin.intraclass_corr, which only offers 95 %.
    """
    from scipy.stats import f

    n, k = mat.shape
    grand = mat.mean()
    ss_r = k * np.sum((mat.mean(1) - grand) ** 2)
    ss_c = n * np.sum((mat.mean(0) - grand) ** 2)
    ss_e = np.sum((mat - grand) ** 2) - ss_r - ss_c
    msb, msj = ss_r / (n - 1), ss_c / (k - 1)
    mse = ss_e / ((n - 1) * (k - 1))
    msw = (ss_c + ss_e) / (n * (k - 1))
    a = 1 - confidence
    icc2 = est[1]
    f1, df1, df1kd, df2kd = msb / msw, n - 1, n * (k - 1), (n - 1) * (k - 1)
    f1l, f1u = f1 / f.ppf(1 - a / 2, df1, df1kd), f1 * f.ppf(1 - a / 2, df1kd, df1)
    f3 = msb / mse
    f3l, f3u = f3 / f.ppf(1 - a / 2, df1, df2kd), f3 * f.ppf(1 - a / 2, df2kd, df1)
    fj = msj / mse
    vn = df2kd * (k * icc2 * fj + n * (1 + (k - 1) * icc2) - k * icc2) ** 2
    vd = df1 * k**2 * icc2**2 * fj**2 + (n * (1 + (k - 1) * icc2) - k * icc2) ** 2
    v = vn / vd
    f2u, f2l = f.ppf(1 - a / 2, n - 1, v), f.ppf(1 - a / 2, v, n - 1)
    l2 = n * (msb - f2u * mse) / (f2u * (k * msj + (k * n - k - n) * mse) + n * msb)
    u2 = n * (f2l * msb - mse) / (k * msj + (k * n - k - n) * mse + n * f2l * msb)
    return np.array([
        [(f1l - 1) / (f1l + k - 1), (f1u - 1) / (f1u + k - 1)],
        [l2, u2],
        [(f3l - 1) / (f3l + k - 1), (f3u - 1) / (f3u + k - 1)],
        [1 - 1 / f1l, 1 - 1 / f1u],
        [l2 * k / (1 + l2 * (k - 1)), u2 * k / (1 + u2 * (k - 1))],
        [1 - 1 / f3l, 1 - 1 / f3u],
    ])


def icc(data: pd.DataFrame, *, unit: str, rater: str, value: str,
        scale: str = "interval", levels: Sequence | None = None,
        n_boot: int = 1000, seed=0, confidence: float = 0.95) -> pd.DataFrame:
    """Intraclass correlations ICC(1,1), ICC(2,1), ICC(3,1) and their k-rater forms.

    On a complete design (every rater rates every unit) the estimates and
    their exact F-based intervals are those of Shrout & Fleiss (1979),
    computed by ``pingouin.intraclass_corr``. On an incomplete design the
    variance components are estimated by Henderson's method III (two-way
    additive model; one-way ANOVA with Searle's n0 for ICC(1,1)), which
    reduces to Shrout & Fleiss on complete data; the k-rater forms use the
    harmonic mean of the number of ratings per unit, and the interval is a
    unit bootstrap. Text levels are scored 0..q-1.

    Parameters
    ----------
    data, unit, rater, value, scale, levels, n_boot, seed, confidence
        See :func:`percent_agreement`.

    Returns
    -------
    pandas.DataFrame
        Six rows ``icc1, icc2, icc3, icc1k, icc2k, icc3k``.

    References
    ----------
    Shrout, P. E., & Fleiss, J. L. (1979). Intraclass correlations: uses in
    assessing rater reliability. Psychological Bulletin, 86, 420-428.
    McGraw, K. O., & Wong, S. P. (1996). Forming inferences about some intraclass
    correlation coefficients. Psychological Methods, 1, 30-46.
    Searle, S. R., Casella, G., & McCulloch, C. E. (1992). *Variance Components*. Wiley.

    Examples
    --------
    >>> import pandas as pd
    >>> from socinnov.analysis.agreement import icc
    >>> df = pd.DataFrame({"u": [1, 1, 2, 2, 3, 3], "r": ["a", "b"] * 3,
    ...                    "v": [1, 2, 3, 3, 5, 6]})
    >>> icc(df, unit="u", rater="r", value="v")["statistic"].tolist()
    ['icc1', 'icc2', 'icc3', 'icc1k', 'icc2k', 'icc3k']
    """
    rt = prepare(data, unit, rater, value, scale, levels)
    return evaluate([stat_icc(rt, confidence)], rt, n_boot, seed, confidence)
