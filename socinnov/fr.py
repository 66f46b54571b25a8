"""French formatting of what readers see: numbers, amounts, dates, shares, intervals."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd

__all__ = [
    "MONTHS",
    "NBSP",
    "NNBSP",
    "bounds",
    "date",
    "date_time",
    "euros",
    "interval",
    "number",
    "percent",
]

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


def count(n: int, singular: str, plural: str | None = None, *, zero: str | None = None) -> str:
    """``n`` things in French: ``zero`` (default « aucun » + ``singular``), « 1 dossier »,
    « 1 234 dossiers » (``plural``: ``singular`` + « s » by default).

    >>> count(0, "dossier"), count(1, "dossier"), count(1234, "fiche écrite", "fiches écrites")
    ('aucun dossier', '1 dossier', '1\u202f234 fiches écrites')
    """
    if n == 0:
        return zero if zero is not None else f"aucun {singular}"
    return f"{number(n)} {singular if n == 1 else (plural or singular + 's')}"


def euros(value: float, decimals: int = 0) -> str:
    """``12500`` -> ``12 500 €``."""
    return "–" if value is None or pd.isna(value) else f"{number(value, decimals)}{NBSP}€"


def percent(share: float, decimals: int = 0) -> str:
    """``0.125`` -> ``12,5 %`` (with ``decimals=1``)."""
    return "–" if share is None or pd.isna(share) else f"{number(100 * share, decimals)}{NBSP}%"


def bounds(low: float, high: float, decimals: int = 2, *, limit: float | None = None) -> str:
    """``0.2, 0.7`` -> ``[0,20 ; 0,70]``: a confidence interval's bounds, as French reports write them.

    With ``limit`` (e.g. 1000 for an odds ratio), a bound above ``limit`` reads ``> 1 000`` and one
    below ``1 / limit`` reads ``< 0,001``: past those the figure only says "unbounded".

    >>> bounds(0.2, 0.7)
    '[0,20 ; 0,70]'
    """
    return f"[{_bounded(low, decimals, limit)} ; {_bounded(high, decimals, limit)}]"


def interval(estimate: float, low: float, high: float, decimals: int = 2, *,
             limit: float | None = None) -> str:
    """An estimate with its confidence interval: ``0.5, 0.2, 0.7`` -> ``0,50 [0,20 ; 0,70]``.

    ``–`` without an estimate, the estimate alone without an interval, ``non borné`` for an
    infinite estimate (and, with ``limit``, for an estimate of 0: an odds ratio under perfect
    separation). ``limit`` as in :func:`bounds`.

    >>> interval(0.5, 0.2, 0.7)
    '0,50 [0,20 ; 0,70]'
    >>> interval(0.5, float("nan"), float("nan"), 3)
    '0,500'
    >>> interval(2.5, 0.5, 5000.0, limit=1000)
    '2,50 [0,50 ; > 1\u202f000]'
    """
    if estimate is None or pd.isna(estimate):
        return "–"
    if math.isinf(estimate) or (limit is not None and estimate == 0):
        return "non borné"
    if low is None or pd.isna(low):
        return _bounded(estimate, decimals, limit)
    return f"{_bounded(estimate, decimals, limit)} {bounds(low, high, decimals, limit=limit)}"


def _bounded(value: float, decimals: int, limit: float | None) -> str:
    if limit is not None:
        if value > limit:
            return f"> {number(limit)}"
        if value < 1 / limit:
            return f"< {number(1 / limit, math.ceil(math.log10(limit)))}"
    return number(value, decimals)


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
