"""Reading a cohort's processed tables, filtered for the audience a report is built for.

This is the only door from a notebook to the data. A report for the ``comite`` or ``public``
audience never receives free text nor identifying columns (per the schemas' metadata),
whatever the notebook then does with what it gets.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from socinnov import config
from socinnov.call import Call, call_from_dict
from socinnov.grids import ACCEPTABILITY, Grid, load_grid
from socinnov.ingest import MANIFEST, ingest, is_up_to_date
from socinnov.schemas import TABLES_BY_NAME, columns_with

AUDIENCES = ("jury", "comite", "public")


class AudienceError(ValueError):
    pass


def check_audience(audience: str) -> str:
    if audience not in AUDIENCES:
        raise AudienceError(f"public inconnu « {audience} » ; publics permis : {', '.join(AUDIENCES)}")
    return audience


@dataclass
class Cohort:
    """A cohort's processed tables, as one audience may see them."""

    name: str
    audience: str
    manifest: dict
    tables: dict[str, pd.DataFrame] = field(repr=False)

    def __getattr__(self, item: str) -> pd.DataFrame:
        tables = self.__dict__.get("tables", {})
        if item in tables:
            return tables[item]
        raise AttributeError(item)

    @property
    def folder(self) -> Path:
        return config.processed_dir(self.name)

    @property
    def call(self) -> Call:
        return call_from_dict(self.manifest["call"])

    def grid(self, grid_id: str = ACCEPTABILITY) -> Grid:
        """The grid (in the version the cohort's call declares) its ratings use."""
        return load_grid(grid_id, self.call.grid_versions[grid_id])


def _restrict(name: str, df: pd.DataFrame, audience: str) -> pd.DataFrame:
    if audience == "jury" or name not in TABLES_BY_NAME:
        return df
    model = TABLES_BY_NAME[name].model
    hidden = set(columns_with(model, "free_text")) | set(columns_with(model, "identifying"))
    return df.drop(columns=[c for c in df.columns if c in hidden])


def load_cohort(cohort: str, *, audience: str = "jury", refresh: bool = True) -> Cohort:
    """The processed tables of ``cohort`` for ``audience``; re-ingests raw files that changed."""
    check_audience(audience)
    folder = config.processed_dir(Path(cohort).name)
    if refresh and not is_up_to_date(cohort):
        folder = ingest(cohort)
    if not (folder / MANIFEST).exists():
        raise FileNotFoundError(f"cohorte « {cohort} » non préparée : lancer `socinnov ingest {cohort}`")
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    tables = {p.stem: _restrict(p.stem, pd.read_parquet(p), audience) for p in sorted(folder.glob("*.parquet"))}
    return Cohort(name=manifest["cohort"], audience=audience, manifest=manifest, tables=tables)
