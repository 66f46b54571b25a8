"""``socinnov forms COHORT [--tour apres-debat]``: one Excel workbook per juror and rating round.

A juror's assignment is what the cohort's ``affectations.csv`` says (``socinnov assign`` writes it,
before any rating exists); without it, the distinct (juror, dossier) pairs of the individual
round in ``notations.csv``, levels filled or not; less any declared conflict of interest. The
feasibility grid is asked for the dossiers the jury retained (``decisions.csv``: « retenu -
financé » or « retenu - réorienté »), none if there are no decisions yet.

Layout: one sheet per dossier, named by its id, for the acceptability grid. A juror reads one
dossier at a time and rates its twelve criteria together: the sheet reproduces the call's table
for that dossier (section, criterion, level, comment) on one screen, the tab is the id the jury
uses in its documents, and a problem found on return points straight at it (``AMI16-017!C9``).
One long sheet of dossier × criterion rows would mix dossiers and invite rating a criterion
across dossiers, which is not how the call frames the reading. Feasibility is a second step on a
subset of the dossiers: one « Faisabilité » sheet, one row per retained dossier × item.

Each level cell has a drop-down list of the grid's levels and, as a cell comment, the call's
descriptor of each level (read from the grid file, never retyped); the « Grille » sheet holds
the whole grid. Only level and comment cells are unlocked; sheets and workbook structure are
protected (without password: the protection prevents slips, the import checks the rest). A
hidden, protected sheet records the cohort, the juror, the grid versions, a form id and the
address of every level and comment cell, so that ``socinnov.inputs.form_import`` can check and read a
returned workbook whatever the kit's version.

The « après débat » round (``--tour apres-debat``) asks the same dossiers in the same layout, with
two locked columns before the level: the juror's own level in the individual round and, for the
other jurors of the dossier, how many gave each level (``Faible : 1 · Fort : 2``), never who. It
is written once the individual round is in the cohort's ``notations.csv``; the round is recorded
in the control sheet and in the file name (``formulaire-COHORTE-JURE-apres-debat.xlsx``), so both
rounds' workbooks can be returned to the same folder.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Protection, Side
from openpyxl.utils import quote_sheetname
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from socinnov import __version__, config, files
from socinnov.call.grids import ACCEPTABILITY, FEASIBILITY, Criterion, Dimension, Grid
from socinnov.call.schemas import TABLES_BY_NAME
from socinnov.call.settings import Call
from socinnov.call.vocabulary import AFTER_DEBATE, INDIVIDUAL
from socinnov.errors import InputError, Problem
from socinnov.inputs.form_import import read_form
from socinnov.inputs.form_layout import (
    CONTROL_SHEET,
    FEASIBILITY_SHEET,
    FIRST_ROW,
    GRID_SHEET,
    GUIDE_SHEET,
    KEY_COHORT,
    KEY_FORM,
    KEY_GRID,
    KEY_JUROR,
    KEY_ROUND,
    LAYOUT_HEADER,
    ROUND_OPTIONS,
    FormBlock,
    FormPlan,
    Recall,
    plan_forms,
    recalls,
    sheet_names,
)
from socinnov.inputs.ingest import resolve_cohort, validate_cohort

__all__ = ["build_workbook", "forms_dir", "write_forms"]

_THIN = Side(style="thin", color="999999")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="top")
# Named styles, registered once per workbook: setting them is much faster than cell by cell.
TITLE, TEXT, HEAD, BOXED, BOLD, BOXED_TOP, INPUT, LINK, RECALLED = (
    "Formulaire titre", "Formulaire texte", "Formulaire en-tête", "Formulaire cadre", "Formulaire cadre gras",
    "Formulaire cadre haut", "Formulaire saisie", "Formulaire lien", "Formulaire rappel")
_STYLES = {
    TITLE: {"font": Font(bold=True, size=14)},
    TEXT: {"alignment": _WRAP},
    HEAD: {"font": Font(bold=True), "fill": PatternFill("solid", fgColor="D9D9D9"), "border": _BOX,
           "alignment": _WRAP},
    BOXED: {"border": _BOX, "alignment": _WRAP},
    BOLD: {"font": Font(bold=True), "border": _BOX, "alignment": _WRAP},
    BOXED_TOP: {"font": Font(bold=True), "alignment": _WRAP,
                "border": Border(left=_THIN, right=_THIN, top=Side(style="medium"), bottom=_THIN)},
    INPUT: {"fill": PatternFill("solid", fgColor="FFF2CC"), "border": _BOX, "alignment": _WRAP,
            "protection": Protection(locked=False)},
    LINK: {"font": Font(color="0563C1", underline="single"), "border": _BOX},
    RECALLED: {"fill": PatternFill("solid", fgColor="EDEDED"), "border": _BOX, "alignment": _WRAP},
}
FORM_TITLES = {INDIVIDUAL: "Formulaire de notation individuelle", AFTER_DEBATE: "Formulaire de notation après débat"}
RECALL_HEADERS = ("Votre niveau (tour individuel)", "Autres jurés (tour individuel)")
RECALL_NOTE = ("votre niveau au tour individuel et, pour les autres jurés du dossier, le nombre de jurés ayant donné "
               "chaque niveau (sans leur nom)")


# --------------------------------------------------------------------------------------------
# Writing a workbook


def build_workbook(plan: FormPlan, dossiers: pd.DataFrame, call: Call,
                   recalled: dict[tuple[str, str, str], Recall] | None = None) -> Workbook:
    """The juror's workbook: guide, grid, one sheet per dossier, feasibility, hidden control sheet.

    Parameters
    ----------
    plan : FormPlan
        The juror's dossiers and grid versions.
    dossiers : pandas.DataFrame
        The cohort's dossiers table (titles, porteurs, communes).
    call : Call
        The call the cohort answers (its title heads the guide).
    recalled : dict, optional
        For the « après débat » round: (dossier, grid, criterion) -> what the individual round
        gave (``form_layout.recalls``); required for that round, ignored otherwise.

    Returns
    -------
    openpyxl.Workbook
        Not saved; ``write_forms`` saves it.
    """
    info = dossiers.set_index("dossier_id")
    acceptability, feasibility = plan.grid(ACCEPTABILITY), plan.grid(FEASIBILITY)
    wb = Workbook()
    for name, style in _STYLES.items():
        wb.add_named_style(NamedStyle(name=name, **style))
    guide = wb.active
    guide.title = GUIDE_SHEET
    _write_grid_sheet(wb.create_sheet(GRID_SHEET), acceptability, feasibility)
    names = sheet_names(plan.acceptability)
    if plan.round == INDIVIDUAL:
        recalled = None
    elif recalled is None:
        raise ValueError(f"round « {plan.round} » needs what the individual round gave (recalls)")
    blocks = [_write_dossier_sheet(wb.create_sheet(names[d]), d, info.loc[d], acceptability, recalled)
              for d in plan.acceptability]
    if plan.feasibility:
        titles = {d: info.loc[d, "title"] for d in plan.feasibility}
        blocks += _write_feasibility_sheet(wb.create_sheet(FEASIBILITY_SHEET), titles, feasibility, recalled)
    _write_guide(guide, plan, call, info, blocks)
    _write_control(wb.create_sheet(CONTROL_SHEET), plan, blocks)
    _set_properties(wb, plan, call)
    return wb


def _protect(ws: Worksheet) -> None:
    """Lock the sheet; columns and rows may still be resized."""
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False


def _widths(ws: Worksheet, widths: dict[str, float]) -> None:
    for letter, width in widths.items():
        ws.column_dimensions[letter].width = width


def _lines(text: str, width: float) -> int:
    """Lines a wrapped text takes in a column of ``width`` characters (a generous estimate)."""
    return sum(max(1, -(-len(part) // max(1, int(width * 0.95)))) for part in str(text).split("\n"))


def _put(ws: Worksheet, row: int, values: dict[str, object], style: str | None = BOXED) -> None:
    """Write values in a row (column letter -> value) with one named style."""
    for letter, value in values.items():
        cell = ws[f"{letter}{row}"]
        cell.value = value
        if style:
            cell.style = style


def _fit(ws: Worksheet, row: int, texts: dict[str, object], widths: dict[str, float], minimum: float = 15) -> None:
    """Row height for the longest wrapped text of the row."""
    lines = max([_lines(t, widths[c]) for c, t in texts.items() if isinstance(t, str)] or [1])
    ws.row_dimensions[row].height = max(minimum, 15 * lines)


def _banner(ws: Worksheet, lines: list[str]) -> None:
    """Title (row 1) and explanations (rows 2…) above a sheet's table, one line each (no merged cells:
    merging is slow to write and the text runs over the empty cells to its right anyway)."""
    for row, text in enumerate(lines, start=1):
        _put(ws, row, {"A": text}, TITLE if row == 1 else None)
    ws.row_dimensions[1].height = 20


def _level_list(grid: Grid, ws: Worksheet, sqref: str) -> None:
    """A drop-down list of the grid's levels (lowest first, as the call's table) on ``sqref``."""
    labels = ", ".join(grid.level_labels)
    dv = DataValidation(type="list", formula1='"' + ",".join(grid.level_labels) + '"', allow_blank=True,
                        showErrorMessage=True, errorTitle="Niveau non permis",
                        error=f"Choisir un niveau dans la liste : {labels}.")
    ws.add_data_validation(dv)
    dv.add(sqref)


def _descriptor_comment(grid: Grid, criterion: Criterion, note: str | None = None) -> Comment:
    """The call's descriptor of each level of a criterion (or the level names), as a cell comment."""
    if criterion.descriptors:
        lines = [f"{lv.label} : {criterion.descriptors[lv.label]}" for lv in grid.levels]
    else:
        lines = [f"{lv.label} : {lv.name}" if lv.name else lv.label for lv in reversed(grid.levels)]
    text = "\n".join([criterion.label, *lines] + ([note] if note else []))
    comment = Comment(text, "socinnov")
    comment.width = 420
    comment.height = 16 * sum(_lines(line, 75) for line in text.split("\n")) + 10
    return comment


