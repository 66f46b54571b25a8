"""Reading a cohort's processed tables, filtered for the audience a report is built for.

This is the only door from a notebook to the data. A report for the ``comite`` audience never
receives free text nor identifying columns (per the schemas' metadata) and sees dossiers under
keyed pseudonyms; a report for the ``public`` receives only aggregates under disclosure control
(``socinnov.public``), whatever the notebook then does with what it gets.
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
from socinnov.pseudonyms import pseudonymise
from socinnov.public import PublicCohort
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


def _restrict(name: str, df: pd.DataFrame, audience: str, cohort: str) -> pd.DataFrame:
    """The ``comite`` view of a table: no free text, no identifying column, dossiers pseudonymised."""
    if audience == "jury":
        return df
    if name in TABLES_BY_NAME:
        model = TABLES_BY_NAME[name].model
        hidden = set(columns_with(model, "free_text")) | set(columns_with(model, "identifying"))
        df = df.drop(columns=[c for c in df.columns if c in hidden])
    if "dossier_id" in df.columns:
        df = df.assign(dossier_id=pseudonymise(df["dossier_id"], cohort=cohort))
    return df


def load_cohort(cohort: str, *, audience: str = "jury", refresh: bool = True) -> Cohort | PublicCohort:
    """The processed tables of ``cohort`` for ``audience``; re-ingests raw files that changed.

    ``jury``: every table, named. ``comite``: dossiers pseudonymised, no free text nor
    identifying column. ``public``: a :class:`~socinnov.public.PublicCohort`, which gives
    aggregates under disclosure control and no row-level table.
    """
    check_audience(audience)
    folder = config.processed_dir(Path(cohort).name)
    if refresh and not is_up_to_date(cohort):
        folder = ingest(cohort)
    if not (folder / MANIFEST).exists():
        raise FileNotFoundError(f"cohorte « {cohort} » non préparée : lancer `socinnov ingest {cohort}`")
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    name = manifest["cohort"]
    tables = {p.stem: pd.read_parquet(p) for p in sorted(folder.glob("*.parquet"))}
    if audience == "public":
        return PublicCohort(name, manifest, tables)
    tables = {k: _restrict(k, df, audience, name) for k, df in tables.items()}
    return Cohort(name=name, audience=audience, manifest=manifest, tables=tables)
