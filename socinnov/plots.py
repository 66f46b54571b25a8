"""Figures of the reports: matplotlib/seaborn, colour-blind-safe palettes, French labels.

Each function returns a ``Figure`` and sets ``fig.alt_text`` (a French description of what the
figure shows), which the report export turns into the image's alternative text.
"""

from __future__ import annotations

import json
from pathlib import Path


import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from matplotlib.collections import PolyCollection

from socinnov import config, fr

PALETTE = "colorblind"  # seaborn's Okabe-Ito-like qualitative palette
SEQUENTIAL = "cividis"  # perceptually uniform, readable with colour-vision deficiencies


def _figure(width: float = 7.0, height: float = 4.0):
    sns.set_theme(style="whitegrid", palette=PALETTE)
    return plt.subplots(figsize=(width, height), layout="constrained")


def funnel_chart(funnel: pd.DataFrame):
    """Horizontal bars, one per step of the call."""
    fig, ax = _figure(7, 3.2)
    sns.barplot(data=funnel, y="Étape", x="Dossiers", ax=ax, color=sns.color_palette(PALETTE)[0])
    for i, n in enumerate(funnel["Dossiers"]):
        ax.text(n, i, f" {n}", va="center")
    ax.set(xlabel="Nombre de dossiers", ylabel="")
    fig.alt_text = "Entonnoir de l'appel : " + ", ".join(f"{s} {n}" for s, n in zip(funnel["Étape"], funnel["Dossiers"]))
    return fig


def amounts_histogram(requested: pd.Series, *, max_aid: float):
    """Distribution of requested amounts with the ceiling marked."""
    fig, ax = _figure(7, 3.2)
    sns.histplot(requested, bins=range(0, int(max(requested.max(), max_aid)) + 5000, 5000), ax=ax)
    ax.axvline(max_aid, color="black", linestyle="--")
    ax.text(max_aid, ax.get_ylim()[1] * 0.95, f" plafond {fr.euros(max_aid)}", va="top")
    ax.xaxis.set_major_formatter(lambda v, _: fr.euros(v))
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
    vmax = max(values.max(), 1)
    for feat in geo["features"]:
        code = feat["properties"]["code"]
        geom = feat["geometry"]
        polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
        rings = [ring for poly in polys for ring in poly[:1]]
        v = values.get(code, 0)
        ax.add_collection(PolyCollection(rings, facecolors=cmap(v / vmax), edgecolors="white", linewidths=1))
        xs = [p[0] for r in rings for p in r]
        ys = [p[1] for r in rings for p in r]
        ax.text(sum(xs) / len(xs), sum(ys) / len(ys), f"{code}\n{v}", ha="center", va="center", fontsize=9,
                color="white" if v / vmax < 0.6 else "black")
    ax.autoscale()
    ax.set_aspect(1 / 0.7)  # ~cos(45.5°): keeps shapes right at the region's latitude
    ax.set_axis_off()
    ax.set_title(title)
    sm = plt.cm.ScalarMappable(cmap=cmap, norm=plt.Normalize(0, vmax))
    fig.colorbar(sm, ax=ax, shrink=0.6, label="Dossiers")
    fig.alt_text = f"Carte des 12 départements, {title.lower()} : " + ", ".join(
        f"{n} ({c}) {int(values.get(c, 0))}" for c, n in zip(counts["code"], counts["nom"]))
    return fig


def score_profiles(scores: pd.DataFrame, decisions: pd.DataFrame, *, levels: tuple[str, ...]):
    """Dossier scores per dimension, split by decision (box plots on the grid's level scale)."""
    d = scores.merge(decisions[["dossier_id", "decision"]], on="dossier_id", how="left")
    d["decision"] = d["decision"].fillna("sans décision")
    fig, ax = _figure(8, 4)
    sns.boxplot(data=d, x="group_label", y="score", hue="decision", ax=ax)
    ax.set_yticks(range(len(levels)), levels)
    ax.set(xlabel="", ylabel="Score moyen (niveaux de la grille)")
    ax.legend(title="Décision", loc="lower right", fontsize=8)
    med = d.groupby("group_label")["score"].median()
    fig.alt_text = "Scores des dossiers par dimension selon la décision ; médianes : " + ", ".join(
        f"{g} {fr.number(v, 2)}" for g, v in med.items())
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
    fig.alt_text = (f"{d['statistic_label'].iloc[0]} par critère, avec intervalle de confiance : "
                    + ", ".join(f"{r.group_label} {fr.number(r.estimate, 2)}" for r in d.itertuples()))
    return fig


