"""Reliability planning by generalisability theory: how many jurors per dossier does a call need?

G-study
    The ratings of one grid and one round are a dossier (p) x juror (r) x criterion (i) design,
    incomplete: each dossier is rated by a few jurors only, some ratings are missing. Every rating
    is decomposed as ``mu + p + r + i + pr + pi + ri + pri,e`` with all effects random, and the
    seven variance components are estimated by Henderson's Method 1, which Brennan (2001, ch. 7)
    calls the *analogous-T* method and urGENOVA implements: for each effect ``A`` the sum
    ``T_A = sum_a y_a^2 / n_a`` over its levels has expectation
    ``N mu^2 + sum_B k(A, B) s2_B``, with ``k(A, B) = sum_a sum_b n_ab^2 / n_a``; equating the
    ``T`` to their expectations gives a linear system in the components. On a balanced design the
    method is the usual expected-mean-squares ANOVA; on an unbalanced one it stays unbiased.
D-study
    From the components, the reliability of a dossier's mean score over ``n'_r`` jurors and
    ``n'_i`` criteria: the generalisability coefficient ``E rho^2 = s2_p / (s2_p + s2_delta)``
    (relative decisions: ranking the dossiers) and the dependability index
    ``Phi = s2_p / (s2_p + s2_Delta)`` (absolute decisions: a score against a threshold), for
    two designs:

    ``"nested"`` (the call as it runs: each dossier has its own jurors, ``i x (r:p)``)
        ``s2_delta = (s2_r + s2_pr) / n'_r + s2_pi / n'_i + (s2_ri + s2_pri,e) / (n'_r n'_i)``
        and ``s2_Delta = s2_delta + s2_i / n'_i``: a juror's severity is an error of the
        dossiers he rates, for ranking too.
    ``"crossed"`` (every juror rates every dossier, ``p x R x I``)
        ``s2_delta = s2_pr / n'_r + s2_pi / n'_i + s2_pri,e / (n'_r n'_i)`` and
        ``s2_Delta = s2_delta + s2_r / n'_r + s2_i / n'_i + s2_ri / (n'_r n'_i)``. This is also,
        approximately, the relative error of scores *adjusted* for juror severity
        (``socinnov.analysis.juror_effects``), since the adjustment removes ``s2_r``.

    Negative estimates (sampling error on a small cohort) are set to zero in the D-study, as
    Brennan (2001, §3.4) recommends; ``g_study`` reports them as estimated.

Why Henderson's method rather than REML (statsmodels ``MixedLM``): it is the method of the
published worked examples, so it is tested against them to the last printed digit; it is unbiased
on unbalanced data without normality; and it needs only cell counts and sums, a fraction of a
second at 10 000 dossiers, where ``MixedLM`` with three crossed random facets builds dense
design matrices over one group (hours, and memory beyond an ordinary machine). No Python
library offers G-theory on unbalanced designs, hence the hand-written solver (a few lines of
linear algebra on ``numpy``).

References
----------
Brennan, R. L. (2001). *Generalizability Theory*. New York: Springer (ch. 2-4 balanced designs and
D-studies; ch. 7 unbalanced random effects designs, analogous-T method).
Henderson, C. R. (1953). Estimation of variance and covariance components. *Biometrics*, 9, 226-252.
Shavelson, R. J. & Webb, N. M. (1991). *Generalizability Theory: A Primer*. Newbury Park: Sage.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from socinnov import fr
from socinnov.call.vocabulary import INDIVIDUAL

__all__ = ["GStudy", "ReliabilityPlan", "d_study", "d_study_fr", "d_study_summary_fr", "error_variances",
           "g_study", "g_study_fr", "g_study_notes_fr", "henderson_components", "jurors_needed",
           "reliability_plan"]

#: The facets of a jury's ratings, by their letter in Brennan's notation.
FACETS = {"p": "dossier_id", "r": "juror_id", "i": "criterion"}
#: The effects of the p x r x i design; the residual ``pri,e`` is estimated from the raw sum of squares.
PRI_EFFECTS = ("p", "r", "i", "pr", "pi", "ri")
RESIDUAL = "pri,e"


def _group_codes(codes: dict[str, np.ndarray], cards: dict[str, int], effect: Sequence[str]) -> tuple[np.ndarray, int]:
    """One integer per observation identifying its cell of ``effect`` (a set of facets)."""
    n = len(next(iter(codes.values())))
    if not effect:
        return np.zeros(n, dtype=np.int64), 1
    key = np.zeros(n, dtype=np.int64)
    for f in sorted(effect):
        key = key * cards[f] + codes[f]
    uniq, inverse = np.unique(key, return_inverse=True)
    return inverse.ravel(), len(uniq)


def henderson_components(data: pd.DataFrame, effects: Sequence[str], *, facets: dict[str, str],
                         response: str) -> pd.DataFrame:
    """Variance components of a random effects model by Henderson's Method 1 (analogous T).

    Parameters
    ----------
    data : one row per observation; rows with a missing ``response`` are left out.
    effects : the model's effects other than the residual, each a string of facet letters
        (``"p"``, ``"pi"``; a nested effect ``i:h`` is written by the letters of the facets that
        identify its cells, ``"hi"``).
    facets : letter -> column of ``data``.
    response : the column of the observed scores.

    Returns
    -------
    DataFrame ``effect, T, variance`` (one row per effect, then ``residual`` with the raw sum of
    squares ``T``, then ``mean`` with ``T_mu``), variance as estimated (possibly negative).

    References
    ----------
    Henderson, C. R. (1953). Estimation of variance and covariance components. *Biometrics*, 9, 226-252.
    Brennan, R. L. (2001). *Generalizability Theory*, ch. 7 (analogous-T method). New York: Springer.
    """
    d = data.dropna(subset=[response])
    y = d[response].to_numpy(dtype=float)
    n = len(y)
    codes, cards = {}, {}
    for letter, column in facets.items():
        c, uniq = pd.factorize(d[column])
        codes[letter], cards[letter] = c.astype(np.int64), len(uniq)
    cells = {e: _group_codes(codes, cards, e) for e in effects}
    sizes = {e: np.bincount(g, minlength=m).astype(float) for e, (g, m) in cells.items()}
    t_values = {e: float(np.sum(np.bincount(g, weights=y, minlength=m) ** 2 / sizes[e]))
                for e, (g, m) in cells.items()}
    t_mu = float(y.sum() ** 2 / n)
    t_total = float(y @ y)
    # Coefficients of E(T_A) = N mu^2 + sum_B k(A, B) s2_B + (number of cells of A) s2_e.
    m = len(effects) + 1
    k = np.zeros((m + 1, m))  # rows: effects, total, mean; columns: effects, residual
    for a_idx, a in enumerate(effects):
        for b_idx, b in enumerate(effects):
            union, n_cells = _group_codes(codes, cards, "".join(set(a) | set(b)))
            n_ab = np.bincount(union, minlength=n_cells).astype(float)
            a_of_cell = np.zeros(n_cells, dtype=np.int64)
            a_of_cell[union] = cells[a][0]
            k[a_idx, b_idx] = np.sum(n_ab**2 / sizes[a][a_of_cell])
        k[a_idx, m - 1] = cells[a][1]
    k[m - 1, :] = n  # E(T_total): every component counted once per observation
    for b_idx, b in enumerate(effects):
        k[m, b_idx] = np.sum(sizes[b] ** 2) / n
    k[m, m - 1] = 1.0
    lhs = k[:m] - k[m]  # subtract E(T_mu): the mu^2 terms cancel
    rhs = np.array([t_values[e] for e in effects] + [t_total]) - t_mu
    variance = np.linalg.solve(lhs, rhs)
    return pd.DataFrame({"effect": [*effects, "residual", "mean"],
                         "T": [*(t_values[e] for e in effects), t_total, t_mu],
                         "variance": [*variance, np.nan]})


@dataclass
class GStudy:
    """Variance components of the dossier x juror x criterion design, and the design's size."""

    components: pd.DataFrame  # effect, variance, share (of the total of non-negative components)
    n_dossiers: int
    n_jurors: int
    n_criteria: int
    n_ratings: int
    jurors_per_dossier: float  # mean number of jurors who rated a dossier

    def __post_init__(self):
        self._used = {e: max(float(v), 0.0) for e, v in zip(self.components["effect"], self.components["variance"])}

    def variance(self, effect: str) -> float:
        """A component as used in D-studies: the estimate, or 0 when it is negative."""
        return self._used[effect]


