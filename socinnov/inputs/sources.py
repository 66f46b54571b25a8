"""Where each input table of a cohort folder is, and where a problem is in it, in the file's own terms.

A table is read from ``dossiers.csv``, ``dossiers.xlsx`` or ``dossiers.ods`` (the table's file stem
and one of the three suffixes), or from the sheet named like its stem (``dossiers``, ``notations``;
case, accents, ``_`` and spaces forgiven) of a workbook holding several tables (``cohorte.xlsx``).
A file the kit does not read is never passed over in silence (:func:`find_sources`): a table given
twice (``decisions.csv`` and ``decisions.xlsx``), a table in a format the kit does not read
(``decisions.xls``) or a workbook whose sheet cannot be told are errors; a copy
(``notations (2).csv``), any other table-like file or an unread sheet is a note ``ingest`` prints.

Problems are first written about a table's CSV name (``dossiers.csv``, row, French header), as
every check of ``tabular`` and ``ingest`` writes them; :func:`localise` then moves each to the
file actually read: ``dossiers.xlsx!C12`` (the cell), ``[cohorte.xlsx]dossiers!C12`` when the
workbook has several sheets, as the spreadsheet itself writes a reference.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from socinnov.call.schemas import TABLES, Table, french_headers
from socinnov.call.settings import CALL_FILE
from socinnov.errors import Problem
from socinnov.inputs.csv_reader import TableFormatError
from socinnov.inputs.french_values import fold
from socinnov.inputs.spreadsheet_reader import SPREADSHEET_SUFFIXES, Workbook, open_workbook

__all__ = ["LISTS_SHEET", "READ_SUFFIXES", "CellProblem", "Discovery", "Source", "considered_files", "find_sources",
           "localise", "sheet_key"]

READ_SUFFIXES = (".csv", *SPREADSHEET_SUFFIXES)
UNREAD_SPREADSHEETS = (".xls", ".xlsm", ".xlsb", ".fods", ".numbers", ".tsv")
"""Spreadsheet formats the kit does not read: a table in one of them is an error, not a note."""
TABLE_LIKE = (*READ_SUFFIXES, *UNREAD_SPREADSHEETS)
LISTS_SHEET = "listes"
"""The sheet of closed vocabularies in the templates' workbook (``templates --format xlsx``): not a table."""
_COPY = re.compile(r"^(copie de |copy of )|(\s*\(\d+\)|\s*[-_ ]\s*(copie|copy)(\s*\(?\d+\)?)?|\s+\d+)$")


def sheet_key(name: str) -> str:
    """A table stem or a sheet name as compared: case, accents, ``_``, ``-`` and spaces forgiven.

    >>> sheet_key("Budget prévisionnel") == sheet_key("budget_previsionnel")
    True
    """
    return re.sub(r"[\s_-]+", " ", fold(name)).strip()


_STEMS = {Path(t.filename).stem: t for t in TABLES}
_KEYS = {sheet_key(stem): t for stem, t in _STEMS.items()}


def _stem(table: Table) -> str:
    return Path(table.filename).stem


@dataclass
class Source:
    """The file (and sheet) a table is read from; ``letters`` (header -> column) once read."""

    table: Table
    path: Path
    sheet: str | None = None
    shared: bool = False  # the workbook has other sheets: references name the sheet
    book: Workbook | None = field(default=None, repr=False)
    letters: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def label(self) -> str:
        """The file as references write it: ``dossiers.xlsx``, ``[cohorte.xlsx]dossiers``."""
        if self.sheet is None or not self.shared:
            return self.path.name
        ref = f"[{self.path.name}]{self.sheet}"
        return ref if re.fullmatch(r"[\w.\[\]]+", ref) else "'" + ref.replace("'", "''") + "'"

    def letter(self, column: str | None) -> str | None:
        """The column letter of a header as a problem names it (French header, or as in the file)."""
        if not column or not self.letters:
            return None
        folded = {fold(h): x for h, x in self.letters.items()}
        if fold(column) in folded:
            return folded[fold(column)]
        english = {fold(fr): en for en, fr in french_headers(self.table.model).items()}
        return folded.get(fold(english.get(fold(column), "")))


@dataclass(frozen=True, order=True)
class CellProblem(Problem):
    """A problem in one cell of a spreadsheet: ``dossiers.xlsx!C12, colonne « … » : …``."""

    cell: str = ""

    def __str__(self) -> str:
        where = f"{self.file}!{self.cell}" + (f", colonne « {self.column} »" if self.column else "")
        return f"{where} : {self.message}"


@dataclass
class Discovery:
    """Every table's source, the tables that cannot be read as given, and the unread files."""

    sources: dict[str, Source] = field(default_factory=dict)
    blocked: dict[str, list[Problem]] = field(default_factory=dict)  # table name -> why it is not read
    notes: list[Problem] = field(default_factory=list)

    @property
    def problems(self) -> list[Problem]:
        return [p for probs in self.blocked.values() for p in probs]

    def absent(self, table: Table) -> Problem:
        stem = _stem(table)
        return Problem(table.filename, None, None, f"fichier obligatoire absent du dossier de la cohorte (ou {stem}.xlsx, "
                       f"{stem}.ods, ou une feuille « {stem} » d'un classeur)")


def considered_files(folder: Path) -> list[Path]:
    """The files of a cohort folder that ingest reads or reports (its inputs, as the manifest
    hashes them): ``appel.yaml``, every table-like file, every file named like a table. Lock files
    of open workbooks (``~$dossiers.xlsx``, ``.~lock.dossiers.ods#``) and hidden files are left out."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and not p.name.startswith((".", "~$"))
                  and (p.name == CALL_FILE or p.suffix.lower() in TABLE_LIKE or _resembles(p) is not None))


def _resembles(path: Path) -> Table | None:
    """The table a file's name is close to (``Notations (2).csv``, ``copie de decisions.xlsx``)."""
    stem = path.name.split(".")[0]
    return _KEYS.get(sheet_key(_COPY.sub("", stem))) or _KEYS.get(sheet_key(stem))


