"""Reading a table from a spreadsheet (``.xlsx`` or ``.ods``) as the CSV reader would have read it.

A sheet's cells are turned into the text a French office's CSV export holds, so that the French
parsers (``socinnov.inputs.french_values``) and the schemas (``socinnov.inputs.tabular``) apply
unchanged: a date cell is ``JJ/MM/AAAA`` (with its time when it has one), a number its French
writing (``12500,5``), a yes/no cell ``oui``/``non``, a text cell its text. The frame then goes
through the CSV reader's own last step (``csv_reader._table``: cells stripped, blank rows skipped
with their positions kept, blank cells as NA), so rows are numbered as in the sheet (the header
is row 1) and :func:`read_sheet_table` returns exactly what ``read_text_table`` would return for
the same sheet saved as CSV.

``.xlsx`` is read by openpyxl in read-only mode, values only (a formula gives the value Excel
saved with it); ``.ods`` by pandas through odfpy (openpyxl does not read OpenDocument). A cell
showing a spreadsheet error (``#DIV/0!``, ``#REF!``, LibreOffice's ``Err:502``) is refused with
its address rather than read as text.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import numbers
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from socinnov.errors import Problem
from socinnov.inputs.csv_reader import TableFormatError, _table

__all__ = ["SPREADSHEET_SUFFIXES", "Workbook", "cell_text", "column_letters", "french_number", "open_workbook",
           "read_sheet_table"]

SPREADSHEET_SUFFIXES = (".xlsx", ".ods")
_ERROR = re.compile(r"^(#NULL!|#DIV/0!|#VALUE!|#REF!|#NAME\?|#NUM!|#N/A|#VALEUR!|#NOM\?|#NOMBRE!|#NUL!"
                    r"|Err:\d{3}|#DIV/0|#GETTING_DATA|#SPILL!|#CALC!)$")


def french_number(value: float) -> str:
    """A number as French offices write it, exactly, without thousands separators: ``12500``,
    ``12500,5``, ``-0,25``.

    A fraction of exactly three digits gets a fourth, ``0`` (``2,1250``): the amount parser refuses
    ``2,125`` as ambiguous (2 125 or 2,125 ?), which it is in a CSV but not in a number cell.

    >>> french_number(12500.0), french_number(12500.5), french_number(2.125), french_number(1e-7)
    ('12500', '12500,5', '2,1250', '0,0000001')
    """
    value = float(value)
    if value.is_integer() and abs(value) < 1e18:
        return str(int(value))
    text = format(value, ".15g")  # 15 significant digits: a spreadsheet's own precision, no binary noise
    if "e" in text:
        text = format(value, ".15f").rstrip("0")
    whole, _, fraction = text.partition(".")
    if len(fraction) == 3:
        fraction += "0"
    return f"{whole},{fraction}" if fraction else whole


def cell_text(value) -> str:
    """A cell's value as the text a CSV export holds (``""`` for an empty cell).

    >>> cell_text(dt.datetime(2016, 9, 5)), cell_text(True), cell_text(12500.5), cell_text(" x ")
    ('05/09/2016', 'oui', '12500,5', ' x ')
    """
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, (dt.date, pd.Timestamp)):  # the year on four digits (strftime writes year 1 as « 1 »)
        day = f"{value.day:02d}/{value.month:02d}/{value.year:04d}"
        if not isinstance(value, dt.datetime) or (value.hour, value.minute, value.second) == (0, 0, 0):
            return day
        return f"{day} {value:%H:%M:%S}"
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return french_number(value)
    text = unicodedata.normalize("NFC", str(value))  # as the CSV reader: « é » one character
    return text.replace("\r\n", "\n").replace("\r", "\n")


@dataclass
class Workbook:
    """A workbook's sheet names, and its sheets' cells once read (an ``.ods`` is parsed whole)."""

    path: Path
    sheets: list[str]
    _cells: dict[str, list[tuple]] = field(default_factory=dict, repr=False)

    def rows(self, sheet: str) -> list[tuple]:
        """The sheet's rows of raw cell values, from row 1 and column A, blank rows included."""
        if sheet not in self._cells:
            if self.path.suffix.lower() == ".ods":
                self._cells.update(_ods_cells(self.path))
            else:
                self._cells[sheet] = _xlsx_cells(self.path, sheet)
        return self._cells[sheet]


