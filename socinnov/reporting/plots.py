"""Figures of the reports: matplotlib/seaborn, colour-blind-safe palettes, French labels.

Each function returns a ``Figure`` and sets ``fig.alt_text`` (a French description of what the
figure shows), which the report export turns into the image's alternative text: every value while
that fits in ``scale.ALT_MAX`` characters, else a summary (``socinnov.reporting.scale``).
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from matplotlib.collections import PolyCollection
from matplotlib.ticker import MaxNLocator

from socinnov import config, fr
from socinnov.call.vocabulary import AFTER_DEBATE, INDIVIDUAL
from socinnov.reporting import scale
from socinnov.reporting.heatmap import annotated_heatmap

# The jury's own figures, drawn one row per juror at any size of jury, live in ``jury_plots``;
# the notebooks find them here with the others.
from socinnov.reporting.jury_plots import (
    ANNOTATE_MAX_JURORS,
    HEATMAP_MAX_JURORS,
    juror_agreement_chart,
    pairwise_heatmap,
    severity_forest,
)
from socinnov.reporting.theme import PALETTE, SEQUENTIAL
from socinnov.reporting.theme import figure as _figure

__all__ = ["ANNOTATE_MAX_JURORS", "HEATMAP_MAX_JURORS", "agreement_forest", "amounts_histogram",
           "caterpillar", "d_study_chart", "departement_map", "feasibility_levels_chart", "funnel_chart",
           "juror_agreement_chart", "level_distribution_chart", "loadings_heatmap", "odds_ratio_forest",
           "pairwise_heatmap", "rank_correlation_heatmap", "rounds_dumbbell", "score_profiles",
           "severity_forest", "version_comparison_chart"]


def funnel_chart(funnel: pd.DataFrame):
    """Horizontal bars, one per step of the call."""
    fig, ax = _figure(7, 3.2)
    sns.barplot(data=funnel, y="Étape", x="Dossiers", ax=ax, color=sns.color_palette(PALETTE)[0])
    for i, n in enumerate(funnel["Dossiers"]):
        ax.text(n, i, f" {n}", va="center")
    ax.set(xlabel="Nombre de dossiers", ylabel="")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # whole dossiers
    fig.alt_text = "Entonnoir de l'appel : " + ", ".join(f"{s} {n}" for s, n in zip(funnel["Étape"], funnel["Dossiers"]))
    return fig


def amounts_histogram(requested: pd.Series, *, max_aid: float):
    """Distribution of requested amounts with the ceiling marked."""
    fig, ax = _figure(7, 3.2)
    requested = requested.dropna()
    top = max(requested.max(), max_aid) if len(requested) else max_aid
    sns.histplot(requested, bins=range(0, int(top) + 5000, 5000), ax=ax)
    ax.axvline(max_aid, color="black", linestyle="--")
    ax.text(max_aid, ax.get_ylim()[1] * 0.95, f" plafond {fr.euros(max_aid)}", va="top")
    ax.xaxis.set_major_formatter(lambda v, _: fr.euros(v))
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 5, 10]))  # "10 000 €" labels need room
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # whole dossiers
    ax.set(xlabel="Aide sollicitée", ylabel="Dossiers")
    fig.alt_text = (f"Histogramme des aides sollicitées, médiane {fr.euros(requested.median())}, "
                    f"{int((requested > max_aid).sum())} dossier(s) au-delà du plafond de {fr.euros(max_aid)}")
    return fig


def departement_map(counts: pd.DataFrame, *, value: str = "deposes", title: str = "Dossiers déposés"):
    """Choropleth of the 12 départements (outlines from data/external, see its README).

    Drawn with matplotlib from the GeoJSON polygons: twelve outlines do not need geopandas and
    its GDAL wheels (see docs/decisions.md).
    """
    geo = json.loads(Path(config.departements_geojson()).read_text(encoding="utf-8"))
    values = counts.set_index("code")[value]
    fig, ax = _figure(6, 6)
    cmap = plt.get_cmap(SEQUENTIAL)
    vmax = max(values.max(skipna=True) if values.notna().any() else 1, 1)
    for feat in geo["features"]:
        code = feat["properties"]["code"]
        geom = feat["geometry"]
        polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
        rings = [ring for poly in polys for ring in poly[:1]]
        v = values.get(code, 0)
        secret = pd.isna(v)  # suppressed by disclosure control: hatched grey, labelled "s"
        ax.add_collection(PolyCollection(rings, facecolors="#d9d9d9" if secret else cmap(v / vmax),
                                         hatch="//" if secret else None, edgecolors="white", linewidths=1))
        xs = [p[0] for r in rings for p in r]
        ys = [p[1] for r in rings for p in r]
        ax.text(sum(xs) / len(xs), sum(ys) / len(ys), f"{code}\n{'s' if secret else int(v)}", ha="center",
                va="center", fontsize=9, color="black" if secret or v / vmax >= 0.6 else "white")
    ax.autoscale()
    ax.set_aspect(1 / 0.7)  # ~cos(45.5°): keeps shapes right at the region's latitude
    ax.set_axis_off()
    ax.set_title(title)
    sm = plt.cm.ScalarMappable(cmap=cmap, norm=plt.Normalize(0, vmax))
    cbar = fig.colorbar(sm, ax=ax, shrink=0.6, label="Dossiers")
    cbar.locator = MaxNLocator(integer=True)  # whole dossiers: no "17,5" tick
    # Every département's value, always: twelve values do not grow with the cohort, and this text
    # is what the confidentiality audit reads of a public map (published.recognise_caption).
    fig.alt_text = f"Carte des 12 départements, {title.lower()} : " + ", ".join(
        f"{n} ({c}) {'secret' if pd.isna(values.get(c, 0)) else int(values.get(c, 0))}"
        for c, n in zip(counts["code"], counts["nom"]))
    return fig


#: Groups with fewer dossiers than this are drawn as points, not as a box (a box on 3 or 4 values
#: draws quartiles that do not exist).
MIN_BOX = 5


def score_profiles(scores: pd.DataFrame, decisions: pd.DataFrame, *, levels: tuple[str, ...]):
    """Dossier scores per dimension, split by decision (box plots on the grid's level scale).

    A decision with fewer than :data:`MIN_BOX` dossiers in a dimension is drawn as its points;
    the legend gives each decision's number of dossiers.
    """
    d = scores.merge(decisions[["dossier_id", "decision"]], on="dossier_id", how="left")
    d["decision"] = d["decision"].fillna("sans décision")
    order = list(dict.fromkeys(d["group_label"]))
    hue_order = list(dict.fromkeys(d["decision"]))
    size = d.groupby(["group_label", "decision"])["dossier_id"].transform("nunique")
    small = size < MIN_BOX
    counts = d.groupby("decision")["dossier_id"].nunique()
    names = {h: f"{h} (n = {counts[h]})" for h in hue_order}
    d = d.assign(decision=d["decision"].map(names))
    hue_order = [names[h] for h in hue_order]
    fig, ax = _figure(8, 4)
    palette = dict(zip(hue_order, sns.color_palette(PALETTE, len(hue_order))))
    if (~small).any():
        sns.boxplot(data=d[~small], x="group_label", y="score", hue="decision", order=order, hue_order=hue_order,
                    palette=palette, ax=ax)
    if small.any():
        sns.stripplot(data=d[small], x="group_label", y="score", hue="decision", order=order, hue_order=hue_order,
                      palette=palette, dodge=True, jitter=0.08, size=5, ax=ax, legend=not (~small).any())
    ax.set_xticks(range(len(order)), [textwrap.fill(t, 22) for t in order])
    ax.set_yticks(range(len(levels)), levels)
    ax.set(xlabel="", ylabel="Score moyen (niveaux de la grille)")
    ax.legend(title="Décision", loc="lower right", fontsize=8)
    med = d.groupby("group_label")["score"].median()
    medians = ", ".join(f"{g} {fr.number(v, 2)}" for g, v in med.reindex(order).items())
    points = f" ; groupes de moins de {MIN_BOX} dossiers dessinés point par point" if small.any() else ""
    fig.alt_text = scale.alt_text(
        "Scores des dossiers par dimension selon la décision ("
        + ", ".join(f"{h} : {n} dossier{'s' if n > 1 else ''}" for h, n in counts.items())
        + f") ; médianes : {medians}{points}",
        lambda: (f"Scores de {fr.count(int(counts.sum()), 'dossier')} par dimension selon la décision "
                 f"({len(counts)} décisions) ; médianes "
                 + scale.extremes(med.reindex(order), order, fmt=lambda v: fr.number(v, 2)) + points))
    return fig


def agreement_forest(agreement: pd.DataFrame, *, statistic: str = "krippendorff_alpha"):
    """One point per criterion (then dimension, whole grid) with its confidence interval.

    Krippendorff's thresholds 0,667 and 0,800 are drawn as reference lines.
    """
    d = agreement[agreement["statistic"] == statistic].reset_index(drop=True)
    fig, ax = _figure(7.5, 0.32 * len(d) + 1.2)
    y = range(len(d))[::-1]
    colours = sns.color_palette(PALETTE)
    level_colour = {"critère": colours[0], "dimension": colours[1], "ensemble": colours[2]}
    for yi, row in zip(y, d.itertuples()):
        c = level_colour.get(row.level, colours[0])
        ax.plot([row.ci_low, row.ci_high], [yi, yi], color=c, linewidth=2)
        ax.plot(row.estimate, yi, "o", color=c, markersize=6)
    for ref in (0.667, 0.8):
        ax.axvline(ref, color="grey", linestyle=":", linewidth=1)
    ax.set_yticks(list(y), [f"{r.group_label}" + ("" if r.level == "critère" else f" ({r.level})") for r in d.itertuples()])
    ax.set_xlim(min(0, float(d["ci_low"].min()) - 0.05), 1)
    ax.xaxis.set_major_formatter(lambda v, _: fr.number(v, 1))
    ax.set(xlabel=d["statistic_label"].iloc[0] + " (IC 95 %)", ylabel="")
    head = f"{d['statistic_label'].iloc[0]} par critère, avec intervalle de confiance"
    fig.alt_text = scale.alt_text(
        head + " : " + ", ".join(f"{r.group_label} {fr.number(r.estimate, 2)}" for r in d.itertuples()),
        lambda: head + _agreement_summary_fr(d))
    return fig


def _agreement_summary_fr(d: pd.DataFrame) -> str:
    """The criteria's lowest and highest estimates, how many fall short of 0,667, the whole grid's."""
    crit = d[d["level"] == "critère"] if (d["level"] == "critère").any() else d
    low = int((crit["estimate"] < 0.667).sum())
    whole = d[d["level"] == "ensemble"]
    return (f" ({fr.count(len(crit), 'critère')}) : {scale.extremes(crit['estimate'], crit['group_label'], fmt=lambda v: fr.number(v, 2))}"
            f" ; {fr.count(low, 'critère')} sous 0,667"
            + "".join(f" ; {r.group_label} {fr.number(r.estimate, 2)}" for r in whole.itertuples()))


def rounds_dumbbell(rounds: pd.DataFrame):
    """Agreement per criterion before and after the jury's debate."""
    wide = rounds.pivot(index="group_label", columns="round", values="estimate")
    order = [g for g in rounds["group_label"].drop_duplicates() if g in wide.index][::-1]
    wide = wide.loc[order]
    fig, ax = _figure(7.5, 0.35 * len(wide) + 1.2)
    colours = sns.color_palette(PALETTE)
    for yi, (label, row) in enumerate(wide.iterrows()):
        ax.plot([row.get(INDIVIDUAL), row.get(AFTER_DEBATE)], [yi, yi], color="grey", linewidth=1)
    ax.plot(wide.get(INDIVIDUAL), range(len(wide)), "o", color=colours[0], label="notation individuelle")
    ax.plot(wide.get(AFTER_DEBATE), range(len(wide)), "s", color=colours[1], label=AFTER_DEBATE)
    ax.set_yticks(range(len(wide)), wide.index)
    ax.xaxis.set_major_formatter(lambda v, _: fr.number(v, 1))
    ax.set(xlabel="Alpha de Krippendorff", ylabel="")
    ax.legend(loc="lower right", fontsize=8)
    gain = (wide.get(AFTER_DEBATE) - wide.get(INDIVIDUAL)).mean()
    fig.alt_text = (f"Accord par critère avant et après le débat du jury ; gain moyen de "
                    f"{fr.number(gain, 2)} sur l'alpha de Krippendorff")
    return fig


# ---------------------------------------------------------------------------
# Criteria report (socinnov.analysis.criteria, socinnov.call.crosswalk)
# ---------------------------------------------------------------------------


def _wrap_label(text: str, width: int = 38) -> str:
    """At most two lines of ``width`` characters (longer labels shortened with an ellipsis)."""
    import textwrap  # here, so that this section does not depend on the imports above

    limit = 2 * width
    while True:
        lines = textwrap.wrap(textwrap.shorten(text, width=limit, placeholder=" …"), width)
        if len(lines) <= 2 or limit <= width:
            return "\n".join(lines)
        limit -= 4


def level_distribution_chart(distribution: pd.DataFrame):
    """Share of each level per criterion (100 % stacked bars, lowest level on the left).

    ``distribution`` is ``socinnov.analysis.criteria.level_distribution`` (or any frame with
    ``criterion_label, level, level_code, share``).
    """
    d = distribution.dropna(subset=["share"])
    crits = list(dict.fromkeys(d["criterion_label"]))
    levels = list(dict.fromkeys(d.sort_values("level_code")["level"]))
    fig, ax = _figure(8, 0.42 * len(crits) + 1.4)
    colours = sns.color_palette(SEQUENTIAL, len(levels))
    left = pd.Series(0.0, index=crits)
    y = range(len(crits))[::-1]
    for lv, colour in zip(levels, colours):
        share = d[d["level"] == lv].set_index("criterion_label")["share"].reindex(crits).fillna(0)
        ax.barh(list(y), share.to_numpy(), left=left.to_numpy(), color=colour, label=lv, edgecolor="white")
        for yi, (x0, w) in zip(y, zip(left, share)):
            if w >= 0.08:
                ax.text(x0 + w / 2, yi, fr.percent(w), ha="center", va="center", fontsize=7,
                        color="white" if colours.index(colour) < len(levels) / 2 else "black")
        left += share
    ax.set_yticks(list(y), [_wrap_label(c) for c in crits], fontsize=8)
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(lambda v, _: fr.percent(v))
    ax.set(xlabel="Part des notes données", ylabel="")
    ax.legend(ncols=len(levels), loc="lower center", bbox_to_anchor=(0.5, 1.0), fontsize=8, frameon=False)
    lo = d[d["level_code"] == d["level_code"].min()].sort_values("share").iloc[-1]
    hi = d[d["level_code"] == d["level_code"].max()].sort_values("share").iloc[-1]
    fig.alt_text = (f"Répartition des niveaux donnés, critère par critère ({len(crits)} critères). Niveau le plus bas "
                    f"le plus fréquent : {lo.criterion_label} ({fr.percent(lo.share)} des notes) ; niveau le plus haut "
                    f"le plus fréquent : {hi.criterion_label} ({fr.percent(hi.share)}).")
    return fig


def rank_correlation_heatmap(correlations: pd.DataFrame, labels: dict[str, str], *, threshold: float = 0.8):
    """Spearman correlations between criteria (lower triangle); pairs at or above ``threshold`` framed."""
    import numpy as np
    from matplotlib.patches import Rectangle

    m = correlations.rename(index=labels, columns=labels)
    n = len(m)
    fig, ax = _figure(0.55 * n + 3.2, 0.5 * n + 2.2)
    mask = np.triu(np.ones((n, n), dtype=bool))
    annotated_heatmap(ax, m, mask=mask, cmap=SEQUENTIAL, vmin=0, vmax=1, square=True,
                      cbar_kws={"label": "ρ de Spearman", "shrink": 0.7}, annot_kws={"fontsize": 7})
    for t in ax.texts:
        t.set_text(t.get_text().replace(".", ",").replace("-", "\u2212"))
    values = correlations.to_numpy()
    for i in range(n):
        for j in range(i):
            if np.isfinite(values[i, j]) and values[i, j] >= threshold:
                ax.add_patch(Rectangle((j, i), 1, 1, fill=False, edgecolor="black", linewidth=2))
    ax.set_xticks(np.arange(n) + 0.5, [_wrap_label(c, 24) for c in m.columns], fontsize=7, rotation=60, ha="right")
    ax.set_yticks(np.arange(n) + 0.5, [_wrap_label(c, 30) for c in m.index], fontsize=7, rotation=0)
    ax.set(xlabel="", ylabel="")
    tri = [(m.index[i], m.columns[j], values[i, j]) for i in range(n) for j in range(i) if np.isfinite(values[i, j])]
    strong = [t for t in tri if t[2] >= threshold]
    top = max(tri, key=lambda t: t[2]) if tri else None
    fig.alt_text = (f"Corrélations de rang de Spearman entre les {n} critères, sur les niveaux moyens des dossiers. "
                    f"{len(strong)} paire(s) atteignent {fr.number(threshold, 2)} (cases encadrées)"
                    + (f" ; la plus forte : {top[0]} et {top[1]} ({fr.number(top[2], 2)})." if top else "."))
    return fig


def odds_ratio_forest(discrimination: pd.DataFrame, *, outcome: str = "d'être retenu"):
    """Odds ratio per level of each criterion with its interval (log scale), reference line at 1.

    Estimates or bounds beyond the axis (near or perfect separation) are drawn at the edge with
    an arrow.
    """
    import numpy as np

    d = discrimination.reset_index(drop=True)
    lo_lim, hi_lim = 0.1, 1000.0
    fig, ax = _figure(7.5, 0.36 * len(d) + 1.4)
    c = sns.color_palette(PALETTE)[0]
    y = list(range(len(d)))[::-1]
    for yi, r in zip(y, d.itertuples()):
        est = r.odds_ratio
        if not np.isfinite(est) and not np.isinf(est):
            continue
        lo = r.ci_low if np.isfinite(r.ci_low) else est
        hi = r.ci_high if np.isfinite(r.ci_high) else est
        ax.plot([max(lo, lo_lim), min(hi, hi_lim)], [yi, yi], color=c, linewidth=2)
        ax.plot(min(max(est, lo_lim), hi_lim), yi, "o" if lo_lim <= est <= hi_lim else ">", color=c)
        if hi > hi_lim or np.isinf(est):
            ax.annotate("", xy=(hi_lim, yi), xytext=(hi_lim / 2, yi), arrowprops={"arrowstyle": "->", "color": c})
    ax.axvline(1, color="black", linewidth=1)
    ax.set_xscale("log")
    ax.set_xlim(lo_lim, hi_lim * 1.2)
    ax.xaxis.set_major_formatter(lambda v, _: fr.number(v, 1 if v < 1 else 0))
    ax.set_yticks(y, [_wrap_label(t) for t in d["criterion_label"]], fontsize=8)
    ax.set(xlabel="Rapport de cotes par niveau (échelle log., IC 95 %)", ylabel="")
    n_disc = int(d["discriminates"].sum()) if "discriminates" in d else 0
    head = (f"Rapport de cotes {outcome} pour un niveau de plus, critère par critère, avec son intervalle "
            f"de confiance ; {n_disc} critère(s) sur {len(d)} ont un intervalle qui exclut 1. AUC ")
    fig.alt_text = scale.alt_text(
        head.rstrip() + " : " + ", ".join(f"{r.criterion_label} {fr.number(r.auc, 2)}" for r in d.itertuples()),
        lambda: head + scale.extremes(d["auc"], d["criterion_label"], fmt=lambda v: fr.number(v, 2)) + ".")
    return fig


def loadings_heatmap(check):
    """Factor loadings of an exploratory factor analysis, criteria grouped as the grid groups them.

    ``check`` is a ``socinnov.analysis.criteria_structure.StructureCheck``; framed cells are each criterion's
    expected factor (its group's).
    """
    import numpy as np
    from matplotlib.patches import Rectangle

    a = check.assignment.set_index("criterion")
    L = check.loadings
    labels = [f"{a.loc[c, 'criterion_label']} ({a.loc[c, 'group_label']})" for c in L.index]
    fig, ax = _figure(1.1 * L.shape[1] + 5.5, 0.38 * len(L) + 1.6)
    annotated_heatmap(ax, pd.DataFrame(L.to_numpy(), index=labels, columns=L.columns), cmap="vlag", vmin=-1, vmax=1,
                      cbar_kws={"label": "Saturation"}, annot_kws={"fontsize": 7})
    for t in ax.texts:
        t.set_text(t.get_text().replace(".", ",").replace("-", "\u2212"))
    cols = list(L.columns)
    for i, crit in enumerate(L.index):
        f = a.loc[crit, "expected_factor"]
        if f in cols:
            ax.add_patch(Rectangle((cols.index(f), i), 1, 1, fill=False, edgecolor="black", linewidth=1.5))
    ax.set_yticks(np.arange(len(L)) + 0.5, [_wrap_label(t, 44) for t in labels], fontsize=7, rotation=0)
    ax.set(xlabel=f"Facteurs (rotation {check.rotation})", ylabel="")
    n_ok = int(check.assignment["matched"].sum())
    fig.alt_text = (f"Saturations des {len(L)} critères sur {check.n_factors} facteurs ({check.n_dossiers} dossiers) ; "
                    f"{n_ok} critère(s) sur {len(L)} saturent d'abord le facteur de leur groupe (cases encadrées).")
    return fig


def feasibility_levels_chart(distribution: pd.DataFrame, *, levels: tuple[str, ...] = ("A", "B", "C")):
    """A/B/C shares per feasibility item (or section), highest level on the left.

    ``distribution`` is ``socinnov.analysis.feasibility.feasibility_distribution``; a ``si pertinent`` item
    shows the share where it was judged relevant, a risk-worded item is marked « (risque) ».
    """
    d = distribution.reset_index(drop=True)
    names = [_wrap_label(r.label, 46) + (" (risque)" if r.worded_as_risk else "")
             + (f" [pertinent : {fr.percent(r.relevant_share)}]" if r.if_relevant else "") for r in d.itertuples()]
    fig, ax = _figure(8.5, 0.45 * len(d) + 1.5)
    colours = sns.color_palette(SEQUENTIAL, len(levels))[::-1]
    y = list(range(len(d)))[::-1]
    left = [0.0] * len(d)
    for lv, colour in zip(levels, colours):
        share = d[f"share_{lv}"].fillna(0).tolist()
        ax.barh(y, share, left=left, color=colour, label=lv, edgecolor="white")
        for yi, x0, w in zip(y, left, share):
            if w >= 0.08:
                ax.text(x0 + w / 2, yi, fr.percent(w), ha="center", va="center", fontsize=7,
                        color="black" if lv == levels[0] else "white")
        left = [a + b for a, b in zip(left, share)]
    ax.set_yticks(y, names, fontsize=7)
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(lambda v, _: fr.percent(v))
    ax.set(xlabel="Part des notes données", ylabel="")
    ax.legend(ncols=len(levels), loc="lower center", bbox_to_anchor=(0.5, 1.0), fontsize=8, frameon=False)
    rel = d[d["if_relevant"]]
    relevant = (f". Section « si pertinent » jugée pertinente dans {fr.percent(rel['relevant_share'].iloc[0])} "
                "des cas." if len(rel) else ".")
    fig.alt_text = scale.alt_text(
        "Répartition A/B/C par item de la grille de faisabilité ; "
        + "; ".join(f"{r.label} : {fr.percent(r.share_A)} de A" for r in d.itertuples()) + relevant,
        lambda: (f"Répartition A/B/C par item de la grille de faisabilité ({len(d)} items) ; part de A "
                 + scale.extremes(d["share_A"], d["label"], fmt=fr.percent) + relevant))
    return fig


def version_comparison_chart(comparison: pd.DataFrame):
    """Agreement (Krippendorff's alpha, with interval) and AUC per criterion, one marker per version."""
    versions = list(dict.fromkeys(comparison["version"]))
    crits = list(dict.fromkeys(comparison["criterion_label"]))
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9.5, 0.42 * len(crits) + 1.6), sharey=True, layout="constrained",
                                   gridspec_kw={"width_ratios": [3, 2]})
    sns.set_theme(style="whitegrid", palette=PALETTE)
    colours = sns.color_palette(PALETTE)
    markers = ("o", "s", "D", "^")
    y0 = {c: i for i, c in enumerate(crits[::-1])}
    for k, v in enumerate(versions):
        d = comparison[comparison["version"] == v]
        off = (k - (len(versions) - 1) / 2) * 0.25
        ys = [y0[c] + off for c in d["criterion_label"]]
        ax1.hlines(ys, d["alpha_low"], d["alpha_high"], color=colours[k], linewidth=2)
        ax1.plot(d["alpha"], ys, markers[k % 4], color=colours[k], label=f"version {v}")
        ax2.plot(d["auc"], ys, markers[k % 4], color=colours[k], label=f"version {v}")
    for ref in (0.667, 0.8):
        ax1.axvline(ref, color="grey", linestyle=":", linewidth=1)
    ax2.axvline(0.5, color="grey", linestyle=":", linewidth=1)
    ax1.set_yticks(range(len(crits)), [_wrap_label(c) for c in crits[::-1]], fontsize=8)
    ax1.set(xlabel="Alpha de Krippendorff (IC 95 %)", ylabel="")
    ax2.set(xlabel="AUC (décision)", xlim=(0.4, 1.0))
    for ax in (ax1, ax2):
        ax.xaxis.set_major_formatter(lambda v, _: fr.number(v, 1))
    ax1.legend(loc="lower left", fontsize=8)
    wide = comparison.pivot_table(index="criterion_label", columns="version", values="alpha")
    gain = (wide[versions[-1]] - wide[versions[0]]).mean() if len(versions) > 1 else float("nan")
    fig.alt_text = (f"Accord entre jurés et lien avec la décision, critère par critère, pour les versions "
                    f"{' et '.join(versions)} de la grille ; écart moyen d'alpha de Krippendorff "
                    f"{fr.number(gain, 2)} de la version {versions[0]} à la version {versions[-1]}.")
    return fig


