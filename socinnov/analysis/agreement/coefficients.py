"""Agreement coefficients: percent agreement, Krippendorff's alpha, Fleiss' kappa, Gwet's AC1/AC2,
Cohen's kappa. Each has a statistic builder (point estimate + bootstrap kernel, used by
``table.agreement_table``) and a public function for one coefficient.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import sparse

from socinnov.analysis.agreement.bootstrap import Stat, evaluate, lazy, nan_stat
from socinnov.analysis.agreement.ratings import (
    SCALE_FR,
    WEIGHT_FR,
    AgreementInputError,
    Ratings,
    check_weights,
    prepare,
    scale_rows,
    tolerance_matrix,
    unit_counts,
    unit_pairs,
    wdot,
    weight_matrix,
)

__all__ = [
    "cohen_kappa",
    "fleiss_kappa",
    "gwet_ac",
    "krippendorff_alpha",
    "percent_agreement",
    "stat_alpha",
    "stat_cohen",
    "stat_fleiss",
    "stat_gwet",
    "stat_percent",
]

# Above this many cells (n x q x q) the point estimate is computed on the sparse coincidence
# matrix rather than by krippendorff.alpha, which builds several dense n x q x q arrays: 16 MB
# each here, but gigabytes for thousands of units on a fine numeric scale, and seconds per call
# for the dimension means of a national cohort (10 000 dossiers, 30 to 60 distinct means). Both
# give the same value to the last bit or two (tests/test_agreement.py).
_KRIPPENDORFF_MAX_CELLS = 2_000_000


def _pa_parts(rt: Ratings):
    """Per-unit matrices for Gwet's observed agreement p_a (units with >= 2 ratings)."""
    if "pa_parts" not in rt._cache:
        m_u = rt.per_unit.astype(float)
        two = m_u >= 2
        factor = np.where(two, 1.0 / np.where(two, m_u * (m_u - 1), 1.0), 0.0)
        rt._cache["pa_parts"] = (scale_rows(unit_pairs(rt), factor), two.astype(float))
    return rt._cache["pa_parts"]


def stat_percent(rt: Ratings, tolerance: int) -> Stat:
    name = "percent_agreement" if tolerance == 0 else (
        "percent_agreement_within_one" if tolerance == 1 else f"percent_agreement_within_{tolerance}")
    if tolerance > 0 and rt.scale == "nominal":
        return nan_stat([name], "sans objet sur une échelle nominale (niveaux non ordonnés)")
    # Hand-written: Gwet's pairwise p_a over units rated at least twice (irrCAC
    # pa.coeff.raw); no Python library computes it with missing ratings.
    pp, two = _pa_parts(rt)
    agree = tolerance_matrix(rt.q, tolerance).ravel()

    def kernel(w):
        return wdot(w, pp) @ agree / (w @ two)

    n2 = int(two.sum())
    if n2 == 0:
        return nan_stat([name], "aucune unité n'est notée par au moins deux évaluateurs")
    est = kernel(np.ones((1, rt.n)))
    if tolerance == 0:
        note = f"paires d'évaluations identiques, sur {n2} unités notées au moins deux fois"
    else:
        note = (f"paires d'évaluations à au plus {tolerance} niveau{'x' if tolerance > 1 else ''} "
                f"d'écart sur les {rt.q} niveaux déclarés, sur {n2} unités notées au moins deux fois")
    return Stat((name,), est, [note], kernel)


def _pi_parts(rt: Ratings):
    if "pi_parts" not in rt._cache:
        m_u = rt.per_unit.astype(float)
        rt._cache["pi_parts"] = scale_rows(unit_counts(rt), 1.0 / m_u)
    return rt._cache["pi_parts"]


def _gwet_family_kernel(rt: Ratings, agree: np.ndarray, kind: str):
    """Gwet (2014) p_a and chance agreement for AC1/AC2 ('ac') or generalised Fleiss ('fleiss')."""
    pp, two = _pa_parts(rt)
    pin = _pi_parts(rt)
    a_flat = agree.ravel()
    q = rt.q
    t_w = agree.sum()

    def kernel(w):
        pa = wdot(w, pp) @ a_flat / (w @ two)
        pi = wdot(w, pin) / w.sum(axis=1, keepdims=True)
        if kind == "ac":
            pe = t_w / (q * (q - 1)) * np.sum(pi * (1 - pi), axis=1)
        else:
            pe = np.einsum("bk,kl,bl->b", pi, agree, pi)
        return (pa - pe) / (1 - pe)

    return kernel


