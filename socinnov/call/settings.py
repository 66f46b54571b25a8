"""The call's parameters (deadline, ceiling, duration, envelope, grid versions).

The 2016 call's values ship with the package (``data/calls/alpc-2016.yaml``); a cohort folder
may hold an ``appel.yaml`` that names the call it answers and overrides what its call year
changed (the envelope, a refined grid version).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import yaml

from socinnov import config
from socinnov.errors import InputError, Problem

CALLS_DIR = config.PACKAGE_DIR / "data" / "calls"
CALL_FILE = "appel.yaml"


@dataclass(frozen=True)
class Call:
    id: str
    title: str
    year: int
    deadline: dt.date
    max_aid: float
    max_months: int
    n_payments: int
    envelope: float | None
    grid_versions: dict[str, str]
    compare_with: str | None = None  # another cohort (call year) rated with another grid version


_KEYS = {
    "id": "id", "titre": "title", "annee": "year", "date_limite_depot": "deadline",
    "plafond_aide": "max_aid", "duree_max_mois": "max_months", "nombre_versements": "n_payments",
    "enveloppe": "envelope", "grilles": "grid_versions", "comparer_avec": "compare_with",
}


def load_call(cohort_folder: Path | None = None) -> Call:
    """The call of a cohort: the shipped call named by its ``appel.yaml``, with its overrides."""
    values: dict = {}
    overrides: dict = {}
    if cohort_folder is not None and (cohort_folder / CALL_FILE).exists():
        try:
            overrides = yaml.safe_load((cohort_folder / CALL_FILE).read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise InputError([Problem(CALL_FILE, None, None, f"fichier YAML illisible ({exc})")]) from exc
    base_id = overrides.get("appel", "alpc-2016")
    base = CALLS_DIR / f"{base_id}.yaml"
    if not base.exists():
        known = ", ".join(sorted(p.stem for p in CALLS_DIR.glob("*.yaml")))
        raise InputError([Problem(CALL_FILE, None, "appel", f"appel inconnu « {base_id} » ; appels connus : {known}")])
    values = yaml.safe_load(base.read_text(encoding="utf-8"))
    unknown = set(overrides) - set(_KEYS) - {"appel"}
    if unknown:
        raise InputError([Problem(CALL_FILE, None, k, "clé inconnue ; clés permises : appel, " + ", ".join(_KEYS))
                          for k in sorted(unknown)])
    grids = dict(values.get("grilles") or {}) | dict(overrides.get("grilles") or {})
    values |= {k: v for k, v in overrides.items() if k in _KEYS}
    values["grilles"] = {k: str(v) for k, v in grids.items()}
    kw = {_KEYS[k]: v for k, v in values.items() if k in _KEYS}
    deadline = kw["deadline"]
    if isinstance(deadline, str):
        deadline = dt.date.fromisoformat(deadline)
    return Call(
        id=str(kw["id"]), title=str(kw["title"]), year=int(kw["year"]), deadline=deadline,
        max_aid=float(kw["max_aid"]), max_months=int(kw["max_months"]), n_payments=int(kw["n_payments"]),
        envelope=None if kw.get("envelope") is None else float(kw["envelope"]),
        grid_versions=kw["grid_versions"],
        compare_with=None if kw.get("compare_with") is None else str(kw["compare_with"]),
    )


def call_to_dict(call: Call) -> dict:
    """A JSON-ready dict of the call (for the processed manifest)."""
    d = dataclasses.asdict(call)
    d["deadline"] = call.deadline.isoformat()
    return d


def call_from_dict(d: dict) -> Call:
    return Call(**(d | {"deadline": dt.date.fromisoformat(d["deadline"])}))
