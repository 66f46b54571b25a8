"""``socinnov import-forms COHORT DIR``: the jurors' returned workbooks -> the individual ratings.

Every workbook of the folder is read through its hidden control sheet (written by
``socinnov.inputs.forms``): which juror, which cohort, which grid versions, and the address of every
level and comment cell. Levels are normalised where unambiguous (case, accents, surrounding
spaces: « intermediaire » is « Intermédiaire », « a » is « A », « satisfaisant » is « A ») and
refused otherwise with the cell's address (``AMI16-017!C9``) and the allowed values. A workbook
returned twice, or for the wrong juror (file name and control sheet disagreeing, a juror not in
the cohort), a dossier rated despite a conflict of interest, a sheet renamed or a row moved:
every problem of every file is reported at once (``InputError``) and nothing is written.

A missing rating is not an error (an empty level is a missing rating in ``notations.csv``): the
import lists them per juror, with their cells, and so are the jurors who returned nothing. The
items of a section the call marks « si pertinent » may stay empty and are not listed.
"""

from __future__ import annotations

import re
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from openpyxl import load_workbook
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string
from openpyxl.utils.exceptions import InvalidFileException

from socinnov.call.grids import ACCEPTABILITY, FEASIBILITY, Grid, GridError, load_grid
from socinnov.call.schemas import TABLES_BY_NAME, Rating
from socinnov.errors import InputError, Problem
from socinnov.inputs.form_layout import (
    CONTROL_SHEET,
    KEY_COHORT,
    KEY_FORM,
    KEY_GRID,
    KEY_JUROR,
    LAYOUT_HEADER,
    ROUND,
    FormBlock,
    FormCell,
    FormPlan,
    plan_forms,
)
from socinnov.inputs.french_values import fold
from socinnov.inputs.ingest import resolve_cohort, validate_cohort
from socinnov.inputs.tabular import write_output_table

__all__ = ["MISSING_COLUMNS", "Entry", "FormImport", "ReturnedForm", "import_forms", "read_form", "workbook_paths",
           "write_ratings"]

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
OTHER_SPREADSHEETS = (".xls", ".ods", ".csv", ".numbers")
RATINGS = TABLES_BY_NAME["ratings"]


@dataclass(frozen=True)
class Entry:
    """One rating read from a workbook: its cells and what the juror wrote."""

    cell: FormCell
    label: object
    level: object
    comment: object

    @property
    def address(self) -> str:
        return f"{self.cell.sheet}!{self.cell.level_cell}"


@dataclass
class ReturnedForm:
    """A returned workbook as read: its identity (control sheet) and its entries."""

    path: Path
    form_id: str
    cohort: str
    juror_id: str
    grid_versions: dict[str, str]
    entries: list[Entry]

    @property
    def file(self) -> str:
        return self.path.name

    def filled(self) -> int:
        """How many ratings hold something (a level or a comment)."""
        return sum(_blank(e.level) is not None or _blank(e.comment) is not None for e in self.entries)


@dataclass
class FormImport:
    """The result of an import: the ratings table and the missing ratings, per juror."""

    ratings: pd.DataFrame  # schema ``Rating``, round « individuel »
    missing: pd.DataFrame  # juror_id, file, dossier_id, grid, criterion, cell (cell empty: no workbook)
    files: list[str]

    def missing_report(self) -> str:
        """The missing ratings in French, one line per juror."""
        if self.missing.empty:
            return "Aucune note manquante."
        lines = ["Notes manquantes (importées vides) :"]
        for juror_id, group in self.missing.groupby("juror_id", sort=True):
            absent = group[group["file"].isna()]
            if not absent.empty:
                lines.append(f"  - {juror_id} : aucun classeur retourné ({absent['dossier_id'].nunique()} dossiers "
                             "attribués)")
                continue
            not_in_form = group[group["cell"].isna()]["dossier_id"].unique()
            cells = group[group["cell"].notna()]
            text = f"  - {juror_id} ({group['file'].iloc[0]}) : {len(cells)} note(s) manquante(s)"
            if len(cells):
                text += " : " + ", ".join(c if c.startswith(f"{d}!") else f"{c} ({d})"
                                          for c, d in zip(cells["cell"], cells["dossier_id"]))
            if len(not_in_form):
                text += f" ; dossiers absents du classeur : {', '.join(not_in_form)}"
            lines.append(text)
        return "\n".join(lines)