def g_study(ratings: pd.DataFrame, *, response: str = "level_code") -> GStudy:
    """Variance components of one grid's ratings in one round (``dossier_id, juror_id, criterion``).

    The design may be incomplete and unbalanced (each dossier rated by some jurors, missing
    ratings left out); Henderson's Method 1, see the module's docstring.

    Raises
    ------
    ValueError
        if the table mixes grids or rounds, or holds several ratings of the same dossier,
        juror and criterion.
    """
    for column, what in (("grid", "grilles"), ("grid_version", "versions de grille"), ("round", "tours")):
        if column in ratings and ratings[column].nunique() > 1:
            raise ValueError(f"l'étude de généralisabilité porte sur une grille et un tour : la table mêle "
                             f"{ratings[column].nunique()} {what} ({', '.join(map(str, ratings[column].unique()))})")
    r = ratings.dropna(subset=[response])
    if r.duplicated(list(FACETS.values())).any():
        raise ValueError("l'étude de généralisabilité attend au plus une note par dossier, juré et critère")
    r = r.assign(**{response: r[response].astype(float)})
    comps = henderson_components(r, PRI_EFFECTS, facets=FACETS, response=response)
    comps = (comps[comps["effect"] != "mean"][["effect", "variance"]].replace({"effect": {"residual": RESIDUAL}})
             .reset_index(drop=True))
    positive = comps["variance"].clip(lower=0)
    comps["share"] = positive / positive.sum() if positive.sum() > 0 else np.nan
    per_dossier = r.groupby("dossier_id")["juror_id"].nunique()
    return GStudy(components=comps, n_dossiers=int(r["dossier_id"].nunique()),
                  n_jurors=int(r["juror_id"].nunique()), n_criteria=int(r["criterion"].nunique()),
                  n_ratings=len(r), jurors_per_dossier=float(per_dossier.mean()))


