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