def _blank(value) -> object:
    """``None`` for an empty cell or one holding only spaces; the value (stripped text) otherwise."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    return value


def _shown(value) -> str:
    """A cell value as the user sees it (``2`` rather than ``2.0``)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# --------------------------------------------------------------------------------------------
# Reading one workbook


def read_form(path: Path) -> tuple[ReturnedForm | None, list[Problem]]:
    """Read a returned workbook through its control sheet.

    Parameters
    ----------
    path : Path
        The workbook (``.xlsx``).

    Returns
    -------
    ReturnedForm or None
        The form, or ``None`` when it cannot be read as a form of this kit.
    list of Problem
        What prevents reading it, the file being the workbook's name.
    """
    name = path.name
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError) as exc:
        return None, [Problem(name, None, None, f"classeur illisible ({type(exc).__name__}) : l'enregistrer au "
                              "format Excel (.xlsx)")]
    try:
        return _read_open_form(wb, path)
    finally:
        wb.close()


def _read_open_form(wb, path: Path) -> tuple[ReturnedForm | None, list[Problem]]:
    name = path.name
    if CONTROL_SHEET not in wb.sheetnames:
        return None, [Problem(name, None, None, f"pas un formulaire de notation de ce kit (feuille de contrôle "
                              f"« {CONTROL_SHEET} » absente) : renvoyer le classeur reçu, rempli")]
    facts, layout, problems = _read_control(wb[CONTROL_SHEET], name)
    if problems:
        return None, problems
    missing_sheets = sorted({c.sheet for c in layout} - set(wb.sheetnames))
    if missing_sheets:
        return None, [Problem(name, None, None, f"feuille « {s} » absente : ne pas renommer ni supprimer les "
                              "onglets") for s in missing_sheets]
    sheets = {s: _SheetValues(wb[s]) for s in dict.fromkeys(c.sheet for c in layout)}
    entries = [Entry(c, *(sheets[c.sheet][a] for a in (c.label_cell, c.level_cell, c.comment_cell)))
               for c in layout]
    grids = {k.removeprefix(KEY_GRID): v for k, v in facts.items() if k.startswith(KEY_GRID)}
    return ReturnedForm(path, facts[KEY_FORM], facts[KEY_COHORT], facts[KEY_JUROR], grids, entries), []


def _rows(ws) -> list[list]:
    """Every row of a read-only sheet from row 1, whatever dimensions the file declares."""
    ws.reset_dimensions()
    return [list(r) for r in ws.iter_rows(min_row=1, values_only=True)]


class _SheetValues:
    """A sheet's values read once (read-only workbooks are read row by row), looked up by address."""

    def __init__(self, ws):
        self.rows = _rows(ws)

    def __getitem__(self, address: str):
        column, row = coordinate_from_string(address)
        col = column_index_from_string(column)
        if row > len(self.rows) or col > len(self.rows[row - 1]):
            return None
        return self.rows[row - 1][col - 1]


def _read_control(ws, name: str) -> tuple[dict[str, str], list[FormCell], list[Problem]]:
    """Key/value facts, then the layout table, as ``socinnov.inputs.forms`` wrote them."""
    rows = [[_blank(v) for v in row] for row in _rows(ws)]
    header = next((i for i, r in enumerate(rows) if tuple(r[:len(LAYOUT_HEADER)]) == LAYOUT_HEADER), None)
    if header is None:
        return {}, [], [Problem(name, None, None, f"feuille « {CONTROL_SHEET} » modifiée : table des cellules "
                                "introuvable ; renvoyer le classeur reçu, rempli")]
    facts = {str(r[0]): _shown(r[1]) for r in rows[:header] if r and r[0] is not None and len(r) > 1
             and r[1] is not None}
    try:
        blocks = [FormBlock.from_row(r[:len(LAYOUT_HEADER)]) for r in rows[header + 1:]
                  if r and all(v is not None for v in r[:len(LAYOUT_HEADER)])]
    except ValueError:
        blocks = []
    layout = [cell for block in blocks for cell in block.cells()]
    if not layout:
        return {}, [], [Problem(name, None, None, f"feuille « {CONTROL_SHEET} » modifiée : table des cellules "
                                "illisible ; renvoyer le classeur reçu, rempli")]
    absent = [k for k in (KEY_FORM, KEY_COHORT, KEY_JUROR) if k not in facts]
    problems = [Problem(name, None, None, f"feuille « {CONTROL_SHEET} » modifiée : « {k} » absent") for k in absent]
    return facts, layout, problems


