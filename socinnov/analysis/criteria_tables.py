"""The criteria report's French tables and sentences (``*_fr``): headers and values as readers see them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from socinnov import fr
from socinnov.analysis.committee import ACTIONS, CriteriaAnalysis, halo_fr
from socinnov.analysis.criteria import criterion_labels
from socinnov.analysis.criteria_structure import StructureCheck
from socinnov.analysis.discrimination import UNSTABLE_OR
from socinnov.call.grids import Grid

__all__ = [
    "committee_sheet_fr",
    "consistency_table_fr",
    "discrimination_table_fr",
    "feasibility_table_fr",
    "items_table_fr",
    "odds_ratio_fr",
    "redundant_pairs_fr",
    "relevance_fr",
    "risk_table_fr",
    "sheet_summary_fr",
    "structure_summary_fr",
    "within_between_fr",
]


GROUPING_LABELS = {"dimension": "les trois dimensions (Portage, Contenu, Contexte)",
                   "generic": "les quatre critères d'appréciation génériques"}


def structure_summary_fr(checks: list[StructureCheck], contrasts: dict[str, pd.DataFrame],
                         parallel: pd.DataFrame) -> str:
    """A French paragraph: how many factors the data suggest and whether each grouping holds.

    Parameters
    ----------
    checks : list of StructureCheck
    contrasts : dict
        Grouping -> :func:`within_between` table.
    parallel : pandas.DataFrame
        :func:`parallel_analysis` result.

    Returns
    -------
    str
    """
    parts = [(f"L'analyse parallèle de Horn retient {parallel.attrs['suggested']} facteur(s) sur "
              f"{parallel.attrs['n']} dossiers.")]
    for chk in checks:
        name = GROUPING_LABELS.get(chk.grouping, chk.grouping)
        n_ok = int(chk.assignment["matched"].sum())
        n = len(chk.assignment)
        if chk.holds:
            verdict = (f"la structure en {name} se retrouve : avec {chk.n_factors} facteurs, chacun des {n} critères "
                       f"sature d'abord le facteur de son groupe (saturation ≥ {fr.number(chk.min_loading, 2)})")
        else:
            off = chk.assignment[~chk.assignment["matched"]]
            verdict = (f"la structure en {name} ne se retrouve qu'en partie : avec {chk.n_factors} facteurs, "
                       f"{n_ok} critère(s) sur {n} saturent d'abord le facteur de leur groupe ; à part : "
                       + ", ".join(f"{r.criterion_label} ({r.group_label})" for r in off.itertuples()))
        c = contrasts.get(chk.grouping)
        if c is not None:
            tot = c[c["group"] == "ensemble"].iloc[0]
            p = c.attrs["p_value"]
            verdict += (f". Corrélation de rang moyenne entre critères d'un même groupe "
                        f"{fr.number(tot['within'], 2)}, entre groupes {fr.number(tot['between'], 2)} "
                        f"({'p = ' + fr.number(p, 3) if p >= 0.001 else 'p < 0,001'}, test de permutation)")
        parts.append(verdict[0].upper() + verdict[1:] + ".")
    return " ".join(parts)

def odds_ratio_fr(estimate: float, low: float, high: float) -> str:
    """An odds ratio with its interval, or, when the interval reaches past :data:`UNSTABLE_OR`
    (near separation on few dossiers), a statement that the data cannot separate: such an
    estimate (« 115,47 [0,19 ; > 1 000] ») is not a finding.

    >>> odds_ratio_fr(2.5, 1.2, 5.1)
    '2,50 [1,20 ; 5,10]'
    >>> odds_ratio_fr(115.47, 0.19, 7.0e4)
    'les données ne permettent pas de trancher [0,19 ; > 1\u202f000]'
    """
    if estimate is None or pd.isna(estimate) or np.isinf(estimate) or estimate == 0:
        return fr.interval(estimate, low, high, 2, limit=UNSTABLE_OR)
    if not pd.isna(low) and (high > UNSTABLE_OR or low < 1 / UNSTABLE_OR):
        return "les données ne permettent pas de trancher " + fr.bounds(low, high, 2, limit=UNSTABLE_OR)
    return fr.interval(estimate, low, high, 2, limit=UNSTABLE_OR)


def committee_sheet_fr(analysis: CriteriaAnalysis) -> pd.DataFrame:
    """The committee's sheet: one row per criterion, its evidence and a suggested action (French).

    Parameters
    ----------
    analysis : CriteriaAnalysis

    Returns
    -------
    pandas.DataFrame
        French headers and values, in the grid's order; ``attrs["counts"]`` gives the number of
        criteria per action (French labels).
    """
    e = analysis.evidence
    labels = criterion_labels(analysis.grid)
    dims = {d.id: d.label for d in analysis.grid.dimensions}
    sheet = pd.DataFrame({
        "Dimension": e["dimension"].map(dims),
        "Critère": e["criterion_label"],
        "Dossiers": e["n_dossiers"],
        "Notes": e["n_ratings"],
        "Manquantes": e["missing_rate"].map(fr.percent),
        "Plancher / plafond": [f"{fr.percent(a)} / {fr.percent(b)}" for a, b in zip(e["floor"], e["ceiling"])],
        f"Écart ≥ {analysis.rules.min_spread} niveaux": e["wide_spread"].map(fr.percent),
        "α de Krippendorff [IC 95 %]": [fr.interval(a, lo, hi, 3) for a, lo, hi in
                                        zip(e["alpha"], e["alpha_low"], e["alpha_high"])],
        "r item-reste": e["item_rest"].map(lambda v: fr.number(v, 2)),
        "ρ maximal (avec)": [("–" if pd.isna(r) else f"{fr.number(r, 2)} ({labels.get(w, w)})")
                             for r, w in zip(e["max_rho"], e["max_rho_with"])],
        "Rapport de cotes par niveau [IC 95 %]": [odds_ratio_fr(o, lo, hi) for o, lo, hi in
                                                  zip(e["odds_ratio"], e["or_low"], e["or_high"])],
        "AUC": e["auc"].map(lambda v: fr.number(v, 2)),
        "Action suggérée": e["action_label"],
        "Règle appliquée": e["rule"],
        "Autres constats": e["other_findings"].replace("", "–"),
    })
    counts = e["action"].value_counts()
    sheet.attrs["counts"] = {ACTIONS[a]: int(counts.get(a, 0)) for a in ACTIONS}
    notes = []
    rules = analysis.rules
    few = analysis.pairs[(analysis.pairs["n"] < rules.min_dossiers)] if len(analysis.pairs) else analysis.pairs
    if len(few):
        n = int(few["n"].min())
        reached = int((few["rho"] >= rules.rho_merge).sum())
        notes.append(f"Règle de fusion non évaluée (n = {n} < {rules.min_dossiers}) pour {len(few)} paire(s) de "
                     f"critères notées ensemble sur moins de {rules.min_dossiers} dossiers"
                     + (f", dont {reached} atteignent un ρ de {fr.number(rules.rho_merge, 2)} : sur si peu de "
                        "dossiers, un ρ élevé peut venir du hasard." if reached else "."))
    if analysis.halo is not None:
        text = halo_fr(analysis.halo, rules)
        if text:
            notes.append(text)
    sheet.attrs["notes"] = notes
    return sheet


def sheet_summary_fr(sheet: pd.DataFrame) -> str:
    """French sentences: the suggested actions of a committee sheet counted, then its notes
    (halo, rules not evaluated for want of dossiers)."""
    counts = sheet.attrs["counts"]
    parts = [f"{n} critère(s) : {label}" for label, n in counts.items() if n]
    text = f"Sur {len(sheet)} critères, la fiche suggère — " + " ; ".join(parts) + "."
    return "\n\n".join([text, *sheet.attrs.get("notes", [])])



def redundant_pairs_fr(analysis: CriteriaAnalysis) -> pd.DataFrame:
    """Pairs of criteria at or above the merge threshold, French headers."""
    p = analysis.pairs[analysis.pairs["redundant"]]
    return pd.DataFrame({
        "Critère": p["label_a"], "Autre critère": p["label_b"],
        "ρ de Spearman [IC 95 %]": [fr.interval(r, lo, hi, 2) for r, lo, hi in zip(p["rho"], p["ci_low"],
                                                                                   p["ci_high"])],
        "Même dimension": p["same_dimension"], "Dossiers": p["n"]})


def items_table_fr(analysis: CriteriaAnalysis) -> pd.DataFrame:
    """Per criterion: level shares, floor, ceiling, missing and spread, French headers."""
    d = analysis.distribution.pivot(index="criterion", columns="level", values="share")
    e = analysis.items.set_index("criterion")
    rows = {"Critère": e["criterion_label"], "Notes": e["n_ratings"]}
    for lv in analysis.grid.level_labels:
        rows[lv] = d[lv].reindex(e.index).map(fr.percent)
    rows |= {"Niveau moyen": e["mean_level"].map(lambda v: fr.number(v, 2)),
             "Plancher": e["floor"].map(fr.percent), "Plafond": e["ceiling"].map(fr.percent),
             "Manquantes": e["missing_rate"].map(fr.percent),
             f"Écart ≥ {analysis.rules.min_spread} niveaux": e["wide_spread"].map(fr.percent)}
    if e["relevant_share"].notna().any():
        rows["Jugé pertinent"] = e["relevant_share"].map(fr.percent)
    return pd.DataFrame(rows).reset_index(drop=True)


def consistency_table_fr(analysis: CriteriaAnalysis) -> pd.DataFrame:
    """Per dimension: Cronbach's alpha, the rank-based alpha, and each criterion's item-rest r."""
    c = analysis.consistency
    rest = analysis.item_rest
    rows = []
    for g in c.itertuples():
        crits = rest[rest["group"] == g.group]
        rows.append({
            "Dimension": g.group_label, "Critères": g.n_items, "Dossiers": g.n_dossiers,
            "Alpha de Cronbach [IC 95 %]": fr.interval(g.alpha, g.ci_low, g.ci_high, 2),
            "Alpha sur les rangs [IC 95 %]": fr.interval(g.rank_alpha, g.rank_ci_low, g.rank_ci_high, 2),
            "r item-reste (critère)": " ; ".join(f"{criterion_labels(analysis.grid)[r.criterion]} {fr.number(r.r, 2)}"
                                                 for r in crits.itertuples()),
        })
    return pd.DataFrame(rows)


def discrimination_table_fr(disc: pd.DataFrame) -> pd.DataFrame:
    """Discrimination per criterion (or item), French headers."""
    return pd.DataFrame({
        "Critère": disc["criterion_label"],
        "Dossiers (issue = 1)": [f"{n} ({k})" for n, k in zip(disc["n"], disc["n_positive"])],
        "Rapport de cotes par niveau [IC 95 %]": [odds_ratio_fr(o, lo, hi) for o, lo, hi in
                                                  zip(disc["odds_ratio"], disc["ci_low"], disc["ci_high"])],
        "AUC [IC 95 %]": [fr.interval(a, lo, hi, 2) for a, lo, hi in zip(disc["auc"], disc["auc_low"], disc["auc_high"])],
        "Distingue": disc["discriminates"],
        "Remarque": disc["note"].replace("", "–"),
    })


def within_between_fr(table: pd.DataFrame) -> pd.DataFrame:
    """The within- vs between-group correlations, French headers."""
    return pd.DataFrame({
        "Groupe": table["group_label"], "Critères": table["n_items"],
        "ρ moyen dans le groupe": table["within"].map(lambda v: fr.number(v, 2)),
        "ρ moyen avec les autres critères": table["between"].map(lambda v: fr.number(v, 2)),
        "Écart": table["difference"].map(lambda v: fr.number(v, 2)),
    })


def feasibility_table_fr(dist: pd.DataFrame, grid: Grid) -> pd.DataFrame:
    """:func:`feasibility_distribution` with French headers (levels with their names)."""
    out = ({"Section": dist["label"]} if dist.attrs.get("by") == "dimension"
           else {"Item": dist["label"], "Section": dist["dimension_label"]})
    for lv in sorted(grid.levels, key=lambda lv: -lv.code):
        out[f"{lv.label} ({lv.name})" if lv.name else lv.label] = dist[f"share_{lv.label}"].map(fr.percent)
    out |= {"Notes": dist["n_ratings"], "Manquantes": dist["missing_rate"].map(fr.percent),
            "Jugé pertinent": dist["relevant_share"].map(fr.percent),
            "Formulé comme un risque": dist["worded_as_risk"]}
    return pd.DataFrame(out)


def relevance_fr(summary: pd.DataFrame) -> str:
    """A French sentence per ``si pertinent`` section (empty when the grid has none)."""
    parts = []
    for s in summary.itertuples():
        parts.append(
            f"La section « {s.dimension_label} » (si pertinent) a été jugée pertinente dans "
            f"{fr.percent(s.relevant_share)} des couples dossier-juré ({s.n_pairs}) : par au moins un juré pour "
            f"{s.dossiers_any} dossier(s) sur {s.n_dossiers}, par tous les jurés pour {s.dossiers_all}. Les jurés "
            f"d'un même dossier s'accordent sur sa pertinence dans {fr.percent(s.unanimous_share)} des dossiers. "
            "Une case vide de cette section, quand toute la section est vide, n'est pas une note manquante : "
            "elle est comptée comme « non pertinent ».")
    return "\n\n".join(parts)


def risk_table_fr(risk: pd.DataFrame) -> pd.DataFrame:
    """:func:`risk_items` with French headers."""
    if risk.empty:
        return pd.DataFrame({"Item": []})
    levels = [c[len("share_"):] for c in risk.columns if c.startswith("share_")]
    return pd.DataFrame({
        "Item": risk["label"],
        "Corrélation avec les autres items [IC 95 %]": [fr.interval(r, lo, hi, 2) for r, lo, hi in
                                                        zip(risk["rest_r"], risk["rest_low"], risk["rest_high"])],
        "A/B/C de l'item": [" / ".join(fr.percent(row[f"share_{k}"]) for k in levels) for _, row in risk.iterrows()],
        "A/B/C des autres items": [" / ".join(fr.percent(row[f"others_share_{k}"]) for k in levels)
                                   for _, row in risk.iterrows()],
        "Jurés à corrélation négative": [f"{n} sur {n + p}" for n, p in zip(risk["jurors_negative"],
                                                                             risk["jurors_positive"])],
        "Rapport de cotes (financé) [IC 95 %]": [odds_ratio_fr(o, lo, hi) for o, lo, hi in
                                                 zip(risk["odds_ratio"], risk["or_low"], risk["or_high"])],
        "Lecture ambiguë": risk["ambiguous"],
        "Constats": risk["reasons"],
    })
