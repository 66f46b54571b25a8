"""Rating grids as data: versioned YAML files loaded into typed, immutable objects.

A grid file (``socinnov/data/grids/<id>-<version>.yaml``) holds the levels, the dimensions
(sections, for the feasibility grid), the criteria with their French labels and, for the
acceptability grid, each cell's descriptor word for word from the call. The committee's refined
grids are new files beside the 2016 ones; analyses name the version they used.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pandas as pd
import yaml

from socinnov import config
from socinnov.call.vocabulary import INDIVIDUAL
from socinnov.errors import UserError

ACCEPTABILITY = "acceptabilite"
FEASIBILITY = "faisabilite"


class GridError(UserError, ValueError):
    """A grid file that does not follow the expected structure."""


@dataclass(frozen=True)
class Level:
    code: int
    label: str
    name: str | None = None  # long name, e.g. "satisfaisant" for level "A"


@dataclass(frozen=True)
class Criterion:
    id: str
    label: str
    dimension: str
    descriptors: dict[str, str] = field(default_factory=dict)  # level label -> descriptor
    generic: str | None = None  # one of the four generic appraisal criteria of section 1-1
    worded_as_risk: bool = False


@dataclass(frozen=True)
class Dimension:
    id: str
    label: str
    criteria: tuple[Criterion, ...]
    if_relevant: bool = False  # "si pertinent": may legitimately be left unrated


@dataclass(frozen=True)
class Grid:
    id: str
    version: str
    title: str
    source: str
    levels: tuple[Level, ...]
    dimensions: tuple[Dimension, ...]
    groupings: dict = field(default_factory=dict, hash=False, compare=False)

    @property
    def key(self) -> str:
        return f"{self.id}-{self.version}"

    @property
    def criteria(self) -> tuple[Criterion, ...]:
        return tuple(c for d in self.dimensions for c in d.criteria)

    @property
    def level_labels(self) -> tuple[str, ...]:
        """Level labels from lowest to highest code."""
        return tuple(lv.label for lv in self.levels)

    def criterion(self, criterion_id: str) -> Criterion:
        for c in self.criteria:
            if c.id == criterion_id:
                return c
        raise KeyError(f"critère inconnu dans la grille {self.key} : {criterion_id!r}")

    def dimension(self, dimension_id: str) -> Dimension:
        for d in self.dimensions:
            if d.id == dimension_id:
                return d
        raise KeyError(f"dimension inconnue dans la grille {self.key} : {dimension_id!r}")

    def code_of(self, label: str) -> int:
        for lv in self.levels:
            if lv.label == label:
                return lv.code
        raise KeyError(label)

    def criteria_frame(self) -> pd.DataFrame:
        """One row per criterion: id, label, dimension, dimension label, generic group, flags."""
        rows = []
        for d in self.dimensions:
            for order, c in enumerate(d.criteria):
                rows.append(
                    {
                        "criterion": c.id,
                        "criterion_label": c.label,
                        "dimension": d.id,
                        "dimension_label": d.label,
                        "generic": c.generic,
                        "if_relevant": d.if_relevant,
                        "worded_as_risk": c.worded_as_risk,
                        "order": order,
                    }
                )
        return pd.DataFrame(rows)


def available_grids() -> list[str]:
    """Keys (``id-version``) of the grid files shipped with the package."""
    return sorted(p.stem for p in config.GRIDS_DIR.glob("*.yaml"))


@cache
def load_grid(grid_id: str = ACCEPTABILITY, version: str = "2016") -> Grid:
    """Load a grid by id and version, e.g. ``load_grid("acceptabilite", "2016")``."""
    path = config.GRIDS_DIR / f"{grid_id}-{version}.yaml"
    if not path.exists():
        raise GridError(
            f"grille introuvable : {grid_id} version {version} ; "
            f"grilles disponibles : {', '.join(available_grids())}"
        )
    return grid_from_file(path)


def grid_from_file(path: Path) -> Grid:
    with open(path, encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    try:
        levels = tuple(Level(int(lv["code"]), str(lv["label"]), lv.get("name")) for lv in raw["levels"])
        dimensions = tuple(
            Dimension(
                id=d["id"],
                label=d["label"].strip(),
                if_relevant=bool(d.get("if_relevant", False)),
                criteria=tuple(
                    Criterion(
                        id=c["id"],
                        label=c["label"].strip(),
                        dimension=d["id"],
                        descriptors=dict(c.get("descriptors") or {}),
                        generic=c.get("generic"),
                        worded_as_risk=bool(c.get("worded_as_risk", False)),
                    )
                    for c in d["criteria"]
                ),
            )
            for d in raw["dimensions"]
        )
        grid = Grid(
            id=raw["id"],
            version=str(raw["version"]),
            title=raw["title"],
            source=raw["source"],
            levels=levels,
            dimensions=dimensions,
            groupings=raw.get("groupings") or {},
        )
    except (KeyError, TypeError) as exc:
        raise GridError(f"{path.name} : structure de grille invalide ({exc})") from exc
    _check(grid, path)
    return grid


def _check(grid: Grid, path: Path) -> None:
    codes = [lv.code for lv in grid.levels]
    if codes != list(range(len(codes))):
        raise GridError(f"{path.name} : les codes des niveaux doivent valoir 0, 1, 2… dans l'ordre")
    ids = [c.id for c in grid.criteria]
    if len(ids) != len(set(ids)):
        raise GridError(f"{path.name} : identifiant de critère en double")
    labels = set(grid.level_labels)
    for c in grid.criteria:
        if c.descriptors and set(c.descriptors) != labels:
            raise GridError(
                f"{path.name} : le critère {c.id} doit décrire exactement les niveaux {sorted(labels)}"
            )
    groups = grid.groupings.get("generic", {}).get("groups", [])
    if groups:
        known = {g["id"] for g in groups}
        for c in grid.criteria:
            if c.generic not in known:
                raise GridError(f"{path.name} : critère {c.id} sans critère générique connu")


def grid_ratings(ratings: pd.DataFrame, grid: Grid, round: str = INDIVIDUAL) -> pd.DataFrame:
    """The rows of the long ratings table given on ``grid`` (its id and version) in ``round``."""
    return ratings[(ratings["grid"] == grid.id) & (ratings["grid_version"].astype(str) == grid.version)
                   & (ratings["round"] == round)]