# ---------------------------------------------------------------------------
# Funding line and reliability planning (socinnov.analysis.ranking_tables, socinnov.analysis.reliability)
# ---------------------------------------------------------------------------

#: Dossiers drawn one by one on the caterpillar plot; a larger cohort is drawn around the line.
CATERPILLAR_MAX = 60


def caterpillar(zone: pd.DataFrame, *, label_dossiers: bool = True, window: int = 25):
    """Expected rank of each dossier with its 50 % (thick) and 90 % (thin) rank intervals.

    ``zone`` is ``socinnov.analysis.ranking.grey_zone`` output (sorted by expected rank). Colour
    tells the position (above the line, grey zone, below); the funding line is a dashed
    vertical line and the grey zone a shaded band. Past :data:`CATERPILLAR_MAX` dossiers, only
    the grey zone and ``window`` dossiers on either side are drawn (the alt text says so).
    """
    import numpy as np

    from socinnov.analysis.ranking import ABOVE, BELOW, GREY

    z = zone.reset_index(drop=True)
    n = len(z)
    line = z.attrs.get("funding_line", float("nan"))
    shown = z
    if n > CATERPILLAR_MAX:
        grey = np.flatnonzero(z["group"].to_numpy() == GREY)
        k = int(z.attrs.get("n_fundable") or 0)
        centre_lo, centre_hi = (grey.min(), grey.max()) if len(grey) else (max(k - 1, 0), max(k - 1, 0))
        shown = z.iloc[max(centre_lo - window, 0):centre_hi + window + 1]
    m = len(shown)
    fig, ax = _figure(7.5, min(0.22 * m + 1.6, 16))
    colours = sns.color_palette(PALETTE)
    colour = {ABOVE: colours[2], GREY: colours[7] if len(colours) > 7 else "grey", BELOW: colours[0]}
    y = np.arange(m)[::-1]
    groups = shown["group"].to_numpy() if "group" in shown else np.array([BELOW] * m)
    for yi, row, g in zip(y, shown.itertuples(), groups):
        c = colour.get(g, colours[0])
        ax.plot([row.rank_low_outer, row.rank_high_outer], [yi, yi], color=c, linewidth=1)
        ax.plot([row.rank_low, row.rank_high], [yi, yi], color=c, linewidth=3.5, solid_capstyle="butt")
        ax.plot(row.expected_rank, yi, "o", color="black", markersize=3.5)
    in_grey = np.flatnonzero(groups == GREY)
    if len(in_grey):
        ax.axhspan(y[in_grey.max()] - 0.5, y[in_grey.min()] + 0.5, color="grey", alpha=0.15, linewidth=0)
    if np.isfinite(line):
        ax.axvline(line, color="black", linestyle="--", linewidth=1)
    from matplotlib.lines import Line2D
    handles = [Line2D([], [], color=colour[g], linewidth=3.5, label=g) for g in (ABOVE, GREY, BELOW)
               if (groups == g).any()]
    if np.isfinite(line):
        handles.append(Line2D([], [], color="black", linestyle="--", label="ligne de financement"))
    if handles:
        ax.legend(handles=handles, loc="upper right", fontsize=8)
    if label_dossiers and m <= CATERPILLAR_MAX:
        ax.set_yticks(y, shown["dossier_id"].astype(str), fontsize=7 if m > 30 else 8)
    else:
        ax.set_yticks([])
    ax.set_ylim(-0.7, m - 0.3)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set(xlabel="Rang (1 = le mieux classé) ; point : rang attendu, trait épais : 50 %, fin : 90 %", ylabel="")
    counts = {g: int((z["group"] == g).sum()) for g in (ABOVE, GREY, BELOW)} if "group" in z else {}
    text = f"Rang attendu de {fr.number(n)} dossiers avec leurs intervalles de rang"
    if np.isfinite(line):
        text += (f" ; ligne de financement au rang attendu {fr.number(line, 1)} : {counts[ABOVE]} au-dessus, "
                 f"{counts[GREY]} dans la zone grise, {counts[BELOW]} en dessous")
    if m < n:
        text += f" ; seuls les {m} dossiers autour de la ligne sont dessinés"
    fig.alt_text = text + "."
    return fig


