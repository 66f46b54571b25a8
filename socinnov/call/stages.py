"""The stages of a call, read from the data present: its steps, the ratings expected, its status.

A real call spends weeks in each state (dossiers filed, eligibility checked, jurors assigned,
individual ratings, ratings after the debate, feasibility ratings, decisions, validation by the
comité d'élu-e-s, follow-up waves, final reports), and the kit is opened at every one. Nothing
here is declared by the user: each step is judged from which tables hold rows and how complete
they are (``cohort_status``), on the validated frames of a cohort (what
``socinnov.inputs.ingest.validate_cohort`` returns, or a processed cohort's tables). What each
report can show at a stage is ``socinnov.call.report_plans``; ``socinnov status`` prints both
(:func:`status_fr`).

Expected ratings are the assigned (juror, dossier) pairs times the criteria of the grid. The
assignment is ``affectations.csv`` when the cohort has one; otherwise the pairs that appear in
``notations.csv`` (rows with an empty level included, as staff wrote the assignment before the
kit read an assignment file). An empty level of a « si pertinent » section (the feasibility
grid's market section) is a section judged not relevant, not a missing rating, when the juror
rated the rest of that dossier.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from socinnov import fr
from socinnov.call import vocabulary as voc
from socinnov.call.eligibility import check_eligibility, eligibility_status
from socinnov.call.grids import ACCEPTABILITY, FEASIBILITY, Grid, load_grid
from socinnov.call.report_plans import (
    NEEDS,
    REPORT_PLANS,
    available,
    cohort_table,
    given_levels,
    report_contents,
)
from socinnov.call.schemas import TABLES, TABLES_BY_NAME, YEAR_TWO_REPORT
from socinnov.call.settings import Call

INDIVIDUAL, AFTER_DEBATE = voc.ROUNDS
NOT_RETAINED, FUNDED, REORIENTED = voc.DECISIONS
ASSIGNMENTS = "assignments"
ASSIGNMENTS_FILE = TABLES_BY_NAME[ASSIGNMENTS].filename
"""The frame name of the assignment table (declared by the schemas once the table exists there)."""
MAX_LISTED_JURORS = 8  # a completeness line names at most this many jurors, then sums the rest

DONE, PARTIAL, CLOSED, NOT_DONE, TO_COME = "fait", "en cours", "clos", "non fait", "à venir"
"""A step's state; « clos » : a rating round the jury's decisions closed with ratings still missing."""


@dataclass(frozen=True)
class Step:
    """A step of the call's life: its French label and what to do to reach it."""

    id: str
    label: str
    todo: str
    optional: bool = False


STEPS: tuple[Step, ...] = (
    Step("depot", "Dossiers déposés", "saisir les dossiers déposés dans dossiers.csv"),
    Step("eligibilite", "Éligibilité vérifiée",
         "compléter partenaires.csv et budget_previsionnel.csv : l'éligibilité de chaque dossier est alors "
         "vérifiée selon les règles de l'appel"),
    Step("affectation", "Juré·e·s affecté·e·s",
         "composer le jury (jures.csv, conflits_interets.csv) et affecter les juré·e·s aux dossiers éligibles "
         f"({ASSIGNMENTS_FILE})"),
    Step("notation_individuelle", "Notation individuelle",
         "recueillir les notes individuelles sur la grille d'acceptabilité (notations.csv, tour « individuel » ; "
         "socinnov forms puis socinnov import-forms)"),
    Step("apres_debat", "Notation après débat",
         "après le débat du jury, recueillir les notes du tour « après débat » (notations.csv)", optional=True),
    Step("faisabilite", "Notation de faisabilité",
         "noter les dossiers retenus sur la grille de faisabilité (notations.csv, grille « faisabilite »)",
         optional=True),
    Step("decisions", "Décisions du jury", "saisir la décision du jury pour chaque dossier éligible (decisions.csv)"),
    Step("validation", "Validation par le comité d'élu-e-s",
         "reporter la validation par le comité d'élu-e-s (decisions.csv, colonnes « Validation par le comité "
         "d'élu-e-s » et « Date de validation »)"),
    Step("suivi", "Suivi des expérimentations",
         "suivre les expérimentations financées : vagues de suivi (suivi.csv), réévaluations (reevaluations.csv), "
         "indicateurs (indicateurs.csv), dépenses réalisées (depenses_realisees.csv), versements (versements.csv)"),
    Step("bilans", "Bilans remis", "enregistrer les bilans remis par les porteurs (bilans.csv)"),
)
STEPS_BY_ID = {s.id: s for s in STEPS}
RATING_STEPS = ("notation_individuelle", "apres_debat", "faisabilite")