def error_variances(g: GStudy, n_jurors: float, n_criteria: float, *, design: str = "nested") -> tuple[float, float]:
    """Relative and absolute error variances of a dossier's mean score (see the module's docstring)."""
    v = g.variance
    if design == "nested":
        rel = ((v("r") + v("pr")) / n_jurors + v("pi") / n_criteria
               + (v("ri") + v(RESIDUAL)) / (n_jurors * n_criteria))
        return rel, rel + v("i") / n_criteria
    if design == "crossed":
        rel = v("pr") / n_jurors + v("pi") / n_criteria + v(RESIDUAL) / (n_jurors * n_criteria)
        return rel, rel + v("r") / n_jurors + v("i") / n_criteria + v("ri") / (n_jurors * n_criteria)
    raise ValueError(f"design must be 'nested' or 'crossed', not {design!r}")


def d_study(g: GStudy, *, n_jurors: Iterable[int] = range(1, 9), n_criteria: Iterable[int] | None = None,
            design: str = "nested") -> pd.DataFrame:
    """Reliability of a dossier's mean score for each number of jurors and of criteria.

    Parameters
    ----------
    g : the G-study.
    n_jurors : numbers of jurors per dossier (``n'_r``), 1 to 8 by default.
    n_criteria : numbers of criteria (``n'_i``); the grid's own number by default.
    design : ``"nested"`` (each dossier its own jurors) or ``"crossed"`` (see the module's docstring).

    Returns
    -------
    DataFrame ``n_jurors, n_criteria, relative_error, absolute_error, erho2, phi``.

    References
    ----------
    Brennan, R. L. (2001). *Generalizability Theory*, ch. 4 (D-studies: E rho^2 and Phi). New York: Springer.
    """
    crit = [g.n_criteria] if n_criteria is None else list(n_criteria)
    s2p = g.variance("p")
    rows = []
    for nc in crit:
        for nj in n_jurors:
            rel, ab = error_variances(g, nj, nc, design=design)
            rows.append({"n_jurors": nj, "n_criteria": nc, "relative_error": rel, "absolute_error": ab,
                         "erho2": s2p / (s2p + rel) if s2p + rel > 0 else np.nan,
                         "phi": s2p / (s2p + ab) if s2p + ab > 0 else np.nan})
    return pd.DataFrame(rows)


