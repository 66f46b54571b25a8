"""The stages of a call, read from the data present, and what each report can show at a stage.

A real call spends weeks in each state (dossiers filed, eligibility checked, jurors assigned,
individual ratings, ratings after the debate, feasibility ratings, decisions, validation by the
comité d'élu-e-s, follow-up waves, final reports), and the kit is opened at every one. Nothing
here is declared by the user: each step is judged from which tables hold rows and how complete
they are (``cohort_status``), on the validated frames of a cohort (what
``socinnov.inputs.ingest.validate_cohort`` returns, or a processed cohort's tables).

The same facts decide what a report can show: :data:`NEEDS` names each piece of data a section
needs and the French sentence that replaces the section while it is missing (« pas encore de
suivi (suivi.csv) »); :data:`REPORT_PLANS` lists the sections of each report and their needs, so
that ``socinnov status`` says what each report will contain now. :func:`missing` is the one
function a section calls to know whether it can be drawn.

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

NEEDS: dict[str, str] = {
    "dossiers": "aucun dossier dans dossiers.csv",
    "eligibilite": "partenaires.csv ou budget_previsionnel.csv est vide : l'éligibilité ne peut pas encore être "
                   "vérifiée",
    "notes": "pas encore de notes individuelles sur la grille d'acceptabilité (notations.csv, tour « individuel »)",
    "deux_jures": "aucun dossier noté par au moins deux juré·e·s (notations.csv) : pas d'accord à mesurer",
    "structure": "pas plus de dossiers notés sur tous les critères que la grille n'a de critères "
                 "(notations.csv, tour « individuel ») : la structure factorielle ne peut pas être estimée",
    "apres_debat": "pas de notes après débat (notations.csv, tour « après débat »)",
    "faisabilite": "pas de notes sur la grille de faisabilité (notations.csv, grille « faisabilite »)",
    "decisions": "pas encore de décisions du jury (decisions.csv)",
    "financement": "aucun dossier « retenu - financé » (decisions.csv)",
    "validation": "décisions pas encore validées par le comité d'élu-e-s (decisions.csv)",
    "suivi": "pas encore de suivi (suivi.csv)",
    "reevaluations": "pas encore de réévaluation sur la grille d'acceptabilité (reevaluations.csv)",
    "indicateurs": "pas encore d'indicateurs de suivi (indicateurs.csv)",
    "depenses": "pas encore de dépenses réalisées (depenses_realisees.csv)",
    "versements": "pas encore de versement (versements.csv)",
    "bilans": "pas encore de bilan remis (bilans.csv)",
}
"""What a section may need, and the sentence that stands in for it while it is missing."""


@dataclass(frozen=True)
class Section:
    title: str  # the section's heading in its notebook
    needs: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReportPlan:
    """A report's sections and their needs; ``needs``: without them the report is not built."""

    needs: tuple[str, ...]
    sections: tuple[Section, ...]


REPORT_PLANS: dict[str, ReportPlan] = {
    "cohorte": ReportPlan(("dossiers",), (
        Section("L'entonnoir de l'appel", ("dossiers",)), Section("Éligibilité", ("eligibilite",)),
        Section("Qui porte les projets", ("dossiers",)), Section("Où sont les projets", ("dossiers",)),
        Section("Montants", ("dossiers",)), Section("Profils de notation", ("notes",)))),
    "accord": ReportPlan(("notes", "deux_jures"), (
        Section("Accord par critère", ("notes", "deux_jures")), Section("Sévérité des jurés", ("notes", "deux_jures")),
        Section("Le classement et la ligne de financement", ("notes", "deux_jures")),
        Section("Accord entre paires de jurés", ("notes", "deux_jures")),
        Section("Avant et après le débat", ("apres_debat",)), Section("Grille de faisabilité", ("faisabilite",)),
        Section("Fiches de débat", ("notes", "deux_jures")))),
    "evolution": ReportPlan(("decisions", "financement", "suivi"), (
        Section("Le suivi en bref", ("suivi",)),
        Section("Trajectoires sur la grille d'acceptabilité", ("reevaluations",)),
        Section("Un modèle du changement", ("reevaluations",)),
        Section("Ce que les expérimentations atteignent", ("indicateurs",)),
        Section("Dépenses au regard des comptes prévisionnels", ("depenses",)),
        Section("Versements", ("versements",)), Section("Stades d'avancement", ("suivi",)),
        Section("Abandons", ("suivi",)), Section("Fiches de trajectoire", ("reevaluations",)))),
    "criteres": ReportPlan(("notes",), (
        Section("Fiche du comité technique", ("notes",)), Section("Répartition des niveaux", ("notes",)),
        Section("Accord entre jurés", ("notes", "deux_jures")),
        Section("Combien de jurés par dossier ?", ("notes", "deux_jures")),
        Section("Cohérence interne des dimensions", ("notes",)), Section("Redondances entre critères", ("notes",)),
        Section("Pouvoir discriminant", ("notes", "decisions")),
        Section("La structure de la grille tient-elle ?", ("notes", "structure")),
        Section("Grille de faisabilité", ("faisabilite",)),
        Section("La section « marché », si pertinent", ("faisabilite",)),
        Section("Faisabilité et financement", ("faisabilite", "financement")),
        Section("Les items formulés comme des risques", ("faisabilite", "decisions")),
        Section("Fiche du comité pour la grille de faisabilité", ("faisabilite", "financement")),
        Section("Versions de la grille", ("notes",)))),
    "diffusion": ReportPlan(("dossiers",), (
        Section("L'entonnoir de l'appel", ("dossiers",)), Section("Qui dépose, et avec quelle issue", ("dossiers",)),
        Section("Où", ("dossiers",)), Section("Montants", ("dossiers",)),
        Section("La notation du jury", ("notes", "deux_jures")))),
    "valorisation": ReportPlan(("decisions", "validation", "financement"), (
        Section("Les lauréats", ("validation", "financement")),
        Section("Où sont-ils", ("validation", "financement")),
        Section("Les expérimentations présentées avec l'accord de leur porteur", ("validation", "financement")))),
}
"""Each report notebook's sections (its ``##`` headings) and the data each needs; a test keeps the
headings in step with the notebooks."""


