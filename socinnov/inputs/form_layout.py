"""What a juror's workbook holds and where: shared by the writer (``socinnov.inputs.forms``) and
the reader of returned workbooks (``socinnov.inputs.form_import``).

The names of the fixed sheets, the keys of the hidden control sheet, the addresses of a rating's
cells (:class:`FormCell`, :class:`FormBlock`) and what each juror is asked (:class:`FormPlan`,
:func:`plan_forms`): the reader checks a returned workbook against the same plan the writer
followed, so neither module needs the other.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

import pandas as pd

from socinnov.call.grids import ACCEPTABILITY, FEASIBILITY, Grid, load_grid
from socinnov.call.settings import Call
from socinnov.call.vocabulary import AFTER_DEBATE, INDIVIDUAL, RETAINED, ROUNDS
from socinnov.inputs.french_values import fold

__all__ = [
    "CONTROL_SHEET", "FEASIBILITY_SHEET", "FIRST_ROW", "GRID_SHEET", "GUIDE_SHEET", "KEY_COHORT", "KEY_FORM",
    "KEY_GRID", "KEY_JUROR", "KEY_ROUND", "LAYOUT_HEADER", "RESERVED_SHEETS", "ROUND_OPTIONS", "FormBlock",
    "FormCell", "FormPlan", "Recall", "assignments", "plan_forms", "recalls", "retained_dossiers", "round_named",
    "sheet_names",
]

GUIDE_SHEET = "Mode d'emploi"
GRID_SHEET = "Grille"
FEASIBILITY_SHEET = "Faisabilité"
CONTROL_SHEET = "_controle"
RESERVED_SHEETS = (GUIDE_SHEET, GRID_SHEET, FEASIBILITY_SHEET, CONTROL_SHEET, "History")
FIRST_ROW = 6  # first criterion row of a dossier sheet and of the feasibility sheet

# Keys of the control sheet (column A) and header of its layout table.
KEY_FORM, KEY_COHORT, KEY_JUROR, KEY_ROUND = "formulaire", "cohorte", "juré", "tour"
KEY_GRID = "grille "  # followed by the grid id; value: its version
# The rounds as typed on the command line and in file names (no accent, no space).
ROUND_OPTIONS = {INDIVIDUAL: "individuel", AFTER_DEBATE: "apres-debat"}
LAYOUT_HEADER = ("feuille", "dossier", "grille", "version", "première ligne", "colonne libellé", "colonne niveau",
                 "colonne commentaire", "critères")


@dataclass(frozen=True)
class FormCell:
    """Where one rating of one workbook lives: its sheet, its cells and what it rates."""

    sheet: str
    dossier_id: str
    grid: str
    grid_version: str
    criterion: str
    label_cell: str
    level_cell: str
    comment_cell: str


@dataclass(frozen=True)
class FormBlock:
    """Consecutive rows of one sheet rating one dossier on one grid, one criterion a row.

    The control sheet records blocks (one row each); ``cells`` gives every rating's addresses.
    """

    sheet: str
    dossier_id: str
    grid: str
    grid_version: str
    first_row: int
    label_column: str
    level_column: str
    comment_column: str
    criteria: tuple[str, ...]

    def cells(self) -> list[FormCell]:
        return [FormCell(self.sheet, self.dossier_id, self.grid, self.grid_version, criterion,
                         *(f"{col}{self.first_row + k}" for col in (self.label_column, self.level_column,
                                                                    self.comment_column)))
                for k, criterion in enumerate(self.criteria)]

    @property
    def last_row(self) -> int:
        return self.first_row + len(self.criteria) - 1

    def as_row(self) -> tuple:
        return (self.sheet, self.dossier_id, self.grid, self.grid_version, self.first_row, self.label_column,
                self.level_column, self.comment_column, " ".join(self.criteria))

    @classmethod
    def from_row(cls, values) -> FormBlock:
        sheet, dossier, grid, version, first, label, level, comment, criteria = (str(v) for v in values)
        return cls(sheet, dossier, grid, version, int(float(first)), label, level, comment, tuple(criteria.split()))


@dataclass(frozen=True)
class FormPlan:
    """What one juror's workbook asks: the dossiers per grid, the grids' versions."""

    cohort: str
    juror_id: str
    juror_name: str
    grid_versions: tuple[tuple[str, str], ...]
    acceptability: tuple[str, ...]
    feasibility: tuple[str, ...] = field(default=())
    round: str = INDIVIDUAL

    @property
    def form_id(self) -> str:
        """A short, stable id of the form: same cohort, juror, grids, dossiers and round, same id.

        The individual round is left out of the key, so that forms sent before rounds were
        recorded keep their id.
        """
        parts = [self.cohort, self.juror_id, self.grid_versions, self.acceptability, self.feasibility]
        key = json.dumps(parts + ([self.round] if self.round != INDIVIDUAL else []))
        return "F-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:12].upper()

    @property
    def filename(self) -> str:
        """``formulaire-COHORTE-JURE.xlsx``; ``…-apres-debat.xlsx`` for the « après débat » round."""
        suffix = "" if self.round == INDIVIDUAL else "-" + ROUND_OPTIONS[self.round]
        return f"formulaire-{self.cohort}-{self.juror_id}{suffix}.xlsx"

    def grid(self, grid_id: str) -> Grid:
        return load_grid(grid_id, dict(self.grid_versions)[grid_id])

    def dossiers(self, grid_id: str) -> tuple[str, ...]:
        """The dossiers this form rates on a grid."""
        return self.acceptability if grid_id == ACCEPTABILITY else self.feasibility


def assignments(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Distinct (juror, dossier) pairs to rate, declared conflicts excluded.

    The pairs of ``affectations.csv`` when it has rows (``socinnov assign`` writes it, before any
    rating exists); otherwise those of the individual round in ``notations.csv``, levels filled or not.

    Parameters
    ----------
    frames : dict of pandas.DataFrame
        The cohort's validated tables (``assignments``, ``ratings``, ``conflicts``).

    Returns
    -------
    pandas.DataFrame
        Columns ``juror_id`` and ``dossier_id``, sorted.
    """
    assigned, ratings = frames.get("assignments"), frames.get("ratings")
    if assigned is not None and not assigned.empty:
        pairs = assigned[["juror_id", "dossier_id"]]
    elif ratings is not None:
        pairs = ratings.loc[ratings["round"] == INDIVIDUAL, ["juror_id", "dossier_id"]]
    else:
        pairs = pd.DataFrame({"juror_id": [], "dossier_id": []}, dtype=object)
    pairs = pairs.drop_duplicates()
    conflicts = frames.get("conflicts")
    if conflicts is not None and not conflicts.empty:
        declared = pd.MultiIndex.from_arrays([conflicts["juror_id"], conflicts["dossier_id"]])
        pairs = pairs[~pd.MultiIndex.from_arrays([pairs["juror_id"], pairs["dossier_id"]]).isin(declared)]
    return pairs.sort_values(["juror_id", "dossier_id"]).reset_index(drop=True)


