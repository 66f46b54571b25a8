"""The four levels as ordinal: a cumulative-logit facets model with juror severity on the logit scale.

Model (one row per rating; levels coded 0..K-1, Inexistant .. Fort):

    logit P(level <= k) = tau_k - (theta[dossier] - severity[juror] - difficulty[criterion])

the proportional-odds (cumulative link) form of a many-facet model: ``theta`` is the dossier's
measure, ``severity`` the juror's (positive = rates lower than the average juror), ``difficulty``
the criterion's (positive = harder to rate high), all in logits, each facet summing to zero;
the thresholds ``tau`` place the four levels on the same scale. Linacre's FACETS fits the
adjacent-category (Rasch rating scale) form of the same facets; both read a juror's severity as
a shift of all his ratings on the logit scale, where the linear model of
``socinnov.analysis.juror_effects`` reads it in levels, as if the steps between levels were equal.

Estimation: joint maximum likelihood with every facet fixed, as FACETS does, by Newton-Raphson
on the exact gradient and Hessian (the log-likelihood is concave in ``tau`` and the effects).
statsmodels' ``OrderedModel`` fits the same likelihood, but it differentiates numerically: more
than ten minutes for a cohort of 100 dossiers (one parameter per dossier), against a second here
(sparse design, dense Hessian: fine for a regional cohort of a few hundred dossiers, not for
10 000, where the Hessian's block structure would have to be used). Dossiers, jurors or criteria whose ratings are all at the lowest
or the highest level observed have an infinite measure: they are set aside (``extreme``) and the
model is fitted on the others, as FACETS reports "extreme" elements. Levels no juror used are
left out of the thresholds (the next threshold spans them).

Fit statistics, per juror, dossier and criterion (Wright & Masters 1982): with ``E`` and ``W``
the model's expected level and its variance for each rating, ``outfit = mean((y - E)^2 / W)`` and
``infit = sum((y - E)^2) / sum(W)``. Both are near 1 when the ratings behave as the model
expects; above about 1.3, ratings are more erratic than the model (a juror whose levels do not
follow the dossiers); below about 0.7, too predictable (a juror who gives the same level to
everything, or a halo).

References
----------
Linacre, J. M. (1989). *Many-Facet Rasch Measurement*. Chicago: MESA Press.
Wright, B. D. & Masters, G. N. (1982). *Rating Scale Analysis*. Chicago: MESA Press (fit mean squares).
McCullagh, P. (1980). Regression models for ordinal data. *Journal of the Royal Statistical Society B*, 42, 109-142.
Agresti, A. (2010). *Analysis of Ordinal Categorical Data*, 2nd ed., ch. 3. Hoboken: Wiley.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.special import expit

from socinnov.analysis.juror_effects import DisconnectedDesignWarning, design_components

FACET_COLUMNS = {"dossier": "dossier_id", "juror": "juror_id", "criterion": "criterion"}


@dataclass
class CumulativeFit:
    """Maximum likelihood fit of ``logit P(y <= k) = tau_k - X beta``."""

    thresholds: np.ndarray
    coefficients: np.ndarray
    cov: np.ndarray  # of (thresholds, coefficients)
    loglike: float
    n_iter: int

    @property
    def coefficient_se(self) -> np.ndarray:
        k = len(self.thresholds)
        return np.sqrt(np.diag(self.cov)[k:])


def _derivatives(params: np.ndarray, y: np.ndarray, x: sparse.csr_matrix, n_thr: int, hessian: bool):
    tau, beta = params[:n_thr], params[n_thr:]
    eta = x @ beta
    upper_ok, lower_ok = y < n_thr, y > 0
    a = np.where(upper_ok, tau[np.minimum(y, n_thr - 1)] - eta, np.inf)
    b = np.where(lower_ok, tau[np.maximum(y - 1, 0)] - eta, -np.inf)
    fa_cdf, fb_cdf = expit(a), expit(b)
    p = np.clip(fa_cdf - fb_cdf, 1e-300, None)
    fa, fb = fa_cdf * (1 - fa_cdf), fb_cdf * (1 - fb_cdf)
    loglike = float(np.sum(np.log(p)))
    # d loglike / d a and / d b, then the chain rule: a = tau_upper - eta, b = tau_lower - eta.
    ga, gb = fa / p, -fb / p
    n = len(y)
    rows_u, rows_l = np.flatnonzero(upper_ok), np.flatnonzero(lower_ok)
    eu = sparse.csr_matrix((np.ones(len(rows_u)), (rows_u, y[upper_ok])), shape=(n, n_thr))
    el = sparse.csr_matrix((np.ones(len(rows_l)), (rows_l, y[lower_ok] - 1)), shape=(n, n_thr))
    da = sparse.hstack([eu, -x], format="csr")
    db = sparse.hstack([el, -x], format="csr")
    grad = da.T @ ga + db.T @ gb
    if not hessian:
        return loglike, grad, None
    dfa, dfb = fa * (1 - 2 * fa_cdf), fb * (1 - 2 * fb_cdf)
    haa = dfa / p - ga**2
    hbb = -dfb / p - gb**2
    hab = -ga * gb
    cross = da.T @ sparse.diags(hab) @ db
    hess = (da.T @ sparse.diags(haa) @ da + db.T @ sparse.diags(hbb) @ db + cross + cross.T).toarray()
    return loglike, grad, hess


def cumulative_logit(y: np.ndarray, x: np.ndarray, *, max_iter: int = 100, tol: float = 1e-10) -> CumulativeFit:
    """Proportional-odds model ``logit P(y <= k) = tau_k - x beta`` by Newton-Raphson with step halving.

    Parameters
    ----------
    y : integer categories 0..K-1, each observed at least once.
    x : design matrix without intercept (the thresholds play its part), dense or sparse.

    References
    ----------
    McCullagh, P. (1980). Regression models for ordinal data. *JRSS B*, 42, 109-142.
    """
    y = np.asarray(y, dtype=int)
    x = sparse.csr_matrix(x, dtype=float) if sparse.issparse(x) else sparse.csr_matrix(
        np.asarray(x, dtype=float).reshape(len(y), -1))
    n_cat = int(y.max()) + 1
    n_thr = n_cat - 1
    cum = np.cumsum(np.bincount(y, minlength=n_cat))[:-1] / len(y)
    params = np.concatenate([np.log(cum / (1 - cum)), np.zeros(x.shape[1])])
    loglike, grad, hess = _derivatives(params, y, x, n_thr, True)
    for it in range(1, max_iter + 1):
        step = np.linalg.solve(hess - 1e-10 * np.eye(len(params)), -grad)
        scale = 1.0
        while True:
            trial = params + scale * step
            if np.all(np.diff(trial[:n_thr]) > 0):
                new_ll, new_grad, new_hess = _derivatives(trial, y, x, n_thr, True)
                if new_ll >= loglike - 1e-12:
                    break
            scale /= 2
            if scale < 1e-8:
                raise RuntimeError("cumulative logit: Newton-Raphson stalled")
        converged = abs(new_ll - loglike) < tol and np.max(np.abs(scale * step)) < 1e-7
        params, loglike, grad, hess = trial, new_ll, new_grad, new_hess
        if converged:
            break
    cov = np.linalg.inv(-hess)
    return CumulativeFit(thresholds=params[:n_thr], coefficients=params[n_thr:], cov=cov, loglike=loglike,
                         n_iter=it)


def _sum_coding(codes: np.ndarray, k: int) -> sparse.csr_matrix:
    """Sum-to-zero coding of a facet: element i < k-1 is column i, the last element is -1 everywhere."""
    n = len(codes)
    last = codes == k - 1
    rows_f, rows_l = np.flatnonzero(~last), np.flatnonzero(last)
    rows = np.concatenate([rows_f, np.repeat(rows_l, k - 1)])
    cols = np.concatenate([codes[~last], np.tile(np.arange(k - 1), len(rows_l))])
    vals = np.concatenate([np.ones(len(rows_f)), -np.ones(len(rows_l) * (k - 1))])
    return sparse.csr_matrix((vals, (rows, cols)), shape=(n, max(k - 1, 0)))


def _drop_extremes(r: pd.DataFrame, response: str, columns: dict[str, str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Set aside, repeatedly, the elements whose ratings are all at the lowest or highest level left."""
    extremes = []
    while True:
        lo, hi = r[response].min(), r[response].max()
        found = False
        for facet, column in columns.items():
            g = r.groupby(column, observed=True)[response].agg(["min", "max"])
            top = g.index[g["min"] == hi]
            bottom = g.index[g["max"] == lo]
            for ids, where in ((top, "maximum"), (bottom, "minimum")):
                if len(ids):
                    extremes += [{"facet": facet, "element": e, "extreme": where} for e in ids]
                    r = r[~r[column].isin(ids)]
                    found = True
        if not found or r.empty:
            return r, pd.DataFrame(extremes, columns=["facet", "element", "extreme"])


