"""Does a criterion separate the jury's decisions? Odds ratio per level and AUC, per criterion.

Statistics and where they come from: the odds ratio per level is ``statsmodels``' ``Logit``
(Wald interval), the AUC Mann-Whitney's U (``scipy``) with Hanley & McNeil's (1982) interval.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
from scipy import stats

from socinnov.analysis.criteria import criterion_labels
from socinnov.analysis.jury_agreement import RETAINED
from socinnov.call.grids import Grid
from socinnov.call.vocabulary import FUNDED

__all__ = ["OUTCOMES", "UNSTABLE_OR", "auc", "decision_outcome", "discrimination", "odds_ratio"]

#: Outcomes a criterion may discriminate: retained vs not retained (acceptability), funded vs
#: re-oriented among the retained dossiers (feasibility).
OUTCOMES = {
    "retenu": "dossier retenu (financé ou réorienté) plutôt que non retenu",
    "financé": "dossier retenu financé plutôt que réorienté",
}

#: An odds ratio whose interval reaches past 1000 (or below 1/1000) rests on a near separation of
#: the outcome by the score: the estimate is then flagged as unstable.
UNSTABLE_OR = 1000.0


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
        y = d == FUNDED
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
    # statsmodels takes seconds to import (``statsmodels.api`` loads every model): only the logit
    # and its warnings, imported here where a logit is fitted.
    from statsmodels.discrete.discrete_model import Logit
    from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning
    from statsmodels.tools.tools import add_constant

    with warnings.catch_warnings():
        warnings.simplefilter("error", PerfectSeparationWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            fit = Logit(y, add_constant(x)).fit(disp=0)
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
    labels = criterion_labels(grid) if grid is not None else {}
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