def d_study_chart(table: pd.DataFrame, *, target: float = 0.80, current: float | None = None):
    """Φ and Eρ² of a dossier's mean score against the number of jurors per dossier (a D-study).

    ``table`` is ``socinnov.analysis.reliability.d_study`` output for one number of criteria;
    ``target`` is drawn as a dotted line, ``current`` (the call's jurors per dossier) as a grey one.
    """
    fig, ax = _figure(6.5, 3.6)
    colours = sns.color_palette(PALETTE)
    ax.plot(table["n_jurors"], table["phi"], "o-", color=colours[0], label="Φ (décision absolue : un seuil)")
    ax.plot(table["n_jurors"], table["erho2"], "s--", color=colours[1], label="Eρ² (décision relative : un classement)")
    ax.axhline(target, color="black", linestyle=":", linewidth=1)
    if current is not None:
        ax.axvline(current, color="grey", linewidth=1)
        ax.text(current, 0.02, f" cet appel : {fr.number(current, 1)}", fontsize=8, color="dimgrey")
    ax.set_ylim(0, 1)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_formatter(lambda v, _: fr.number(v, 1))
    ax.set(xlabel="Jurés par dossier", ylabel="Fiabilité du score moyen")
    ax.legend(loc="lower right", fontsize=8)
    reach = table[table["phi"] >= target]["n_jurors"]
    fig.alt_text = (f"Fiabilité du score moyen d'un dossier selon le nombre de jurés, de {table['n_jurors'].min()} à "
                    f"{table['n_jurors'].max()} : Φ de {fr.number(table['phi'].iloc[0], 2)} à "
                    f"{fr.number(table['phi'].iloc[-1], 2)}, Eρ² de {fr.number(table['erho2'].iloc[0], 2)} à "
                    f"{fr.number(table['erho2'].iloc[-1], 2)} ; "
                    + (f"Φ atteint {fr.number(target, 2)} à partir de {int(reach.min())} juré(s)." if len(reach) else
                       f"Φ n'atteint pas {fr.number(target, 2)} dans cet intervalle."))
    return fig