@dataclass(frozen=True)
class Completeness:
    """Ratings given against ratings expected, for one grid and round."""

    grid: str
    round: str
    expected: int
    given: int
    missing_by_juror: tuple[tuple[str, int], ...]  # jurors with missing ratings, in jurors' order
    not_relevant: int = 0  # empty levels of a « si pertinent » section of a dossier otherwise rated
    outside: int = 0  # levels given by a juror on a dossier not assigned to them
    source: str = ASSIGNMENTS_FILE

    @property
    def missing(self) -> int:
        return sum(n for _, n in self.missing_by_juror)

    def line(self) -> str:
        """« 312 notes sur 336 attendues ; J3 : 24 manquantes »."""
        text = f"{_count(self.given, 'note', 'notes')} sur {fr.number(self.expected)} attendue{_s(self.expected)}"
        if self.not_relevant:
            text += (f" ; {fr.number(self.not_relevant)} laissée{_s(self.not_relevant)} vide{_s(self.not_relevant)} "
                     "dans une section « si pertinent »")
        if self.missing_by_juror:
            cut = len(self.missing_by_juror) if len(self.missing_by_juror) <= MAX_LISTED_JURORS + 1 \
                else MAX_LISTED_JURORS
            parts = [f"{j} : {fr.number(n)} manquante{_s(n)}" for j, n in self.missing_by_juror[:cut]]
            rest = self.missing_by_juror[cut:]
            if rest:
                n = sum(k for _, k in rest)
                parts.append(f"{len(rest)} autres juré·e·s : {fr.number(n)} manquante{_s(n)}")
            text += " ; " + ", ".join(parts)
        elif self.expected:
            text += " : complet"
        if self.outside:
            text += f" ; {fr.number(self.outside)} hors affectation"
        return text


@dataclass(frozen=True)
class StepState:
    step: Step
    state: str  # DONE, PARTIAL, NOT_DONE or TO_COME
    detail: str = ""


@dataclass(frozen=True)
class CohortStatus:
    """Where a cohort stands: its stage (``None`` without dossiers), each step, completeness, data present."""

    stage: StepState | None
    steps: tuple[StepState, ...]
    counts: tuple[tuple[str, int, str], ...]  # (file, rows, remark)
    completeness: tuple[Completeness, ...]
    available: frozenset[str]
    next_step: str


def _s(n: int) -> str:
    return "s" if n > 1 else ""


def _count(n: int, singular: str, plural: str) -> str:
    return f"{fr.number(n)} {singular if n <= 1 else plural}"


def assignment(tables: Mapping[str, pd.DataFrame], grid_id: str = ACCEPTABILITY) -> tuple[pd.DataFrame, str]:
    """The assigned (dossier_id, juror_id) pairs for ``grid_id`` and where they were read.

    ``affectations.csv`` for the acceptability grid when present; else the pairs of ``notations.csv``
    for that grid (any round, empty levels included). Declared conflicts are never expected.
    """
    assigned = cohort_table(tables, ASSIGNMENTS)
    if grid_id == ACCEPTABILITY and assigned is not None and len(assigned):
        if "grid" in assigned.columns:
            assigned = assigned[assigned["grid"].fillna(ACCEPTABILITY) == grid_id]
        pairs, source = assigned[["dossier_id", "juror_id"]], ASSIGNMENTS_FILE
    else:
        ratings = tables["ratings"]
        pairs, source = ratings.loc[ratings["grid"] == grid_id, ["dossier_id", "juror_id"]], "notations.csv"
    pairs = pairs.drop_duplicates().astype(str)
    conflicts = cohort_table(tables, "conflicts")
    if conflicts is not None and len(conflicts):
        declared = pd.MultiIndex.from_frame(conflicts[["dossier_id", "juror_id"]].astype(str))
        pairs = pairs[~pd.MultiIndex.from_frame(pairs).isin(declared)]
    return pairs.reset_index(drop=True), source


