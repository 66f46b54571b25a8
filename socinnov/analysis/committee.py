"""The technical committee's sheet: the rules that turn a criterion's evidence into an action.

Every per-criterion statistic of a grid (``criteria``, ``discrimination``, the agreement of
``jury_agreement``) is gathered by :func:`analyse_criteria`; :func:`suggest_actions` applies the
committee's documented thresholds (:class:`Rules`, worded by :func:`rules_fr`) to suggest, per
criterion, to reconsider, merge, clarify or keep it. :func:`criterion_profile` is the compact
profile two grid versions are compared on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from socinnov import cache, fr
from socinnov.analysis.consistency import internal_consistency, item_rest
from socinnov.analysis.criteria import (
    correlation_pairs,
    dossier_levels,
    groups_of,
    item_statistics,
    level_distribution,
    rank_correlations,
)
from socinnov.analysis.discrimination import UNSTABLE_OR, decision_outcome, discrimination
from socinnov.analysis.jury_agreement import criterion_agreement
from socinnov.call.grids import Grid, grid_ratings
from socinnov.call.vocabulary import INDIVIDUAL

__all__ = ["ACTIONS", "CriteriaAnalysis", "Rules", "analyse_criteria", "criterion_profile", "halo", "halo_fr",
           "rules_fr", "suggest_actions"]

#: Suggested actions of the committee sheet, in order of precedence.
ACTIONS = {
    "reconsider": "réexaminer le critère",
    "merge": "fusionner avec un autre critère",
    "clarify": "clarifier les descripteurs",
    "keep": "conserver",
}


def _alpha_per_criterion(agreement: pd.DataFrame) -> pd.DataFrame:
    a = agreement[(agreement["level"] == "critère") & (agreement["statistic"] == "krippendorff_alpha")]
    return a.set_index("group")[["estimate", "ci_low", "ci_high"]].rename(
        columns={"estimate": "alpha", "ci_low": "alpha_low", "ci_high": "alpha_high"})


def criterion_profile(ratings: pd.DataFrame, grid: Grid, decisions: pd.DataFrame | None = None, *,
                      round: str = INDIVIDUAL, outcome: str = "retenu", n_boot: int = 1000, seed: int = 0,
                      agreement: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per criterion: level shares, mean level, floor, ceiling, agreement, discrimination.

    The compact profile that two calls rated with different grid versions are compared on
    (``socinnov.call.crosswalk.compare_versions``).

    Parameters
    ----------
    ratings : pandas.DataFrame
        Long ratings table.
    grid : Grid
    decisions : pandas.DataFrame, optional
        ``dossier_id, decision``; without it the discrimination columns are NaN.
    round, outcome, n_boot, seed
        See :func:`analyse_criteria`.
    agreement : pandas.DataFrame, optional
        ``socinnov.analysis.jury_agreement.criterion_agreement`` output, if already computed.

    Returns
    -------
    pandas.DataFrame
        ``criterion, criterion_label, dimension, n_dossiers, n_ratings, share_0…share_q,
        mean_level, floor, ceiling, missing_rate, alpha, alpha_low, alpha_high, odds_ratio,
        or_low, or_high, auc``.
    """
    items = item_statistics(ratings, grid, round=round)
    dist = level_distribution(ratings, grid, round=round)
    shares = dist.pivot(index="criterion", columns="level_code", values="share")
    shares.columns = [f"share_{c}" for c in shares.columns]
    if agreement is None:
        agreement = criterion_agreement(ratings, grid, round=round, n_boot=n_boot, seed=seed)
    out = (items[["criterion", "criterion_label", "dimension", "n_dossiers", "n_ratings", "mean_level", "floor",
                  "ceiling", "missing_rate"]]
           .join(shares, on="criterion").join(_alpha_per_criterion(agreement), on="criterion"))
    if decisions is not None and len(decisions):
        disc = discrimination(dossier_levels(ratings, grid, round=round), decision_outcome(decisions, outcome), grid)
        disc = disc.set_index("criterion")[["odds_ratio", "ci_low", "ci_high", "auc"]].rename(
            columns={"ci_low": "or_low", "ci_high": "or_high"})
        out = out.join(disc, on="criterion")
    else:
        out = out.assign(odds_ratio=np.nan, or_low=np.nan, or_high=np.nan, auc=np.nan)
    return out