def _section_label(dimension: Dimension) -> str:
    return dimension.label + (" (si pertinent)" if dimension.if_relevant else "")


def _put_recall(ws: Worksheet, row: int, columns: tuple[str, str], recall: Recall | None) -> None:
    """The juror's individual level and the other jurors' levels counted, locked and greyed."""
    recall = recall or Recall(None, ())
    _put(ws, row, dict(zip(columns, [recall.own or "—", recall.others_text()])), RECALLED)


def _write_dossier_sheet(ws: Worksheet, dossier_id: str, info: pd.Series, grid: Grid,
                         recalled: dict[tuple[str, str, str], Recall] | None = None) -> FormBlock:
    """The acceptability grid for one dossier: section, criterion, level (drop-down), comment; in the
    « après débat » round, the individual round recalled in two locked columns before the level."""
    after = recalled is not None
    headers = ["Section", "Critère", *(RECALL_HEADERS if after else ()),
               "Niveau après débat" if after else "Niveau", "Commentaire"]
    letters = "ABCDEF"[:len(headers)]
    level, comment = letters[-2], letters[-1]
    widths = dict(zip(letters, [16, 42, 16, 30, 18, 55] if after else [16, 42, 18, 70]))
    _widths(ws, widths)
    choose = (f"le niveau après débat dans la liste de la colonne {level}, même s'il ne change pas" if after
              else f"le niveau dans la liste de la colonne {level}")
    how = (f"Choisir {choose} ; le repère de chaque niveau s'affiche en commentaire de la cellule. Commentaire libre "
           f"en colonne {comment}.")
    if after:
        how = f"Colonnes C et D : {RECALL_NOTE}. {how}"
    _banner(ws, [f"{dossier_id} — {info['title']}",
                 f"Porteur : {info['porteur']} ({info['commune']}, {info['departement']})",
                 f"{grid.title} (version {grid.version}) : niveaux {', '.join(grid.level_labels)}", how])
    _put(ws, FIRST_ROW - 1, dict(zip(letters, headers)), HEAD)
    row = FIRST_ROW
    for dimension in grid.dimensions:
        for k, criterion in enumerate(dimension.criteria):
            _put(ws, row, {"A": None if k else dimension.label}, BOLD)
            _put(ws, row, {"B": criterion.label})
            if after:
                _put_recall(ws, row, ("C", "D"), recalled.get((dossier_id, grid.id, criterion.id)))
            _put(ws, row, {level: None, comment: None}, INPUT)
            ws[f"{level}{row}"].comment = _descriptor_comment(grid, criterion)
            _fit(ws, row, {"B": criterion.label}, widths, 32)
            row += 1
    _level_list(grid, ws, f"{level}{FIRST_ROW}:{level}{row - 1}")
    ws.freeze_panes = f"C{FIRST_ROW}"
    _page_setup(ws)
    _protect(ws)
    return FormBlock(ws.title, dossier_id, grid.id, grid.version, FIRST_ROW, "B", level, comment,
                     tuple(c.id for c in grid.criteria))