def completeness(tables: Mapping[str, pd.DataFrame], grid: Grid, round_: str = INDIVIDUAL) -> Completeness:
    """Ratings given on ``grid`` in ``round_`` against the assigned pairs times the grid's criteria."""
    pairs, source = assignment(tables, grid.id)
    criteria = grid.criteria_frame()[["criterion", "if_relevant"]]
    expected = pairs.merge(criteria, how="cross")
    given = given_levels(tables["ratings"], grid.id, round_)[["dossier_id", "juror_id", "criterion"]].astype(str)
    given = given.drop_duplicates().assign(rated=True)
    merged = expected.merge(given, on=["dossier_id", "juror_id", "criterion"], how="left")
    rated = merged["rated"].eq(True).to_numpy()
    pair_rated = merged.assign(rated=rated).groupby(["dossier_id", "juror_id"])["rated"].transform("any")
    not_relevant = ~rated & merged["if_relevant"].to_numpy() & pair_rated.to_numpy()
    missing = merged[~rated & ~not_relevant]
    order = {j: i for i, j in enumerate(tables["jurors"]["juror_id"].astype(str))}
    per_juror = missing.groupby("juror_id").size()
    by_juror = tuple(sorted(((j, int(n)) for j, n in per_juror.items()), key=lambda x: (order.get(x[0], 1e9), x[0])))
    keys = pd.MultiIndex.from_frame(pairs) if len(pairs) else pd.MultiIndex.from_arrays([[], []])
    outside = int((~pd.MultiIndex.from_frame(given[["dossier_id", "juror_id"]]).isin(keys)).sum()) if len(given) else 0
    return Completeness(grid.id, round_, len(expected), int(rated.sum()), by_juror, int(not_relevant.sum()),
                        outside, source)


def _eligible_ids(tables: Mapping[str, pd.DataFrame], call: Call) -> set[str]:
    findings = tables.get("eligibility")
    if findings is None:
        findings = check_eligibility(dict(tables), call)
    status = eligibility_status(findings)
    return set(status.loc[status["eligible"], "dossier_id"].astype(str))