@dataclass(frozen=True)
class Rules:
    """The committee sheet's thresholds (documented, and parameters of the report).

    Attributes
    ----------
    alpha_below : float
        Clarify a criterion whose Krippendorff's alpha is below this… (0,667: Krippendorff's
        lowest bound for tentative conclusions, *Content Analysis*, 2nd ed., 2004, p. 241)
    wide_spread : float
        …and on which the jurors are ``min_spread`` levels apart or more on at least this share
        of the dossiers they rated together.
    min_spread : int
        Levels apart that make a wide spread (the debate sheets' rule).
    rho_merge : float
        Suggest merging two criteria whose Spearman ρ over the dossiers reaches this…
    min_dossiers : int
        …computed on at least this many dossiers rated on both (a ρ on fewer dossiers, e.g. in
        a « si pertinent » section, is too uncertain to merge on).
    floor_ceiling : float
        Reconsider a criterion that does not discriminate (odds ratio's interval includes 1)
        and whose lowest or highest level takes more than this share of the ratings.
    halo_share : float
        When more than this share of the criteria reach ``rho_merge`` with another one, the
        correlations are read as a halo (one judgement of the whole dossier, or of a whole
        dimension, spread over its criteria: Thorndike 1920; Cooper 1981, « Ubiquitous halo »,
        *Psychological Bulletin* 90, 218-244) rather than as redundant pairs…
    halo_margin : float
        …and merging is then suggested only for a pair that stands out of the halo: its ρ exceeds
        by at least this margin every correlation either criterion has with a third one.
    """

    alpha_below: float = 0.667
    wide_spread: float = 0.10
    min_spread: int = 2
    rho_merge: float = 0.80
    min_dossiers: int = 20
    floor_ceiling: float = 0.50
    halo_share: float = 0.50
    halo_margin: float = 0.05


#: How the sheet names the dossiers a criterion should single out, per outcome.
_DISTINGUISHED = {"retenu": "les dossiers retenus des autres", "financé": "les dossiers financés des réorientés"}


def rules_fr(rules: Rules = Rules(), outcome: str = "retenu") -> str:
    """The rules of the committee sheet, in French (markdown list), in order of precedence."""
    p = fr.percent
    intro = ("Règles appliquées, dans cet ordre (la première qui s'applique donne l'action ; les autres constats "
             "restent signalés) :")
    reconsider = (f"1. **{ACTIONS['reconsider'].capitalize()}** quand le critère ne distingue pas "
                  f"{_DISTINGUISHED[outcome]} (l'intervalle de confiance à 95 % du rapport de cotes contient 1) "
                  f"**et** qu'un effet plancher ou plafond dépasse {p(rules.floor_ceiling)} des notes (plus de "
                  f"{p(rules.floor_ceiling)} au niveau le plus bas ou le plus haut) : le critère ne sépare ni les "
                  "dossiers entre eux ni selon la décision.")
    merge = (f"2. **{ACTIONS['merge'].capitalize()}** quand la corrélation de rang de Spearman entre les deux "
             f"critères, sur les niveaux moyens des dossiers, atteint {fr.number(rules.rho_merge, 2)} : les deux "
             "critères classent les dossiers de la même façon (la règle vaut dans les deux sens : chacun des deux "
             "critères est signalé ; seules comptent les paires notées ensemble sur au moins "
             f"{rules.min_dossiers} dossiers, les autres sont dites « non évaluées »). Quand plus de "
             f"{p(rules.halo_share)} des critères atteignent ce seuil, les corrélations viennent d'un effet de "
             "halo (un jugement d'ensemble du dossier, ou de toute une dimension, reporté sur chacun de ses "
             "critères) plutôt que de paires redondantes : la fusion n'est alors suggérée que pour une paire qui "
             f"se détache du halo (ρ supérieur d'au moins {fr.number(rules.halo_margin, 2)} à toute corrélation "
             "de l'un des deux critères avec un troisième).")
    clarify = (f"3. **{ACTIONS['clarify'].capitalize()}** quand l'alpha de Krippendorff du critère est inférieur à "
               f"{fr.number(rules.alpha_below, 3)} (seuil de Krippendorff pour des conclusions provisoires) **et** "
               f"que les jurés s'écartent de {rules.min_spread} niveaux ou plus sur au moins "
               f"{p(rules.wide_spread)} des dossiers qu'ils ont notés ensemble : les jurés ne lisent pas les "
               "descripteurs de la même façon.")
    keep = f"4. **{ACTIONS['keep'].capitalize()}** sinon."
    return f"{intro}\n\n{reconsider}\n{merge}\n{clarify}\n{keep}"