# --------------------------------------------------------------------------------------------
# Checking forms against the cohort


@dataclass(frozen=True)
class _Cohort:
    """What a returned form is checked against: the cohort's jurors, dossiers, conflicts, plans."""

    name: str
    jurors: frozenset[str]
    dossiers: frozenset[str]
    conflicts: frozenset[tuple[str, str]]
    grid_versions: dict[str, str]
    plans: dict[str, FormPlan]

    @classmethod
    def load(cls, cohort: str | Path) -> _Cohort:
        name, folder = resolve_cohort(cohort)
        frames, call = validate_cohort(folder)
        conflicts = frames["conflicts"]
        return cls(name, frozenset(frames["jurors"]["juror_id"]), frozenset(frames["dossiers"]["dossier_id"]),
                   frozenset(zip(conflicts["juror_id"], conflicts["dossier_id"])), dict(call.grid_versions),
                   {p.juror_id: p for p in plan_forms(frames, call, name)})


def _juror_tokens(filename: str, juror_ids) -> set[str]:
    """Juror ids written in a file name as separate words (``formulaire-demo-J01.xlsx`` names J01)."""
    stem = Path(filename).stem
    return {j for j in juror_ids
            if re.search(rf"(?<![A-Za-z0-9]){re.escape(j)}(?![A-Za-z0-9])", stem, flags=re.IGNORECASE)}


def _identity_problems(form: ReturnedForm, cohort: _Cohort) -> list[Problem]:
    """The form belongs to this cohort, to a juror of it, the one its file name says, with the call's grids."""
    messages = []
    if form.cohort != cohort.name:
        messages.append(f"formulaire de la cohorte « {form.cohort} », pas de « {cohort.name} »")
    if form.juror_id not in cohort.jurors:
        messages.append(f"formulaire du juré « {form.juror_id} », absent de {TABLES_BY_NAME['jurors'].filename}")
    named = _juror_tokens(form.file, cohort.jurors | {form.juror_id})
    if named and form.juror_id not in named:
        messages.append(f"le nom du fichier désigne {', '.join(sorted(named))} mais le classeur est le formulaire "
                        f"du juré {form.juror_id} (feuille de contrôle) : mauvais classeur renvoyé ?")
    for grid_id, version in sorted(form.grid_versions.items()):
        declared = cohort.grid_versions.get(grid_id, version)
        if version != declared:
            messages.append(f"grille {grid_id} en version {version} alors que l'appel de la cohorte déclare la "
                            f"version {declared} : formulaire périmé")
    return [Problem(form.file, None, None, m) for m in messages]


def _duplicate_problems(forms: list[ReturnedForm]) -> list[Problem]:
    """A juror's form returned twice (the same form, or two versions of it): each copy names the others."""
    by_juror: dict[str, list[ReturnedForm]] = {}
    for form in forms:
        by_juror.setdefault(form.juror_id, []).append(form)
    problems = []
    for juror_id, copies in by_juror.items():
        for form in copies if len(copies) > 1 else ():
            others = ", ".join(f"« {f.file} »" for f in copies if f is not form)
            same = "le même formulaire" if len({f.form_id for f in copies}) == 1 else "des formulaires différents"
            problems.append(Problem(form.file, None, None, f"classeur reçu deux fois pour le juré {juror_id} "
                                    f"({same}) : aussi {others} ; n'en garder qu'un dans le dossier"))
    return problems


def _level_labels(grid: Grid) -> dict[str, str]:
    """Folded label or level name -> the grid's label (« intermediaire » -> « Intermédiaire », « a » -> « A »)."""
    table = {fold(lv.label): lv.label for lv in grid.levels}
    return table | {fold(lv.name): lv.label for lv in grid.levels if lv.name}