def absent_fr(reason: str) -> str:
    """The one sentence that stands in a report for a section whose data are missing."""
    return f"*Section pas encore disponible : {reason}.*"


def section_needs(title: str, report: str | None = None) -> tuple[str, ...]:
    """The needs of the section headed ``title`` in ``report``'s plan (any report when ``None``:
    a heading found in several reports needs the same data in each, a test checks it)."""
    plans = [REPORT_PLANS[report]] if report is not None else REPORT_PLANS.values()
    for plan in plans:
        for section in plan.sections:
            if section.title == title:
                return section.needs
    raise KeyError(f"no section headed {title!r} in {report or 'any report plan'}")


@dataclass(frozen=True)
class ReportContents:
    """What a report can show with the data present.

    ``blocked``: why the report is not built yet (the sentence of its first unmet need), ``None``
    when it can be built; ``absent``: (section title, sentence) for each section that stands
    replaced by its sentence."""

    name: str
    blocked: str | None
    sections: int
    absent: tuple[tuple[str, str], ...]

    @property
    def buildable(self) -> bool:
        return self.blocked is None


def report_contents(tables: Mapping[str, pd.DataFrame] | frozenset[str], report: str) -> ReportContents:
    """What ``report`` (a notebook name of :data:`REPORT_PLANS`) can show now.

    ``tables``: a cohort's frames (jury audience: every table) or what :func:`available` returned.
    The report build asks it before running a report: a report whose ``blocked`` is set is not
    built, and the index gives the sentence (« pas encore de suivi (suivi.csv) »)."""
    have = tables if isinstance(tables, frozenset) else available(tables)
    plan = REPORT_PLANS[report]
    absent = tuple((s.title, why) for s in plan.sections if (why := missing(have, *s.needs)))
    return ReportContents(report, missing(have, *plan.needs), len(plan.sections), absent)


def report_is_buildable(tables: Mapping[str, pd.DataFrame] | frozenset[str], report: str) -> bool:
    """Whether ``report`` has something to show yet (see :func:`report_contents`)."""
    return report_contents(tables, report).buildable


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


def _table(tables: Mapping[str, pd.DataFrame], name: str) -> pd.DataFrame | None:
    """A table of the cohort, ``None`` when absent or not readable here (a report reads only the
    tables it declared: a need on another table is then unmet, never an error)."""
    try:
        return tables.get(name)
    except LookupError:
        return None


def _complete_dossiers(levels: pd.DataFrame) -> int:
    """Dossiers with a level on every criterion the ratings use (from at least one juror)."""
    n_criteria = levels["criterion"].nunique()
    return int((levels.groupby("dossier_id")["criterion"].nunique() == n_criteria).sum()) if n_criteria else 0


def _levels(ratings: pd.DataFrame, grid_id: str, round_: str | None = None) -> pd.DataFrame:
    """Rows of ``grid_id`` (and ``round_``) with a level given."""
    keep = (ratings["grid"] == grid_id) & ratings["level"].notna()
    if round_ is not None:
        keep &= ratings["round"] == round_
    return ratings[keep]