def _stands_out(pairs: pd.DataFrame, margin: float) -> set[frozenset]:
    """Pairs whose ρ exceeds by ``margin`` every correlation either criterion has with a third one."""
    rho = {}
    for r in pairs.itertuples():
        if np.isfinite(r.rho):
            rho[frozenset((r.criterion_a, r.criterion_b))] = r.rho
    out = set()
    for key, value in rho.items():
        a, b = tuple(key)
        others = [v for k, v in rho.items() if k != key and (a in k or b in k)]
        if not others or value >= max(others) + margin:
            out.add(key)
    return out


def halo(correlations: pd.DataFrame, pairs: pd.DataFrame, grid: Grid, rules: Rules = Rules()) -> dict:
    """Is the grid read through a halo? The correlations' summary the committee sheet states.

    Returns a dict: ``n_criteria``, ``n_dossiers`` (the fewest a pair was rated on), ``flagged``
    (criteria reaching ``rules.rho_merge`` with another one, on enough dossiers), ``detected``
    (more than ``rules.halo_share`` of the criteria flagged), ``mean_rho`` (all pairs),
    ``within`` and ``between`` (mean ρ of the pairs inside a dimension and across dimensions),
    ``first_factor`` (share of the variance of the Spearman matrix taken by its first
    eigenvalue), ``general`` (the halo crosses the dimensions: mean ρ across dimensions at
    least 0,50), ``standing_out`` (the pairs that stand out of it, as frozensets).
    """
    out = {"n_criteria": len(correlations), "flagged": 0, "detected": False, "mean_rho": np.nan,
           "within": np.nan, "between": np.nan, "first_factor": np.nan, "general": False, "standing_out": set(),
           "n_dossiers": int(pairs["n"].min()) if len(pairs) else 0}
    if pairs.empty or not np.isfinite(pairs["rho"]).any():
        return out
    dims = {c.id: c.dimension for c in grid.criteria}
    p = pairs[np.isfinite(pairs["rho"])]
    same = p["criterion_a"].map(dims) == p["criterion_b"].map(dims)
    strong = p[(p["rho"] >= rules.rho_merge) & (p["n"] >= rules.min_dossiers)]
    flagged = set(strong["criterion_a"]) | set(strong["criterion_b"])
    m = correlations.to_numpy(dtype=float)
    first = np.nan
    if np.isfinite(m).all() and len(m) > 1:
        first = float(np.linalg.eigvalsh(m)[-1] / len(m))
    out |= {"flagged": len(flagged), "mean_rho": float(p["rho"].mean()),
            "within": float(p.loc[same, "rho"].mean()) if same.any() else np.nan,
            "between": float(p.loc[~same, "rho"].mean()) if (~same).any() else np.nan,
            "first_factor": first}
    out["detected"] = bool(len(correlations) > 2 and len(flagged) > rules.halo_share * len(correlations))
    out["general"] = bool(np.isfinite(out["between"]) and out["between"] >= 0.5)
    out["standing_out"] = _stands_out(p, rules.halo_margin) if out["detected"] else set()
    return out


def halo_fr(h: dict, rules: Rules = Rules()) -> str | None:
    """The sheet's sentence on the halo (``None`` without one)."""
    if not h["detected"]:
        return None
    num = fr.number
    where = ("sur toute la grille (un jugement d'ensemble du dossier)" if h["general"] else
             "dimension par dimension (les critères d'une même dimension sont notés comme un seul)")
    kept = len(h["standing_out"])
    return (f"Effet de halo {where} : {h['flagged']} critères sur {h['n_criteria']} atteignent un ρ de Spearman de "
            f"{num(rules.rho_merge, 2)} avec un autre critère ; ρ moyen {num(h['within'], 2)} entre critères d'une "
            f"même dimension, {num(h['between'], 2)} entre dimensions ; le premier facteur rend compte de "
            f"{fr.percent(h['first_factor'])} de la variance. Ces corrélations disent que les jurés ne distinguent "
            "guère les critères, pas que chaque paire est redondante : la fiche ne suggère pas de fusionner "
            "presque tous les critères, "
            + (f"seulement {kept} paire(s) qui se détachent du halo." if kept else
               "aucune paire ne se détachant du halo. Le comité peut plutôt préciser ce qui distingue les "
               "critères d'une même dimension (descripteurs, exemples) avant l'appel suivant."))