@dataclass
class RaterModel:
    """Ordinal facets model of one grid's ratings in one round."""

    measures: pd.DataFrame  # facet, element, measure (logits), se, n_ratings, infit, outfit
    thresholds: pd.DataFrame  # between_levels ("0|1"...), tau
    extreme: pd.DataFrame  # facet, element, extreme ("maximum" / "minimum"): set aside
    loglike: float
    n_ratings: int


def rater_model(ratings: pd.DataFrame, *, response: str = "level_code") -> RaterModel:
    """Fit the ordinal facets model (see the module's docstring) on one grid's ratings of one round.

    Returns
    -------
    RaterModel; in ``measures``, a dossier's measure is higher for a better dossier, a juror's and
    a criterion's higher for a more severe juror and a harder criterion (each facet sums to zero).
    """
    for column in ("grid", "grid_version", "round"):
        if column in ratings and ratings[column].nunique() > 1:
            raise ValueError(f"le modèle ordinal porte sur une grille et un tour : la colonne {column} a "
                             f"{ratings[column].nunique()} valeurs")
    columns = {f: c for f, c in FACET_COLUMNS.items() if c in ratings}
    r = ratings.dropna(subset=[response]).sort_values(list(columns.values()), kind="stable")
    r = r.assign(**{response: r[response].astype(int)})
    r, extreme = _drop_extremes(r, response, columns)
    if r.empty or r[response].nunique() < 2:
        raise ValueError("le modèle ordinal demande des notes sur au moins deux niveaux, hors dossiers extrêmes")
    n_comp = int(design_components(r).nunique())
    if n_comp > 1:
        warnings.warn(f"le plan de notation se divise en {n_comp} groupes de jurés et de dossiers sans juré commun",
                      DisconnectedDesignWarning, stacklevel=2)
    levels = np.sort(r[response].unique())
    y = np.searchsorted(levels, r[response].to_numpy())
    blocks, elements = [], {}
    for facet, column in columns.items():
        codes, uniq = pd.factorize(r[column], sort=True)
        elements[facet] = (codes, uniq)
        blocks.append(_sum_coding(codes, len(uniq)))
    x = sparse.hstack(blocks, format="csr")
    fit = cumulative_logit(y, x)
    n_thr = len(fit.thresholds)
    # Expected level and its variance for each rating, for the fit statistics.
    eta = x @ fit.coefficients
    cdf = expit(fit.thresholds[None, :] - eta[:, None])
    probs = np.diff(np.hstack([np.zeros((len(y), 1)), cdf, np.ones((len(y), 1))]), axis=1)
    cats = np.arange(n_thr + 1)
    expected = probs @ cats
    variance = probs @ cats**2 - expected**2
    resid2 = (y - expected) ** 2
    rows, start = [], n_thr
    for facet, (codes, uniq) in elements.items():
        k = len(uniq)
        contrast = np.vstack([np.eye(k - 1), -np.ones((1, k - 1))]) if k > 1 else np.zeros((1, 0))
        block = slice(start, start + k - 1)
        coef = contrast @ fit.coefficients[block.start - n_thr:block.stop - n_thr]
        cov = contrast @ fit.cov[block, block] @ contrast.T
        sign = 1.0 if facet == "dossier" else -1.0  # severity and difficulty lower the ratings
        count = np.bincount(codes, minlength=k)
        outfit = np.bincount(codes, weights=resid2 / variance, minlength=k) / count
        infit = np.bincount(codes, weights=resid2, minlength=k) / np.bincount(codes, weights=variance, minlength=k)
        rows.append(pd.DataFrame({"facet": facet, "element": uniq, "measure": sign * coef,
                                  "se": np.sqrt(np.clip(np.diag(cov), 0, None)), "n_ratings": count,
                                  "infit": infit, "outfit": outfit}))
        start += k - 1
    labels = [f"{levels[i]}|{levels[i + 1]}" for i in range(n_thr)]
    return RaterModel(measures=pd.concat(rows, ignore_index=True),
                      thresholds=pd.DataFrame({"between_levels": labels, "tau": fit.thresholds}),
                      extreme=extreme, loglike=fit.loglike, n_ratings=len(y))


def severity_comparison(model: RaterModel, severity_linear: pd.DataFrame) -> pd.DataFrame:
    """Jurors' severity in logits (ordinal model) beside their effect in levels (linear model).

    ``severity_linear`` is ``JurorEffects.severity`` (``juror_id, effect``, effect positive for a
    lenient juror); returns ``juror_id, severity_logit, se_logit, effect_levels, infit, outfit``
    and, in ``attrs["spearman"]``, the rank correlation of the two severities (sign aligned).
    """
    from scipy.stats import spearmanr

    j = model.measures[model.measures["facet"] == "juror"].rename(
        columns={"element": "juror_id", "measure": "severity_logit", "se": "se_logit"})
    out = j.merge(severity_linear[["juror_id", "effect"]].rename(columns={"effect": "effect_levels"}),
                  on="juror_id", how="left")[["juror_id", "severity_logit", "se_logit", "effect_levels", "infit",
                                              "outfit"]]
    both = out.dropna(subset=["severity_logit", "effect_levels"])
    out.attrs["spearman"] = (float(spearmanr(both["severity_logit"], -both["effect_levels"])[0])
                             if len(both) > 2 else np.nan)
    return out
