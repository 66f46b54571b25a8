"""What every table of the demo cohort is drawn with: the call, its grids, random picks, typed frames.

Every random draw of a cohort comes from one ``numpy.random.Generator`` passed from table to
table in a fixed order (see :mod:`socinnov.demo.generator`); these helpers draw from it and
never create another.
"""

from __future__ import annotations

import re
import unicodedata
from contextvars import ContextVar
from functools import cache

import numpy as np
import pandas as pd

from socinnov.call import grids, settings
from socinnov.call.schemas import TABLES_BY_NAME

__all__ = [
    "ACCEPTABILITY_VERSION", "add_months", "eur", "pick", "rating_grid", "round_to", "slug",
    "the_call", "typed", "weighted",
]


@cache
def the_call() -> settings.Call:
    """The 2016 call's parameters (ceiling, deadline, duration, grid versions), read once."""
    return settings.load_call()


ACCEPTABILITY_VERSION: ContextVar[str | None] = ContextVar("acceptability_version", default=None)
"""A later call year may rate with a refined acceptability grid: ``generate`` sets this for its run."""


def rating_grid(grid_id: str) -> grids.Grid:
    """The grid the jury rates this cohort with: the call's version, or the refined acceptability one."""
    version = ACCEPTABILITY_VERSION.get() if grid_id == grids.ACCEPTABILITY else None
    return grids.load_grid(grid_id, version or the_call().grid_versions[grid_id])


def pick(rng: np.random.Generator, options):
    """One element of a sequence, drawn uniformly."""
    return options[int(rng.integers(len(options)))]


def weighted(rng: np.random.Generator, weights: dict):
    """One key of ``weights``, drawn with probability proportional to its value."""
    keys = list(weights)
    p = np.array([weights[k] for k in keys], dtype=float)
    return keys[int(rng.choice(len(keys), p=p / p.sum()))]


_SLUG_STOP_WORDS = {"association", "de", "du", "des", "la", "le", "les", "l", "d"}


def slug(text: str, max_len: int = 32) -> str:
    """ASCII, lower-case, hyphenated form of a name, for fictitious e-mail domains."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = [w for w in re.split(r"[^a-z0-9]+", ascii_text.lower()) if w]
    words = [w for w in words if w not in _SLUG_STOP_WORDS]
    kept: list[str] = []
    for word in words:
        if kept and len("-".join(kept + [word])) > max_len:
            break
        kept.append(word)
    return "-".join(kept)[:max_len] or "porteur"


def eur(amount: float) -> str:
    """An amount in whole euros as the demo's French text writes it: ``65 100`` (plain space)."""
    return f"{amount:,.0f}".replace(",", " ")


def add_months(date: pd.Timestamp, months: int) -> pd.Timestamp:
    """The same day ``months`` calendar months later."""
    return date + pd.DateOffset(months=months)


def round_to(value: float, step: float) -> float:
    """``value`` rounded to the nearest multiple of ``step``."""
    return float(step * round(value / step))


def typed(rows: list[dict], table_name: str) -> pd.DataFrame:
    """A frame with the schema's columns, in order, each in its schema dtype."""
    schema = TABLES_BY_NAME[table_name].model.to_schema()
    df = pd.DataFrame(rows, columns=list(schema.columns))
    for name, col in schema.columns.items():
        kind = str(col.dtype)
        if kind.startswith("datetime64"):
            df[name] = pd.to_datetime(df[name]).astype("datetime64[ns]")
        elif kind in ("float64", "int64", "bool"):
            df[name] = df[name].astype(kind)
        else:
            df[name] = df[name].astype("str")
    return df
