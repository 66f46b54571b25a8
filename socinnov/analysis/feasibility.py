"""The feasibility grid's own questions: level shares with « si pertinent » sections, how often a
section is judged relevant, each item's association with funding, and whether items worded as
risks are read in one direction by every juror.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from socinnov import fr
from socinnov.analysis.criteria import (
    STATUS_MISSING,
    STATUS_NOT_RELEVANT,
    dossier_levels,
    fisher_interval,
    rating_status,
    select_ratings,
)
from socinnov.analysis.discrimination import decision_outcome, discrimination
from socinnov.analysis.scores import dossier_scores
from socinnov.call.grids import Grid
from socinnov.call.vocabulary import INDIVIDUAL

__all__ = ["feasibility_association", "feasibility_distribution", "relevance_summary", "risk_items"]


def feasibility_distribution(ratings: pd.DataFrame, grid: Grid, *, round: str = INDIVIDUAL,
                             by: str = "criterion") -> pd.DataFrame:
    """Level shares (A/B/C…) per item or per section, a ``si pertinent`` section handled as such.

    Shares are over the ratings given. An item of a ``si pertinent`` section left empty by a
    juror who left the whole section empty is *not relevant*, not missing: it counts in
    ``relevant_share`` (share of the (dossier, juror) pairs that judged the section relevant),
    not in ``missing_rate``.

    Parameters
    ----------
    ratings : pandas.DataFrame
    grid : Grid
    round : str
    by : {'criterion', 'dimension'}

    Returns
    -------
    pandas.DataFrame
        ``key, label, dimension_label, if_relevant, worded_as_risk, n_ratings, n_missing,
        missing_rate, relevant_share`` and one ``share_<label>`` column per level (highest
        level first: ``share_A, share_B, share_C``).
    """
    r = rating_status(ratings, grid, round=round)
    crit = grid.criteria_frame().set_index("criterion")
    r = r.assign(key=r["criterion"] if by == "criterion" else r["dimension"])
    keys = ([(c.id, c.label, grid.dimension(c.dimension)) for c in grid.criteria] if by == "criterion"
            else [(d.id, d.label, d) for d in grid.dimensions])
    rows = []
    for key, label, dim in keys:
        rk = r[r["key"] == key]
        given = rk["level_code"].dropna()
        n_missing = int((rk["status"] == STATUS_MISSING).sum())
        due = len(given) + n_missing
        row = {"key": key, "label": label, "dimension_label": dim.label, "if_relevant": dim.if_relevant,
               "worded_as_risk": bool(crit.loc[key, "worded_as_risk"]) if by == "criterion"
               else any(c.worded_as_risk for c in dim.criteria),
               "n_ratings": len(given), "n_missing": n_missing, "missing_rate": n_missing / due if due else np.nan,
               "relevant_share": (due / len(rk) if len(rk) else np.nan) if dim.if_relevant else np.nan}
        for lv in sorted(grid.levels, key=lambda lv: -lv.code):
            row[f"share_{lv.label}"] = float((given == lv.code).mean()) if len(given) else np.nan
        rows.append(row)
    out = pd.DataFrame(rows)
    out.attrs["by"] = by
    return out


def relevance_summary(ratings: pd.DataFrame, grid: Grid, *, round: str = INDIVIDUAL) -> pd.DataFrame:
    """For each ``si pertinent`` section: how often, and how unanimously, it was judged relevant.

    Returns
    -------
    pandas.DataFrame
        ``dimension, dimension_label, n_pairs, relevant_share`` (of (dossier, juror) pairs),
        ``n_dossiers, dossiers_any`` (dossiers where at least one juror judged it relevant),
        ``dossiers_all`` (every juror), ``unanimous_share`` (dossiers where the jurors agree on
        relevance, among those rated by two jurors or more).
    """
    r = rating_status(ratings, grid, round=round)
    rows = []
    for d in grid.dimensions:
        if not d.if_relevant:
            continue
        pairs = (r[r["dimension"] == d.id].groupby(["dossier_id", "juror_id"])["status"]
                 .agg(lambda s: bool((s != STATUS_NOT_RELEVANT).any())).rename("relevant").reset_index())
        per = pairs.groupby("dossier_id")["relevant"].agg(["any", "all", "size"])
        multi = per[per["size"] >= 2]
        rows.append({"dimension": d.id, "dimension_label": d.label, "n_pairs": len(pairs),
                     "relevant_share": float(pairs["relevant"].mean()) if len(pairs) else np.nan,
                     "n_dossiers": len(per), "dossiers_any": int(per["any"].sum()), "dossiers_all": int(per["all"].sum()),
                     "unanimous_share": float((multi["all"] | ~multi["any"]).mean()) if len(multi) else np.nan})
    return pd.DataFrame(rows)


def feasibility_association(ratings: pd.DataFrame, grid: Grid, decisions: pd.DataFrame, *,
                            round: str = INDIVIDUAL, by: str = "criterion") -> pd.DataFrame:
    """Association of each feasibility item (or section) with funding, among retained dossiers.

    Logistic regression of funded (1) vs re-oriented (0) on the dossier's mean level (codes
    C = 0, B = 1, A = 2; only the jurors who rated it, so a market item only where judged
    relevant): odds ratio per level with its interval, and AUC.

    Parameters
    ----------
    ratings, grid, decisions, round
    by : {'criterion', 'dimension'}

    Returns
    -------
    pandas.DataFrame
        :func:`discrimination` columns, ``criterion`` holding the item or section id.
    """
    if by == "criterion":
        wide = dossier_levels(ratings, grid, round=round)
        g = grid
    else:
        s = dossier_scores(ratings, grid, round=round, by="dimension")
        wide = s.pivot(index="dossier_id", columns="group", values="score").reindex(
            columns=[d.id for d in grid.dimensions])
        g = None
    disc = discrimination(wide, decision_outcome(decisions, "financé"), g)
    if by != "criterion":
        disc["criterion_label"] = disc["criterion"].map({d.id: d.label for d in grid.dimensions})
    return disc


def risk_items(ratings: pd.DataFrame, grid: Grid, decisions: pd.DataFrame | None = None, *,
               round: str = INDIVIDUAL, min_rest: float = 0.2, max_distance: float = 0.2,
               min_dossiers: int = 5) -> pd.DataFrame:
    """Is the A/B/C reading of items worded as risks ambiguous?

    The call's "Prise de risque" items are worded as risks (« Le projet peut engendrer de
    grandes fragilités pour le porteur ») while the scale reads A = satisfaisant: some jurors
    may give A to a *small* risk, others to a *real* one. Signs of an ambiguous reading:

    - the item's correlation with the mean of the other (not risk-worded) items, over the
      dossiers, is below ``min_rest`` (near zero or negative: the item does not go with the
      others as a satisfaisant-is-good item should);
    - its A/B/C distribution diverges from the other items' pooled distribution: total
      variation distance (half the sum of absolute differences of the shares) ≥ ``max_distance``;
    - jurors disagree on the direction: at least one juror (with ``min_dossiers`` dossiers or
      more) whose own correlation between the item and the other items is negative while
      others' is positive.

    Parameters
    ----------
    ratings, grid, decisions, round
    min_rest, max_distance, min_dossiers
        Thresholds above.

    Returns
    -------
    pandas.DataFrame
        One row per risk-worded item: ``criterion, label, rest_r, rest_low, rest_high,
        share_A…, others_share_A…, distance, jurors_negative, jurors_positive, odds_ratio,
        or_low, or_high, ambiguous, reasons`` (French). Empty when the grid has no such item.
    """
    risky = [c for c in grid.criteria if c.worded_as_risk]
    if not risky:
        return pd.DataFrame()
    plain = [c.id for c in grid.criteria if not c.worded_as_risk]
    wide = dossier_levels(ratings, grid, round=round)
    others_mean = wide[plain].mean(axis=1)
    r = select_ratings(ratings, grid, round=round).dropna(subset=["level_code"])
    plain_codes = r[r["criterion"].isin(plain)]["level_code"]
    levels = sorted(grid.levels, key=lambda lv: -lv.code)
    juror_others = r[r["criterion"].isin(plain)].groupby(["juror_id", "dossier_id"])["level_code"].mean()
    assoc = (feasibility_association(ratings, grid, decisions, round=round).set_index("criterion")
             if decisions is not None and len(decisions) else None)
    rows = []
    for c in risky:
        sub = pd.concat([wide[c.id], others_mean], axis=1).dropna()
        rr = float(np.corrcoef(sub.iloc[:, 0], sub.iloc[:, 1])[0, 1]) if len(sub) > 2 else np.nan
        lo, hi = fisher_interval(rr, len(sub))
        codes = r[r["criterion"] == c.id]["level_code"]
        shares = {lv.label: float((codes == lv.code).mean()) if len(codes) else np.nan for lv in levels}
        others = {lv.label: float((plain_codes == lv.code).mean()) if len(plain_codes) else np.nan for lv in levels}
        distance = 0.5 * sum(abs(shares[k] - others[k]) for k in shares)
        own = r[r["criterion"] == c.id].set_index(["juror_id", "dossier_id"])["level_code"]
        joined = pd.concat([own.rename("item"), juror_others.rename("others")], axis=1, join="inner")
        signs = []
        for _, g in joined.groupby(level="juror_id"):
            if len(g) >= min_dossiers and g["item"].std() > 0 and g["others"].std() > 0:
                signs.append(np.corrcoef(g["item"], g["others"])[0, 1])
        neg, pos = sum(s < 0 for s in signs), sum(s > 0 for s in signs)
        reasons = []
        if np.isfinite(rr) and rr < min_rest:
            reasons.append(f"corrélation avec les autres items {fr.number(rr, 2)} (< {fr.number(min_rest, 2)})")
        if distance >= max_distance:
            reasons.append(f"répartition A/B/C éloignée de celle des autres items (distance {fr.number(distance, 2)} "
                           f"≥ {fr.number(max_distance, 2)})")
        if neg and pos:
            reasons.append(f"{neg} juré(s) sur {neg + pos} le lisent à l'envers des autres items "
                           "(corrélation négative)")
        row = {"criterion": c.id, "label": c.label, "rest_r": rr, "rest_low": lo, "rest_high": hi, "n": len(sub)}
        row |= {f"share_{k}": v for k, v in shares.items()} | {f"others_share_{k}": v for k, v in others.items()}
        row |= {"distance": distance, "jurors_negative": neg, "jurors_positive": pos}
        if assoc is not None and c.id in assoc.index:
            row |= {"odds_ratio": assoc.loc[c.id, "odds_ratio"], "or_low": assoc.loc[c.id, "ci_low"],
                    "or_high": assoc.loc[c.id, "ci_high"]}
        else:
            row |= {"odds_ratio": np.nan, "or_low": np.nan, "or_high": np.nan}
        row |= {"ambiguous": bool(reasons), "reasons": " ; ".join(reasons) if reasons else "aucun signe d'ambiguïté"}
        rows.append(row)
    return pd.DataFrame(rows)