def _steps(tables: Mapping[str, pd.DataFrame], call: Call, have: frozenset[str],
           rounds: dict[tuple[str, str], Completeness]) -> list[tuple[Step, bool, bool, str]]:
    """(step, reached, complete, detail) for every step, in order."""
    dossiers = tables["dossiers"]
    eligible = _eligible_ids(tables, call) if len(dossiers) else set()
    out = []
    n_ineligible = len(dossiers) - len(eligible)
    out.append((STEPS[0], "dossiers" in have, True, _count(len(dossiers), "dossier", "dossiers")))
    elig_detail = (f"{_count(len(eligible), 'éligible', 'éligibles')}, "
                   f"{_count(n_ineligible, 'inéligible', 'inéligibles')}") if "eligibilite" in have else \
        NEEDS["eligibilite"]
    partly = bool(len(tables["partners"]) or len(tables["budget"]))
    out.append((STEPS[1], partly, "eligibilite" in have, elig_detail))
    pairs, source = assignment(tables)
    covered = set(pairs["dossier_id"]) & eligible
    per_dossier = pairs.groupby("dossier_id").size()
    jurors, conflicts = len(tables["jurors"]), len(tables.get("conflicts", ()))
    detail = f"{_count(jurors, 'juré·e', 'juré·e·s')}, {_count(conflicts, 'conflit', 'conflits')} d'intérêts"
    if len(pairs):
        spread = f"{per_dossier.min()}" if per_dossier.min() == per_dossier.max() else \
            f"{per_dossier.min()} à {per_dossier.max()}"
        detail += (f" ; {_count(len(pairs), 'affectation', 'affectations')} ({source}), {spread} juré·e·s par "
                   f"dossier, {len(covered)} dossier{_s(len(covered))} éligible{_s(len(covered))} "
                   f"sur {len(eligible)}")
    else:
        detail += " ; pas encore d'affectation"
    out.append((STEPS[2], len(pairs) > 0, eligible <= covered, detail))
    for step, key in ((STEPS[3], (ACCEPTABILITY, INDIVIDUAL)), (STEPS[4], (ACCEPTABILITY, AFTER_DEBATE)),
                      (STEPS[5], (FEASIBILITY, INDIVIDUAL))):
        c = rounds.get(key)
        out.append((step, c is not None and c.given > 0, c is not None and c.missing == 0,
                    c.line() if c is not None else ""))
    decisions = tables.get("decisions")
    decided = set(decisions["dossier_id"].astype(str)) if decisions is not None else set()
    if decided:
        counts = decisions["decision"].value_counts()
        granted = decisions.loc[decisions["decision"] == FUNDED, "granted_amount"].sum()
        detail = ", ".join(f"{counts.get(d, 0)} « {d} »" for d in (FUNDED, REORIENTED, NOT_RETAINED))
        detail += f" ; {fr.euros(granted)} accordés ; {len(decided & eligible)} dossiers éligibles décidés sur " \
                  f"{len(eligible)}"
    else:
        detail = ""
    out.append((STEPS[6], bool(decided), eligible <= decided, detail))
    validated = int(decisions["validated"].fillna(False).astype(bool).sum()) if decided else 0
    out.append((STEPS[7], validated > 0, bool(decided) and validated == len(decisions),
                f"{validated} décision{_s(validated)} validée{_s(validated)} sur {len(decided)}" if decided else ""))
    funded = set(decisions.loc[decisions["decision"] == FUNDED, "dossier_id"].astype(str)) if decided else set()
    followup = tables.get("followup")
    if followup is not None and len(followup):
        last = followup.groupby("dossier_id")["wave_month"].max()
        over = set(followup.loc[followup["status"].isin(voc.FOLLOWUP_STATUSES[1:]), "dossier_id"].astype(str))
        closed = set(last[last >= call.max_months].index.astype(str)) | over
        waves = ", ".join(str(w) for w in sorted(followup["wave_month"].unique()))
        followed = set(followup["dossier_id"].astype(str))
        detail = (f"{len(followed)} expérimentation{_s(len(followed))} suivie{_s(len(followed))} sur "
                  f"{len(funded)} financée{_s(len(funded))} ; vagues (mois) : {waves} ; "
                  f"{len(closed & funded)} arrivée{_s(len(closed & funded))} au terme du suivi")
        out.append((STEPS[8], True, funded <= closed, detail))
    else:
        out.append((STEPS[8], False, False, ""))
    reports = tables.get("activity_reports")
    abandoned = set(followup.loc[followup["status"] == voc.FOLLOWUP_STATUSES[2], "dossier_id"].astype(str)) \
        if followup is not None else set()
    owed = funded - abandoned
    if reports is not None and len(reports):
        final = set(reports.loc[reports["report"] == YEAR_TWO_REPORT, "dossier_id"].astype(str))
        detail = f"{len(final & owed)} « {YEAR_TWO_REPORT} » sur {len(owed)} attendu{_s(len(owed))}"
        out.append((STEPS[9], True, owed <= final, detail))
    else:
        out.append((STEPS[9], False, False, ""))
    return out


def cohort_status(tables: Mapping[str, pd.DataFrame], call: Call) -> CohortStatus:
    """Where the cohort stands: see the module's docstring."""
    have = available(tables)
    rounds: dict[tuple[str, str], Completeness] = {}
    ratings = tables["ratings"]
    if len(assignment(tables)[0]):
        rounds[(ACCEPTABILITY, INDIVIDUAL)] = completeness(tables, load_grid(ACCEPTABILITY,
                                                                            call.grid_versions[ACCEPTABILITY]))
    for grid_id, round_ in ((ACCEPTABILITY, AFTER_DEBATE), (FEASIBILITY, INDIVIDUAL), (FEASIBILITY, AFTER_DEBATE)):
        if ((ratings["grid"] == grid_id) & (ratings["round"] == round_)).any():
            rounds[(grid_id, round_)] = completeness(tables, load_grid(grid_id, call.grid_versions[grid_id]), round_)
    found = _steps(tables, call, have, rounds)
    # Once the jury has decided, its rating rounds are closed with what was given: their missing
    # ratings stay in the completeness lines but are no longer a step to take.
    decided = found[STEPS.index(STEPS_BY_ID["decisions"])][1]
    last = max((i for i, (_, reached, _, _) in enumerate(found) if reached), default=None)
    states = []
    for i, (step, reached, complete, detail) in enumerate(found):
        partial = CLOSED if decided and step.id in RATING_STEPS else PARTIAL
        state = (DONE if complete else partial) if reached else NOT_DONE if last is not None and i < last \
            else TO_COME
        states.append(StepState(step, state, detail))
    stage = states[last] if last is not None else None
    return CohortStatus(stage, tuple(states), _counts(tables), tuple(rounds.values()), have,
                        _next_step(states, last))