def find_sources(folder: Path) -> Discovery:
    """Each table's source in ``folder``; errors and notes for what is given twice or not read."""
    found = Discovery()
    candidates: dict[str, list[Source]] = {t.name: [] for t in TABLES}
    for path in considered_files(folder):
        suffix, table = path.suffix.lower(), _STEMS.get(path.stem)
        if path.name == CALL_FILE:
            continue
        if suffix == ".csv" and table is not None and path.suffix == ".csv":
            candidates[table.name].append(Source(table, path))
        elif suffix in SPREADSHEET_SUFFIXES and path.suffix == suffix:
            _workbook_sources(path, table, candidates, found)
        elif suffix in UNREAD_SPREADSHEETS and table is not None:
            found.blocked.setdefault(table.name, []).append(Problem(
                path.name, None, None, f"format {suffix} non lu : enregistrer le classeur au format .xlsx, .ods ou "
                f".csv (« Enregistrer sous ») sous le nom {_stem(table)}.xlsx, puis retirer {path.name}"))
        else:
            found.notes.append(_unread_note(path))
    for name, sources in candidates.items():
        if len(sources) == 1:
            found.sources[name] = sources[0]
        elif sources:
            where = " et ".join(s.label for s in sources)
            found.blocked.setdefault(name, []).append(Problem(
                sources[0].label, None, None, f"table « {_stem(sources[0].table)} » fournie plusieurs fois ({where}) : "
                "n'en garder qu'une, le kit ne choisit pas"))
    return found


def _unread_note(path: Path) -> Problem:
    table = _resembles(path)
    if table is not None:
        stem = _stem(table)
        return Problem(path.name, None, None, f"fichier non lu : le kit lit {stem}.csv, {stem}.xlsx ou {stem}.ods "
                       "(ce nom exactement) ; le renommer s'il doit être lu, sinon le retirer du dossier")
    return Problem(path.name, None, None, "fichier non lu : aucune table du kit ne porte ce nom (tables : "
                   + ", ".join(_stem(t) for t in TABLES) + ")")


def _workbook_sources(path: Path, table: Table | None, candidates: dict[str, list[Source]], found: Discovery) -> None:
    """The sources a workbook holds: its sheets named like tables, or its one sheet when the
    workbook is named like a table (``decisions.xlsx``)."""
    try:
        book = open_workbook(path)
    except TableFormatError as exc:
        if table is not None:
            found.blocked.setdefault(table.name, []).extend(exc.problems)
        else:
            found.notes.append(Problem(path.name, None, None, f"{exc.problems[0].message} ; non lu"))
        return
    shared = len(book.sheets) > 1
    matched = {sheet: _KEYS[sheet_key(sheet)] for sheet in book.sheets if sheet_key(sheet) in _KEYS}
    if table is not None and table not in matched.values():
        others = [s for s in book.sheets if s not in matched and sheet_key(s) != LISTS_SHEET]
        filled = [s for s in others if not _blank(book, s)] if len(others) > 1 else others
        if len(filled) == 1:
            matched[filled[0]] = table
        else:
            names = ", ".join(f"« {s} »" for s in others) or "aucune"
            found.blocked.setdefault(table.name, []).append(Problem(
                path.name, None, None, f"classeur de plusieurs feuilles ({names}) : nommer « {_stem(table)} » "
                "la feuille à lire"))
    for sheet, t in matched.items():
        candidates[t.name].append(Source(t, path, sheet, shared, book))
    unread = [s for s in book.sheets if s not in matched and sheet_key(s) != LISTS_SHEET and not _blank(book, s)]
    if not matched and table is None:
        found.notes.append(Problem(path.name, None, None, "classeur non lu : aucune feuille ne porte le nom d'une "
                                   "table (" + ", ".join(_stem(t) for t in TABLES) + ")"))
    elif unread:
        found.notes.append(Problem(path.name, None, None, "feuille(s) non lue(s) : " + ", ".join(f"« {s} »" for s in unread)
                                   + " ; seules les feuilles nommées comme une table sont lues"))


def _blank(book: Workbook, sheet: str) -> bool:
    try:
        return not any(v is not None and str(v).strip() for row in book.rows(sheet) for v in row)
    except TableFormatError:
        return False


def localise(problems: list[Problem], sources: dict[str, Source]) -> list[Problem]:
    """Problems written about tables' CSV names, moved to the files actually read: the workbook
    and cell (``dossiers.xlsx!C12``), and the names of other tables in messages (« absent de
    jures.xlsx »). Problems about CSV files are returned as they are."""
    moved = {s.table.filename: s for s in sources.values() if s.label != s.table.filename}
    if not moved:
        return list(problems)
    names = re.compile(r"(?<![\w.-])(" + "|".join(re.escape(n) for n in moved) + r")(?!\w)")
    out = []
    for p in problems:
        message = names.sub(lambda m: moved[m.group()].label, p.message)
        source = moved.get(p.file)
        if source is None:
            out.append(replace(p, message=message) if message != p.message else p)
            continue
        letter = source.letter(p.column)
        if letter is None or isinstance(p, CellProblem):
            out.append(Problem(source.label, p.row, p.column, message))
        else:
            out.append(CellProblem(source.label, p.row, p.column, message, f"{letter}{p.row or 1}"))
    return out