def _write_feasibility_sheet(ws: Worksheet, titles: dict[str, str], grid: Grid,
                             recalled: dict[tuple[str, str, str], Recall] | None = None) -> list[FormBlock]:
    """The feasibility grid for the retained dossiers: one row per dossier × item (and, in the
    « après débat » round, the individual round recalled in two locked columns before the level)."""
    after = recalled is not None
    recall_headers = tuple(h.replace("Votre niveau", "Votre évaluation") for h in RECALL_HEADERS)
    headers = ["Dossier", "Titre de l'action", "Section", "Critère", *(recall_headers if after else ()),
               "Évaluation après débat" if after else "Évaluation", "Commentaire"]
    letters = "ABCDEFGH"[:len(headers)]
    level, comment = letters[-2], letters[-1]
    widths = dict(zip(letters, [13, 30, 30, 55, 14, 26, 14, 45] if after else [13, 30, 30, 55, 13, 55]))
    _widths(ws, widths)
    how = (f"Choisir l'évaluation dans la liste de la colonne {level} ; une section « si pertinent » peut rester "
           f"vide. Commentaire libre en colonne {comment}.")
    _banner(ws, [f"{grid.title} (version {grid.version})",
                 "Dossiers retenus par le jury (« retenu - financé » ou « retenu - réorienté ») ; " + grid.source,
                 ". ".join(f"{lv.label} : {lv.name}" for lv in reversed(grid.levels)) + ".",
                 f"Colonnes E et F : {RECALL_NOTE}. {how}" if after else how])
    _put(ws, FIRST_ROW - 1, dict(zip(letters, headers)), HEAD)
    blocks, row = [], FIRST_ROW
    for dossier_id, title in titles.items():
        blocks.append(FormBlock(ws.title, dossier_id, grid.id, grid.version, row, "D", level, comment,
                                tuple(c.id for c in grid.criteria)))
        for dimension in grid.dimensions:
            for criterion in dimension.criteria:
                values = dict(zip("ABCD", [dossier_id, title, _section_label(dimension), criterion.label]))
                _put(ws, row, values, BOXED_TOP if row == blocks[-1].first_row else BOXED)
                if after:
                    _put_recall(ws, row, ("E", "F"), recalled.get((dossier_id, grid.id, criterion.id)))
                _put(ws, row, {level: None, comment: None}, INPUT)
                note = "Section à remplir si pertinent." if dimension.if_relevant else None
                ws[f"{level}{row}"].comment = _descriptor_comment(grid, criterion, note)
                _fit(ws, row, values, widths, 30)
                row += 1
    _level_list(grid, ws, f"{level}{FIRST_ROW}:{level}{row - 1}")
    ws.freeze_panes = f"E{FIRST_ROW}"
    ws.auto_filter.ref = f"A{FIRST_ROW - 1}:D{row - 1}"
    _page_setup(ws)
    _protect(ws)
    return blocks