def suggest_actions(evidence: pd.DataFrame, pairs: pd.DataFrame, rules: Rules = Rules(),
                    outcome: str = "retenu", halo: dict | None = None) -> pd.DataFrame:
    """Apply the committee's rules to the per-criterion evidence.

    Parameters
    ----------
    evidence : pandas.DataFrame
        One row per criterion with ``criterion, criterion_label, alpha, wide_spread, floor,
        ceiling, or_low, or_high, discriminates``.
    pairs : pandas.DataFrame
        :func:`correlation_pairs` output (``criterion_a, criterion_b, rho``).
    rules : Rules
    outcome : {'retenu', 'financé'}
        The decision the discrimination refers to (for the wording).
    halo : dict, optional
        :func:`halo`; when it is detected, only the pairs that stand out of it are merged, the
        others are told among the other findings.

    Returns
    -------
    pandas.DataFrame
        ``evidence`` with ``action`` (a key of :data:`ACTIONS`), ``action_label``, ``rule``
        (the rule that decided, with this criterion's figures, in French), ``other_findings``
        and ``merge_with`` (criterion ids).

    Examples
    --------
    >>> ev = pd.DataFrame({"criterion": ["a", "b"], "criterion_label": ["A", "B"], "alpha": [0.9, 0.9],
    ...                    "wide_spread": [0.0, 0.0], "floor": [0.1, 0.1], "ceiling": [0.1, 0.1],
    ...                    "or_low": [2.0, 2.0], "or_high": [5.0, 5.0], "discriminates": [True, True]})
    >>> pairs = pd.DataFrame({"criterion_a": ["a"], "criterion_b": ["b"], "rho": [1.0], "n": [50]})
    >>> suggest_actions(ev, pairs)["action"].tolist()
    ['merge', 'merge']
    """
    labels = dict(zip(evidence["criterion"], evidence["criterion_label"]))
    partners: dict[str, list[tuple[str, float]]] = {c: [] for c in evidence["criterion"]}
    in_halo: dict[str, list[tuple[str, float]]] = {}
    too_few: dict[str, list[tuple[str, float, int]]] = {}
    halo_on = bool(halo and halo.get("detected"))
    for r in pairs.itertuples():
        if not (np.isfinite(r.rho) and r.rho >= rules.rho_merge):
            continue
        if r.n < rules.min_dossiers:
            target = too_few
            items = ((r.criterion_a, (r.criterion_b, r.rho, r.n)), (r.criterion_b, (r.criterion_a, r.rho, r.n)))
        else:
            target = (in_halo if halo_on and frozenset((r.criterion_a, r.criterion_b)) not in halo["standing_out"]
                      else partners)
            items = ((r.criterion_a, (r.criterion_b, r.rho)), (r.criterion_b, (r.criterion_a, r.rho)))
        for c, item in items:
            target.setdefault(c, []).append(item)
    num = fr.number
    out = []
    for e in evidence.itertuples():
        found = []
        fc = max(e.floor, e.ceiling) if np.isfinite(e.floor) else np.nan
        if not e.discriminates and np.isfinite(fc) and fc > rules.floor_ceiling:
            where = "plancher" if e.floor >= e.ceiling else "plafond"
            ci = (f"rapport de cotes {fr.bounds(e.or_low, e.or_high, 2, limit=UNSTABLE_OR)} contenant 1"
                  if np.isfinite(e.or_low) else "rapport de cotes non estimable")
            found.append(("reconsider", (f"ne distingue pas {_DISTINGUISHED[outcome]} ({ci}) et effet {where} de "
                                         f"{fr.percent(fc)} (> {fr.percent(rules.floor_ceiling)})")))
        mates = sorted(partners.get(e.criterion, []), key=lambda t: -t[1])
        if mates:
            found.append(("merge", "ρ de Spearman ≥ " + num(rules.rho_merge, 2) + " avec "
                          + ", ".join(f"« {labels.get(m, m)} » ({num(r, 2)})" for m, r in mates)))
        if (np.isfinite(e.alpha) and e.alpha < rules.alpha_below and np.isfinite(e.wide_spread)
                and e.wide_spread >= rules.wide_spread):
            found.append(("clarify", (f"α de Krippendorff {num(e.alpha, 3)} < {num(rules.alpha_below, 3)} et jurés "
                                      f"à {rules.min_spread} niveaux ou plus d'écart sur {fr.percent(e.wide_spread)} "
                                      f"des dossiers (seuil {fr.percent(rules.wide_spread)})")))
        notes = []  # findings that suggest no action: told, not applied
        halo_mates = sorted(in_halo.get(e.criterion, []), key=lambda t: -t[1])
        if halo_mates:
            notes.append("ρ ≥ " + num(rules.rho_merge, 2) + " avec "
                         + ", ".join(f"« {labels.get(m, m)} » ({num(r, 2)})" for m, r in halo_mates)
                         + " : dans le halo, fusion non suggérée")
        few = sorted(too_few.get(e.criterion, []), key=lambda t: -t[1])
        if few:
            notes.append(f"fusion non évaluée (n = {min(n for *_, n in few)} < {rules.min_dossiers}) : "
                         "ρ ≥ " + num(rules.rho_merge, 2) + " avec "
                         + ", ".join(f"« {labels.get(m, m)} » ({num(r, 2)})" for m, r, _ in few))
        if not found:
            reasons = []
            if np.isfinite(e.alpha) and e.alpha < rules.alpha_below:
                reasons.append(f"α {num(e.alpha, 3)} sous {num(rules.alpha_below, 3)}, mais écarts de "
                               f"{rules.min_spread} niveaux rares ({fr.percent(e.wide_spread)})")
            found.append(("keep", "aucune règle ne s'applique" + (" (" + "; ".join(reasons) + ")" if reasons else "")))
        precedence = list(ACTIONS)
        found.sort(key=lambda t: precedence.index(t[0]))
        action, rule = found[0]
        out.append({"action": action, "action_label": ACTIONS[action], "rule": rule,
                    "other_findings": " ; ".join([f"{ACTIONS[a]} : {t}" for a, t in found[1:]] + notes),
                    "merge_with": [m for m, _ in mates]})
    return pd.concat([evidence.reset_index(drop=True), pd.DataFrame(out)], axis=1)