def stat_gwet(rt: Ratings, weights: str) -> Stat:
    name = "gwet_ac1" if weights == "identity" else "gwet_ac2"
    if rt.q < 2:
        return nan_stat([name], "un seul niveau déclaré : coefficient non défini")
    if weights != "identity" and rt.scale == "nominal":
        return nan_stat([name], f"pondération {WEIGHT_FR[weights]} sans objet sur une échelle "
                                 "nominale (utilisez weights='identity')")
    if not np.any(rt.per_unit >= 2):
        return nan_stat([name], "aucune unité n'est notée par au moins deux évaluateurs")
    # Hand-written: Gwet's AC1/AC2 (Gwet 2008; Gwet 2014, irrCAC gwet.ac1.raw) has no
    # maintained Python implementation.
    kernel = _gwet_family_kernel(rt, weight_matrix(rt.weight_values, weights), "ac")
    with np.errstate(divide="ignore", invalid="ignore"):
        est = kernel(np.ones((1, rt.n)))
    note = (f"Gwet (2008), {rt.q} niveaux déclarés" if weights == "identity" else
            f"pondération {WEIGHT_FR[weights]} sur les {rt.q} niveaux déclarés")
    return Stat((name,), est, [note], kernel)


def stat_fleiss(rt: Ratings) -> Stat:
    name = "fleiss_kappa"
    if rt.q < 2:
        return nan_stat([name], "un seul niveau déclaré : coefficient non défini")
    if not np.any(rt.per_unit >= 2):
        return nan_stat([name], "aucune unité n'est notée par au moins deux évaluateurs")
    kernel = lazy(lambda: _gwet_family_kernel(rt, np.eye(rt.q), "fleiss"))
    per_unit = rt.per_unit
    if np.all(per_unit == per_unit[0]):
        from statsmodels.stats.inter_rater import fleiss_kappa as _sm_fleiss

        with np.errstate(divide="ignore", invalid="ignore"):
            est = np.array([_sm_fleiss(unit_counts(rt).toarray(), method="fleiss")])
        note = f"Fleiss (1971), {int(per_unit[0])} évaluations par unité ; statsmodels"
    else:
        # Hand-written: Gwet's generalisation of Fleiss' kappa to a varying number of
        # ratings per unit (Gwet 2014, irrCAC fleiss.kappa.raw); statsmodels assumes a
        # constant number of raters per unit.
        with np.errstate(divide="ignore", invalid="ignore"):
            est = kernel(np.ones((1, rt.n)))
        note = ("nombre d'évaluations variable selon les unités : généralisation de Gwet (2014) "
                "aux évaluations manquantes")
    return Stat((name,), est, [note], kernel)


def _alpha_distance(rt: Ratings, n_c: np.ndarray) -> np.ndarray:
    """Squared distance delta^2_ck (b x q x q) for the scale; n_c: (b x q) value totals."""
    x = rt.level_values
    b, q = n_c.shape
    if rt.scale == "nominal":
        return np.broadcast_to(1.0 - np.eye(q), (b, q, q))
    if rt.scale == "ordinal":
        # sum_{g=c..k} n_g - (n_c + n_k)/2 equals the difference of mid-ranks cs_g - n_g/2.
        mid = np.cumsum(n_c, axis=1) - n_c / 2
        return (mid[:, :, None] - mid[:, None, :]) ** 2
    if rt.scale == "interval":
        return np.broadcast_to((x[:, None] - x[None, :]) ** 2, (b, q, q))
    tot = x[:, None] + x[None, :]
    ratio = np.divide(x[:, None] - x[None, :], tot, out=np.zeros((q, q)), where=tot != 0)
    return np.broadcast_to(ratio**2, (b, q, q))


def _alpha_values(rt: Ratings) -> np.ndarray:
    # krippendorff's interval/ratio metrics use the values; ordinal uses their order only.
    return rt.level_values if rt.scale in ("interval", "ratio") else np.arange(rt.q, dtype=float)


