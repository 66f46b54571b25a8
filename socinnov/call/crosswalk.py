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
compared criterion by criterion (``socinnov.analysis.grid_versions``).
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

from socinnov import config
from socinnov.call.grids import Grid, GridError, grid_ratings, load_grid
from socinnov.errors import UserError

__all__ = [
    "CROSSWALKS_DIR",
    "LEVEL_RULES",
    "Crosswalk",
    "CrosswalkError",
    "Link",
    "available_crosswalks",
    "crosswalk_from_file",
    "crosswalk_table_fr",
    "load_crosswalk",
    "map_levels",
    "translate_ratings",
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


class CrosswalkError(UserError, ValueError):
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
        ``socinnov.analysis.criteria`` take both as they are.
    """
    crosswalk.check(grid_from, grid_to)
    vgrid = translated_grid(grid_from, grid_to)
    r = pd.concat([grid_ratings(ratings, grid_from, rd) for rd in ratings["round"].dropna().unique()],
                  ignore_index=True)
    r = r.assign(level_code=pd.to_numeric(r["level_code"], errors="coerce").astype(float))
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