def _write_grid_sheet(ws: Worksheet, acceptability: Grid, feasibility: Grid) -> None:
    """The two grids in full, descriptors word for word from the grid files."""
    widths = {"A": 18, "B": 30, "C": 40, "D": 40, "E": 40, "F": 40}
    _widths(ws, widths)
    _banner(ws, [f"{acceptability.title} (version {acceptability.version})", acceptability.source])
    _put(ws, 4, dict(zip("ABCDEF", ["Section", "Critère", *acceptability.level_labels])), HEAD)
    row = 5
    for dimension in acceptability.dimensions:
        for criterion in dimension.criteria:
            values = dict(zip("ABCDEF", [dimension.label, criterion.label,
                                         *(criterion.descriptors[lv] for lv in acceptability.level_labels)]))
            _put(ws, row, values)
            _fit(ws, row, values, widths)
            row += 1
    row += 1
    _put(ws, row, {"A": f"{feasibility.title} (version {feasibility.version})"}, TITLE)
    _put(ws, row + 1, {"A": feasibility.source}, None)
    _put(ws, row + 2, {"A": ". ".join(f"{lv.label} : {lv.name}" for lv in reversed(feasibility.levels)) + "."}, None)
    row += 3
    _put(ws, row, {"A": "Section", "B": "Critère"}, HEAD)
    for dimension in feasibility.dimensions:
        for k, criterion in enumerate(dimension.criteria):
            row += 1
            _put(ws, row, {"A": None if k else _section_label(dimension)}, BOLD)
            _put(ws, row, {"B": criterion.label}, None)
            _fit(ws, row, {"A": _section_label(dimension) if not k else None}, widths)
    ws.freeze_panes = "C5"
    _page_setup(ws)
    _protect(ws)