def stat_alpha(rt: Ratings) -> Stat:
    import krippendorff

    name = "krippendorff_alpha"
    m_u = rt.per_unit.astype(float)
    if not np.any(m_u >= 2):
        return nan_stat([name], "aucune unité n'est notée par au moins deux évaluateurs")
    q = rt.q

    def kernel(w):
        if "coincidences" not in rt._cache:  # built on first use: only the bootstrap needs it
            factor = np.where(m_u >= 2, 1.0 / np.maximum(m_u - 1, 1.0), 0.0)
            rt._cache["coincidences"] = scale_rows(unit_pairs(rt), factor)
        o = wdot(w, rt._cache["coincidences"]).reshape(len(w), q, q)
        n_c = o.sum(axis=2)
        n_tot = n_c.sum(axis=1)
        d2 = _alpha_distance(rt, n_c)
        d_o = np.einsum("bck,bck->b", o, d2)
        d_e = np.einsum("bc,bk,bck->b", n_c, n_c, d2)
        return 1.0 - (n_tot - 1) * d_o / d_e

    counts = unit_counts(rt).toarray()
    pairable = counts[m_u >= 2]
    if np.count_nonzero(pairable.sum(axis=0)) < 2:
        return nan_stat([name], "une seule valeur parmi les unités notées au moins deux fois : "
                                 "alpha non défini (aucune variation)")
    note = f"échelle {SCALE_FR[rt.scale]}, {q} niveaux déclarés ; bibliothèque krippendorff"
    with np.errstate(divide="ignore", invalid="ignore"):
        if rt.n * q * q <= _KRIPPENDORFF_MAX_CELLS:
            est = np.array([krippendorff.alpha(value_counts=counts, value_domain=_alpha_values(rt),
                                               level_of_measurement=rt.scale)], dtype=float)
        else:
            est = kernel(np.ones((1, rt.n)))
            note = (f"échelle {SCALE_FR[rt.scale]}, {q} niveaux ; calcul direct sur la matrice "
                    "de coïncidences (nombreux dossiers ou valeurs : même valeur que le paquet "
                    "krippendorff, plus vite)")
    return Stat((name,), est, [note], kernel)


def stat_cohen(rt: Ratings, weights: str) -> Stat:
    name = "cohen_kappa" if weights == "identity" else "cohen_kappa_weighted"
    if rt.m != 2:
        return nan_stat([name], f"le kappa de Cohen exige exactement deux évaluateurs "
                                 f"({rt.m} présents) : voir le kappa de Fleiss ou l'AC1 de Gwet")
    if weights != "identity" and rt.scale == "nominal":
        return nan_stat([name], f"pondération {WEIGHT_FR[weights]} sans objet sur une échelle "
                                 "nominale")
    from statsmodels.stats.inter_rater import cohens_kappa as _sm_cohen

    q = rt.q
    first = np.full(rt.n, -1)
    second = np.full(rt.n, -1)
    first[rt.unit_idx[rt.rater_idx == 0]] = rt.code[rt.rater_idx == 0]
    second[rt.unit_idx[rt.rater_idx == 1]] = rt.code[rt.rater_idx == 1]
    both = (first >= 0) & (second >= 0)
    n_both = int(both.sum())
    if n_both == 0:
        return nan_stat([name], "aucune unité n'est notée par les deux évaluateurs")
    rows = np.flatnonzero(both)
    cells = sparse.csr_matrix((np.ones(n_both), (rows, first[both] * q + second[both])),
                              shape=(rt.n, q * q))
    agree = weight_matrix(rt.weight_values, weights)

    def kernel(w):
        t = wdot(w, cells).reshape(len(w), q, q)
        p = t / t.sum(axis=(1, 2), keepdims=True)
        row, col = p.sum(axis=2), p.sum(axis=1)
        po = np.einsum("bkl,kl->b", p, agree)
        pe = np.einsum("bk,kl,bl->b", row, agree, col)
        return (po - pe) / (1 - pe)

    table = np.asarray(cells.sum(axis=0)).reshape(q, q)
    with np.errstate(divide="ignore", invalid="ignore"):
        if weights == "identity":
            est = _sm_cohen(table, return_results=False)
        else:
            est = _sm_cohen(table, weights=1.0 - agree, return_results=False)
    note = f"{n_both} unités notées par les deux évaluateurs ; statsmodels"
    if weights != "identity":
        note = f"pondération {WEIGHT_FR[weights]} sur les {q} niveaux déclarés, " + note
    return Stat((name,), np.array([est], dtype=float), [note], kernel)


