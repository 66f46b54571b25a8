"""The demo cohort's hand-written French material, read once from the YAML files of this folder.

Every name, title, sentence and comment of the fictitious cohort lives in a YAML file next to
this module, one file per concern (places, themes, dossiers, partners, budget, jury, decisions,
follow-up, the cohort's README). The generator's modules read the constants below; the order of
every list and mapping is the order of its file, and the generator's random draws depend on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from socinnov.call import vocabulary as voc

__all__ = [
    "BUDGET",
    "DECISIONS",
    "DOSSIERS",
    "FOLLOWUP",
    "JURY",
    "OUT_OF_REGION",
    "PARTNERS",
    "PLACES",
    "README",
    "TERRITORIES",
    "THEMES",
    "Territory",
    "Theme",
]

_FOLDER = Path(__file__).resolve().parent


def _load(name: str) -> dict:
    """One content file, as plain dicts, lists and strings."""
    return yaml.safe_load((_FOLDER / f"{name}.yaml").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Theme:
    """A family of social-innovation projects: how its dossiers are titled and described."""

    key: str
    stems: tuple[str, ...]
    sentences: tuple[str, ...]
    objectives: str
    publics: str
    environment: float  # how central environmental stakes are (-1 .. 1)
    market: float  # probability that an association's project seeks a market
    innovation: tuple[float, ...]  # probability of each of voc.INNOVATION_TYPES, in its order


@dataclass(frozen=True)
class Territory:
    """A territory of a département: the complement its titles take, and its real communes."""

    name: str
    communes: tuple[str, ...]


def _theme(entry: dict) -> Theme:
    return Theme(
        key=entry["key"], stems=tuple(entry["stems"]), sentences=tuple(entry["sentences"]),
        objectives=entry["objectives"], publics=entry["publics"], environment=entry["environment"],
        market=entry["market"], innovation=tuple(entry["innovation"][k] for k in voc.INNOVATION_TYPES),
    )


def _territory(entry: dict) -> Territory:
    return Territory(entry["territory"], tuple(entry["communes"]))


PLACES = _load("places")
TERRITORIES: dict[str, tuple[Territory, ...]] = {
    dep: tuple(_territory(t) for t in entries) for dep, entries in PLACES["territories"].items()
}
OUT_OF_REGION: dict[str, Territory] = {dep: _territory(t) for dep, t in PLACES["out_of_region"].items()}
THEMES: tuple[Theme, ...] = tuple(_theme(t) for t in _load("themes")["themes"])
DOSSIERS = _load("dossiers")
PARTNERS = _load("partners")
BUDGET = _load("budget")
JURY = _load("jury")
DECISIONS = _load("decisions")
FOLLOWUP = _load("followup")
README = _load("readme")