@dataclass
class CriteriaAnalysis:
    """Everything the criteria report shows about one grid (see :func:`analyse_criteria`)."""

    grid: Grid
    round: str
    outcome: str
    rules: Rules
    wide: pd.DataFrame
    items: pd.DataFrame
    distribution: pd.DataFrame
    agreement: pd.DataFrame
    item_rest: pd.DataFrame
    consistency: pd.DataFrame
    correlations: pd.DataFrame
    pairs: pd.DataFrame
    discrimination: pd.DataFrame
    evidence: pd.DataFrame
    halo: dict | None = None



def analyse_criteria(ratings: pd.DataFrame, grid: Grid, decisions: pd.DataFrame | None = None, *,
                     round: str = INDIVIDUAL, outcome: str = "retenu", rules: Rules = Rules(),
                     n_boot: int = 1000, seed: int = 0) -> CriteriaAnalysis:
    """Every per-criterion statistic of one grid, and the committee's suggested actions.

    Parameters
    ----------
    ratings : pandas.DataFrame
        Long ratings table (any grids and versions: only ``grid``'s are used).
    grid : Grid
        The grid, in the version the ratings used.
    decisions : pandas.DataFrame, optional
        ``dossier_id, decision``; needed for the discrimination. Without decisions the
        "reconsider" rule cannot be checked and suggests nothing.
    round : str
        ``"individuel"`` (default: each juror's own reading) or ``"après débat"``.
    outcome : {'retenu', 'financé'}
        What the criteria should discriminate (:func:`decision_outcome`).
    rules : Rules
    n_boot, seed
        Bootstrap of the agreement and rank-alpha intervals.

    Returns
    -------
    CriteriaAnalysis
    """
    wide = dossier_levels(ratings, grid, round=round)
    agreement = criterion_agreement(ratings, grid, round=round, n_boot=n_boot, seed=seed)
    shared = _shared_statistics(ratings, grid, decisions, wide, round=round, outcome=outcome, rules=rules,
                                n_boot=n_boot, seed=seed)
    items, dist, rest, consistency, pairs, correlations = (shared[k] for k in (
        "items", "distribution", "item_rest", "consistency", "pairs", "correlations"))
    if decisions is not None and len(decisions):
        disc = shared["discrimination"]
    else:
        disc = pd.DataFrame({"criterion": wide.columns, "odds_ratio": np.nan, "ci_low": np.nan, "ci_high": np.nan,
                             "auc": np.nan, "auc_low": np.nan, "auc_high": np.nan, "discriminates": True,
                             "note": "pas de décisions"})
    best = {}
    for r in pairs.itertuples():
        for a, b in ((r.criterion_a, r.criterion_b), (r.criterion_b, r.criterion_a)):
            if np.isfinite(r.rho) and (a not in best or r.rho > best[a][1]):
                best[a] = (b, r.rho)
    evidence = (items.join(_alpha_per_criterion(agreement), on="criterion")
                .join(rest.set_index("criterion")[["r"]].rename(columns={"r": "item_rest"}), on="criterion")
                .join(disc.set_index("criterion")[["odds_ratio", "ci_low", "ci_high", "auc", "discriminates"]]
                      .rename(columns={"ci_low": "or_low", "ci_high": "or_high"}), on="criterion"))
    evidence["max_rho"] = evidence["criterion"].map(lambda c: best.get(c, (None, np.nan))[1])
    evidence["max_rho_with"] = evidence["criterion"].map(lambda c: best.get(c, (None, np.nan))[0])
    h = halo(correlations, pairs, grid, rules)
    evidence = suggest_actions(evidence, pairs, rules, outcome, halo=h)
    return CriteriaAnalysis(grid=grid, round=round, outcome=outcome, rules=rules, wide=wide, items=items,
                            distribution=dist, agreement=agreement, item_rest=rest, consistency=consistency,
                            correlations=correlations, pairs=pairs, discrimination=disc,
                            evidence=evidence, halo=h)