def percent_agreement(data: pd.DataFrame, *, unit: str, rater: str, value: str,
                      scale: str = "ordinal", levels: Sequence | None = None, tolerance: int = 0,
                      n_boot: int = 1000, seed=0, confidence: float = 0.95) -> pd.DataFrame:
    """Observed agreement: share of agreeing pairs of ratings of the same unit.

    For each unit rated at least twice, the proportion of ordered pairs of its
    ratings (by two different raters) that agree, exactly (``tolerance=0``) or
    within ``tolerance`` levels of the declared scale; averaged over those units
    (Gwet's p_a, irrCAC ``pa.coeff.raw``). A fraction in [0, 1].

    Parameters
    ----------
    data : pandas.DataFrame
        Long format, one row per rating; an empty value is a missing rating.
    unit, rater, value : str
        Column names.
    scale : {'nominal', 'ordinal', 'interval', 'ratio'}
        Level of measurement; tolerance > 0 needs an ordered scale.
    levels : sequence, optional
        Declared levels in order; default: observed values.
    tolerance : int
        Number of levels two ratings may differ by and still agree.
    n_boot : int
        Bootstrap resamples of units for the confidence interval (0: none).
    seed : int or None
        Seed of the bootstrap.
    confidence : float
        Confidence level of the interval.

    Returns
    -------
    pandas.DataFrame
        One row: ``statistic, estimate, ci_low, ci_high, note``.

    References
    ----------
    Gwet, K. L. (2014). *Handbook of Inter-Rater Reliability* (4th ed.). Advanced Analytics.

    Examples
    --------
    >>> import pandas as pd
    >>> from socinnov.analysis.agreement import percent_agreement
    >>> df = pd.DataFrame({"u": [1, 1, 2, 2], "r": ["a", "b"] * 2, "v": [2, 2, 1, 3]})
    >>> percent_agreement(df, unit="u", rater="r", value="v", levels=[0, 1, 2, 3],
    ...                   n_boot=0)["estimate"].item()
    0.5
    """
    if int(tolerance) != tolerance or tolerance < 0:
        raise AgreementInputError("la tolérance doit être un entier positif ou nul")
    rt = prepare(data, unit, rater, value, scale, levels)
    return evaluate([stat_percent(rt, int(tolerance))], rt, n_boot, seed, confidence)


def krippendorff_alpha(data: pd.DataFrame, *, unit: str, rater: str, value: str,
                       scale: str = "ordinal", levels: Sequence | None = None,
                       n_boot: int = 1000, seed=0, confidence: float = 0.95) -> pd.DataFrame:
    """Krippendorff's alpha (nominal, ordinal, interval or ratio metric).

    The estimate is computed by the ``krippendorff`` package from the units x
    levels counts on the declared levels; units rated once are not pairable and
    do not contribute.

    Parameters
    ----------
    data, unit, rater, value, scale, levels, n_boot, seed, confidence
        See :func:`percent_agreement`. ``scale`` selects the distance metric.

    Returns
    -------
    pandas.DataFrame
        One row: ``statistic, estimate, ci_low, ci_high, note``.

    References
    ----------
    Krippendorff, K. (2011). Computing Krippendorff's alpha-reliability.
    Annenberg School for Communication Departmental Papers 43.

    Examples
    --------
    >>> import pandas as pd
    >>> from socinnov.analysis.agreement import krippendorff_alpha
    >>> df = pd.DataFrame({"u": [1, 1, 2, 2, 3, 3], "r": ["a", "b"] * 3,
    ...                    "v": [0, 0, 1, 1, 3, 2]})
    >>> round(krippendorff_alpha(df, unit="u", rater="r", value="v", scale="interval",
    ...                          n_boot=0)["estimate"].item(), 3)
    0.878
    """
    rt = prepare(data, unit, rater, value, scale, levels)
    return evaluate([stat_alpha(rt)], rt, n_boot, seed, confidence)


def fleiss_kappa(data: pd.DataFrame, *, unit: str, rater: str, value: str,
                 scale: str = "ordinal", levels: Sequence | None = None,
                 n_boot: int = 1000, seed=0, confidence: float = 0.95) -> pd.DataFrame:
    """Fleiss' kappa, with Gwet's generalisation when units have varying numbers of ratings.

    With the same number of ratings on every unit the estimate is
    ``statsmodels.stats.inter_rater.fleiss_kappa`` (Fleiss 1971). Otherwise
    p_a is averaged over units rated at least twice and the chance agreement
    uses the mean per-unit category proportions (Gwet 2014, irrCAC
    ``fleiss.kappa.raw``); both coincide on complete designs. The number of
    categories is the number of declared levels.

    Parameters
    ----------
    data, unit, rater, value, scale, levels, n_boot, seed, confidence
        See :func:`percent_agreement`.

    Returns
    -------
    pandas.DataFrame
        One row: ``statistic, estimate, ci_low, ci_high, note``.

    References
    ----------
    Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters.
    Psychological Bulletin, 76, 378-382.
    Gwet, K. L. (2014). *Handbook of Inter-Rater Reliability* (4th ed.).

    Examples
    --------
    >>> import pandas as pd
    >>> from socinnov.analysis.agreement import fleiss_kappa
    >>> df = pd.DataFrame({"u": [1, 1, 1, 2, 2, 2], "r": ["a", "b", "c"] * 2,
    ...                    "v": ["x", "x", "x", "y", "y", "x"]})
    >>> round(fleiss_kappa(df, unit="u", rater="r", value="v", scale="nominal",
    ...                    n_boot=0)["estimate"].item(), 3)
    0.25
    """
    rt = prepare(data, unit, rater, value, scale, levels)
    return evaluate([stat_fleiss(rt)], rt, n_boot, seed, confidence)