def _next_step(states: list[StepState], last: int | None) -> str:
    if last is None:
        return STEPS[0].todo
    pending = [s for s in states[:last + 1] if s.state in (PARTIAL, NOT_DONE) and not s.step.optional]
    if pending:
        s = pending[0]
        return f"compléter l'étape « {s.step.label} » : {s.detail or s.step.todo}" if s.state == PARTIAL \
            else s.step.todo
    later = [s.step for s in states[last + 1:]]
    if not later:
        return "aucune : l'appel est arrivé au terme de son suivi"
    text = later[0].todo
    if later[0].optional:
        required = next((s for s in later if not s.optional), None)
        if required is not None:
            text += f" ; ou, sans cette étape facultative : {required.todo}"
    return text


def _counts(tables: Mapping[str, pd.DataFrame]) -> tuple[tuple[str, int, str], ...]:
    out = []
    for t in TABLES:
        df = tables.get(t.name)
        rows = 0 if df is None else len(df)
        remark = ""
        if t.name == "ratings" and rows:
            empty = int(df["level"].isna().sum())
            remark = f"dont {fr.number(empty)} niveau{'x' if empty > 1 else ''} vide{_s(empty)}" if empty else ""
        elif not rows and not t.required:
            remark = "facultatif"
        out.append((t.filename, rows, remark))
    return tuple(out)


def status_fr(status: CohortStatus, cohort: str, call: Call,
              reports: tuple[tuple[str, str, tuple[str, ...]], ...] = ()) -> str:
    """The French text ``socinnov status`` prints. ``reports``: (notebook name, title, audiences)."""
    lines = [f"Cohorte « {cohort} » — {call.title}"]
    if status.stage is None:
        lines.append("Étape : aucun dossier déposé")
    else:
        suffix = " (en cours)" if status.stage.state == PARTIAL else ""
        lines.append(f"Étape : {status.stage.step.label}{suffix}")
    lines += ["", "Étapes de l'appel :"]
    width = max(len(s) for s in (DONE, PARTIAL, CLOSED, NOT_DONE, TO_COME)) + 2
    for s in status.steps:
        tag = f"[{s.state}]".ljust(width)
        optional = " (facultatif)" if s.step.optional and s.state == NOT_DONE else ""
        lines.append(f"  {tag} {s.step.label}{optional}" + (f" : {s.detail}" if s.detail and s.state != TO_COME
                                                              else ""))
    lines += ["", "Fichiers :"]
    for filename, rows, remark in status.counts:
        lines.append(f"  {filename} : {_count(rows, 'ligne', 'lignes')}" + (f" ({remark})" if remark else ""))
    lines += ["", "Complétude des notes :"]
    if status.completeness:
        for c in status.completeness:
            grid = "grille d'acceptabilité" if c.grid == ACCEPTABILITY else "grille de faisabilité"
            lines.append(f"  {grid}, tour « {c.round} » : {c.line()}")
        sources = sorted({c.source for c in status.completeness})
        lines.append(f"  (notes attendues : juré·e·s affecté·e·s × dossiers × critères de la grille, "
                     f"d'après {', '.join(sources)})")
    else:
        lines.append("  aucune note attendue : pas encore de juré·e affecté·e")
    if reports:
        lines += ["", "Rapports, avec les données présentes :"]
    for name, title, audiences in reports:
        head = f"  « {title} » ({', '.join(audiences)})"
        if name not in REPORT_PLANS:
            lines.append(f"{head} : contenu non décrit")
            continue
        contents = report_contents(status.available, name)
        if contents.blocked:
            lines.append(f"{head} : pas construit ; {contents.blocked}")
            continue
        n, shown = contents.sections, contents.sections - len(contents.absent)
        lines.append(f"{head} : {shown} section{_s(shown)} sur {n}")
        lines += [f"    - « {t} » remplacée par : {why}" for t, why in contents.absent]
    lines += ["", f"Prochaine étape : {status.next_step}."]
    return "\n".join(lines)