def severity_forest(severity: pd.DataFrame):
    """Each juror's severity (negative) or leniency (positive), in levels, with its interval."""
    d = severity.sort_values("effect").reset_index(drop=True)
    fig, ax = _figure(6.5, 0.35 * len(d) + 1.2)
    c = sns.color_palette(PALETTE)[0]
    for yi, row in enumerate(d.itertuples()):
        ax.plot([row.ci_low, row.ci_high], [yi, yi], color=c, linewidth=2)
        ax.plot(row.effect, yi, "o", color=c)
    ax.axvline(0, color="black", linewidth=1)
    ax.set_yticks(range(len(d)), d["juror_id"])
    ax.xaxis.set_major_formatter(lambda v, _: fr.number(v, 2))
    ax.set(xlabel="Écart au juré moyen (niveaux de la grille) : < 0 plus sévère, > 0 plus indulgent", ylabel="")
    fig.alt_text = "Sévérité des jurés (écart au juré moyen, en niveaux) : " + ", ".join(
        f"{r.juror_id} {fr.number(r.effect, 2)}" for r in d.itertuples())
    return fig


def pairwise_heatmap(pairwise: pd.DataFrame):
    """Share of identical levels for each pair of jurors (blank where they share no dossier)."""
    m = pairwise.pivot(index="juror_a", columns="juror_b", values="agreement")
    fig, ax = _figure(6.5, 5.5)
    sns.heatmap(m, annot=True, fmt=".2f", cmap=SEQUENTIAL, vmin=0, vmax=1, square=True, ax=ax,
                cbar_kws={"label": "Part de niveaux identiques"}, annot_kws={"fontsize": 8})
    for t in ax.texts:
        t.set_text(t.get_text().replace(".", ","))
    ax.set(xlabel="", ylabel="")
    low = pairwise.sort_values("agreement").iloc[0] if len(pairwise) else None
    fig.alt_text = ("Carte de chaleur de l'accord entre paires de jurés"
                    + (f" ; la paire la moins en accord : {low.juror_a} et {low.juror_b} "
                       f"({fr.percent(low.agreement)})" if low is not None else ""))
    return fig


def rounds_dumbbell(rounds: pd.DataFrame):
    """Agreement per criterion before and after the jury's debate."""
    wide = rounds.pivot(index="group_label", columns="round", values="estimate")
    order = [g for g in rounds["group_label"].drop_duplicates() if g in wide.index][::-1]
    wide = wide.loc[order]
    fig, ax = _figure(7.5, 0.35 * len(wide) + 1.2)
    colours = sns.color_palette(PALETTE)
    for yi, (label, row) in enumerate(wide.iterrows()):
        ax.plot([row.get("individuel"), row.get("après débat")], [yi, yi], color="grey", linewidth=1)
    ax.plot(wide.get("individuel"), range(len(wide)), "o", color=colours[0], label="notation individuelle")
    ax.plot(wide.get("après débat"), range(len(wide)), "s", color=colours[1], label="après débat")
    ax.set_yticks(range(len(wide)), wide.index)
    ax.xaxis.set_major_formatter(lambda v, _: fr.number(v, 1))
    ax.set(xlabel="Alpha de Krippendorff", ylabel="")
    ax.legend(loc="lower right", fontsize=8)
    gain = (wide.get("après débat") - wide.get("individuel")).mean()
    fig.alt_text = (f"Accord par critère avant et après le débat du jury ; gain moyen de "
                    f"{fr.number(gain, 2)} sur l'alpha de Krippendorff")
    return fig
