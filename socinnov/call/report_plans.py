"""What each report can show with the data present: its sections, their needs, the sentence
that stands in for a section while its data are missing.

The kit is opened at every stage of a call (``socinnov.call.stages``), and a report shows what
the data allow: :data:`NEEDS` names each piece of data a section needs and the French sentence
that replaces the section while it is missing (« pas encore de suivi (suivi.csv) »);
:data:`REPORT_PLANS` lists the sections of each report and their needs, so that ``socinnov
status`` says what each report will contain now and the report build skips a report with nothing
to show. :func:`missing` is the one function a section calls to know whether it can be drawn;
:func:`available` reads which needs a cohort's tables satisfy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from socinnov.call.grids import ACCEPTABILITY, FEASIBILITY
from socinnov.call.vocabulary import AFTER_DEBATE, FUNDED, INDIVIDUAL

__all__ = ["NEEDS", "REPORT_PLANS", "ReportContents", "ReportPlan", "Section", "absent_fr", "available",
           "cohort_table", "eligibility_verifiable", "given_levels", "missing", "report_contents",
           "report_is_buildable", "section_needs"]

NEEDS: dict[str, str] = {
    "dossiers": "aucun dossier dans dossiers.csv",
    "eligibilite": "partenaires.csv ou budget_previsionnel.csv est vide : l'éligibilité ne peut pas encore être "
                   "vérifiée",
    "notes": f"pas encore de notes individuelles sur la grille d'acceptabilité (notations.csv, tour « {INDIVIDUAL} »)",
    "deux_jures": "aucun dossier noté par au moins deux juré·e·s (notations.csv) : pas d'accord à mesurer",
    "structure": "pas plus de dossiers notés sur tous les critères que la grille n'a de critères "
                 f"(notations.csv, tour « {INDIVIDUAL} ») : la structure factorielle ne peut pas être estimée",
    "apres_debat": f"pas de notes après débat (notations.csv, tour « {AFTER_DEBATE} »)",
    "faisabilite": "pas de notes sur la grille de faisabilité (notations.csv, grille « faisabilite »)",
    "decisions": "pas encore de décisions du jury (decisions.csv)",
    "financement": f"aucun dossier « {FUNDED} » (decisions.csv)",
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


def cohort_table(tables: Mapping[str, pd.DataFrame], name: str) -> pd.DataFrame | None:
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


def given_levels(ratings: pd.DataFrame, grid_id: str, round_: str | None = None) -> pd.DataFrame:
    """Rows of ``grid_id`` (and ``round_``) with a level given."""
    keep = (ratings["grid"] == grid_id) & ratings["level"].notna()
    if round_ is not None:
        keep &= ratings["round"] == round_
    return ratings[keep]


def eligibility_verifiable(tables: Mapping[str, pd.DataFrame]) -> bool:
    """Whether the eligibility rules can be checked: the partners and the budget are filled in
    (before that every dossier fails the rules that read them). Reads those two tables only."""
    return all(cohort_table(tables, name) is not None and len(cohort_table(tables, name)) > 0
               for name in ("partners", "budget"))


def available(tables: Mapping[str, pd.DataFrame]) -> frozenset[str]:
    """The names of :data:`NEEDS` the cohort's tables satisfy."""
    def rows(name: str) -> int:
        df = cohort_table(tables, name)
        return 0 if df is None else len(df)

    ratings = cohort_table(tables, "ratings")
    ratings = ratings if ratings is not None else pd.DataFrame(columns=["dossier_id", "juror_id", "grid", "round", "criterion",
                                                                         "level"])
    individual = given_levels(ratings, ACCEPTABILITY, INDIVIDUAL)
    decisions = cohort_table(tables, "decisions")
    decisions = decisions if decisions is not None else pd.DataFrame(columns=["decision", "validated"])
    reassessments = cohort_table(tables, "reassessments")
    have = {
        "dossiers": rows("dossiers") > 0,
        "eligibilite": eligibility_verifiable(tables),
        "notes": len(individual) > 0,
        "deux_jures": bool((individual.groupby("dossier_id")["juror_id"].nunique() >= 2).any()),
        # a correlation matrix of the criteria needs more complete dossiers than criteria
        "structure": _complete_dossiers(individual) > individual["criterion"].nunique() > 0,
        "apres_debat": len(given_levels(ratings, ACCEPTABILITY, AFTER_DEBATE)) > 0,
        "faisabilite": len(given_levels(ratings, FEASIBILITY)) > 0,
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