def retained_dossiers(frames: dict[str, pd.DataFrame]) -> set[str]:
    """Dossiers the jury retained (« retenu - financé » or « retenu - réorienté »); none without decisions."""
    decisions = frames.get("decisions")
    if decisions is None or decisions.empty:
        return set()
    return set(decisions.loc[decisions["decision"].isin(RETAINED), "dossier_id"])


def plan_forms(frames: dict[str, pd.DataFrame], call: Call, cohort: str, round: str = INDIVIDUAL) -> list[FormPlan]:
    """One plan per juror with at least one assigned dossier, in juror order.

    Both rounds ask the same dossiers: those assigned, and those retained for feasibility.
    """
    versions = tuple((g, call.grid_versions[g]) for g in (ACCEPTABILITY, FEASIBILITY))
    names = dict(zip(frames["jurors"]["juror_id"], frames["jurors"]["name"]))
    retained = retained_dossiers(frames)
    plans = []
    for juror_id, group in assignments(frames).groupby("juror_id", sort=True):
        dossiers = tuple(group["dossier_id"])
        plans.append(FormPlan(cohort, juror_id, names.get(juror_id, juror_id), versions, dossiers,
                              tuple(d for d in dossiers if d in retained), round))
    return plans


def round_named(text: str) -> str | None:
    """The round a user names (« après débat », ``apres-debat``, ``Individuel``…), ``None`` if none.

    >>> round_named("apres-debat"), round_named("Après débat"), round_named("individuel"), round_named("final")
    ('après débat', 'après débat', 'individuel', None)
    """
    wanted = fold(str(text).replace("-", " ").replace("_", " "))
    return next((r for r in ROUNDS if wanted in (fold(r), fold(ROUND_OPTIONS[r].replace("-", " ")))), None)


