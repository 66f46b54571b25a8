"""Quasi-identifiers coarsened for the audiences that do not see names (the comité technique).

A quasi-identifier names no one, but crossed with what a reader knows (a porteur's request
read in the press, the one dossier from Paris, the only « organisation syndicale », the day a
dossier was filed) it singles a porteur out, and with it every rating of the dossier. The
schemas declare which columns are quasi-identifiers and how each is coarsened
(``metadata={"quasi": KIND}``, ``socinnov.call.schemas.QUASI_KINDS``); this module applies the
kinds. ``socinnov.privacy.store`` calls it for every table a pseudonymised audience receives,
before the identifiers are pseudonymised. What each kind keeps of the analyses, and why amounts
are rounded for some columns only: docs/confidentiality.md, « Comité files ».
"""

from __future__ import annotations

import pandas as pd

from socinnov.call import vocabulary as voc
from socinnov.call.schemas import (
    LEGAL_GROUP,
    MONTH,
    REGION,
    START_SHIFT,
    TABLES_BY_NAME,
    THOUSAND,
    WITHHELD,
    quasi_identifiers,
)
from socinnov.privacy.published import legal_group

ROUNDING = 1000.0
"""Amounts of kind ``thousand`` are rounded to the nearest multiple of this (euros)."""


def start_shifts(dossiers: pd.DataFrame) -> pd.Series:
    """Per dossier id, how far its start date lies after the first day of its month.

    The comité receives the start date on the first of its month, and every other date of the
    same dossier (end of the action, follow-up waves, payments, spending, reports) moved back by
    the same number of days: durations within a dossier stay exact, so the payment checks and
    the months since the start read the same as the jury's."""
    start = pd.to_datetime(dossiers["start_date"])
    return pd.Series((start - _month(start)).to_numpy(), index=dossiers["dossier_id"].to_numpy())


def _region(s: pd.Series) -> pd.Series:
    return s.where(s.isna() | s.isin(list(voc.REGION_DEPARTEMENTS)), voc.OUT_OF_REGION)


def _legal_group(s: pd.Series) -> pd.Series:
    return s.map(legal_group, na_action="ignore")


def _month(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s).dt.to_period("M").dt.to_timestamp()


def _thousand(s: pd.Series) -> pd.Series:
    # Half to even: over many dossiers the rounding adds nothing to a total on average.
    return (pd.to_numeric(s) / ROUNDING).round() * ROUNDING


def _start_shift(s: pd.Series, ids: pd.Series, shifts: pd.Series) -> pd.Series:
    """``s`` moved back by its dossier's start shift; a dossier without a known start date (not in
    the dossiers' table) has its dates on the first of their month, never exact."""
    s = pd.to_datetime(s)
    shift = pd.to_timedelta(ids.map(shifts))
    return (s - shift).where(shift.notna(), _month(s))


BY_VALUE = {REGION: _region, LEGAL_GROUP: _legal_group, MONTH: _month, THOUSAND: _thousand}
"""The kinds that depend on the value alone; ``start_shift`` needs the dossier, ``withheld``
drops the column."""


def coarsen(name: str, df: pd.DataFrame, shifts: pd.Series) -> pd.DataFrame:
    """Table ``name`` with its quasi-identifiers coarsened as its schema declares.

    ``shifts``: :func:`start_shifts` of the cohort's dossiers (raw dossier ids: call this before
    pseudonymising). A table without a schema (computed at ingest) is returned as is."""
    if name not in TABLES_BY_NAME:
        return df
    quasi = {c: k for c, k in quasi_identifiers(TABLES_BY_NAME[name].model).items() if c in df.columns}
    df = df.drop(columns=[c for c, k in quasi.items() if k == WITHHELD])
    changed = {c: _start_shift(df[c], df["dossier_id"], shifts) if k == START_SHIFT else BY_VALUE[k](df[c])
               for c, k in quasi.items() if k != WITHHELD}
    return df.assign(**changed)
