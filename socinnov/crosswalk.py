"""Grid versions and crosswalks: reading ratings made with one version in the terms of another.

The technical committee refines the grid between calls (``acceptabilite-2018.yaml`` beside the
call's ``acceptabilite-2016.yaml``). A *crosswalk* (``data/grids/crosswalks/<grid>-<from>-<to>.yaml``)
says, for each criterion of the newer version, which criteria of the older one it comes from and
how their levels map onto it: ``identity``; the mean of the merged criteria's level codes rounded
half up (``mean_half_up``) or half down (``mean_half_down``); the ``max`` or ``min`` of them; or
an explicit table of levels for a single source criterion. Criteria of the older version that
the newer one drops are listed under ``dropped``.

With a crosswalk, ratings made with the older version can be *translated* into the newer one's
criteria (:func:`translate_ratings`), so that two calls rated with different versions are
compared criterion by criterion (:func:`compare_versions`): level distributions, agreement and
discrimination side by side, every statistic computed by ``socinnov.criteria`` on either side.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from socinnov import config, fr
from socinnov.criteria import criterion_profile, select_ratings
from socinnov.grids import Grid, GridError, load_grid

__all__ = [
    "CROSSWALKS_DIR",
    "LEVEL_RULES",
    "Crosswalk",
    "CrosswalkError",
    "Link",
    "VersionComparison",
    "available_crosswalks",
    "compare_rated_versions",
    "compare_versions",
    "comparison_table_fr",
    "crosswalk_from_file",
    "crosswalk_table_fr",
    "load_crosswalk",
    "map_levels",
    "translate_ratings",
    "versions_rated",
]

CROSSWALKS_DIR = config.GRIDS_DIR / "crosswalks"

#: Level rules a crosswalk may name, with their French reading.
LEVEL_RULES = {
    "identity": "mêmes niveaux",
    "mean_half_up": "moyenne des niveaux d'origine, arrondie au niveau supérieur à mi-chemin",
    "mean_half_down": "moyenne des niveaux d'origine, arrondie au niveau inférieur à mi-chemin",
    "max": "le plus haut des niveaux d'origine",
    "min": "le plus bas des niveaux d'origine",
}


class CrosswalkError(ValueError):
    """A crosswalk file that does not fit its two grids (message in French)."""


@dataclass(frozen=True)
class Link:
    """One criterion of the newer version and where it comes from.

    Attributes
    ----------
    target : str
        Criterion id in the newer version.
    sources : tuple of str
        Criterion ids in the older version.
    levels : str or tuple
        A rule of :data:`LEVEL_RULES`, or an explicit table as ``((old label, new label), …)``.
    change : str
        What changed, in French (``aucun``, ``fusion``, ``descripteurs reformulés``…).
    note : str
    """

    target: str
    sources: tuple[str, ...]
    levels: str | tuple[tuple[str, str], ...]
    change: str = "aucun"
    note: str = ""

    @property
    def table(self) -> dict[str, str] | None:
        """The explicit level table (old label -> new label), or None for a rule."""
        return dict(self.levels) if isinstance(self.levels, tuple) else None


@dataclass(frozen=True)
class Crosswalk:
    """How the criteria of version ``to_version`` of a grid come from version ``from_version``."""

    id: str
    grid_id: str
    from_version: str
    to_version: str
    source: str
    links: tuple[Link, ...]
    dropped: tuple[str, ...] = ()

    def link(self, target: str) -> Link:
        for lk in self.links:
            if lk.target == target:
                return lk
        raise KeyError(f"critère {target!r} absent de la correspondance {self.id}")

    def targets_of(self, source: str) -> list[str]:
        """The newer criteria an older criterion feeds."""
        return [lk.target for lk in self.links if source in lk.sources]

    def check(self, grid_from: Grid, grid_to: Grid) -> None:
        """Refuse a crosswalk that does not fit its two grids (raises :class:`CrosswalkError`)."""
        where = f"correspondance {self.id}"
        if (grid_from.id, grid_from.version, grid_to.id, grid_to.version) != (
                self.grid_id, self.from_version, self.grid_id, self.to_version):
            raise CrosswalkError(f"{where} : relie {self.grid_id} {self.from_version} → {self.to_version}, pas "
                                 f"{grid_from.key} → {grid_to.key}")
        old = {c.id for c in grid_from.criteria}
        new = [c.id for c in grid_to.criteria]
        targets = [lk.target for lk in self.links]
        twice = sorted({t for t in targets if targets.count(t) > 1})
        if twice:
            raise CrosswalkError(f"{where} : critère(s) {grid_to.version} décrit(s) deux fois : {', '.join(twice)}")
        missing = [c for c in new if c not in targets]
        unknown = [t for t in targets if t not in new]
        if missing or unknown:
            raise CrosswalkError(f"{where} : chaque critère de la version {grid_to.version} doit y figurer une fois"
                                 + (f" ; manquent : {', '.join(missing)}" if missing else "")
                                 + (f" ; inconnus : {', '.join(unknown)}" if unknown else ""))
        for lk in self.links:
            bad = [s for s in lk.sources if s not in old]
            if not lk.sources or bad:
                raise CrosswalkError(f"{where} : {lk.target} provient de critère(s) inconnu(s) de la version "
                                     f"{grid_from.version} : {', '.join(bad) or '(aucun)'}")
            table = lk.table
            if table is not None:
                if len(lk.sources) != 1:
                    raise CrosswalkError(f"{where} : une table de niveaux ne vaut que pour un critère d'origine "
                                         f"unique ({lk.target})")
                if set(table) != set(grid_from.level_labels) or not set(table.values()) <= set(grid_to.level_labels):
                    raise CrosswalkError(f"{where} : la table de niveaux de {lk.target} doit faire correspondre "
                                         f"chaque niveau {grid_from.version} ({', '.join(grid_from.level_labels)}) "
                                         f"à un niveau {grid_to.version} ({', '.join(grid_to.level_labels)})")
            elif lk.levels not in LEVEL_RULES:
                raise CrosswalkError(f"{where} : règle de niveaux inconnue « {lk.levels} » pour {lk.target} ; "
                                     f"règles : {', '.join(LEVEL_RULES)} ou une table de niveaux")
            elif lk.levels == "identity" and len(lk.sources) != 1:
                raise CrosswalkError(f"{where} : « identity » ne vaut que pour un critère d'origine unique "
                                     f"({lk.target} en a {len(lk.sources)})")
            elif len(grid_from.levels) != len(grid_to.levels):
                raise CrosswalkError(f"{where} : la règle « {lk.levels} » suppose des niveaux identiques ; les deux "
                                     "versions n'ont pas le même nombre de niveaux : donnez une table de niveaux")
        used = {s for lk in self.links for s in lk.sources}
        orphans = sorted(old - used - set(self.dropped))
        if orphans:
            raise CrosswalkError(f"{where} : critère(s) {grid_from.version} ni repris ni déclarés abandonnés "
                                 f"(dropped) : {', '.join(orphans)}")


def crosswalk_from_file(path: Path, *, check: bool = True) -> Crosswalk:
    """Read a crosswalk YAML file and, with ``check``, validate it against its two grids.

    Parameters
    ----------
    path : pathlib.Path
    check : bool
        Load both grids and call :meth:`Crosswalk.check`.

    Returns
    -------
    Crosswalk
    """
    with open(path, encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    try:
        links = []
        for item in raw["criteria"]:
            levels = item.get("levels", "identity")
            if isinstance(levels, dict):
                levels = tuple((str(k), str(v)) for k, v in levels.items())
            links.append(Link(target=item["to"], sources=tuple(item["from"]), levels=levels,
                              change=str(item.get("change", "aucun")), note=str(item.get("note", "") or "").strip()))
        cw = Crosswalk(id=raw["id"], grid_id=raw["grid"], from_version=str(raw["from"]), to_version=str(raw["to"]),
                       source=str(raw.get("source", "")).strip(), links=tuple(links),
                       dropped=tuple(raw.get("dropped") or ()))
    except (KeyError, TypeError) as exc:
        raise CrosswalkError(f"{Path(path).name} : structure de correspondance invalide ({exc})") from exc
    if check:
        try:
            cw.check(load_grid(cw.grid_id, cw.from_version), load_grid(cw.grid_id, cw.to_version))
        except GridError as exc:
            raise CrosswalkError(f"{Path(path).name} : {exc}") from exc
    return cw


def available_crosswalks(grid_id: str | None = None) -> list[tuple[str, str, str]]:
    """``(grid id, from version, to version)`` of every crosswalk shipped with the package."""
    out = []
    for p in sorted(CROSSWALKS_DIR.glob("*.yaml")):
        raw = yaml.safe_load(p.read_text(encoding="utf-8"))
        if grid_id is None or raw.get("grid") == grid_id:
            out.append((raw["grid"], str(raw["from"]), str(raw["to"])))
    return out


@cache
def load_crosswalk(grid_id: str, from_version: str, to_version: str) -> Crosswalk:
    """The shipped crosswalk from one version of a grid to another, validated.

    Examples
    --------
    >>> cw = load_crosswalk("acceptabilite", "2016", "2018")
    >>> cw.link("collectif").sources
    ('caractere_collectif', 'richesse_collectif')
    """
    path = CROSSWALKS_DIR / f"{grid_id}-{from_version}-{to_version}.yaml"
    if not path.exists():
        known = ", ".join(f"{g} {a} → {b}" for g, a, b in available_crosswalks()) or "aucune"
        raise CrosswalkError(f"pas de correspondance {grid_id} {from_version} → {to_version} ; "
                             f"correspondances disponibles : {known}")
    return crosswalk_from_file(path)


# ---------------------------------------------------------------------------
# Translating ratings
# ---------------------------------------------------------------------------


def map_levels(codes: np.ndarray, link: Link, grid_from: Grid, grid_to: Grid) -> np.ndarray:
    """The newer level code of each row of ``codes`` (one column per source criterion).

    Missing source ratings (NaN) are left out of a mean, max or min; a row with no source
    rating gives NaN.

    Parameters
    ----------
    codes : numpy.ndarray
        Shape ``(n, len(link.sources))``, older level codes, NaN when missing.
    link : Link
    grid_from, grid_to : Grid

    Returns
    -------
    numpy.ndarray
        Float codes of ``grid_to``'s levels, NaN when missing.

    Examples
    --------
    >>> import numpy as np
    >>> g = load_grid("acceptabilite", "2016")
    >>> lk = Link("x", ("a", "b"), "mean_half_up")
    >>> map_levels(np.array([[1, 2], [1, 1], [0, 3], [np.nan, 2], [np.nan, np.nan]]), lk, g, g).tolist()
    [2.0, 1.0, 2.0, 2.0, nan]
    """
    codes = np.asarray(codes, dtype=float).reshape(len(codes), -1)
    present = ~np.isnan(codes)
    some = present.any(axis=1)
    out = np.full(len(codes), np.nan)
    table = link.table
    if table is not None:
        old = {lv.code: lv.label for lv in grid_from.levels}
        new = {lv.label: lv.code for lv in grid_to.levels}
        col = codes[:, 0]
        out[some] = [new[table[old[int(c)]]] for c in col[some]]
        return out
    with np.errstate(invalid="ignore"):
        if link.levels == "identity":
            out = codes[:, 0].copy()
        elif link.levels in ("mean_half_up", "mean_half_down"):
            mean = np.nansum(codes, axis=1)[some] / present.sum(axis=1)[some]
            out[some] = (np.floor(mean + 0.5 + 1e-9) if link.levels == "mean_half_up"
                         else np.ceil(mean - 0.5 - 1e-9))
        elif link.levels == "max":
            out[some] = np.nanmax(codes[some], axis=1)
        elif link.levels == "min":
            out[some] = np.nanmin(codes[some], axis=1)
        else:
            raise CrosswalkError(f"règle de niveaux inconnue « {link.levels} »")
    return out


def translated_grid(grid_from: Grid, grid_to: Grid) -> Grid:
    """The newer grid, under a version name saying the ratings were made with the older one.

    Its version is ``"<from>→<to>"`` (e.g. ``2016→2018``): translated ratings carry it, so
    that no analysis mistakes them for ratings made with the newer descriptors.
    """
    return dataclasses.replace(
        grid_to, version=f"{grid_from.version}→{grid_to.version}",
        title=f"{grid_to.title} (notes {grid_from.version} lues par la correspondance)",
        source=f"Notes faites avec la version {grid_from.version}, traduites dans les critères de la version "
               f"{grid_to.version} par la correspondance {grid_to.id}-{grid_from.version}-{grid_to.version}.")


def translate_ratings(ratings: pd.DataFrame, grid_from: Grid, grid_to: Grid,
                      crosswalk: Crosswalk) -> tuple[pd.DataFrame, Grid]:
    """Ratings made with ``grid_from``, expressed in ``grid_to``'s criteria through ``crosswalk``.

    One row per (dossier, juror, round) and criterion of ``grid_to``, its level computed from the
    juror's levels on the source criteria (:func:`map_levels`).

    Parameters
    ----------
    ratings : pandas.DataFrame
        Long ratings table (every round of ``grid_from``'s ratings is translated).
    grid_from, grid_to : Grid
    crosswalk : Crosswalk
        From ``grid_from``'s version to ``grid_to``'s.

    Returns
    -------
    tuple
        ``(translated ratings, grid)`` where ``grid`` is :func:`translated_grid`: analyses of
        ``socinnov.criteria`` take both as they are.
    """
    crosswalk.check(grid_from, grid_to)
    vgrid = translated_grid(grid_from, grid_to)
    r = pd.concat([select_ratings(ratings, grid_from, round=rd) for rd in ratings["round"].dropna().unique()],
                  ignore_index=True)
    keys = ["dossier_id", "juror_id", "round"]
    r = r.drop_duplicates(keys + ["criterion"])
    wide = r.set_index(keys + ["criterion"])["level_code"].unstack("criterion")  # only the pairs rated
    wide = wide.reindex(columns=[c.id for c in grid_from.criteria])
    labels = np.array(grid_to.level_labels, dtype=object)
    parts = []
    for lk in crosswalk.links:
        code = map_levels(wide[list(lk.sources)].to_numpy(dtype=float), lk, grid_from, grid_to)
        part = wide.index.to_frame(index=False)
        part["criterion"] = lk.target
        part["level_code"] = pd.array([None if math.isnan(c) else int(c) for c in code], dtype="Int64")
        part["level"] = [None if math.isnan(c) else labels[int(c)] for c in code]
        parts.append(part)
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=keys + ["criterion"])
    out = out.assign(grid=grid_to.id, grid_version=vgrid.version, comment=None)
    cols = ["dossier_id", "juror_id", "grid", "grid_version", "criterion", "round", "level", "comment", "level_code"]
    return out[cols], vgrid


def crosswalk_table_fr(crosswalk: Crosswalk, grid_from: Grid | None = None, grid_to: Grid | None = None) -> pd.DataFrame:
    """The crosswalk as the committee reads it: one row per newer criterion (French)."""
    grid_from = grid_from or load_grid(crosswalk.grid_id, crosswalk.from_version)
    grid_to = grid_to or load_grid(crosswalk.grid_id, crosswalk.to_version)
    old = {c.id: c.label for c in grid_from.criteria}
    rows = []
    for lk in crosswalk.links:
        table = lk.table
        rule = (", ".join(f"{a} → {b}" for a, b in table.items()) if table is not None else LEVEL_RULES[lk.levels])
        rows.append({f"Critère {grid_to.version}": grid_to.criterion(lk.target).label,
                     f"Critère(s) {grid_from.version}": " + ".join(old[s] for s in lk.sources),
                     "Correspondance des niveaux": rule, "Changement": lk.change,
                     "Remarque": lk.note or "–"})
    for s in crosswalk.dropped:
        rows.append({f"Critère {grid_to.version}": "(abandonné)", f"Critère(s) {grid_from.version}": old.get(s, s),
                     "Correspondance des niveaux": "–", "Changement": "abandon", "Remarque": "–"})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------
# Comparing two versions
# ---------------------------------------------------------------------------


def compare_versions(ratings_a: pd.DataFrame, grid_a: Grid, ratings_b: pd.DataFrame, grid_b: Grid,
                     crosswalk: Crosswalk, *, decisions_a: pd.DataFrame | None = None,
                     decisions_b: pd.DataFrame | None = None, round: str = "individuel", outcome: str = "retenu",
                     n_boot: int = 1000, seed: int = 0) -> pd.DataFrame:
    """Criterion statistics of two calls rated with two versions of a grid, side by side.

    The criteria are matched through ``crosswalk`` (from ``grid_a``'s version to ``grid_b``'s):
    the ratings of call A are translated into ``grid_b``'s criteria (:func:`translate_ratings`),
    then each side gets the same profile (``socinnov.criteria.criterion_profile``): level
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
        See ``socinnov.criteria.analyse_criteria``.

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
    from socinnov.criteria import _ci, _or_ci

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
        "α de Krippendorff [IC 95 %]": [_ci(a, lo, hi, 3) for a, lo, hi in
                                        zip(comparison["alpha"], comparison["alpha_low"], comparison["alpha_high"])],
        "Rapport de cotes par niveau [IC 95 %]": [_or_ci(o, lo, hi) for o, lo, hi in
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


def compare_rated_versions(data, grid_id: str = "acceptabilite", *, other_cohort: str = "",
                           round: str = "individuel", n_boot: int = 1000, seed: int = 0) -> VersionComparison:
    """Compare the grid versions a cohort's ratings use, or say why there is nothing to compare.

    The ratings (and decisions) of ``data``, plus those of ``other_cohort`` when given (loaded
    for the same audience), are pooled. With two versions or more rated, the oldest and newest
    linked by a shipped crosswalk are compared (:func:`compare_versions`). With one version,
    the note says so and the crosswalk from (or to) that version is shown.

    Parameters
    ----------
    data : socinnov.store.Cohort
    grid_id : str
    other_cohort : str
        Another cohort (another call year) whose ratings use another version; ``""``: the one
        the cohort's ``appel.yaml`` names (``comparer_avec``), if any.
    round, n_boot, seed

    Returns
    -------
    VersionComparison
    """
    ratings, decisions = data.ratings, data.decisions
    other_cohort = other_cohort or data.call.compare_with or ""
    if other_cohort:
        from socinnov.store import load_cohort

        other = load_cohort(other_cohort, audience=data.audience, tables=("ratings", "decisions"))
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
            f"aura été noté avec la version {other} (paramètre `other_cohort` de ce rapport, ou une cohorte qui "
            "réunit les deux appels).")
    return VersionComparison(note, cw, crosswalk_table_fr(cw))