def assignment(tables: Mapping[str, pd.DataFrame], grid_id: str = ACCEPTABILITY) -> tuple[pd.DataFrame, str]:
    """The assigned (dossier_id, juror_id) pairs for ``grid_id`` and where they were read.

    ``affectations.csv`` for the acceptability grid when present; else the pairs of ``notations.csv``
    for that grid (any round, empty levels included). Declared conflicts are never expected.
    """
    assigned = _table(tables, ASSIGNMENTS)
    if grid_id == ACCEPTABILITY and assigned is not None and len(assigned):
        if "grid" in assigned.columns:
            assigned = assigned[assigned["grid"].fillna(ACCEPTABILITY) == grid_id]
        pairs, source = assigned[["dossier_id", "juror_id"]], ASSIGNMENTS_FILE
    else:
        ratings = tables["ratings"]
        pairs, source = ratings.loc[ratings["grid"] == grid_id, ["dossier_id", "juror_id"]], "notations.csv"
    pairs = pairs.drop_duplicates().astype(str)
    conflicts = _table(tables, "conflicts")
    if conflicts is not None and len(conflicts):
        declared = pd.MultiIndex.from_frame(conflicts[["dossier_id", "juror_id"]].astype(str))
        pairs = pairs[~pd.MultiIndex.from_frame(pairs).isin(declared)]
    return pairs.reset_index(drop=True), source


def completeness(tables: Mapping[str, pd.DataFrame], grid: Grid, round_: str = INDIVIDUAL) -> Completeness:
    """Ratings given on ``grid`` in ``round_`` against the assigned pairs times the grid's criteria."""
    pairs, source = assignment(tables, grid.id)
    criteria = grid.criteria_frame()[["criterion", "if_relevant"]]
    expected = pairs.merge(criteria, how="cross")
    given = _levels(tables["ratings"], grid.id, round_)[["dossier_id", "juror_id", "criterion"]].astype(str)
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


def eligibility_verifiable(tables: Mapping[str, pd.DataFrame]) -> bool:
    """Whether the eligibility rules can be checked: the partners and the budget are filled in
    (before that every dossier fails the rules that read them). Reads those two tables only."""
    return all(_table(tables, name) is not None and len(_table(tables, name)) > 0 for name in ("partners", "budget"))


def available(tables: Mapping[str, pd.DataFrame]) -> frozenset[str]:
    """The names of :data:`NEEDS` the cohort's tables satisfy."""
    def rows(name: str) -> int:
        df = _table(tables, name)
        return 0 if df is None else len(df)

    ratings = _table(tables, "ratings")
    ratings = ratings if ratings is not None else pd.DataFrame(columns=["dossier_id", "juror_id", "grid", "round", "criterion",
                                                                         "level"])
    individual = _levels(ratings, ACCEPTABILITY, INDIVIDUAL)
    decisions = _table(tables, "decisions")
    decisions = decisions if decisions is not None else pd.DataFrame(columns=["decision", "validated"])
    reassessments = _table(tables, "reassessments")
    have = {
        "dossiers": rows("dossiers") > 0,
        "eligibilite": eligibility_verifiable(tables),
        "notes": len(individual) > 0,
        "deux_jures": bool((individual.groupby("dossier_id")["juror_id"].nunique() >= 2).any()),
        # a correlation matrix of the criteria needs more complete dossiers than criteria
        "structure": _complete_dossiers(individual) > individual["criterion"].nunique() > 0,
        "apres_debat": len(_levels(ratings, ACCEPTABILITY, AFTER_DEBATE)) > 0,
        "faisabilite": len(_levels(ratings, FEASIBILITY)) > 0,
        "decisions": len(decisions) > 0,
        "financement": bool((decisions["decision"] == FUNDED).any()),
        "validation": bool(decisions["validated"].fillna(False).astype(bool).any()),
        "suivi": rows("followup") > 0,
        "reevaluations": reassessments is not None and bool(reassessments["level"].notna().any()),
        "indicateurs": rows("indicators") > 0,
        "depenses": rows("spending") > 0,
        "versements": rows("payments") > 0,
        "bilans": rows("activity_reports") > 0,
    }
    return frozenset(k for k, ok in have.items() if ok)


def missing(tables: Mapping[str, pd.DataFrame] | frozenset[str], *needs: str) -> str | None:
    """The French sentence saying what is missing for ``needs`` (the first unmet), or ``None``.

    ``tables``: a cohort's frames, or what :func:`available` returned for them."""
    have = tables if isinstance(tables, frozenset) else available(tables)
    unknown = [n for n in needs if n not in NEEDS]
    if unknown:
        raise KeyError(f"unknown need(s) {unknown}; known: {', '.join(NEEDS)}")
    return next((NEEDS[n] for n in needs if n not in have), None)


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