@dataclass(frozen=True)
class Recall:
    """What an « après débat » form recalls beside a criterion, from the individual round: the
    juror's own level and how many other jurors of the dossier gave each level (never who)."""

    own: str | None
    others: tuple[tuple[str, int], ...]  # (level label, jurors), lowest level first, counts > 0
    unrated: int = 0  # other jurors of the dossier who left the criterion empty

    def others_text(self) -> str:
        """``Faible : 1 · Fort : 2``, ``aucune note`` when no other juror rated the criterion.

        >>> Recall("Fort", (("Faible", 1), ("Fort", 2)), 1).others_text()
        'Faible : 1 · Fort : 2 · sans note : 1'
        """
        parts = [f"{label} : {n}" for label, n in self.others] + ([f"sans note : {self.unrated}"]
                                                                  if self.unrated else [])
        return " · ".join(parts) or "aucune note"


def recalls(frames: dict[str, pd.DataFrame], plan: FormPlan) -> dict[tuple[str, str, str], Recall]:
    """(dossier, grid, criterion) -> :class:`Recall` for the dossiers of a plan, from the cohort's
    individual ratings (``notations.csv``, levels as the grids' labels) on the plan's grid versions.

    Other jurors are counted whether or not they share the plan's assignment; the juror's own
    conflicts of interest never reach the plan, so their dossiers are never recalled.
    """
    ratings = frames["ratings"]
    versions = dict(plan.grid_versions)
    out = {}
    for grid_id in (ACCEPTABILITY, FEASIBILITY):
        dossiers = plan.dossiers(grid_id)
        if not dossiers:
            continue
        rows = ratings[(ratings["round"] == INDIVIDUAL) & (ratings["grid"] == grid_id)
                       & (ratings["grid_version"].astype(str) == versions[grid_id])
                       & ratings["dossier_id"].isin(dossiers)]
        grid = plan.grid(grid_id)
        own = rows[rows["juror_id"] == plan.juror_id]
        own = dict(zip(zip(own["dossier_id"], own["criterion"]), own["level"]))
        others = rows[rows["juror_id"] != plan.juror_id]
        counts = others.groupby(["dossier_id", "criterion"])["level"].value_counts().to_dict()
        unrated = others[others["level"].isna()].groupby(["dossier_id", "criterion"]).size().to_dict()
        for dossier_id in dossiers:
            for criterion in grid.criteria:
                key = (dossier_id, criterion.id)
                level = own.get(key)
                out[(dossier_id, grid_id, criterion.id)] = Recall(
                    None if pd.isna(level) else level,
                    tuple((lv, int(counts[(*key, lv)])) for lv in grid.level_labels if counts.get((*key, lv))),
                    int(unrated.get(key, 0)))
    return out


def sheet_names(dossier_ids) -> dict[str, str]:
    """Dossier id -> sheet name: the id itself, unless too long (31 characters) or already taken."""
    taken = {n.casefold() for n in RESERVED_SHEETS}
    names = {}
    for k, dossier_id in enumerate(dossier_ids, start=1):
        name = dossier_id if len(dossier_id) <= 31 else dossier_id[:26] + "~"
        if name.casefold() in taken:
            name = f"{name[:26]}~{k}"
        taken.add(name.casefold())
        names[dossier_id] = name
    return names
