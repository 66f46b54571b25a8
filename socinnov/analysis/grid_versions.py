"""Comparing two versions of a grid: the criteria statistics of two calls rated with two versions,
matched through the crosswalk that links them (``socinnov.call.crosswalk``).

A merged criterion read through the crosswalk is a combination of the older criteria's levels; every
statistic is computed by ``socinnov.analysis.criteria`` on either side.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from socinnov import fr
from socinnov.analysis.committee import criterion_profile
from socinnov.analysis.discrimination import UNSTABLE_OR
from socinnov.call.crosswalk import (
    Crosswalk,
    CrosswalkError,
    available_crosswalks,
    crosswalk_table_fr,
    load_crosswalk,
    translate_ratings,
)
from socinnov.call.grids import Grid, load_grid
from socinnov.call.vocabulary import INDIVIDUAL

__all__ = ["VersionComparison", "compare_rated_versions", "compare_versions", "comparison_table_fr", "versions_rated"]




def compare_versions(ratings_a: pd.DataFrame, grid_a: Grid, ratings_b: pd.DataFrame, grid_b: Grid,
                     crosswalk: Crosswalk, *, decisions_a: pd.DataFrame | None = None,
                     decisions_b: pd.DataFrame | None = None, round: str = INDIVIDUAL, outcome: str = "retenu",
                     n_boot: int = 1000, seed: int = 0) -> pd.DataFrame:
    """Criterion statistics of two calls rated with two versions of a grid, side by side.

    The criteria are matched through ``crosswalk`` (from ``grid_a``'s version to ``grid_b``'s):
    the ratings of call A are translated into ``grid_b``'s criteria (:func:`translate_ratings`),
    then each side gets the same profile (``socinnov.analysis.committee.criterion_profile``): level
    shares, mean level, floor and ceiling, Krippendorff's alpha with its interval, odds ratio
    per level for the decision with its interval, AUC.

    A merged criterion read through the crosswalk is a mean of two ratings rounded: it tends to
    spread less and to agree more than a single rating would, which the comparison should keep
    in mind.

    Parameters
    ----------
    ratings_a, grid_a
        The earlier call's ratings and the version they used.
    ratings_b, grid_b
        The later call's ratings and the version they used.
    crosswalk : Crosswalk
        ``grid_a.version`` → ``grid_b.version``.
    decisions_a, decisions_b : pandas.DataFrame, optional
        ``dossier_id, decision`` of each call (``decisions_b`` defaults to ``decisions_a``,
        e.g. one table holding both calls' dossiers).
    round, outcome, n_boot, seed
        See ``socinnov.analysis.committee.analyse_criteria``.

    Returns
    -------
    pandas.DataFrame
        One row per criterion of ``grid_b`` and version: ``criterion, criterion_label, version,
        sources, sources_labels, change`` then the profile columns. ``attrs``: ``versions``,
        ``crosswalk``, ``levels``.
    """
    if crosswalk.grid_id != grid_a.id or crosswalk.from_version != grid_a.version \
            or crosswalk.to_version != grid_b.version:
        raise CrosswalkError(f"la correspondance {crosswalk.id} va de {crosswalk.from_version} à "
                             f"{crosswalk.to_version} : elle ne relie pas {grid_a.key} à {grid_b.key}")
    decisions_b = decisions_a if decisions_b is None else decisions_b
    translated, vgrid = translate_ratings(ratings_a, grid_a, grid_b, crosswalk)
    prof_a = criterion_profile(translated, vgrid, decisions_a, round=round, outcome=outcome, n_boot=n_boot,
                               seed=seed)
    prof_b = criterion_profile(ratings_b, grid_b, decisions_b, round=round, outcome=outcome, n_boot=n_boot,
                               seed=seed)
    old = {c.id: c.label for c in grid_a.criteria}
    meta = pd.DataFrame([{"criterion": lk.target, "sources": ", ".join(lk.sources),
                          "sources_labels": " + ".join(old[s] for s in lk.sources), "change": lk.change}
                         for lk in crosswalk.links])
    out = pd.concat([prof_a.assign(version=grid_a.version, _side=0), prof_b.assign(version=grid_b.version, _side=1)],
                    ignore_index=True).merge(meta, on="criterion", how="left")
    order = {c.id: i for i, c in enumerate(grid_b.criteria)}
    out = out.sort_values(["criterion", "_side"], key=lambda s: s.map(order) if s.name == "criterion" else s,
                          ignore_index=True).drop(columns="_side")
    front = ["criterion", "criterion_label", "version", "sources", "sources_labels", "change"]
    out = out[front + [c for c in out.columns if c not in front]]
    out.attrs.update(versions=(grid_a.version, grid_b.version), crosswalk=crosswalk.id,
                     levels=list(grid_b.level_labels))
    return out


def comparison_table_fr(comparison: pd.DataFrame) -> pd.DataFrame:
    """:func:`compare_versions` as the report shows it: one row per criterion and version."""
    levels = comparison.attrs.get("levels") or []
    shares = [c for c in comparison.columns if c.startswith("share_")]
    return pd.DataFrame({
        "Critère": comparison["criterion_label"],
        "Version": comparison["version"],
        "Critère(s) d'origine": [s if v == comparison.attrs["versions"][0] else "–"
                                 for s, v in zip(comparison["sources_labels"], comparison["version"])],
        "Répartition (" + " / ".join(levels) + ")": [
            " / ".join(fr.percent(row[c]) for c in shares) for _, row in comparison.iterrows()],
        "Niveau moyen": comparison["mean_level"].map(lambda v: fr.number(v, 2)),
        "Dossiers": comparison["n_dossiers"],
        "α de Krippendorff [IC 95 %]": [fr.interval(a, lo, hi, 3) for a, lo, hi in
                                        zip(comparison["alpha"], comparison["alpha_low"], comparison["alpha_high"])],
        "Rapport de cotes par niveau [IC 95 %]": [fr.interval(o, lo, hi, 2, limit=UNSTABLE_OR) for o, lo, hi in
                                                  zip(comparison["odds_ratio"], comparison["or_low"],
                                                      comparison["or_high"])],
        "AUC": comparison["auc"].map(lambda v: fr.number(v, 2)),
    })


def versions_rated(ratings: pd.DataFrame, grid_id: str) -> list[str]:
    """Versions of ``grid_id`` that hold at least one rating, oldest first."""
    r = ratings[(ratings["grid"] == grid_id)].dropna(subset=["level_code"])
    found = {str(v) for v in r["grid_version"].unique()}
    return sorted(found, key=lambda v: (0, int(v), v) if v.isdigit() else (1, 0, v))


@dataclass
class VersionComparison:
    """What the criteria report shows about grid versions (see :func:`compare_rated_versions`).

    Attributes
    ----------
    note : str
        French paragraph: which versions were rated, what is compared, or why nothing is.
    crosswalk : Crosswalk or None
    crosswalk_table : pandas.DataFrame
        :func:`crosswalk_table_fr` (empty without a crosswalk).
    table : pandas.DataFrame or None
        :func:`compare_versions`, when two versions were rated and a crosswalk links them.
    """

    note: str
    crosswalk: Crosswalk | None
    crosswalk_table: pd.DataFrame
    table: pd.DataFrame | None = None

    @property
    def available(self) -> bool:
        return self.table is not None


def compare_rated_versions(data, grid_id: str = "acceptabilite", *, other=None,
                           round: str = INDIVIDUAL, n_boot: int = 1000, seed: int = 0) -> VersionComparison:
    """Compare the grid versions a cohort's ratings use, or say why there is nothing to compare.

    The ratings (and decisions) of ``data``, plus those of ``other`` when given (the cohort the
    call names with ``comparer_avec``, see ``socinnov.privacy.store.compared_cohort``), are pooled. With two versions or more rated, the oldest and newest
    linked by a shipped crosswalk are compared (:func:`compare_versions`). With one version,
    the note says so and the crosswalk from (or to) that version is shown.

    Parameters
    ----------
    data : socinnov.privacy.store.Cohort
    grid_id : str
    other : socinnov.privacy.store.Cohort or None
        Another cohort (another call year) whose ratings use another version.
    round, n_boot, seed

    Returns
    -------
    VersionComparison
    """
    ratings, decisions = data.ratings, data.decisions
    if other is not None:
        ratings = pd.concat([ratings, other.ratings], ignore_index=True)
        decisions = pd.concat([decisions, other.decisions], ignore_index=True).drop_duplicates("dossier_id")
    rated = versions_rated(ratings, grid_id)
    shipped = available_crosswalks(grid_id)
    if not rated:
        return VersionComparison(f"Aucune note sur la grille {grid_id} : pas de comparaison entre versions.", None,
                                 pd.DataFrame())
    if len(rated) >= 2:
        pairs = [(a, b) for i, a in enumerate(rated) for b in rated[:i:-1] if (grid_id, a, b) in shipped]
        if not pairs:
            return VersionComparison(
                f"Les notes portent sur les versions {', '.join(rated)} de la grille, mais aucune correspondance "
                "entre elles n'est déclarée (data/grids/crosswalks) : les critères ne peuvent pas être appariés.",
                None, pd.DataFrame())
        a, b = pairs[0]
        cw = load_crosswalk(grid_id, a, b)
        grid_a, grid_b = load_grid(grid_id, a), load_grid(grid_id, b)
        table = compare_versions(ratings, grid_a, ratings, grid_b, cw, decisions_a=decisions, round=round,
                                 n_boot=n_boot, seed=seed)
        n_a = ratings[(ratings["grid"] == grid_id) & (ratings["grid_version"].astype(str) == a)]["dossier_id"].nunique()
        n_b = ratings[(ratings["grid"] == grid_id) & (ratings["grid_version"].astype(str) == b)]["dossier_id"].nunique()
        merged = [lk for lk in cw.links if len(lk.sources) > 1]
        note = (f"Les notes portent sur deux versions de la grille : {a} ({n_a} dossiers) et {b} ({n_b} dossiers). "
                f"Les critères sont appariés par la correspondance {a} → {b} ci-dessous : les notes {a} sont lues "
                f"dans les critères {b}, puis chaque critère est décrit de la même façon des deux côtés "
                "(répartition des niveaux, accord entre jurés, lien avec la décision).")
        if merged:
            note += (" Pour un critère fusionné, le niveau " + a + " est la combinaison des niveaux d'origine donnée "
                     "par la correspondance : il varie moins et s'accorde mieux qu'une note unique, ce qu'il faut "
                     "garder en tête en le comparant.")
        if len(rated) > 2:
            note += f" Autres versions notées, non comparées ici : {', '.join(v for v in rated if v not in (a, b))}."
        return VersionComparison(note, cw, crosswalk_table_fr(cw, grid_a, grid_b), table)
    (v,) = rated
    links = [c for c in shipped if v in (c[1], c[2])]
    if not links:
        return VersionComparison(
            f"Toutes les notes de la cohorte portent sur la version {v} de la grille, et aucune version affinée "
            "n'y est reliée par une correspondance : pas de comparaison entre versions.", None, pd.DataFrame())
    _, a, b = links[-1]
    cw = load_crosswalk(grid_id, a, b)
    other = b if v == a else a
    note = (f"Toutes les notes de la cohorte portent sur la version {v} de la grille : il n'y a pas encore de "
            f"notes faites avec la version {other}, et donc pas de comparaison entre versions. Voici la "
            f"correspondance entre les versions {a} et {b} ; elle servira à apparier les critères quand un appel "
            f"aura été noté avec la version {other} (paramètre `compare_with` de ce rapport, clé `comparer_avec` d'`appel.yaml`, ou une cohorte qui "
            "réunit les deux appels).")
    return VersionComparison(note, cw, crosswalk_table_fr(cw))
