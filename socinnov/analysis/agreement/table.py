"""All agreement statistics of one rating variable, one row per statistic (:func:`agreement_table`)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from socinnov.analysis.agreement.bootstrap import evaluate
from socinnov.analysis.agreement.coefficients import (
    stat_alpha,
    stat_cohen,
    stat_fleiss,
    stat_gwet,
    stat_percent,
)
from socinnov.analysis.agreement.intraclass import ICC_NAMES, stat_icc
from socinnov.analysis.agreement.kendall import stat_kendall
from socinnov.analysis.agreement.ratings import AgreementInputError, check_weights, prepare

__all__ = ["STATISTICS", "STATISTIC_LABELS", "agreement_table"]

#: Statistics reported by :func:`agreement_table`, in order.
STATISTICS = (
    "percent_agreement",
    "percent_agreement_within_one",
    "krippendorff_alpha",
    "fleiss_kappa",
    "gwet_ac1",
    "gwet_ac2",
    "cohen_kappa",
    "cohen_kappa_weighted",
    "icc1",
    "icc2",
    "icc3",
    "icc1k",
    "icc2k",
    "icc3k",
    "kendall_w",
)

#: French names of the statistics, as reports and the command line show them.
STATISTIC_LABELS = {
    "percent_agreement": "Accord observé (exact)",
    "percent_agreement_within_one": "Accord à un niveau près",
    "krippendorff_alpha": "Alpha de Krippendorff",
    "fleiss_kappa": "Kappa de Fleiss",
    "gwet_ac1": "AC1 de Gwet",
    "gwet_ac2": "AC2 de Gwet",
    "cohen_kappa": "Kappa de Cohen",
    "cohen_kappa_weighted": "Kappa de Cohen pondéré",
    "icc1": "ICC(1,1)",
    "icc2": "ICC(2,1)",
    "icc3": "ICC(3,1)",
    "icc1k": "ICC(1,k)",
    "icc2k": "ICC(2,k)",
    "icc3k": "ICC(3,k)",
    "kendall_w": "W de Kendall",
}

def agreement_table(data: pd.DataFrame, *, unit: str, rater: str, value: str,
                    scale: str = "ordinal", levels: Sequence | None = None,
                    weights: str = "linear", n_boot: int = 1000, seed=0,
                    confidence: float = 0.95,
                    statistics: Sequence[str] | None = None) -> pd.DataFrame:
    """All agreement statistics of one rating variable, one row per statistic.

    The rows are, in order, :data:`STATISTICS`. A statistic that does not
    apply has a NaN estimate and a note saying why (Cohen's kappa with other
    than two raters, weighted or rank statistics on a nominal scale, Kendall's
    W without complete units). All bootstrap intervals use the same resamples
    of units.

    Parameters
    ----------
    data : pandas.DataFrame
        Long format, one row per rating; an empty value is a missing rating.
    unit, rater, value : str
        Column names.
    scale : {'nominal', 'ordinal', 'interval', 'ratio'}
        Level of measurement (Krippendorff's metric; whether weights apply).
    levels : sequence, optional
        Declared levels in order, e.g. ``["Inexistant", "Faible",
        "Intermédiaire", "Fort"]`` or ``["C", "B", "A"]``; default: observed values.
    weights : {'identity', 'linear', 'quadratic'}
        Weights of AC2 and of the weighted kappa, on the declared levels.
    n_boot : int
        Bootstrap resamples of units (0: no bootstrap interval).
    seed : int or None
        Seed of the bootstrap.
    confidence : float
        Confidence level.
    statistics : sequence of str, optional
        Only these rows of :data:`STATISTICS`, in that order (default: all). A
        statistic left out is not computed, nor bootstrapped: the ICCs' bootstrap
        is most of the cost with dozens of raters. The rows kept are the same as
        in the full table, intervals included (same resamples).

    Returns
    -------
    pandas.DataFrame
        Columns ``statistic, estimate, ci_low, ci_high, note``; percentages are
        fractions in [0, 1]. ``attrs`` holds ``n_units``, ``n_raters``,
        ``n_ratings``, ``n_missing`` and ``levels``.

    Examples
    --------
    >>> import pandas as pd
    >>> from socinnov.analysis.agreement import agreement_table
    >>> df = pd.DataFrame({"dossier": [1, 1, 2, 2, 3, 3, 3],
    ...                    "jure": ["a", "b", "a", "b", "a", "b", "c"],
    ...                    "note": ["Fort", "Fort", "Faible", "Intermédiaire", "Fort", "Fort", ""]})
    >>> tab = agreement_table(df, unit="dossier", rater="jure", value="note",
    ...                       levels=["Inexistant", "Faible", "Intermédiaire", "Fort"], n_boot=200)
    >>> tab.set_index("statistic").loc["percent_agreement", "estimate"].round(3)
    np.float64(0.667)
    """
    check_weights(weights)
    wanted = STATISTICS if statistics is None else tuple(statistics)
    unknown = [x for x in wanted if x not in STATISTICS]
    if unknown:
        raise AgreementInputError(f"statistique(s) inconnue(s) : {', '.join(map(str, unknown))} ; "
                                  f"statistiques : {', '.join(STATISTICS)}")
    rt = prepare(data, unit, rater, value, scale, levels)

    def want(*names):
        return any(x in wanted for x in names)

    stats = []
    if want("percent_agreement"):
        stats.append(stat_percent(rt, 0))
    if want("percent_agreement_within_one"):
        stats.append(stat_percent(rt, 1))
    if want("krippendorff_alpha"):
        stats.append(stat_alpha(rt))
    if want("fleiss_kappa"):
        stats.append(stat_fleiss(rt))
    if want("gwet_ac1"):
        stats.append(stat_gwet(rt, "identity"))
    if want("gwet_ac2"):
        if weights == "identity":
            ac2 = stat_gwet(rt, "identity")
            ac2.names = ("gwet_ac2",)
            ac2.notes = ["pondération identité : égal à l'AC1"]
            stats.append(ac2)
        else:
            stats.append(stat_gwet(rt, weights))
    if want("cohen_kappa"):
        stats.append(stat_cohen(rt, "identity"))
    if want("cohen_kappa_weighted"):
        if weights == "identity":
            kw = stat_cohen(rt, "identity")
            kw.names = ("cohen_kappa_weighted",)
            if np.isfinite(kw.estimate).all():
                kw.notes = ["pondération identité : égal au kappa non pondéré"]
            stats.append(kw)
        else:
            stats.append(stat_cohen(rt, weights))
    if want(*ICC_NAMES):
        stats.append(stat_icc(rt, confidence))
    if want("kendall_w"):
        stats.append(stat_kendall(rt))
    out = evaluate(stats, rt, n_boot, seed, confidence)
    if statistics is not None:
        out = out.set_index("statistic").loc[list(wanted)].reset_index()
    out.attrs.update(n_units=rt.n, n_raters=rt.m, n_ratings=rt.n_ratings,
                     n_missing=rt.n_missing, levels=list(rt.levels), scale=rt.scale,
                     weights=weights)
    return out
