"""Reading a cohort's processed tables, filtered for the audience a report is built for.

This is the only door from a notebook to the data. What each audience receives follows its
definition (``socinnov.privacy.audiences``): a report for an audience that does not see names
(``comite``) never receives free text nor identifying columns (per the schemas' metadata),
receives the quasi-identifiers coarsened (``socinnov.privacy.coarsening``) and sees dossiers and
jurors under keyed pseudonyms; a report for an audience without row-level tables
(``public``) receives only aggregates under disclosure control (``socinnov.privacy.aggregates``),
whatever the notebook then does with what it gets.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa

from socinnov import config
from socinnov.call.eligibility import coarse_findings
from socinnov.call.grids import ACCEPTABILITY, Grid, load_grid
from socinnov.call.schemas import TABLES_BY_NAME, columns_with
from socinnov.call.settings import CALL_FILE, Call, call_from_dict
from socinnov.errors import UserError
from socinnov.inputs.ingest import MANIFEST, cohort_lock, ensure_ingested
from socinnov.privacy import snapshot
from socinnov.privacy.aggregates import PublicCohort
from socinnov.privacy.audiences import JURY, check_audience
from socinnov.privacy.audiences import definition as audience_definition
from socinnov.privacy.coarsening import coarsen, start_shifts
from socinnov.privacy.pseudonyms import pseudonymise

__all__ = ["Cohort", "CohortTables", "NotIngested", "UndeclaredTable", "UnknownTable", "compared_cohort",
           "declared_tables", "load_cohort", "raw_files"]

# Tables computed by ``ingest`` from the raw files, and the raw tables each is computed from.
DERIVED = {"eligibility": ("dossiers", "partners", "budget")}
TABLE_NAMES = (*TABLES_BY_NAME, *DERIVED)
PSEUDONYMISED = {"dossier_id": ("P", ""), "juror_id": ("J", "\x1fjures")}
"""Identifier columns an audience without names receives under keyed pseudonyms, in any table:
the pseudonyms' prefix and their namespace (the cohort's name followed by this suffix). Jurors
have a namespace of their own: a juror and a dossier that share an id get unrelated pseudonyms.
Dossiers keep the cohort's bare name, the namespace of the comité's reports from the start."""


class NotIngested(UserError, FileNotFoundError):
    """A cohort whose processed folder is missing."""


class UnknownTable(UserError, ValueError):
    """A table name that is none of :data:`TABLE_NAMES`."""


class UndeclaredTable(UserError, LookupError):
    """A report read a table it did not declare: its rebuild key would not follow that table.

    Not a ``KeyError`` nor an ``AttributeError``: ``dict.get``, ``getattr(..., default)`` or
    ``hasattr`` must not take an undeclared table for an absent one."""


def _undeclared(name: str) -> UndeclaredTable:
    return UndeclaredTable(
        f"table « {name} » non déclarée par ce rapport : l'ajouter à la liste « inputs » des métadonnées "
        "« socinnov » du carnet (un rapport n'est reconstruit que si les tables qu'il déclare changent)")


class CohortTables(Mapping):
    """The tables a report declared it reads. Asking for any other table of the cohort, even
    with ``get`` or ``in``, raises :class:`UndeclaredTable` instead of answering as if the
    table were empty or absent."""

    def __init__(self, frames: dict[str, pd.DataFrame], declared: Sequence[str] | None = None):
        self._frames = frames
        self._declared = None if declared is None else frozenset(declared)

    def _check(self, name) -> None:
        if self._declared is not None and name in TABLE_NAMES and name not in self._declared:
            raise _undeclared(name)

    def __getitem__(self, name: str) -> pd.DataFrame:
        self._check(name)
        return self._frames[name]

    def __contains__(self, name) -> bool:
        self._check(name)
        return name in self._frames

    def get(self, name, default=None):
        self._check(name)
        return self._frames.get(name, default)

    def __iter__(self) -> Iterator[str]:
        return iter(self._frames)

    def __len__(self) -> int:
        return len(self._frames)

    def __repr__(self) -> str:
        return f"CohortTables({sorted(self._frames)})"


@dataclass
class Cohort:
    """A cohort's processed tables, as one audience may see them."""

    name: str
    audience: str
    manifest: dict
    tables: Mapping[str, pd.DataFrame] = field(repr=False)

    def __getattr__(self, item: str) -> pd.DataFrame:
        tables = self.__dict__.get("tables", {})
        if item in tables:  # raises UndeclaredTable for a table the report did not declare
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


def _restrict(name: str, df: pd.DataFrame, audience: str, cohort: str, shifts: pd.Series) -> pd.DataFrame:
    """A table as ``audience`` may see it: whole where names are seen; else without free text nor
    identifying column, quasi-identifiers coarsened (``shifts``: the dossiers' start shifts, see
    :func:`~socinnov.privacy.coarsening.start_shifts`), dossiers and jurors pseudonymised."""
    if audience_definition(audience).named:
        return df
    if name in TABLES_BY_NAME:
        model = TABLES_BY_NAME[name].model
        hidden = set(columns_with(model, "free_text")) | set(columns_with(model, "identifying"))
        df = df.drop(columns=[c for c in df.columns if c in hidden])
    df = coarsen(name, df, shifts)
    if name == "eligibility":  # reasons quoting the dossier's amount, date, département…
        df = coarse_findings(df)
    return df.assign(**{col: pseudonymise(df[col], cohort=cohort + suffix, prefix=prefix)
                        for col, (prefix, suffix) in PSEUDONYMISED.items() if col in df.columns})