def _grids(form: ReturnedForm) -> tuple[dict[tuple[str, str], Grid], list[Problem]]:
    """The grids (id, version) a form's control sheet names; an unknown one is a problem."""
    grids, problems = {}, []
    for key in sorted({(e.cell.grid, e.cell.grid_version) for e in form.entries}):
        try:
            grids[key] = load_grid(*key)
        except GridError as exc:
            problems.append(Problem(form.file, None, None, str(exc)))
    return grids, problems


def _entry_level(form: ReturnedForm, entry: Entry, grid: Grid) -> tuple[str | None, list[Problem]]:
    """The entry's level as the grid's label, ``None`` if empty; problems name the cell and what is allowed."""
    try:
        criterion = grid.criterion(entry.cell.criterion)
    except KeyError:
        return None, [Problem(form.file, None, None, f"cellule {entry.address} : critère « {entry.cell.criterion} » "
                              f"inconnu de la grille {grid.key}")]
    where = f"cellule {entry.address} (dossier {entry.cell.dossier_id}, « {criterion.label} »)"
    if _blank(entry.label) != criterion.label:
        return None, [Problem(form.file, None, None, f"{where} : structure modifiée, la cellule "
                              f"{entry.cell.sheet}!{entry.cell.label_cell} devrait porter « {criterion.label} » ; "
                              "ne pas déplacer, ajouter ni supprimer de ligne")]
    value = _blank(entry.level)
    if value is None:
        return None, []
    label = _level_labels(grid).get(fold(value)) if isinstance(value, str) else None
    if label is None:
        allowed = ", ".join(f"« {x} »" for x in grid.level_labels)
        return None, [Problem(form.file, None, None, f"{where} : valeur « {_shown(value)} » non permise ; valeurs "
                              f"permises : {allowed}")]
    return label, []


def _unassigned_problem(form: ReturnedForm, entry: Entry, cohort: _Cohort) -> Problem:
    """A filled entry for a dossier the juror is not (or no longer) to rate, and why."""
    dossier = entry.cell.dossier_id
    if (form.juror_id, dossier) in cohort.conflicts:
        why = f"malgré un conflit d'intérêts déclaré ({TABLES_BY_NAME['conflicts'].filename})"
    elif dossier not in cohort.dossiers:
        why = f"alors qu'il est absent de {TABLES_BY_NAME['dossiers'].filename}"
    elif entry.cell.grid == ACCEPTABILITY:
        why = f"alors qu'il n'est pas attribué à ce juré ({RATINGS.filename}, tour « {ROUND} »)"
    else:
        why = f"alors qu'il n'est pas retenu ({TABLES_BY_NAME['decisions'].filename}) : faisabilité non demandée"
    return Problem(form.file, None, None, f"feuille {entry.cell.sheet} : dossier {dossier} noté {why}")


def _form_rows(form: ReturnedForm, cohort: _Cohort) -> tuple[list[dict], list[dict], list[Problem]]:
    """The form's rating rows (assigned dossiers only), its missing ratings and its problems."""
    plan = cohort.plans.get(form.juror_id)
    grids, problems = _grids(form)
    rows, missing = [], []
    for entry in form.entries:
        grid = grids.get((entry.cell.grid, entry.cell.grid_version))
        if grid is None:
            continue
        level, probs = _entry_level(form, entry, grid)
        comment = None if _blank(entry.comment) is None else _shown(entry.comment)
        problems += probs
        if plan is None or entry.cell.dossier_id not in plan.dossiers(entry.cell.grid):
            if _blank(entry.level) is not None or comment is not None:
                problems.append(_unassigned_problem(form, entry, cohort))
            continue
        rows.append({"dossier_id": entry.cell.dossier_id, "juror_id": form.juror_id, "grid": entry.cell.grid,
                     "grid_version": entry.cell.grid_version, "criterion": entry.cell.criterion, "round": ROUND,
                     "level": level, "comment": comment})
        if level is None and not probs and not _optional(grid, entry.cell.criterion):
            missing.append(_missing_row(form.juror_id, form.file, entry.cell.dossier_id, entry.cell.grid,
                                        entry.cell.criterion, entry.address))
    return rows, missing, problems


