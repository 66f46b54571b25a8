"""``socinnov import-forms COHORT DIR``: the jurors' returned workbooks -> one ``notations.csv``.

Every workbook of the folder is read through its hidden control sheet (written by
``socinnov.inputs.forms``): which juror, which cohort, which rating round (« individuel » or
« après débat »; a workbook written before rounds were recorded is of the individual round),
which grid versions, and the address of every level and comment cell. Both rounds' workbooks may
lie in the same folder; a juror's workbook of one round returned twice is refused. Levels are normalised where unambiguous (case, accents, surrounding
spaces: « intermediaire » is « Intermédiaire », « a » is « A », « satisfaisant » is « A ») and
refused otherwise with the cell's address (``AMI16-017!C9``) and the allowed values. A workbook
returned twice, or for the wrong juror (file name and control sheet disagreeing, a juror not in
the cohort), a dossier rated despite a conflict of interest, a sheet renamed or a row moved:
every problem of every file is reported at once (``InputError``) and nothing is written.

The table written is the cohort's ``notations.csv`` with the workbooks' ratings merged in, so
that it holds both rounds. A rating is identified by its dossier, juror, grid, criterion and
round. A workbook's level fills an empty row; the same level is no change; a different level from
a row already in ``notations.csv`` is a conflict: the import refuses and lists every conflict
(workbook cell, ``notations.csv`` line, both levels), nothing written, since either side may be
the correction (a juror's second thoughts, a level corrected by the project team). With
``prefer_workbooks`` (``--classeurs-prioritaires``) the workbooks' levels win and the replaced
rows are listed. An empty workbook cell never erases a level of ``notations.csv``; rows the
workbooks do not cover are kept as they are.

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
from socinnov.call.vocabulary import INDIVIDUAL, ROUNDS
from socinnov.errors import InputError, Problem
from socinnov.inputs.form_layout import (
    CONTROL_SHEET,
    KEY_COHORT,
    KEY_FORM,
    KEY_GRID,
    KEY_JUROR,
    KEY_ROUND,
    LAYOUT_HEADER,
    FormBlock,
    FormCell,
    FormPlan,
    plan_forms,
)
from socinnov.inputs.french_values import fold
from socinnov.inputs.ingest import resolve_cohort, validate_cohort
from socinnov.inputs.rating_merge import ORIGIN, merge_ratings
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
    round: str = INDIVIDUAL

    @property
    def file(self) -> str:
        return self.path.name

    def filled(self) -> int:
        """How many ratings hold something (a level or a comment)."""
        return sum(_blank(e.level) is not None or _blank(e.comment) is not None for e in self.entries)


@dataclass
class FormImport:
    """The result of an import: the ratings table to write, what the workbooks gave, what is missing."""

    ratings: pd.DataFrame  # schema ``Rating``: the cohort's rows with the workbooks' merged in, both rounds
    missing: pd.DataFrame  # MISSING_COLUMNS (cell empty: dossier not in the workbook; file empty: no workbook)
    files: list[str]
    rounds: dict[str, int]  # workbooks read per round
    read: int = 0  # rating rows read from the workbooks
    kept: int = 0  # rows of the cohort's notations.csv no workbook covers, kept as they were
    conflicts: pd.DataFrame | None = None  # rows replaced by a workbook (``prefer_workbooks``)

    def summary(self) -> str:
        """``3 classeurs lus (tour « individuel » : 3)``."""
        rounds = ", ".join(f"tour « {r} » : {n}" for r, n in self.rounds.items() if n)
        return f"{len(self.files)} classeurs lus" + (f" ({rounds})" if rounds else "")

    def conflicts_report(self) -> str | None:
        """The rows of ``notations.csv`` a workbook replaced, in French; ``None`` if none."""
        if self.conflicts is None or self.conflicts.empty:
            return None
        lines = [f"Notes de {RATINGS.filename} remplacées par les classeurs ({len(self.conflicts)}) :"]
        lines += [f"  - {RATINGS.filename}, ligne {c.row} : {c.where}, tour « {c.round} » : « {c.level_old} » "
                  f"remplacé par « {c.level} » ({c.file})" for c in self.conflicts.itertuples()]
        return "\n".join(lines)

    def missing_report(self) -> str:
        """The missing ratings in French, one line per juror and round."""
        if self.missing.empty:
            return "Aucune note manquante."
        lines = ["Notes manquantes (importées vides) :"]
        for (juror_id, round_), group in self.missing.groupby(["juror_id", "round"], sort=True):
            absent = group[group["file"].isna()]
            if not absent.empty:
                lines.append(f"  - {juror_id} : aucun classeur retourné{_round_words(round_, ' pour le')} "
                             f"({absent['dossier_id'].nunique()} dossiers attribués)")
                continue
            not_in_form = group[group["cell"].isna()]["dossier_id"].unique()
            cells = group[group["cell"].notna()]
            text = (f"  - {juror_id} ({group['file'].iloc[0]}{_round_words(round_, ',')}) : "
                    f"{len(cells)} note(s) manquante(s)")
            if len(cells):
                text += " : " + ", ".join(c if c.startswith(f"{d}!") else f"{c} ({d})"
                                          for c, d in zip(cells["cell"], cells["dossier_id"]))
            if len(not_in_form):
                text += f" ; dossiers absents du classeur : {', '.join(not_in_form)}"
            lines.append(text)
        return "\n".join(lines)


def _round_words(round_: str, before: str) -> str:
    """`` pour le tour « après débat »``; nothing for the individual round (the usual case)."""
    return "" if round_ == INDIVIDUAL else f"{before} tour « {round_} »"


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
    round_ = facts.get(KEY_ROUND, INDIVIDUAL)
    if round_ not in ROUNDS:
        return None, [Problem(name, None, None, f"feuille « {CONTROL_SHEET} » modifiée : tour « {round_} » inconnu "
                              f"(tours : {', '.join(ROUNDS)}) ; renvoyer le classeur reçu, rempli")]
    return ReturnedForm(path, facts[KEY_FORM], facts[KEY_COHORT], facts[KEY_JUROR], grids, entries, round_), []


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
    ratings: pd.DataFrame  # the cohort's notations.csv as validated (levels as the grids' labels)
    assignment_file: str  # where the assignment comes from

    @classmethod
    def load(cls, cohort: str | Path) -> _Cohort:
        name, folder = resolve_cohort(cohort)
        frames, call = validate_cohort(folder)
        conflicts = frames["conflicts"]
        assigned = frames.get("assignments")
        source = "assignments" if assigned is not None and not assigned.empty else "ratings"
        return cls(name, frozenset(frames["jurors"]["juror_id"]), frozenset(frames["dossiers"]["dossier_id"]),
                   frozenset(zip(conflicts["juror_id"], conflicts["dossier_id"])), dict(call.grid_versions),
                   {p.juror_id: p for p in plan_forms(frames, call, name)}, frames["ratings"],
                   TABLES_BY_NAME[source].filename)


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
    """A juror's form of a round returned twice (the same form, or two versions of it): each copy names
    the others."""
    by_juror: dict[tuple[str, str], list[ReturnedForm]] = {}
    for form in forms:
        by_juror.setdefault((form.juror_id, form.round), []).append(form)
    problems = []
    for (juror_id, round_), copies in by_juror.items():
        for form in copies if len(copies) > 1 else ():
            others = ", ".join(f"« {f.file} »" for f in copies if f is not form)
            same = "le même formulaire" if len({f.form_id for f in copies}) == 1 else "des formulaires différents"
            problems.append(Problem(form.file, None, None, f"classeur reçu deux fois pour le juré {juror_id}"
                                    f"{_round_words(round_, ' au')} ({same}) : aussi {others} ; n'en garder qu'un "
                                    "dans le dossier"))
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
        why = f"alors qu'il n'est pas attribué à ce juré ({cohort.assignment_file})"
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
                     "grid_version": entry.cell.grid_version, "criterion": entry.cell.criterion, "round": form.round,
                     "level": level, "comment": comment, **dict(zip(ORIGIN, [form.file, _where(entry, grid)]))})
        if level is None and not probs and not _optional(grid, entry.cell.criterion):
            missing.append(_missing_row(form.juror_id, form.file, entry.cell.dossier_id, entry.cell.grid,
                                        entry.cell.criterion, entry.address, form.round))
    return rows, missing, problems


def _where(entry: Entry, grid: Grid) -> str:
    """``cellule D-001!C6 (dossier D-001, « Caractère collectif du projet »)``."""
    label = next((c.label for c in grid.criteria if c.id == entry.cell.criterion), entry.cell.criterion)
    return f"cellule {entry.address} (dossier {entry.cell.dossier_id}, « {label} »)"


def _optional(grid: Grid, criterion_id: str) -> bool:
    """Items of a section the call rates « si pertinent » may stay empty."""
    return grid.dimension(grid.criterion(criterion_id).dimension).if_relevant


MISSING_COLUMNS = ("juror_id", "file", "dossier_id", "grid", "criterion", "cell", "round")


def _missing_row(*values) -> dict:
    """A row of :data:`MISSING_COLUMNS`, values in that order."""
    return dict(zip(MISSING_COLUMNS, values))


def _absent_dossiers(form: ReturnedForm, plan: FormPlan | None) -> list[dict]:
    """Dossiers assigned to the juror that the workbook does not hold (a form made before the assignment)."""
    if plan is None:
        return []
    present = {(e.cell.dossier_id, e.cell.grid) for e in form.entries}
    return [_missing_row(form.juror_id, form.file, d, g, None, None, form.round)
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


def import_forms(cohort: str | Path, folder: Path, *, prefer_workbooks: bool = False) -> FormImport:
    """Read every returned workbook of ``folder`` (both rounds) and merge it into the cohort's ratings.

    Parameters
    ----------
    cohort : str or Path
        Cohort name (folder under ``data/raw``) or cohort folder; validated first, it gives the
        jurors, the assignment, the conflicts, the call's grid versions and the ratings already
        in its ``notations.csv``.
    folder : Path
        Folder holding the returned workbooks, of either round.
    prefer_workbooks : bool
        A workbook's level replaces a different level already in ``notations.csv`` (listed in
        ``FormImport.conflicts``) instead of being refused.

    Returns
    -------
    FormImport
        The cohort's ratings with the workbooks' merged in (schema of ``schemas.Rating``, both
        rounds) and the missing ones.

    Raises
    ------
    InputError
        With every problem of every workbook, or every conflict with ``notations.csv``; nothing is
        returned then.
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
    rounds = {r: sum(f.round == r for f in forms) for r in ROUNDS}
    for round_ in (r for r in ROUNDS if rounds[r]):
        returned = {f.juror_id for f in forms if f.round == round_}
        missing += [_missing_row(j, None, d, ACCEPTABILITY, None, None, round_)
                    for j, plan in context.plans.items() if j not in returned for d in plan.acceptability]
    read = pd.DataFrame(rows, columns=[*Rating.to_schema().columns, *ORIGIN], dtype=str)
    merged = merge_ratings(context.ratings, read, prefer_workbooks=prefer_workbooks)
    ratings = Rating.validate(merged.ratings)
    return FormImport(ratings, _still_missing(pd.DataFrame(missing, columns=list(MISSING_COLUMNS)), ratings),
                      [f.file for f in forms], rounds, len(read), merged.kept, merged.replaced)


def _still_missing(missing: pd.DataFrame, ratings: pd.DataFrame) -> pd.DataFrame:
    """Missing ratings less those the cohort's ``notations.csv`` already holds (a level typed there)."""
    filled = ratings[ratings["level"].notna()]
    cells = set(zip(*(filled[k] for k in ("juror_id", "dossier_id", "grid", "criterion", "round"))))
    dossiers = set(zip(*(filled[k] for k in ("juror_id", "dossier_id", "grid", "round"))))
    keep = [(j, d, g, r) not in dossiers if pd.isna(c) else (j, d, g, c, r) not in cells
            for j, d, g, c, r in zip(*(missing[k] for k in ("juror_id", "dossier_id", "grid", "criterion", "round")))]
    return missing[keep].reset_index(drop=True)


def write_ratings(ratings: pd.DataFrame, out: Path, *, force: bool = False) -> Path:
    """Write the imported ratings as a ``notations.csv`` would be written (``;``, UTF-8 with BOM).

    Refuses any path under ``data/raw`` (supplied files are never modified: the user copies the
    file there) and an existing file unless ``force``; the file appears whole or not at all.
    """
    return write_output_table(ratings, RATINGS, out, force=force)