def _shifts(folder: Path, frames: dict[str, pd.DataFrame]) -> pd.Series:
    """The dossiers' start shifts, from the dossiers' table even when the report did not declare it
    (its follow-up dates move with its start date; the table itself is not handed over)."""
    dossiers = frames.get("dossiers")
    if dossiers is None:
        dossiers = pd.read_parquet(folder / "dossiers.parquet", columns=["dossier_id", "start_date"])
    return start_shifts(dossiers)


def read_table(path: Path) -> pd.DataFrame:
    """A processed Parquet table, each Arrow-backed column (text) in one piece.

    Parquet hands a column back in as many chunks as it has row groups (21 for the ratings of a
    national cohort), and selecting rows of a chunked column (``pyarrow.compute.take``, behind
    every ``df[mask]``) is several times slower than of a contiguous one; the selection is
    chunked in turn, so every later one pays again. Same values, same dtypes.
    """
    df = pd.read_parquet(path)
    for col in df.columns:
        arr = df[col].array
        if isinstance(arr, pd.arrays.ArrowExtensionArray):
            chunks = arr.__arrow_array__()
            if chunks.num_chunks > 1:
                df[col] = pd.array(pa.chunked_array([chunks.combine_chunks()]), dtype=df[col].dtype)
    return df


def load_cohort(cohort: str, *, audience: str = JURY, refresh: bool = True,
                tables: Sequence[str] | None = None) -> Cohort | PublicCohort:
    """The processed tables of ``cohort`` for ``audience``; re-ingests raw files that changed.

    ``jury``: every table, named. ``comite``: dossiers and jurors pseudonymised, no free text nor
    identifying column, quasi-identifiers coarsened. ``public``: a
    :class:`~socinnov.privacy.aggregates.PublicCohort`, which gives aggregates under disclosure
    control and no row-level table.

    ``tables``: the tables a report declared it reads (``socinnov report`` passes the list of
    the notebook's metadata); any other raises :class:`UndeclaredTable`. ``None``: all tables.
    """
    check_audience(audience)
    if snapshot.in_public_root():  # a public notebook: the release's answers, nothing else
        return snapshot.read(cohort, audience)
    declared = None if tables is None else declared_tables(tables)
    folder = ensure_ingested(cohort) if refresh else config.processed_dir(Path(cohort).name)
    with cohort_lock(folder.name, exclusive=False):  # no ingest replaces the folder while it is read
        if not (folder / MANIFEST).exists():
            raise NotIngested(f"cohorte « {cohort} » non préparée", hint=f"lancer `socinnov ingest {cohort}`")
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        frames = {p.stem: read_table(p) for p in sorted(folder.glob("*.parquet"))
                  if declared is None or p.stem in declared}
        restricted = audience_definition(audience).row_level and not audience_definition(audience).named
        shifts = _shifts(folder, frames) if restricted else None
    name = manifest["cohort"]
    if not audience_definition(audience).row_level:
        return PublicCohort(name, manifest, CohortTables(frames, declared))
    frames = {k: _restrict(k, df, audience, name, shifts) for k, df in frames.items()}
    return Cohort(name=name, audience=audience, manifest=manifest, tables=CohortTables(frames, declared))


def compared_cohort(data: Cohort, name: str = "") -> Cohort | None:
    """The cohort that ``data``'s call compares its grid version with, for the same audience.

    ``name``: a cohort given by the report (its ``compare_with`` parameter); ``""``: the one
    ``appel.yaml`` names with ``comparer_avec``, if any. Only its ratings and decisions are read.
    """
    name = name or data.call.compare_with or ""
    if not name:
        return None
    return load_cohort(name, audience=data.audience, tables=("ratings", "decisions"))


def declared_tables(tables: Sequence[str]) -> tuple[str, ...]:
    """Check a report's declared tables against the known ones (French message on a typo)."""
    if isinstance(tables, str):
        tables = [tables]
    unknown = [t for t in tables if t not in TABLE_NAMES]
    if unknown:
        raise UnknownTable(f"table(s) inconnue(s) : {', '.join(unknown)}", hint=f"tables : {', '.join(TABLE_NAMES)}")
    return tuple(tables)


def raw_files(tables: Sequence[str], sources: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """The raw files the declared ``tables`` are computed from (``appel.yaml`` for all of them).

    ``sources``: the file each table was read from (the manifest's ``sources``: ``decisions.xlsx``,
    a workbook holding several tables); a table not in it is named by its CSV file."""
    names = set()
    for t in declared_tables(tables):
        names.update(DERIVED.get(t, (t,)))
    sources = sources or {}
    return tuple(sorted({sources.get(n) or TABLES_BY_NAME[n].filename for n in names})) + (CALL_FILE,)