def _page_setup(ws: Worksheet, landscape: bool = True) -> None:
    """Printed on the page's width (as many pages down as needed)."""
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _guide_text(plan: FormPlan, acceptability: Grid, feasibility: Grid) -> list[str]:
    """The instructions, in French, with the grids' own titles and level labels."""
    levels = ", ".join(acceptability.level_labels)
    if plan.round == INDIVIDUAL:
        first = (f"1. Chaque onglet nommé par un identifiant de dossier porte la « {acceptability.title} » pour ce "
                 f"dossier. Pour chaque critère, choisir un niveau dans la liste déroulante de la colonne « Niveau » "
                 f": {levels}.")
        empty = "4. Un critère que vous ne pouvez pas apprécier reste vide : il sera compté comme note manquante."
    else:
        first = (f"1. Chaque onglet nommé par un identifiant de dossier porte la « {acceptability.title} » pour ce "
                 f"dossier et rappelle, pour chaque critère, {RECALL_NOTE}. Après le débat du jury, choisir pour "
                 f"chaque critère un niveau dans la liste déroulante de la colonne « Niveau après débat », même s'il "
                 f"ne change pas : {levels}.")
        empty = (f"4. Un critère laissé vide sera compté comme note manquante au tour « {plan.round} » (le niveau "
                 "individuel n'est pas repris).")
    steps = [
        "Comment remplir", first,
        ("2. Le repère de chaque niveau s'affiche en commentaire quand le pointeur passe sur la cellule du niveau ; "
         f"l'onglet « {GRID_SHEET} » reprend la grille complète de l'appel."),
        "3. La colonne « Commentaire » est libre et facultative.", empty,
    ]
    if plan.feasibility:
        levels = ". ".join(f"{lv.label} : {lv.name}" for lv in reversed(feasibility.levels))
        steps.append(f"5. L'onglet « {FEASIBILITY_SHEET} » porte la « {feasibility.title} » pour les "
                     f"{len(plan.feasibility)} dossiers retenus : {levels}. Une section « si pertinent » peut "
                     "rester vide.")
    return steps + [
        ("Seules les cellules jaunes sont modifiables : ne pas renommer les onglets, ne pas ajouter ni supprimer "
         "de ligne. Les dossiers pour lesquels vous avez déclaré un conflit d'intérêts ne figurent pas dans ce "
         "classeur."),
        "",
        "Comment renvoyer",
        "1. Enregistrer le classeur au format Excel (.xlsx), sans changer son nom.",
        ("2. Le renvoyer à l'équipe projet. En cas de correction après l'envoi, renvoyer le classeur complet : il "
         "remplace le précédent."),
        "Les dossiers sont confidentiels : ne communiquer ce classeur que dans le cadre du jury.",
    ]