def _unreadable(path: Path) -> TableFormatError:
    kind = "LibreOffice (.ods)" if path.suffix.lower() == ".ods" else "Excel (.xlsx)"
    return TableFormatError([Problem(path.name, None, None, f"classeur illisible : ce n'est pas un classeur {kind} "
                                     "valide (fichier abîmé, ou d'un autre format renommé) ; l'ouvrir dans le "
                                     "tableur et l'enregistrer à nouveau")])


def open_workbook(path: Path) -> Workbook:
    """A workbook's sheet names (an ``.xlsx``'s are read without its cells); ``TableFormatError``
    when the file is not a workbook of its suffix."""
    path = Path(path)
    if path.suffix.lower() == ".ods":
        cells = _ods_cells(path)
        return Workbook(path, list(cells), cells)
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise _unreadable(path) from None
    try:
        return Workbook(path, list(wb.sheetnames))
    finally:
        wb.close()


def _xlsx_cells(path: Path, sheet: str) -> list[tuple]:
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise _unreadable(path) from None
    try:
        ws = wb[sheet]
        # Read-only mode trusts the sheet's <dimension>, which some writers leave wrong or absent:
        # reset, the rows are read as they are stored, from A1.
        ws.reset_dimensions()
        return [tuple(row) for row in ws.iter_rows(min_row=1, min_col=1, values_only=True)]
    finally:
        wb.close()


def _ods_cells(path: Path) -> dict[str, list[tuple]]:
    try:
        frames = pd.read_excel(path, sheet_name=None, header=None, engine="odf", dtype=object)
    except Exception:  # noqa: BLE001 - whatever odfpy raises on a file that is not an OpenDocument workbook
        raise _unreadable(path) from None
    return {name: [tuple(None if v is None or (isinstance(v, float) and math.isnan(v)) else v for v in row)
                   for row in df.itertuples(index=False, name=None)]
            for name, df in frames.items()}


def column_letters(header: list[str]) -> dict[str, str]:
    """Each header (stripped) -> its column letter; a header written twice keeps its second column
    (the one a « colonne en double » problem is about)."""
    return {str(h).strip(): get_column_letter(k) for k, h in enumerate(header, start=1) if str(h).strip()}


def read_sheet_table(book: Workbook, sheet: str, name: str, *, digests: dict[str, str] | None = None,
                     letters: dict[str, str] | None = None) -> pd.DataFrame:
    """One sheet as ``read_text_table`` returns a CSV.

    ``name`` names the place in problems; ``digests`` receives the workbook's SHA-256 (as for a
    CSV); ``letters`` receives each header's column letter (see :func:`column_letters`), before
    anything is refused. Raises ``TableFormatError`` for an empty sheet and for cells showing a
    spreadsheet error.
    """
    if digests is not None:
        digests[book.path.name] = hashlib.sha256(book.path.read_bytes()).hexdigest()
    rows = book.rows(sheet)
    width = max((len(r) for r in rows), default=0)
    texts = [[cell_text(v) for v in row] + [""] * (width - len(row)) for row in rows]
    if not any(c.strip() for row in texts for c in row):
        raise TableFormatError([Problem(name, None, None, "feuille vide : attendu une ligne d'en-têtes (ligne 1) "
                                        "puis une ligne par enregistrement")])
    header = [h.strip() for h in texts[0]]
    if letters is not None:
        letters.update(column_letters(header))
    errors = [Problem(name, r, header[c - 1] or None, ("cellule" if header[c - 1] else f"cellule {get_column_letter(c)}{r}")
                      + f" en erreur (« {v.strip()} ») : corriger la formule ou saisir la valeur")
              for r, row in enumerate(texts, start=1) for c, v in enumerate(row, start=1) if _ERROR.match(v.strip())]
    if errors:
        raise TableFormatError(errors)
    return _table(pd.DataFrame(texts, dtype=object).astype(str))
