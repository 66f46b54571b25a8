"""French writing of values in users' files: amounts, whole numbers, dates, yes/no, and back.

``12 500,00 €`` is 12500.0, ``05/09/2016`` the 5th of September, ``oui`` True. What would be a
guess is refused with the reason (:class:`CellError`): an amount whose one mark may be a
thousands separator or a decimal comma (``12.500``), a date not written day/month/year
(``2016/09/05``, ``09/05/16``) or a spreadsheet serial number (``42675``), a date outside the
plausible window of the call (:class:`DateWindow`: ``01/01/2999`` is a typing slip, and beyond
what pandas can hold). :func:`format_cell`
writes a value back as French offices write it; :func:`fold` compares what users type (case,
accents and spaces forgiven).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

import pandas as pd

__all__ = ["ANY_DATE", "PARSERS", "CellError", "DateWindow", "dtype_kind", "fold", "format_cell", "parse_amount", "parse_bool", "parse_date",
           "parse_int"]

_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_TRUE = {"oui", "o", "vrai", "yes", "true", "1"}
_FALSE = {"non", "n", "faux", "no", "false", "0"}


class CellError(ValueError):
    """A cell that cannot be parsed; ``detail`` says why, in French, after « valeur « … » »;
    ``expected``, when given, says what is expected instead of the column's usual example."""

    def __init__(self, detail: str = "illisible", expected: str | None = None):
        self.detail = detail
        self.expected = expected
        super().__init__(detail)


@dataclass(frozen=True)
class DateWindow:
    """The dates a column may hold: from ``first`` to ``last`` (both included); ``outside`` says
    what a date beyond is, after « valeur « … » » (« hors du calendrier de l'appel 2016 »)."""

    first: dt.date
    last: dt.date
    outside: str

    def expected(self) -> str:
        return f"une date entre le {self.first:%d/%m/%Y} et le {self.last:%d/%m/%Y}"


ANY_DATE = DateWindow(dt.date(1900, 1, 1), dt.date(2100, 12, 31), "hors des dates plausibles")
"""The window of a table read without its call (an export, a form): well within what pandas
holds (years 1677 to 2262)."""


def fold(text: str) -> str:
    """Lower case without accents nor surrounding spaces, to compare what users type."""
    decomposed = unicodedata.normalize("NFKD", str(text).strip().lower())
    return _SPACES.sub(" ", "".join(ch for ch in decomposed if not unicodedata.combining(ch)))


def parse_amount(value: str) -> float:
    """An amount as written in France (``12 500,00 €``, ``1.234,50``); ``12.500`` is ambiguous."""
    s = _SPACES.sub("", value)
    s = re.sub(r"(?i)(€|eur|euros)$", "", s).removeprefix("€")
    if not re.fullmatch(r"[+-]?\d[\d.,]*\d|[+-]?\d", s):
        raise CellError()
    sign = -1.0 if s.startswith("-") else 1.0
    s = s.lstrip("+-")
    decimal = _decimal_mark(s)
    whole, frac = s.rsplit(decimal, 1) if decimal else (s, "0")
    marks = set(re.sub(r"\d", "", whole))
    if len(marks) > 1 or marks == {decimal}:
        raise CellError()
    if marks and not re.fullmatch(r"\d{1,3}(" + re.escape(marks.pop()) + r"\d{3})+", whole):
        raise CellError()
    return sign * float(re.sub(r"\D", "", whole) + "." + frac)


def _decimal_mark(s: str) -> str | None:
    """Which of ``,`` and ``.`` is the decimal mark of an amount, ``None`` for a whole number.

    The last mark is decimal when both appear; a lone mark followed by three digits may be either
    (``12.500``: 12 500 or 12,5), so the amount is refused rather than guessed.
    """
    marks = [m for m in ".," if m in s]
    if len(marks) == 2:
        return max(marks, key=s.rfind)
    if not marks:
        return None
    groups = s.split(marks[0])
    if len(groups) > 2:
        return None  # 1.234.567: thousands separators only
    if len(groups[1]) == 3 and groups[0].lstrip("0"):
        whole = f"{int(groups[0] + groups[1]):,}".replace(",", " ")
        fraction = f"{groups[0]},{groups[1]}".rstrip("0").rstrip(",")
        raise CellError(f"ambiguë ({whole} ou {fraction} ?)")
    return marks[0]


def parse_int(value: str) -> int:
    number = parse_amount(value)
    if not float(number).is_integer():
        raise ValueError(value)
    return int(number)


_DATE = re.compile(r"^(\d{1,4})([/.-])(\d{1,2})\2(\d{1,4})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")


def parse_date(value: str, window: DateWindow = ANY_DATE) -> pd.Timestamp:
    """A date written day/month/year (``05/09/2016``, also with ``-`` or ``.``), or ISO ``2016-09-05``,
    within ``window`` (checked on the calendar date, before any conversion to a timestamp).

    >>> parse_date("05/09/2016")
    Timestamp('2016-09-05 00:00:00')
    >>> parse_date("01/01/2999").year
    Traceback (most recent call last):
    ...
    socinnov.inputs.french_values.CellError: hors des dates plausibles
    """
    m = _DATE.match(value)
    if not m:
        if re.fullmatch(r"\d{5}([.,]\d+)?", value):
            raise CellError("illisible (un nombre : la cellule n'est pas au format date dans le tableur)")
        raise CellError()
    first, sep, month, last = m.group(1), m.group(2), int(m.group(3)), m.group(4)
    if len(first) == 4 and len(last) <= 2:
        if sep != "-":
            raise CellError("illisible (écrite année/mois/jour)")
        year, day = int(first), int(last)
    elif len(first) <= 2 and len(last) == 4:
        day, year = int(first), int(last)
    elif len(first) <= 2 and len(last) == 2:
        raise CellError("illisible (année sur deux chiffres)")
    else:
        raise CellError()
    if month > 12 and day <= 12:
        raise CellError("illisible (écrite mois/jour/année ?)")
    try:
        date = dt.date(year, month, day)
    except ValueError:  # 31/02, month 13, year 0
        raise CellError("illisible (ce jour n'existe pas)") from None
    if not window.first <= date <= window.last:
        raise CellError(window.outside, expected=window.expected())
    return pd.Timestamp(date)


def parse_bool(value: str) -> bool:
    f = fold(value)
    if f in _TRUE:
        return True
    if f in _FALSE:
        return False
    raise ValueError(value)


PARSERS = {
    "float64": (parse_amount, "un montant, par exemple 12 500,00"),
    "int64": (parse_int, "un nombre entier, par exemple 12"),
    "datetime64[ns]": (parse_date, "une date JJ/MM/AAAA, par exemple 05/09/2016"),
    "bool": (parse_bool, "« oui » ou « non »"),
}


def dtype_kind(dtype) -> str:
    s = str(dtype)
    if s.startswith("datetime64"):
        return "datetime64[ns]"
    return s


def format_cell(value, kind: str) -> str:
    """A typed value written as French offices write it (the inverse of the parsers above)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if kind == "bool":
        return "oui" if value else "non"
    if kind == "datetime64[ns]":
        return pd.Timestamp(value).strftime("%d/%m/%Y")
    if kind == "float64":
        return f"{float(value):.2f}".replace(".", ",")
    if kind == "int64":
        return str(int(value))
    return str(value)