def _write_guide(ws: Worksheet, plan: FormPlan, call: Call, info: pd.DataFrame, blocks: list[FormBlock]) -> None:
    """The first sheet: who, what, how to fill and return, and the list of dossiers with progress."""
    acceptability, feasibility = plan.grid(ACCEPTABILITY), plan.grid(FEASIBILITY)
    _widths(ws, {"A": 16, "B": 70, "C": 18, "D": 18})
    _banner(ws, [FORM_TITLES[plan.round], call.title])
    facts = {"Juré·e": f"{plan.juror_name} ({plan.juror_id})", "Cohorte": plan.cohort, "Tour": f"« {plan.round} »",
             "Formulaire": plan.form_id,
             "Grilles": f"{acceptability.title}, version {acceptability.version} ; "
                        f"{feasibility.title}, version {feasibility.version}",
             "Dossiers": f"{len(plan.acceptability)} à noter, dont {len(plan.feasibility)} en faisabilité"}
    row = 4
    for key, value in facts.items():
        _put(ws, row, {"A": key}, BOLD)
        _put(ws, row, {"B": value}, BOXED)
        _fit(ws, row, {"B": value}, {"B": 70})
        row += 1
    for line in _guide_text(plan, acceptability, feasibility):
        row += 1
        _put(ws, row, {"A": line}, TITLE if line.startswith("Comment ") else TEXT)
        ws.merge_cells(f"A{row}:D{row}")
        ws.row_dimensions[row].height = 15 * _lines(line, 110)
    _dossier_index(ws, row + 2, plan, info, blocks)
    _page_setup(ws, landscape=False)
    _protect(ws)


def _dossier_index(ws: Worksheet, row: int, plan: FormPlan, info: pd.DataFrame, blocks: list[FormBlock]) -> None:
    """One row per dossier: a link to its sheet, its title, how many criteria are rated so far."""
    _put(ws, row, dict(zip("ABCD", ["Dossier", "Titre de l'action", "Critères notés", "Faisabilité"])), HEAD)
    found = {(b.dossier_id, b.grid): b for b in blocks}
    for dossier_id in plan.acceptability:
        row += 1
        acc, feas = found[(dossier_id, ACCEPTABILITY)], found.get((dossier_id, FEASIBILITY))
        _put(ws, row, {"A": dossier_id}, LINK)
        ws[f"A{row}"].hyperlink = Hyperlink(ref=f"A{row}", location=f"{quote_sheetname(acc.sheet)}!A1")
        _put(ws, row, {"B": info.loc[dossier_id, "title"], "C": _progress(acc),
                       "D": _progress(feas) if feas else "—"})


def _progress(block: FormBlock) -> str:
    """A formula counting the filled level cells of a block, e.g. ``8 / 12``."""
    cells = f"{block.level_column}{block.first_row}:{block.level_column}{block.last_row}"
    return f'=COUNTA({quote_sheetname(block.sheet)}!{cells})&" / {len(block.criteria)}"'


def _write_control(ws: Worksheet, plan: FormPlan, blocks: list[FormBlock]) -> None:
    """The hidden control sheet: identity of the form and where every rating block lies."""
    ws["A1"] = "Feuille de contrôle du formulaire : ne pas modifier."
    facts = [(KEY_FORM, plan.form_id), (KEY_COHORT, plan.cohort), (KEY_JUROR, plan.juror_id), (KEY_ROUND, plan.round),
             *((KEY_GRID + g, v) for g, v in plan.grid_versions), ("version de socinnov", __version__)]
    for row, fact in enumerate(facts, start=3):
        _put(ws, row, dict(zip("AB", fact)), None)
    start = 3 + len(facts) + 1
    for row, values in enumerate([LAYOUT_HEADER, *(b.as_row() for b in blocks)], start=start):
        _put(ws, row, dict(zip("ABCDEFGHI", values)), None)
    ws.sheet_state = "hidden"
    _protect(ws)


def _set_properties(wb: Workbook, plan: FormPlan, call: Call) -> None:
    wb.properties.title = f"{FORM_TITLES[plan.round]} — {plan.juror_name} ({plan.juror_id})"
    wb.properties.subject = call.title
    wb.properties.identifier = plan.form_id
    wb.properties.keywords = f"cohorte {plan.cohort} ; juré {plan.juror_id}"
    wb.properties.creator = f"socinnov {__version__}"
    wb.security = WorkbookProtection(lockStructure=True)
    wb.calculation.fullCalcOnLoad = True


