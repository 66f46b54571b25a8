"""French formatting of what readers see: numbers, amounts, dates, shares."""

from __future__ import annotations

import datetime as dt

import pandas as pd

NNBSP = "\u202f"  # narrow no-break space: French thousands separator
NBSP = "\u00a0"

MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre")


def number(value: float, decimals: int = 0) -> str:
    """``12500.5`` -> ``12 500,5`` (French separators)."""
    if value is None or pd.isna(value):
        return "–"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", NNBSP).replace(".", ",")


def euros(value: float, decimals: int = 0) -> str:
    """``12500`` -> ``12 500 €``."""
    return "–" if value is None or pd.isna(value) else f"{number(value, decimals)}{NBSP}€"


def percent(share: float, decimals: int = 0) -> str:
    """``0.125`` -> ``12,5 %`` (with ``decimals=1``)."""
    return "–" if share is None or pd.isna(share) else f"{number(100 * share, decimals)}{NBSP}%"


def date(value: dt.date | pd.Timestamp | str) -> str:
    """``2016-09-05`` -> ``5 septembre 2016`` (``–`` for a missing date)."""
    if value is None or pd.isna(value):
        return "–"
    d = pd.Timestamp(value)
    day = "1er" if d.day == 1 else str(d.day)
    return f"{day} {MONTHS[d.month - 1]} {d.year}"


def date_time(value: dt.datetime | pd.Timestamp | str) -> str:
    """``2016-09-05 14:07`` -> ``5 septembre 2016 à 14 h 07``."""
    if value is None or pd.isna(value):
        return "–"
    d = pd.Timestamp(value)
    return f"{date(d)} à {d.hour}{NBSP}h{NBSP}{d.minute:02d}"