def _optional(grid: Grid, criterion_id: str) -> bool:
    """Items of a section the call rates « si pertinent » may stay empty."""
    return grid.dimension(grid.criterion(criterion_id).dimension).if_relevant


MISSING_COLUMNS = ("juror_id", "file", "dossier_id", "grid", "criterion", "cell")


def _missing_row(*values) -> dict:
    return dict(zip(MISSING_COLUMNS, values))


def _absent_dossiers(form: ReturnedForm, plan: FormPlan | None) -> list[dict]:
    """Dossiers assigned to the juror that the workbook does not hold (a form made before the assignment)."""
    if plan is None:
        return []
    present = {(e.cell.dossier_id, e.cell.grid) for e in form.entries}
    return [_missing_row(form.juror_id, form.file, d, g, None, None)
            for g in (ACCEPTABILITY, FEASIBILITY) for d in plan.dossiers(g) if (d, g) not in present]


# --------------------------------------------------------------------------------------------
# The import


def workbook_paths(folder: Path) -> tuple[list[Path], list[Problem]]:
    """The workbooks of a folder (Excel's ``~$`` lock files skipped); other spreadsheet formats refused."""
    if not folder.is_dir():
        return [], [Problem(str(folder), None, None, "dossier des classeurs introuvable")]
    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(("~$", ".")))
    paths = [p for p in files if p.suffix.lower() in WORKBOOK_SUFFIXES]
    problems = [Problem(p.name, None, None, f"format {p.suffix.lower()} non pris en charge : ouvrir le classeur et "
                        "l'enregistrer au format Excel (.xlsx)") for p in files
                if p.suffix.lower() in OTHER_SPREADSHEETS]
    if not paths and not problems:
        problems.append(Problem(str(folder), None, None, "aucun classeur .xlsx dans ce dossier"))
    return paths, problems


def import_forms(cohort: str | Path, folder: Path) -> FormImport:
    """Read every returned workbook of ``folder`` for a cohort into the individual ratings table.

    Parameters
    ----------
    cohort : str or Path
        Cohort name (folder under ``data/raw``) or cohort folder; validated first, it gives the
        jurors, the assignment, the conflicts and the call's grid versions.
    folder : Path
        Folder holding the returned workbooks.

    Returns
    -------
    FormImport
        Ratings in the schema of ``schemas.Rating`` (round « individuel ») and the missing ones.

    Raises
    ------
    InputError
        With every problem of every workbook; nothing is returned then.
    """
    context = _Cohort.load(cohort)
    paths, problems = workbook_paths(Path(folder))
    forms = []
    for path in paths:
        form, probs = read_form(path)
        problems += probs
        if form is not None:
            forms.append(form)
            problems += _identity_problems(form, context)
    problems += _duplicate_problems(forms)
    rows, missing = [], []
    for form in forms:
        form_rows, form_missing, probs = _form_rows(form, context)
        rows, problems = rows + form_rows, problems + probs
        missing += form_missing + _absent_dossiers(form, context.plans.get(form.juror_id))
    if problems:
        raise InputError(problems)
    returned = {f.juror_id for f in forms}
    missing += [_missing_row(j, None, d, ACCEPTABILITY, None, None)
                for j, plan in context.plans.items() if j not in returned for d in plan.acceptability]
    ratings = Rating.validate(pd.DataFrame(rows, columns=list(Rating.to_schema().columns), dtype=str))
    return FormImport(ratings.reset_index(drop=True), pd.DataFrame(missing, columns=list(MISSING_COLUMNS)),
                      [f.file for f in forms])


def write_ratings(ratings: pd.DataFrame, out: Path, *, force: bool = False) -> Path:
    """Write the imported ratings as a ``notations.csv`` would be written (``;``, UTF-8 with BOM).

    Refuses any path under ``data/raw`` (supplied files are never modified: the user copies the
    file there) and an existing file unless ``force``; the file appears whole or not at all.
    """
    return write_output_table(ratings, RATINGS, out, force=force)