def gwet_ac(data: pd.DataFrame, *, unit: str, rater: str, value: str,
            scale: str = "ordinal", levels: Sequence | None = None, weights: str = "identity",
            n_boot: int = 1000, seed=0, confidence: float = 0.95) -> pd.DataFrame:
    """Gwet's AC1 (``weights='identity'``) or AC2 (linear or quadratic weights).

    Weights are computed on the declared levels (see :func:`weight_matrix`),
    and the chance-agreement term uses the number of declared levels ``q``.

    Parameters
    ----------
    data, unit, rater, value, scale, levels, n_boot, seed, confidence
        See :func:`percent_agreement`.
    weights : {'identity', 'linear', 'quadratic'}

    Returns
    -------
    pandas.DataFrame
        One row (``gwet_ac1`` or ``gwet_ac2``): ``statistic, estimate, ci_low,
        ci_high, note``.

    References
    ----------
    Gwet, K. L. (2008). Computing inter-rater reliability and its variance in the
    presence of high agreement. British Journal of Mathematical and Statistical
    Psychology, 61, 29-48.
    Gwet, K. L. (2014). *Handbook of Inter-Rater Reliability* (4th ed.).

    Examples
    --------
    >>> import pandas as pd
    >>> from socinnov.analysis.agreement import gwet_ac
    >>> df = pd.DataFrame({"u": [1, 1, 2, 2], "r": ["a", "b"] * 2, "v": [2, 2, 1, 2]})
    >>> round(gwet_ac(df, unit="u", rater="r", value="v", levels=[0, 1, 2, 3],
    ...               weights="linear", n_boot=0)["estimate"].item(), 3)
    0.765
    """
    check_weights(weights)
    rt = prepare(data, unit, rater, value, scale, levels)
    return evaluate([stat_gwet(rt, weights)], rt, n_boot, seed, confidence)


def cohen_kappa(data: pd.DataFrame, *, unit: str, rater: str, value: str,
                scale: str = "ordinal", levels: Sequence | None = None, weights: str = "identity",
                n_boot: int = 1000, seed=0, confidence: float = 0.95) -> pd.DataFrame:
    """Cohen's kappa for exactly two raters, unweighted or weighted.

    Computed by ``statsmodels.stats.inter_rater.cohens_kappa`` on the q x q
    table of the declared levels, over the units rated by both raters. With
    more or fewer than two raters the estimate is NaN and the note says why.

    Parameters
    ----------
    data, unit, rater, value, scale, levels, n_boot, seed, confidence
        See :func:`percent_agreement`.
    weights : {'identity', 'linear', 'quadratic'}
        ``linear`` is Cicchetti-Allison, ``quadratic`` Fleiss-Cohen.

    Returns
    -------
    pandas.DataFrame
        One row (``cohen_kappa`` or ``cohen_kappa_weighted``).

    References
    ----------
    Cohen, J. (1960). A coefficient of agreement for nominal scales. Educational
    and Psychological Measurement, 20, 37-46.
    Cohen, J. (1968). Weighted kappa. Psychological Bulletin, 70, 213-220.

    Examples
    --------
    >>> import pandas as pd
    >>> from socinnov.analysis.agreement import cohen_kappa
    >>> df = pd.DataFrame({"u": [1, 1, 2, 2, 3, 3], "r": ["a", "b"] * 3,
    ...                    "v": ["A", "A", "B", "B", "C", "B"]})
    >>> round(cohen_kappa(df, unit="u", rater="r", value="v", levels=["C", "B", "A"],
    ...                   n_boot=0)["estimate"].item(), 3)
    0.5
    """
    check_weights(weights)
    rt = prepare(data, unit, rater, value, scale, levels)
    return evaluate([stat_cohen(rt, weights)], rt, n_boot, seed, confidence)
