"""Change over time of the funded experiments' scores on the acceptability grid: a linear mixed
model with a random intercept and slope per experiment (:func:`change_model`), its French
readings and table.

The scores come from ``socinnov.analysis.followup.reassessment_scores``; the fit is statsmodels'
``MixedLM`` for a few experiments and ``socinnov.analysis.growth.fit_reml`` (the same REML
criterion, vectorised) from ``VECTORISED_FROM`` on.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from socinnov import cache, fr
from socinnov.analysis.growth import fit_reml

__all__ = ["VECTORISED_FROM", "change_model", "model_table_fr", "reading", "readings"]


@dataclass(frozen=True)
class _Fit:
    slope: float
    se: float
    p_value: float
    random_slope: bool
    converged: bool


def _design(d: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fixed and random effects design of ``score ~ years (+ C(source))``, ``re_formula="~years"``.

    The very matrices (columns, names, order and values) that ``smf.mixedlm`` builds with patsy:
    ``Intercept``, one treatment dummy ``C(source)[T.level]`` per source but the first in sorted
    order, then ``years``; random effects ``Group`` (the intercept) and ``years``. Building them
    directly skips patsy, a fifth of the time of each fit, for bit-identical estimates.
    """
    n = len(d)
    fixed = {"Intercept": np.ones(n)}
    if d["source"].nunique() > 1:
        for level in sorted(d["source"].dropna().unique())[1:]:
            fixed[f"C(source)[T.{level}]"] = (d["source"] == level).to_numpy(dtype=float)
    years = d["years"].to_numpy(dtype=float)
    fixed["years"] = years
    return (pd.DataFrame(fixed, index=d.index),
            pd.DataFrame({"Group": np.ones(n), "years": years}, index=d.index))


VECTORISED_FROM = 200
"""From this many experiments in a group's data, the change model is fitted by
``socinnov.analysis.growth.fit_reml`` (every experiment's terms at once) rather than statsmodels'
``MixedLM`` (a Python loop over experiments at each step: minutes at 1 400 experiments)."""


def _fit_once(d: pd.DataFrame, exog: pd.DataFrame, exog_re: pd.DataFrame, random_slope: bool):
    """One REML fit: ``(slope, se, p_value, converged)`` of ``years``, or None when it fails."""
    re = exog_re if random_slope else exog_re[["Group"]]
    groups = np.asarray(d["dossier_id"])
    if d["dossier_id"].nunique() >= VECTORISED_FROM:
        fit = fit_reml(d["score"].to_numpy(dtype=float), exog, re, groups)
        # A random slope of (numerically) zero variance is the boundary of the model: the data
        # do not bear it, and the random-intercept model is the one to report.
        boundary = random_slope and fit.cov_re[1, 1] <= 1e-10 * fit.scale
        return float(fit.fe_params["years"]), float(fit.bse_fe["years"]), float(fit.pvalues["years"]), \
            fit.converged and not boundary
    # statsmodels' mixed model takes seconds to import: loaded where a model is fitted, not by
    # every report that imports this module (and not at all from VECTORISED_FROM experiments on).
    from statsmodels.regression.mixed_linear_model import MixedLM

    model = MixedLM(d["score"].astype(float), exog, groups=groups, exog_re=re)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # boundary and convergence chatter; checked by the caller
        try:
            fit = model.fit(reml=True, method=["lbfgs", "powell"])
        except (np.linalg.LinAlgError, ValueError):
            return None
    return float(fit.fe_params["years"]), float(fit.bse_fe["years"]), float(fit.pvalues["years"]), \
        bool(fit.converged)


def _fit_growth(d: pd.DataFrame) -> _Fit:
    """``score ~ years (+ source)``, experiments as groups; random slopes when the data bear them."""
    exog, exog_re = _design(d)
    fits = []
    for random_slope in (True, False):  # re_formula "~years", then "~1"
        one = _fit_once(d, exog, exog_re, random_slope)
        if one is None:
            continue
        slope, se, p_value, converged = one
        ok = converged and np.isfinite(se) and se > 0
        fits.append(_Fit(slope, se, p_value, random_slope, ok))
        if ok:
            break
    if not fits:
        return _Fit(np.nan, np.nan, np.nan, False, False)
    return next((f for f in fits if f.converged), fits[-1])


def change_model(scores: pd.DataFrame, *, confidence: float = 0.95, kind: str = "dimension") -> pd.DataFrame:
    """Average change per year of each group's score, from a linear mixed model.

    For each group (dimension or criterion), on every re-assessment of every experiment::

        score[i, t] = b0 + b1 * years[i, t] + c[source] + u0[i] + u1[i] * years[i, t] + e[i, t]

    where ``i`` is the experiment, ``years`` the time from its start to the wave's date, ``c``
    fixed source effects (the porteur's self-assessment may run higher than the research
    team's) and ``(u0, u1)`` the experiment's random intercept and slope. ``b1`` is the average
    change per year. When the random slope cannot be estimated (too few experiments or waves,
    or no spread of slopes), the model keeps a random intercept only and says so
    (``random_slope``). Fitted by REML with statsmodels ``MixedLM``.

    Parameters
    ----------
    scores : output of :func:`socinnov.analysis.followup.reassessment_scores`.
    confidence : level of the Wald interval of the slope.
    kind : ``"dimension"`` or ``"criterion"``, for the French reading.

    Returns
    -------
    DataFrame with one row per group: ``group, group_label, slope, se, ci_low, ci_high,
    p_value, n_projects, n_observations, random_slope, reading``. Groups with fewer than three
    experiments or two distinct times get no estimate and a reading that says so.

    References
    ----------
    Laird, N. M. & Ware, J. H. (1982). Random-effects models for longitudinal data. Biometrics,
    38(4), 963-974.
    Singer, J. D. & Willett, J. B. (2003). Applied Longitudinal Data Analysis: Modeling Change and
    Event Occurrence. Oxford University Press.

    The table names no dossier: it is kept in the cache (``socinnov.cache``), keyed by the
    scores with experiments by rank of first appearance, and shared by the jury's and the
    comité's reports (the same experiments under keyed pseudonyms): fitted once per input state.
    The rows are first put in an order that owes nothing to the identifiers (:func:`_canonical`):
    the comité's scores come sorted by pseudonym, and in that order they had another key, and a
    fit of their own (equal but for the last digits).
    """
    d_all = _canonical(scores.dropna(subset=["score", "years"]))
    columns = ["group", "group_label", "dossier_id", "score", "years", "source"]
    digest = cache.frame_digest(d_all, columns, identifiers=("dossier_id",))
    return cache.cached("change_model", {"confidence": confidence, "kind": kind}, digest,
                        lambda: _change_model(d_all, confidence=confidence, kind=kind))