def jurors_needed(g: GStudy, *, target: float = 0.80, coefficient: str = "phi", n_criteria: int | None = None,
                  design: str = "nested", max_jurors: int = 50) -> int | None:
    """Fewest jurors per dossier for which ``coefficient`` (``"phi"`` or ``"erho2"``) reaches ``target``.

    « Combien de jurés par dossier pour Φ ≥ 0,80 ? » Returns ``None`` when even ``max_jurors``
    jurors do not reach it (the criterion-related error ``s2_pi / n'_i`` and, for Phi,
    ``s2_i / n'_i`` do not shrink with more jurors: only more criteria reduce them).
    """
    if coefficient not in ("phi", "erho2"):
        raise ValueError(f"coefficient must be 'phi' or 'erho2', not {coefficient!r}")
    table = d_study(g, n_jurors=range(1, max_jurors + 1), n_criteria=None if n_criteria is None else [n_criteria],
                    design=design)
    reached = table[table[coefficient] >= target]
    return int(reached["n_jurors"].min()) if len(reached) else None


# ---------------------------------------------------------------------------
# French tables and sentences of the criteria report
# ---------------------------------------------------------------------------

#: The components in French, in Brennan's order.
COMPONENT_LABELS = {"p": "Dossiers (écart réel entre dossiers)", "r": "Jurés (sévérité)",
                    "i": "Critères (difficulté)", "pr": "Dossier × juré", "pi": "Dossier × critère",
                    "ri": "Juré × critère", RESIDUAL: "Résiduelle (dossier × juré × critère, erreur)"}
#: Under these sizes the D-study says its variances rest on few data.
SMALL_DOSSIERS = 20


def g_study_fr(g: GStudy) -> pd.DataFrame:
    """The G-study's variance components, French headers; a negative estimate is shown as estimated."""
    c = g.components
    return pd.DataFrame({
        "Composante": c["effect"].map(COMPONENT_LABELS).to_numpy(),
        "Variance estimée": [fr.number(v, 3) for v in c["variance"]],
        "Part de la variance": [fr.percent(s) for s in c["share"]],
    })


def g_study_notes_fr(g: GStudy) -> list[str]:
    """French sentences on what puzzles readers of a G-study: negative components, few dossiers."""
    notes = []
    negative = g.components[g.components["variance"] < 0]
    if len(negative):
        names = ", ".join(f"{COMPONENT_LABELS[e].split(' (')[0].lower()} ({fr.number(v, 3)})"
                          for e, v in zip(negative["effect"], negative["variance"]))
        notes.append(f"Composante(s) estimée(s) négative(s) : {names}. Une variance ne peut pas être négative : "
                     "l'estimation tombe sous zéro quand la vraie valeur est proche de zéro et que les données sont "
                     "peu nombreuses ; elle est comptée pour zéro dans l'étude de décision (Brennan 2001, § 3.4).")
    if g.n_dossiers < SMALL_DOSSIERS:
        notes.append(f"Peu de données : {g.n_dossiers} dossiers, {g.n_jurors} jurés ({fr.number(g.jurors_per_dossier, 1)} "
                     "par dossier). Les composantes sont très incertaines et la projection ci-dessous n'est qu'un ordre "
                     "de grandeur ; elle se précisera avec les appels suivants.")
    return notes


