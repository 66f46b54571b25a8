"""Spreadsheets as staff save them, for the tests: a cohort's CSV tables turned into ``.xlsx`` or ``.ods``.

A CSV cell becomes the cell a spreadsheet program makes of what was typed: a whole number a number
cell, a French date (``01/09/2016``) a date cell, an amount with its comma or euro sign
(``28 500,00 €``) a number cell, ``oui``/``non`` a yes/no cell, anything else (``2016/09/01``,
``30,000``, ``peut-être``) a text cell. Rows keep their place (blank rows included), so a problem
is in the same row as in the CSV.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path

import pandas as pd
from openpyxl import Workbook

from socinnov.inputs.csv_reader import read_text_table
from socinnov.inputs.french_values import CellError, parse_amount

Rows = list[list[object]]


def typed(text: str | None) -> object:
    """What a spreadsheet program stores for ``text`` typed in a cell."""
    if text is None:
        return None
    if re.fullmatch(r"[1-9]\d{0,14}", text):
        return int(text)
    if text in ("oui", "non"):
        return text == "oui"
    m = re.fullmatch(r"(\d{2})/(\d{2})/(\d{4})", text)
    if m:
        try:
            return dt.datetime(int(m[3]), int(m[2]), int(m[1]))
        except ValueError:
            return text
    if re.fullmatch(r"-?[\d\s\u00a0]+,\d{1,2}(\s*€)?|[\d\s\u00a0]+\s*€", text):
        try:
            return parse_amount(text)
        except CellError:
            return text
    return text


def csv_rows(path: Path, *, as_typed: bool = True) -> Rows:
    """A CSV's rows (header first), each at its row number (blank rows as empty rows)."""
    df = read_text_table(path)
    rows: Rows = [list(df.columns)]
    for i, values in zip(df.index, df.itertuples(index=False)):
        while len(rows) < i + 1:
            rows.append([])
        cells = [None if pd.isna(v) else v for v in values]
        rows.append([typed(v) for v in cells] if as_typed else cells)
    return rows


def write_workbook(path: Path, sheets: dict[str, Rows]) -> Path:
    """A workbook (``.xlsx`` by openpyxl, ``.ods`` by pandas and odfpy) with one sheet per entry."""
    if path.suffix == ".ods":
        with pd.ExcelWriter(path, engine="odf") as writer:
            for name, rows in sheets.items():
                width = max(len(r) for r in rows)
                frame = pd.DataFrame([r + [None] * (width - len(r)) for r in rows], dtype=object)
                frame.to_excel(writer, sheet_name=name, header=False, index=False)
        return path
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    cell = ws.cell(r, c, value)
                    if isinstance(value, dt.datetime):
                        cell.number_format = "DD/MM/YYYY"
    wb.save(path)
    return path


_CONVERTED: dict[tuple[str, str, bool], bytes] = {}
"""Workbooks already made in this test run, by their CSV's content: the bad-input corpus converts
the same unchanged tables of the tiny cohort some fifty times (tests/test_bad_inputs.py)."""


def convert_cohort(folder: Path, suffix: str, *, as_typed: bool = True) -> list[str]:
    """Every table CSV of ``folder`` replaced by a workbook of ``suffix`` (one sheet, named as a
    spreadsheet program names the first sheet); returns the stems converted. A CSV whose bytes
    were converted before gets a copy of that workbook (same cells, same sheet)."""
    stems = []
    for path in sorted(folder.glob("*.csv")):
        key = (hashlib.sha256(path.read_bytes()).hexdigest(), suffix, as_typed)
        if key not in _CONVERTED:
            out = write_workbook(path.with_suffix(suffix), {"Feuil1": csv_rows(path, as_typed=as_typed)})
            _CONVERTED[key] = out.read_bytes()
        else:
            path.with_suffix(suffix).write_bytes(_CONVERTED[key])
        path.unlink()
        stems.append(path.stem)
    return stems
