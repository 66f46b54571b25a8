"""``socinnov templates DIR --format xlsx``: one workbook, one empty sheet per input table.

Each sheet is named like its table's file stem (``dossiers``, ``notations``: what ingest reads in a
workbook holding several tables, see ``socinnov.inputs.sources``), its first row holds the French
headers, and every column with a closed vocabulary offers it as a drop-down list that refuses any
other value: the schemas' ``isin`` vocabularies (legal status, stage, decision, round…), yes/no
columns (« oui », « non »), and, for ratings and re-assessments, the criteria and levels of the
grids the default call declares. The lists sit in a hidden sheet « listes » (Excel caps a list
written in the rule itself at 255 characters). Date columns are formatted ``JJ/MM/AAAA`` and
accept dates only; amounts and counts accept numbers only, with the schema's bounds.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from socinnov import files
from socinnov.call.grids import ACCEPTABILITY, FEASIBILITY, load_grid
from socinnov.call.schemas import TABLES, Table, french_headers
from socinnov.call.settings import load_call
from socinnov.inputs.french_values import dtype_kind
from socinnov.inputs.sources import LISTS_SHEET

__all__ = ["TEMPLATE_WORKBOOK", "closed_vocabularies", "write_template_workbook"]

TEMPLATE_WORKBOOK = "cohorte.xlsx"
_LAST_ROW = 1048576  # Excel's last row: a rule covers the whole column below the header
_HEADER = Font(bold=True)
_FILL = PatternFill("solid", fgColor="DDEBF7")


def _grid_vocabularies() -> dict[str, dict[str, tuple]]:
    """Criteria and levels of the grids the default call declares, for the tables that name them."""
    versions = load_call().grid_versions
    grids = [load_grid(g, versions[g]) for g in (ACCEPTABILITY, FEASIBILITY) if g in versions]
    acceptability = next(g for g in grids if g.id == ACCEPTABILITY)

    def union(values) -> tuple:
        return tuple(dict.fromkeys(v for vs in values for v in vs))

    return {
        "ratings": {"criterion": union([c.id for c in g.criteria] for g in grids),
                    "level": union(g.level_labels for g in grids)},
        "reassessments": {"criterion": tuple(c.id for c in acceptability.criteria),
                          "level": tuple(acceptability.level_labels)},
    }


def closed_vocabularies(table: Table) -> dict[str, tuple]:
    """Column -> its permitted values: the schema's ``isin``, yes/no, the grids' criteria and levels."""
    out: dict[str, tuple] = {}
    for name, col in table.model.to_schema().columns.items():
        if dtype_kind(col.dtype) == "bool":
            out[name] = ("oui", "non")
        for check in col.checks:
            if check.name == "isin":
                out[name] = tuple(check.statistics["allowed_values"])
    return out | _grid_vocabularies().get(table.name, {})


def _bounds(col) -> dict:
    stats = {c.name: c.statistics for c in col.checks}
    low = stats.get("greater_than_or_equal_to", {}).get("min_value")
    high = stats.get("less_than_or_equal_to", {}).get("max_value")
    if low is not None and high is not None:
        return dict(operator="between", formula1=str(low), formula2=str(high))
    if low is not None:
        return dict(operator="greaterThanOrEqual", formula1=str(low))
    return dict(operator="between", formula1="-1E+307", formula2="1E+307")


def write_template_workbook(path: Path) -> Path:
    """The empty workbook of every input table, written whole or not at all."""
    wb = Workbook()
    wb.remove(wb.active)
    lists = wb.create_sheet(LISTS_SHEET)
    lists.sheet_state = "hidden"
    list_column = 0
    for table in TABLES:
        ws = wb.create_sheet(Path(table.filename).stem)
        headers = french_headers(table.model)
        schema = table.model.to_schema()
        vocabularies = closed_vocabularies(table)
        for k, (name, header) in enumerate(headers.items(), start=1):
            letter = get_column_letter(k)
            cell = ws.cell(1, k, header)
            cell.font, cell.fill = _HEADER, _FILL
            ws.column_dimensions[letter].width = min(max(len(header) + 2, 14), 48)
            column = f"{letter}2:{letter}{_LAST_ROW}"
            kind = dtype_kind(schema.columns[name].dtype)
            if name in vocabularies:
                list_column += 1
                values = vocabularies[name]
                source = get_column_letter(list_column)
                lists.cell(1, list_column, f"{ws.title} : {header}")
                for r, value in enumerate(values, start=2):
                    lists.cell(r, list_column, value)
                rule = DataValidation(
                    type="list", allow_blank=True, showErrorMessage=True, errorTitle="Valeur non permise",
                    formula1=f"{quote_sheetname(LISTS_SHEET)}!${source}$2:${source}${len(values) + 1}",
                    error="Choisir une valeur de la liste : " + ", ".join(map(str, values))[:200])
            elif kind == "datetime64[ns]":
                ws.column_dimensions[letter].number_format = "DD/MM/YYYY"
                rule = DataValidation(type="date", operator="greaterThan", formula1="1", allow_blank=True,
                                      showErrorMessage=True, errorTitle="Date attendue",
                                      error="Saisir une date JJ/MM/AAAA, par exemple 05/09/2016.")
            elif kind in ("float64", "int64"):
                rule = DataValidation(type="whole" if kind == "int64" else "decimal", allow_blank=True,
                                      showErrorMessage=True, errorTitle="Nombre attendu",
                                      error="Saisir un nombre" + (" entier" if kind == "int64" else "")
                                      + " dans les bornes permises.", **_bounds(schema.columns[name]))
            else:
                continue
            ws.add_data_validation(rule)
            rule.add(column)
        ws.freeze_panes = "A2"
    wb.move_sheet(LISTS_SHEET, offset=len(TABLES))
    wb.active = 0
    with files.replacing(path) as tmp:
        wb.save(tmp)
    return path