# --------------------------------------------------------------------------------------------
# The command


def forms_dir(cohort: str) -> Path:
    """Default folder of a cohort's juror workbooks: ``reports/COHORT/jury/formulaires``."""
    return config.reports_dir(cohort) / "jury" / "formulaires"


def write_forms(cohort: str | Path, out: Path | None = None, *, force: bool = False,
                round: str = INDIVIDUAL) -> list[Path]:
    """Write one workbook per juror of a cohort for a rating round; return their paths.

    Parameters
    ----------
    cohort : str or Path
        Cohort name (folder under ``data/raw``) or cohort folder; validated first.
    out : Path, optional
        Folder to write into; default ``forms_dir(cohort)``.
    force : bool
        Replace existing workbooks even when ratings were entered in them.
    round : str
        ``vocabulary.INDIVIDUAL`` (default) or ``vocabulary.AFTER_DEBATE``.

    Raises
    ------
    InputError
        The cohort does not validate, it assigns no dossier, the « après débat » round is asked
        before any individual rating is in ``notations.csv``, or a workbook to replace holds
        ratings (or cannot be read) and ``force`` is not set. Nothing is written then.
    """
    name, folder = resolve_cohort(cohort)
    frames, call = validate_cohort(folder)
    plans = plan_forms(frames, call, name, round)
    if not plans:
        raise InputError([Problem("affectations.csv", None, None, "aucun dossier attribué : écrire les affectations "
                                  f"avec `socinnov assign {name} --jures-par-dossier K --out affectations.csv`, puis "
                                  "copier le fichier dans le dossier de la cohorte (ou, dans notations.csv, une ligne "
                                  "par juré et dossier à noter au tour « individuel », niveau vide)")])
    if round != INDIVIDUAL:
        _require_individual_round(frames, name)
    out = Path(out) if out is not None else forms_dir(name)
    if not force:
        _refuse_filled([out / p.filename for p in plans])
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for plan in plans:
        recalled = recalls(frames, plan) if round != INDIVIDUAL else None
        paths.append(_save(build_workbook(plan, frames["dossiers"], call, recalled), out / plan.filename))
    return paths


def _require_individual_round(frames: dict[str, pd.DataFrame], cohort: str) -> None:
    """The « après débat » forms recall the individual round: refuse them before it is in the cohort."""
    ratings = frames["ratings"]
    if ratings.loc[ratings["round"] == INDIVIDUAL, "level"].notna().any():
        return
    raise InputError([Problem(TABLES_BY_NAME["ratings"].filename, None, None,
                              f"aucune note au tour « {INDIVIDUAL} » : les formulaires du tour « {AFTER_DEBATE} » "
                              "rappellent les notes individuelles ; importer d'abord les classeurs du tour individuel "
                              f"(`socinnov import-forms {cohort} DOSSIER --out notations.csv`), copier notations.csv "
                              f"dans le dossier de la cohorte, puis relancer `socinnov forms {cohort} --tour "
                              f"{ROUND_OPTIONS[AFTER_DEBATE]}`")])


def _refuse_filled(paths: list[Path]) -> None:
    """Refuse to replace a workbook that holds ratings or that is not a blank form."""
    problems = []
    for path in paths:
        if not path.exists():
            continue
        form, probs = read_form(path)
        if probs:
            problems.append(Problem(path.name, None, None, "existe déjà et n'est pas un formulaire vierge lisible : "
                                    "laissé tel quel (--force pour le remplacer)"))
        elif form.filled():
            problems.append(Problem(path.name, None, None, f"existe déjà et porte {form.filled()} critère(s) "
                                    "rempli(s) : laissé tel quel (--force pour le remplacer)"))
    if problems:
        raise InputError(problems)


def _save(wb: Workbook, path: Path) -> Path:
    """Save through a temporary file in the same folder, so that a reader never sees half a workbook."""
    with files.replacing(path) as tmp:
        wb.save(tmp)
    return path