def _canonical(d: pd.DataFrame) -> pd.DataFrame:
    """``d``'s rows in an order that owes nothing to the identifiers, ``dossier_id`` replaced by
    the experiment's rank in it.

    Experiments are ranked by what they hold (the hashes of their rows of group, years, score
    and source, in order), rows go by group (in order of first appearance), experiment, years,
    source. Two experiments ranked alike hold the same rows, so which comes first changes
    nothing: the jury's scores and the comité's (sorted by pseudonym, same experiments) become
    the same frame, with the same cache key and the same fit to the last digit.
    """
    values = ["group", "years", "score", "source"]
    rows = d.assign(_group=pd.factorize(d["group"], sort=False)[0],
                    _hash=pd.util.hash_pandas_object(d[values], index=False).to_numpy())
    rows = rows.sort_values(["dossier_id", "_group", "years", "source", "score"], kind="stable")
    held = rows.groupby("dossier_id", sort=False)["_hash"].agg(tuple)
    rank = pd.Series(range(len(held)), index=sorted(held.index, key=held.get))
    rows = rows.assign(dossier_id=rows["dossier_id"].map(rank).astype("int64"))
    rows = rows.sort_values(["_group", "dossier_id", "years", "source", "score"], kind="stable")
    return rows.drop(columns=["_group", "_hash"]).reset_index(drop=True)


def _change_model(d_all: pd.DataFrame, *, confidence: float, kind: str) -> pd.DataFrame:
    z = stats.norm.ppf(0.5 + confidence / 2)
    rows = []
    for (group, label), d in d_all.groupby(["group", "group_label"], sort=False):
        n_projects = d["dossier_id"].nunique()
        enough = n_projects >= 3 and d["years"].nunique() >= 2
        fit = _fit_growth(d) if enough else _Fit(np.nan, np.nan, np.nan, False, False)
        lo, hi = fit.slope - z * fit.se, fit.slope + z * fit.se
        rows.append({"group": group, "group_label": label, "slope": fit.slope, "se": fit.se, "ci_low": lo,
                     "ci_high": hi, "p_value": fit.p_value, "n_projects": n_projects, "n_observations": len(d),
                     "random_slope": fit.random_slope,
                     "reading": reading(label, fit.slope, lo, hi, confidence=confidence, kind=kind)})
    cols = ["group", "group_label", "slope", "se", "ci_low", "ci_high", "p_value", "n_projects",
            "n_observations", "random_slope", "reading"]
    return pd.DataFrame(rows, columns=cols)


def reading(label: str, slope: float, ci_low: float, ci_high: float, *, confidence: float = 0.95,
            kind: str = "dimension") -> str:
    """The slope in plain French, e.g. « en moyenne, le score de la dimension Portage progresse de
    0,12 niveau par an (IC 95 % : 0,05 à 0,19) »."""
    what = f"de la dimension {label}" if kind == "dimension" else f"du critère « {label} »"
    subject = f"le score {what}"
    if slope is None or not np.isfinite(slope):
        return f"Pas assez de réévaluations pour estimer l'évolution du score {what}."
    verb = "progresse" if slope > 0 else "recule" if slope < 0 else "reste stable"
    amount = abs(slope)
    unit = "niveau" if amount < 2 else "niveaux"
    ci = f"IC {fr.number(100 * confidence)}{fr.NBSP}% : {fr.number(ci_low, 2)} à {fr.number(ci_high, 2)}"
    text = f"En moyenne, {subject} {verb} de {fr.number(amount, 2)} {unit} par an ({ci})"
    if ci_low <= 0 <= ci_high:
        text += " ; l'intervalle contient 0 : pas d'évolution établie sur ces données"
    return text + "."


def model_table_fr(model: pd.DataFrame) -> pd.DataFrame:
    """The model's slopes, French headers."""
    return pd.DataFrame({
        "Dimension ou critère": model["group_label"],
        "Évolution par an (niveaux)": model["slope"],
        f"IC 95{fr.NBSP}%, bas": model["ci_low"],
        f"IC 95{fr.NBSP}%, haut": model["ci_high"],
        "Expérimentations": model["n_projects"],
        "Réévaluations": model["n_observations"],
        "Pente propre à chaque expérimentation": model["random_slope"].map({True: "oui", False: "non"}),
    })


def readings(model: pd.DataFrame) -> str:
    """The model's readings as a French bullet list (Markdown)."""
    if model.empty:
        return "Aucune réévaluation enregistrée : pas d'évolution à estimer."
    return "\n".join(f"- {r}" for r in model["reading"])
