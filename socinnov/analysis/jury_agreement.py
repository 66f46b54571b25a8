"""How far the jury agrees, on what, and whether the debate brought it together.

Compositions of ``socinnov.analysis.agreement`` over the grid: agreement per criterion (units are
dossiers, values the criterion's level codes, weights on the grid's declared levels), per
dimension and overall (units are dossiers, values a juror's mean level over the criteria of the
dimension, on an interval scale), before and after the jury's debate, and juror by juror.
Each estimate comes with a plain French reading (``reading``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from socinnov import cache, fr
from socinnov.analysis.agreement import STATISTIC_LABELS, agreement_table
from socinnov.call.grids import Grid, grid_ratings
from socinnov.call.vocabulary import AFTER_DEBATE, FUNDED, INDIVIDUAL, REORIENTED

__all__ = [
    "REPORTED",
    "RETAINED",
    "agreement_table_fr",
    "criterion_agreement",
    "decision_changes_fr",
    "kappa_paradox_fr",
    "pairwise_agreement",
    "range_restriction_note",
    "reading",
    "rounds_comparison",
    "severity_summary",
]

REPORTED = ("krippendorff_alpha", "gwet_ac2", "percent_agreement", "percent_agreement_within_one")
RETAINED = (FUNDED, REORIENTED)


#: Krippendorff's bands, lowest first: (lower bound, reading) (Krippendorff 2004, *Content Analysis*,
#: 2nd ed., p. 241: α ≥ 0,800 reliable; 0,667 ≤ α < 0,800 tentative conclusions; below, insufficient).
ALPHA_BANDS = ((-np.inf, "accord insuffisant pour fonder des conclusions (α < 0,667)"),
               (0.667, "accord suffisant pour des conclusions provisoires (0,667 ≤ α < 0,800)"),
               (0.8, "accord fiable (α ≥ 0,800)"))
#: Landis & Koch's (1977) benchmarks for chance-corrected coefficients (AC1, AC2, kappa, ICC):
#: (upper bound, reading); above the last, « presque parfait ».
LANDIS_KOCH = ((0.0, "accord nul (inférieur au hasard)"), (0.2, "accord léger"), (0.4, "accord passable"),
               (0.6, "accord modéré"), (0.8, "accord important"), (np.inf, "accord presque parfait"))


def _band(statistic: str, value: float) -> tuple[int, str]:
    if statistic == "krippendorff_alpha":
        k = max(i for i, (low, _) in enumerate(ALPHA_BANDS) if value >= low)
        return k, ALPHA_BANDS[k][1]
    k = min(i for i, (upper, _) in enumerate(LANDIS_KOCH) if value <= upper)
    return k, LANDIS_KOCH[k][1]


def reading(statistic: str, estimate: float, ci_low: float | None = None, ci_high: float | None = None,
            n: int | None = None) -> str:
    """A plain French reading of an agreement value, that follows its confidence interval.

    Krippendorff's alpha: his own thresholds (α ≥ 0,800 fiable ; 0,667 ≤ α < 0,800 conclusions
    provisoires ; below, insufficient: Krippendorff 2004, *Content Analysis*, 2nd ed., p. 241).
    Chance-corrected coefficients (AC1, AC2, kappa, ICC): Landis & Koch (1977) benchmarks.
    Percentages: the share of pairs of jurors who agree.

    With an interval, the reading is the band the whole interval lies in (« fiable » only when
    its lower bound clears 0,800); an interval that spans a threshold reads « indéterminé », with
    the bands it reaches. ``n`` (dossiers) is then named. A negative coefficient gets a sentence.

    >>> reading("krippendorff_alpha", 0.755, 0.403, 0.871, n=11)
    "indéterminé, sur 11 dossiers : l'intervalle à 95 % va de « accord insuffisant pour fonder des conclusions » à « accord fiable »"
    >>> reading("krippendorff_alpha", 0.85, 0.81, 0.9)
    'accord fiable (α ≥ 0,800)'
    """
    if estimate is None or np.isnan(estimate):
        return "non calculable" + (f", sur {n} dossiers" if n is not None else "")
    if statistic.startswith("percent_agreement"):
        within = " à un niveau près" if statistic.endswith("within_one") else ""
        return f"{fr.percent(estimate)} des paires de jurés donnent le même niveau{within}"
    on = f", sur {n} dossiers" if n is not None else ""
    negative = ("" if estimate >= 0 else
                " ; un coefficient négatif dit que les jurés s'accordent moins que ne le ferait le hasard : "
                "sur peu de dossiers, ou quand les dossiers diffèrent peu entre eux, l'estimation tombe sous "
                "zéro sans que les jurés se contredisent systématiquement")
    _, text = _band(statistic, estimate)
    if ci_low is None or ci_high is None or pd.isna(ci_low) or pd.isna(ci_high):
        return text + on + negative
    lo, lo_text = _band(statistic, ci_low)
    hi, hi_text = _band(statistic, ci_high)
    if lo == hi:
        return text + on + negative
    short = [t.split(" (")[0] for t in (lo_text, hi_text)]
    return (f"indéterminé{on} : l'intervalle à 95 % va de « {short[0]} » à "
            f"« {short[1]} »" + negative)


#: Kappa paradox: a high share of identical levels with a low chance-corrected coefficient.
PARADOX_AGREEMENT, PARADOX_COEFFICIENT, PARADOX_GAP = 0.70, 0.40, 0.30


def kappa_paradox_fr(agreement: float, coefficient: float, gwet: float, *, coefficient_name: str = "α",
                     gwet_name: str = "AC2 de Gwet") -> str | None:
    """A French sentence when the jurors agree often but a kappa-type coefficient is low (else None).

    The paradox (Feinstein & Cicchetti 1990, « High agreement but low kappa »): when one level
    takes most ratings, the agreement expected by chance is high, so kappa, Fleiss' kappa or
    Krippendorff's alpha stay low however often the jurors agree; Gwet's AC1/AC2, whose chance
    term shrinks when one level dominates (Gwet 2008), stay near the observed agreement. Told
    when at least 70 % of the pairs agree, the coefficient is under 0,40 and Gwet's is 0,30 higher.

    >>> kappa_paradox_fr(0.85, 0.32, 0.81, coefficient_name="κ", gwet_name="AC1 de Gwet") is not None
    True
    """
    values = (agreement, coefficient, gwet)
    if any(v is None or pd.isna(v) for v in values):
        return None
    if not (agreement >= PARADOX_AGREEMENT and coefficient < PARADOX_COEFFICIENT
            and gwet - coefficient >= PARADOX_GAP):
        return None
    return (f"paradoxe du kappa : {fr.percent(agreement)} des paires de jurés donnent le même niveau, mais "
            f"{coefficient_name} n'est que de {fr.number(coefficient, 2)} ({gwet_name} : {fr.number(gwet, 2)}). "
            f"Un niveau domine les notes : l'accord attendu par hasard est alors élevé, et {coefficient_name} "
            f"tient pour peu informatif un accord pourtant fréquent ; l'{gwet_name}, moins sensible à cette "
            "prévalence, est plus proche de l'accord observé")


def _table(data: pd.DataFrame, *, value: str, scale: str, levels, n_boot: int, seed: int,
           statistics: tuple[str, ...] = REPORTED) -> pd.DataFrame:
    # Only the statistics shown are computed: the others (the ICCs' bootstrap above all) would
    # cost most of the time and be thrown away.
    tab = agreement_table(data, unit="dossier_id", rater="juror_id", value=value, scale=scale, levels=levels,
                          weights="linear", n_boot=n_boot, seed=seed, statistics=statistics)
    tab = tab[tab["statistic"].isin(statistics)].copy()
    tab["n_dossiers"] = tab.attrs["n_units"]
    tab["n_ratings"] = tab.attrs["n_ratings"]
    return tab


# The columns of the ratings an agreement table is computed from (its cache key).
_AGREEMENT_INPUTS = ("dossier_id", "juror_id", "grid", "grid_version", "round", "criterion", "level_code")


def criterion_agreement(ratings: pd.DataFrame, grid: Grid, *, round: str = INDIVIDUAL, n_boot: int = 1000,
                        seed: int = 0, statistics: tuple[str, ...] = REPORTED,
                        criteria_only: bool = False) -> pd.DataFrame:
    """Agreement per criterion, per dimension and overall.

    Returns a tidy frame ``level, group, group_label, statistic, statistic_label, estimate,
    ci_low, ci_high, n_dossiers, n_ratings, reading`` where ``level`` is ``"critère"``,
    ``"dimension"`` or ``"ensemble"``. Criteria use the grid's levels (ordinal scale, linear
    weights on the declared levels) and report ``statistics``; dimensions and the whole grid use
    each juror's mean level over their criteria (interval scale), so that the units stay the
    dossiers, and report Krippendorff's alpha (not computed with ``criteria_only``).

    The table names no dossier: it is kept in the cache (``socinnov.cache``) and shared by every
    report, and every audience, that asks for it on the same ratings.
    """
    statistics = tuple(statistics)
    r = grid_ratings(ratings, grid, round).dropna(subset=["level_code"])
    digest = cache.frame_digest(r, _AGREEMENT_INPUTS, identifiers=("dossier_id", "juror_id"))
    params = {"grid": grid.id, "version": grid.version, "round": round, "n_boot": n_boot, "seed": seed,
              "statistics": statistics, "criteria_only": criteria_only}
    return cache.cached("criterion_agreement", params, digest,
                        lambda: _criterion_agreement(r, grid, n_boot=n_boot, seed=seed, statistics=statistics,
                                                     criteria_only=criteria_only))


def _criterion_agreement(r: pd.DataFrame, grid: Grid, *, n_boot: int, seed: int,
                         statistics: tuple[str, ...], criteria_only: bool) -> pd.DataFrame:
    r = r.assign(level_code=r["level_code"].astype(float))
    levels = [lv.code for lv in grid.levels]
    alpha = ("krippendorff_alpha",)
    parts = []
    for c in grid.criteria:
        tab = _table(r[r["criterion"] == c.id], value="level_code", scale="ordinal", levels=levels,
                     n_boot=n_boot, seed=seed, statistics=statistics)
        parts.append(tab.assign(level="critère", group=c.id, group_label=c.label))
    if criteria_only:
        return _tidy(parts)
    crit_dim = {c.id: c.dimension for c in grid.criteria}
    r = r.assign(dimension=r["criterion"].map(crit_dim))
    for d in grid.dimensions:
        means = r[r["dimension"] == d.id].groupby(["dossier_id", "juror_id"], as_index=False,
                                                  sort=False)["level_code"].mean()
        tab = _table(means, value="level_code", scale="interval", levels=None, n_boot=n_boot, seed=seed,
                     statistics=alpha)
        parts.append(tab.assign(level="dimension", group=d.id, group_label=d.label))
    means = r.groupby(["dossier_id", "juror_id"], as_index=False, sort=False)["level_code"].mean()
    tab = _table(means, value="level_code", scale="interval", levels=None, n_boot=n_boot, seed=seed,
                 statistics=alpha)
    parts.append(tab.assign(level="ensemble", group="grille", group_label="Ensemble de la grille"))
    return _tidy(parts)


def _tidy(parts: list[pd.DataFrame]) -> pd.DataFrame:
    out = pd.concat(parts, ignore_index=True)
    out["statistic_label"] = out["statistic"].map(STATISTIC_LABELS)
    # The interval decides the reading; the tables show the number of dossiers in a column of their own.
    out["reading"] = [reading(s, e, lo, hi) for s, e, lo, hi in
                      zip(out["statistic"], out["estimate"], out["ci_low"], out["ci_high"])]
    return out[["level", "group", "group_label", "statistic", "statistic_label", "estimate", "ci_low", "ci_high",
                "n_dossiers", "n_ratings", "reading"]]


def rounds_comparison(ratings: pd.DataFrame, grid: Grid, *, n_boot: int = 1000, seed: int = 0) -> pd.DataFrame:
    """Krippendorff's alpha per criterion before (individual round) and after the jury's debate.

    Only dossiers rated in both rounds are compared. Columns ``group, group_label, round,
    estimate, ci_low, ci_high, n_dossiers``.
    """
    before = grid_ratings(ratings, grid, INDIVIDUAL).dropna(subset=["level_code"])
    after = grid_ratings(ratings, grid, AFTER_DEBATE).dropna(subset=["level_code"])
    both = set(before["dossier_id"].unique()) & set(after["dossier_id"].unique())  # not row by row: 10⁶ rows
    rows = []
    for round_name, r in ((INDIVIDUAL, before), (AFTER_DEBATE, after)):
        r = r[r["dossier_id"].isin(both)]
        if r.empty:
            continue
        tab = criterion_agreement(r, grid, round=round_name, n_boot=n_boot, seed=seed,
                                  statistics=("krippendorff_alpha",), criteria_only=True)
        tab = tab[(tab["statistic"] == "krippendorff_alpha") & (tab["level"] == "critère")]
        rows.append(tab.assign(round=round_name))
    if not rows:
        return pd.DataFrame(columns=["group", "group_label", "round", "estimate", "ci_low", "ci_high", "n_dossiers"])
    return pd.concat(rows, ignore_index=True)[["group", "group_label", "round", "estimate", "ci_low", "ci_high",
                                               "n_dossiers"]]


def pairwise_agreement(ratings: pd.DataFrame, grid: Grid, *, round: str = INDIVIDUAL) -> pd.DataFrame:
    """Juror by juror: share of identical levels over the (dossier, criterion) pairs both rated.

    Long frame ``juror_a, juror_b, agreement, n_ratings, n_dossiers`` (both orders, no diagonal),
    sorted by juror.
    """
    r = grid_ratings(ratings, grid, round).dropna(subset=["level_code"])
    # Pairs are formed on integer codes, cell by cell (a cell: one dossier's criterion), and
    # counted with bincount: a self-join on the identifier strings took seconds at 10 000
    # dossiers x 8 jurors (tens of millions of pairs). Jurors are coded in sorted order.
    juror, names = pd.factorize(r["juror_id"], sort=True)
    dossier, dossiers = pd.factorize(r["dossier_id"])
    cell = r.groupby(["dossier_id", "criterion"], sort=False).ngroup().to_numpy()
    order = np.argsort(cell, kind="stable")
    cell, juror, dossier = cell[order], juror[order], dossier[order]
    level = r["level_code"].to_numpy(dtype=float)[order]
    starts = np.flatnonzero(np.r_[True, cell[1:] != cell[:-1]])
    sizes = np.diff(np.r_[starts, len(cell)])
    per_row = np.repeat(sizes, sizes)  # each rating pairs with every rating of its cell
    a = np.repeat(np.arange(len(cell)), per_row)
    b = np.repeat(np.repeat(starts, sizes), per_row) + (np.arange(len(a)) - np.repeat(np.cumsum(per_row) - per_row,
                                                                                      per_row))
    keep = juror[a] != juror[b]
    a, b = a[keep], b[keep]
    n_jurors = len(names)
    pair = juror[a].astype(np.int64) * n_jurors + juror[b]
    n_ratings = np.bincount(pair, minlength=n_jurors**2)
    same = np.bincount(pair, weights=(level[a] == level[b]).astype(float), minlength=n_jurors**2)
    shared = np.unique(pair * max(len(dossiers), 1) + dossier[a]) // max(len(dossiers), 1)
    n_dossiers = np.bincount(shared, minlength=n_jurors**2)
    found = np.flatnonzero(n_ratings)
    return pd.DataFrame({"juror_a": names.take(found // n_jurors), "juror_b": names.take(found % n_jurors),
                         "agreement": same[found] / n_ratings[found], "n_ratings": n_ratings[found].astype("int64"),
                         "n_dossiers": n_dossiers[found].astype("int64")})


def range_restriction_note(dossier_ids, decisions: pd.DataFrame) -> str | None:
    """A warning when the rated dossiers are only retained (or funded) ones, else ``None``.

    Agreement coefficients compare the spread between dossiers with the spread between jurors;
    on a selected subset the first shrinks, so the coefficients are biased toward zero.
    """
    ids = set(dossier_ids)
    if not ids or decisions.empty:
        return None
    decided = decisions.set_index("dossier_id")["decision"].reindex(sorted(ids))
    if decided.isna().any() or not decided.isin(RETAINED).all():
        return None
    which = "financés" if (decided == FUNDED).all() else "retenus"
    return (f"Ces dossiers sont les seuls dossiers {which} ({len(ids)}) : leur diversité est restreinte par la "
            "sélection, si bien que les coefficients d'accord sont biaisés vers zéro (restriction de l'étendue). "
            "Un accord faible ici ne signifie pas, à lui seul, que les jurés lisent le critère différemment.")


def agreement_table_fr(agreement: pd.DataFrame) -> pd.DataFrame:
    """The agreement table as the report shows it: one row per group, French headers.

    Each row names its number of dossiers; the « Lecture » follows the interval of Krippendorff's
    alpha (:func:`reading`) and tells the kappa paradox (:func:`kappa_paradox_fr`) where it occurs.
    """
    keys = ["level", "group", "group_label"]
    order = pd.MultiIndex.from_frame(agreement[keys].drop_duplicates())
    wide = agreement.set_index(keys + ["statistic"])[["estimate", "ci_low", "ci_high"]].unstack("statistic")
    wide = wide.reindex(order)
    n_dossiers = agreement.groupby(keys, sort=False)["n_dossiers"].first().reindex(order)
    alpha = agreement[agreement["statistic"] == "krippendorff_alpha"].set_index(keys)["reading"].reindex(order)
    rows = []
    for (level, group, label), r in wide.iterrows():
        def ci(stat, r=r):
            if ("estimate", stat) not in r:
                return "–"
            return fr.interval(r[("estimate", stat)], r[("ci_low", stat)], r[("ci_high", stat)], 3)

        def est(stat, r=r):
            return r.get(("estimate", stat), np.nan)
        row = {"Critère" if level == "critère" else "Niveau": label if level == "critère" else f"{label} ({level})",
               "Dossiers": int(n_dossiers[(level, group, label)]),
               "Alpha de Krippendorff [IC 95 %]": ci("krippendorff_alpha")}
        if level == "critère":
            row |= {"AC2 de Gwet [IC 95 %]": ci("gwet_ac2"), "Accord exact": ci("percent_agreement"),
                    "Accord à un niveau près": ci("percent_agreement_within_one")}
        text = alpha[(level, group, label)]
        paradox = kappa_paradox_fr(est("percent_agreement"), est("krippendorff_alpha"), est("gwet_ac2"))
        row["Lecture"] = "–" if pd.isna(text) else text + (f" ; {paradox}" if paradox else "")
        rows.append(row)
    out = pd.DataFrame(rows)
    if "Niveau" in out:
        out["Critère"] = out["Critère"].fillna(out.pop("Niveau"))
    out = out[["Critère"] + [c for c in out.columns if c not in ("Critère", "Lecture")] + ["Lecture"]]
    return out.fillna("–")


def severity_summary(effects) -> str:
    """A French paragraph on the jurors' severity: spread, most severe and most lenient."""
    s = effects.severity.sort_values("effect")
    hard, soft = s.iloc[0], s.iloc[-1]
    clear = s[(s["ci_high"] < 0) | (s["ci_low"] > 0)]
    text = (f"Le juré le plus sévère ({hard.juror_id}) note en moyenne {fr.number(-hard.effect, 2)} niveau "
            f"en dessous du juré moyen, le plus indulgent ({soft.juror_id}) {fr.number(soft.effect, 2)} au-dessus. "
            f"{len(clear)} juré(s) sur {len(s)} s'écartent du juré moyen au-delà de l'incertitude (intervalle à 95 % "
            f"qui exclut zéro). Les dossiers varient entre eux (variance {fr.number(effects.dossier_variance, 3)}) "
            f"davantage que les notes d'un même dossier d'un juré à l'autre, hors sévérité "
            f"(variance résiduelle {fr.number(effects.residual_variance, 3)})."
            if effects.dossier_variance > effects.residual_variance else
            f"Le juré le plus sévère ({hard.juror_id}) note en moyenne {fr.number(-hard.effect, 2)} niveau en dessous "
            f"du juré moyen, le plus indulgent ({soft.juror_id}) {fr.number(soft.effect, 2)} au-dessus. Attention : "
            f"les notes d'un même dossier varient plus d'un juré à l'autre (variance "
            f"{fr.number(effects.residual_variance, 3)}) que les dossiers entre eux "
            f"({fr.number(effects.dossier_variance, 3)}).")
    n = int(effects.adjusted["dossier_id"].nunique())
    text += f" Estimé sur {n} dossiers."
    if effects.dossier_variance <= 0:
        text += (" La variance entre dossiers est estimée nulle (une variance ne peut être négative : l'estimation "
                 "s'arrête à zéro) : une fois la sévérité des jurés retirée, les notes ne distinguent pas les "
                 "dossiers les uns des autres au-delà du hasard.")
    if n < 20:
        text += (" Sur si peu de dossiers, la sévérité de chaque juré est mal séparée de la qualité des dossiers qu'il "
                 "a notés : à lire comme une indication.")
    if effects.n_components > 1:
        text += (f" Le plan de notation se divise en {effects.n_components} groupes sans juré commun : ces écarts ne "
                 "sont pas comparables d'un groupe à l'autre.")
    return text


def decision_changes_fr(effects, decisions: pd.DataFrame) -> pd.DataFrame:
    """Dossiers that would enter or leave the retained set if ranked on adjusted scores."""
    from socinnov.analysis.juror_effects import decision_changes

    rated = set(effects.adjusted["dossier_id"])
    n_selected = int(decisions[decisions["dossier_id"].isin(rated)]["decision"].isin(RETAINED).sum())
    changes = decision_changes(effects.adjusted, n_selected=n_selected)
    scores = effects.adjusted.set_index("dossier_id")
    return pd.DataFrame({
        "Dossier": changes["dossier_id"],
        "Rang (score brut)": changes["raw_rank"],
        "Rang (score ajusté)": changes["adjusted_rank"],
        "Score brut": changes["dossier_id"].map(scores["raw_score"]).to_numpy(),
        "Score ajusté": changes["dossier_id"].map(scores["adjusted_score"]).to_numpy(),
        "Avec l'ajustement": changes["change"].map({"entre": f"entrerait parmi les {n_selected} premiers",
                                                    "sort": f"sortirait des {n_selected} premiers",
                                                    "ex aequo au seuil": f"à égalité au seuil des {n_selected} premiers"}).to_numpy(),
    })