def d_study_fr(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`d_study` for one number of criteria, French headers."""
    return pd.DataFrame({
        "Jurés par dossier": table["n_jurors"].to_numpy(),
        "Critères": table["n_criteria"].to_numpy(),
        "Eρ² (classer les dossiers)": [fr.number(v, 2) for v in table["erho2"]],
        "Φ (situer un dossier sur l'échelle)": [fr.number(v, 2) for v in table["phi"]],
    })


def d_study_summary_fr(g: GStudy, *, target: float = 0.80, design: str = "nested") -> str:
    """« Combien de jurés par dossier pour Φ ≥ 0,80 ? », answered in French for this call."""
    if g.variance("p") <= 0:
        return ("La variance entre dossiers est estimée nulle : sur ces notes, les dossiers ne se distinguent pas "
                "au-delà des écarts entre jurés et entre critères, et aucun nombre de jurés ne rend leur score "
                "fiable. " + " ".join(g_study_notes_fr(g)))
    now = d_study(g, n_jurors=[g.jurors_per_dossier], design=design).iloc[0]
    phi = jurors_needed(g, target=target, coefficient="phi", design=design)
    rho = jurors_needed(g, target=target, coefficient="erho2", design=design)
    t = fr.number(target, 2)

    def need(k, name):
        if k is None:
            return (f"{name} n'atteint pas {t} même avec 50 jurés : l'erreur liée aux critères ne diminue pas avec "
                    "le nombre de jurés, seulement avec le nombre de critères")
        return f"{name} ≥ {t} à partir de {k} juré{'s' if k > 1 else ''} par dossier"
    text = (f"Avec {fr.number(g.jurors_per_dossier, 1)} jurés par dossier en moyenne et {g.n_criteria} critères, "
            f"comme dans cet appel ({g.n_dossiers} dossiers, {g.n_jurors} jurés), la fiabilité du score moyen d'un "
            f"dossier est Φ = {fr.number(now['phi'], 2)} (situer un dossier par rapport à un seuil) et "
            f"Eρ² = {fr.number(now['erho2'], 2)} (classer les dossiers). {need(phi, 'Φ').capitalize()} ; "
            f"{need(rho, 'Eρ²')}.")
    return " ".join([text, *g_study_notes_fr(g)])


@dataclass
class ReliabilityPlan:
    """The criteria report's D-study section: the G-study (or ``None``), its D-study and its sentence."""

    g: GStudy | None
    table: pd.DataFrame  # d_study output (empty without a G-study)
    summary: str


def reliability_plan(ratings: pd.DataFrame, grid, *, round: str = INDIVIDUAL, target: float = 0.80,
                     n_jurors: Iterable[int] = range(1, 9)) -> ReliabilityPlan:
    """G-study and D-study of one grid's ratings in one round, for the report: never fails on valid data.

    With fewer than two dossiers rated by two jurors or more, or a single criterion, the jurors'
    and the dossiers' variances cannot be told apart: ``g`` is ``None`` and ``summary`` says why.
    """
    from socinnov.call.grids import grid_ratings

    r = grid_ratings(ratings, grid, round).dropna(subset=["level_code"])
    multi = int((r.groupby("dossier_id")["juror_id"].nunique() >= 2).sum()) if len(r) else 0
    empty = pd.DataFrame(columns=["n_jurors", "n_criteria", "relative_error", "absolute_error", "erho2", "phi"])
    if multi < 2 or r["criterion"].nunique() < 2:
        return ReliabilityPlan(None, empty, (
            f"Étude de généralisabilité non faite : {multi} dossier(s) noté(s) par au moins deux jurés sur "
            f"{r['criterion'].nunique()} critère(s) ; il en faut au moins deux, sur deux critères ou plus, pour "
            "séparer l'écart entre dossiers de l'écart entre jurés."))
    try:
        g = g_study(r)
    except np.linalg.LinAlgError:
        return ReliabilityPlan(None, empty, (
            "Étude de généralisabilité non faite : le plan de notation ne permet pas de séparer les composantes "
            "(chaque juré note les mêmes dossiers que les autres, ou chaque dossier a un seul juré)."))
    return ReliabilityPlan(g, d_study(g, n_jurors=n_jurors), d_study_summary_fr(g, target=target))