# The ratings columns the grid's statistics read, as for the agreement tables: their cache key.
_INPUTS = ("dossier_id", "juror_id", "grid", "grid_version", "round", "criterion", "level_code")


def _shared_statistics(ratings: pd.DataFrame, grid: Grid, decisions: pd.DataFrame | None, wide: pd.DataFrame, *,
                       round: str, outcome: str, rules: Rules, n_boot: int, seed: int) -> dict[str, pd.DataFrame]:
    """The per-criterion (and per-dimension) tables of :func:`analyse_criteria`, computed once for
    every report and audience that asks for them on the same ratings (``socinnov.cache``).

    None names a dossier. The key reads the grid's ratings of the round with dossiers and jurors by
    rank of first appearance, and each rated dossier's outcome in that order: the committee's copy
    (same rows under pseudonyms) has the jury's key. So that a result depends on nothing else, the
    dossier-level statistics (bootstrap and permutations included) run on ``wide`` with its dossiers
    in order of first appearance, not sorted by identifier (the jury's order when the ratings list
    the dossiers in identifier order, as the processed cohort does).
    """
    r = grid_ratings(ratings, grid, round)
    order = pd.unique(r["dossier_id"])
    first = wide.loc[[d for d in order if d in wide.index]]
    y = decision_outcome(decisions, outcome) if decisions is not None and len(decisions) else None
    outcomes = pd.DataFrame({"y": (y.reindex(order) if y is not None else pd.Series(np.nan, index=order))
                             .to_numpy(dtype=float)})
    digest = cache.frame_digest(r, _INPUTS, identifiers=("dossier_id", "juror_id")) + cache.frame_digest(outcomes, ["y"])
    params = {"grid": grid.id, "version": grid.version, "round": round, "outcome": outcome, "n_boot": n_boot,
              "seed": seed, "min_spread": rules.min_spread, "rho_merge": rules.rho_merge,
              "criteria": [(c.id, c.label, c.dimension) for c in grid.criteria]}
    computations = {
        "items": lambda: item_statistics(ratings, grid, round=round, min_spread=rules.min_spread),
        "distribution": lambda: level_distribution(ratings, grid, round=round),
        "item_rest": lambda: item_rest(first, groups_of(grid, "dimension")),
        "consistency": lambda: internal_consistency(first, grid, n_boot=n_boot, seed=seed),
        "pairs": lambda: correlation_pairs(first, grid, threshold=rules.rho_merge),
        "correlations": lambda: rank_correlations(first),
    }
    if y is not None:
        computations["discrimination"] = lambda: discrimination(first, y, grid)
    return {name: cache.cached(f"criteria_{name}", params, digest, compute) for name, compute in computations.items()}
