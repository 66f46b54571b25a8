"""Pandera schemas of every input table, in English column names with the users' French headers.

Each column's French header (as it appears in the CSV templates users fill) is the ``title``
of its field: the mapping between the two is read from here and nowhere else. Free-text
columns carry ``metadata={"free_text": True}`` (what the audiences layer strips), identifying
columns ``metadata={"identifying": True}``, quasi-identifiers ``metadata={"quasi": KIND}``: values
that name no one but, crossed with what a reader knows, single a porteur or a juror out; an
audience that does not see names receives them coarsened as ``KIND`` says (:data:`QUASI_KINDS`,
applied by ``socinnov.privacy.coarsening``).

Typed columns (amounts, dates, yes/no, integers) are parsed from French text by
``socinnov.inputs.tabular`` before validation, so that a parse failure can name the row and say what
was found; the schemas then check values, vocabularies and keys, lazily, so that a user sees
every problem of a file at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from socinnov.call import vocabulary as voc
from socinnov.call.vocabulary import FUNDED, REORIENTED

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
FREE = {"free_text": True}
IDENT = {"identifying": True}

QUASI = "quasi"
REGION, LEGAL_GROUP, MONTH, START_SHIFT, THOUSAND, WITHHELD = (
    "region", "legal_group", "month", "start_shift", "thousand", "withheld")
QUASI_KINDS = {
    REGION: "département hors de la région : « hors région »",
    LEGAL_GROUP: "statut juridique : son groupe de publication (association, entreprise, collectivité ou "
                 "établissement public, autre)",
    MONTH: "date : le premier jour de son mois",
    START_SHIFT: "date : avancée d'autant de jours que la date de démarrage du dossier (les durées restent exactes)",
    THOUSAND: "montant : arrondi au millier d'euros le plus proche",
    WITHHELD: "colonne retirée",
}
"""The coarsenings a quasi-identifier may declare, and what the comité receives (see
docs/confidentiality.md, « Comité files »)."""


def _quasi(kind: str) -> dict:
    return {QUASI: kind}


def _id(title: str, **kw) -> pa.Field:
    return pa.Field(title=title, str_matches=ID_PATTERN, **kw)


def _text(title: str, *, required: bool = False, identifying: bool = False) -> pa.Field:
    meta = dict(FREE, **IDENT) if identifying else FREE
    return pa.Field(title=title, nullable=not required, metadata=meta)


class _Base(pa.DataFrameModel):
    class Config:
        strict = True


class Dossier(_Base):
    """One row per dossier: the ten response fields of the call and what the kit needs."""

    dossier_id: Series[str] = _id("Identifiant du dossier", unique=True)
    title: Series[str] = pa.Field(title="Titre de l'action", metadata=dict(FREE, **IDENT))
    porteur: Series[str] = pa.Field(title="Porteur (nom de la structure)", metadata=dict(FREE, **IDENT))
    legal_category: Series[str] = pa.Field(title="Statut juridique", isin=voc.LEGAL_CATEGORIES,
                                           metadata=_quasi(LEGAL_GROUP))
    siret: Series[str] = pa.Field(
        title="SIRET", nullable=True, str_matches=r"^\d{14}$", metadata=IDENT
    )
    departement: Series[str] = pa.Field(title="Département", str_matches=r"^(\d{2}|2A|2B|97\d)$",
                                        metadata=_quasi(REGION))
    commune: Series[str] = pa.Field(title="Commune", metadata=IDENT)
    email: Series[str] = pa.Field(
        title="Courriel du contact", nullable=True, str_matches=r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
        metadata=IDENT,
    )
    phone: Series[str] = pa.Field(title="Téléphone du contact", nullable=True, metadata=IDENT)
    # The ten fields of "Modalités de réponse" (7 and 8 are also tables: budget, partners).
    porteur_presentation: Series[str] = _text("1. Fiche de présentation du porteur", identifying=True)
    summary: Series[str] = _text("2. Résumé de l'action en 20 lignes", required=True, identifying=True)
    objectives: Series[str] = _text("3. Objectifs de l'action")
    stage: Series[str] = pa.Field(title="4. Stade d'avancement", isin=voc.STAGES)
    target_publics: Series[str] = _text("5. Publics cibles")
    resources: Series[str] = _text("6. Moyens mobilisés pour la réalisation")
    forecast_accounts: Series[str] = _text("7. Comptes prévisionnels de l'action sur 24 mois (commentaire)")
    territorial_project: Series[str] = _text("8. Partenariats, inscription dans un projet territorial")
    research_mission: Series[str] = _text("9. Mission assignée à l'équipe de recherche")
    evaluation_method: Series[str] = _text("10. Méthodologie d'évaluation envisagée")
    innovation_services_produits: Series[bool] = pa.Field(title="Innovation de services et de produits")
    innovation_organisationnelle: Series[bool] = pa.Field(title="Innovation organisationnelle")
    innovation_territoriale: Series[bool] = pa.Field(title="Innovation territoriale")
    requested_amount: Series[float] = pa.Field(title="Montant de l'aide sollicitée (EUR)", ge=0,
                                               metadata=_quasi(THOUSAND))
    total_cost: Series[float] = pa.Field(title="Coût total de l'action (EUR)", ge=0, metadata=_quasi(THOUSAND))
    filed_on: Series[pd.Timestamp] = pa.Field(title="Date de dépôt", metadata=_quasi(MONTH))
    start_date: Series[pd.Timestamp] = pa.Field(title="Date de démarrage de l'action", metadata=_quasi(MONTH))
    end_date: Series[pd.Timestamp] = pa.Field(title="Date de fin de l'action", metadata=_quasi(START_SHIFT))
    market_launched: Series[bool] = pa.Field(title="Mise sur le marché déjà engagée")
    earlier_aid: Series[bool] = pa.Field(title="Aide antérieure au titre de l'innovation sociale")
    earlier_aid_region: Series[str] = pa.Field(
        title="Région de l'aide antérieure", nullable=True, isin=voc.FORMER_REGIONS + ("autre",)
    )
    publication_consent: Series[bool] = pa.Field(title="Accord du porteur pour la valorisation")

    @pa.dataframe_check(error="la date de fin précède la date de démarrage")
    def end_after_start(cls, df: pd.DataFrame) -> Series[bool]:
        return ~(df["end_date"] < df["start_date"])


class Partner(_Base):
    """Partners of a dossier's collective, with their role ("le rôle de chaque participant")."""

    dossier_id: Series[str] = _id("Identifiant du dossier")
    partner: Series[str] = pa.Field(title="Partenaire", metadata=IDENT)
    partner_type: Series[str] = pa.Field(title="Type d'acteur", isin=voc.PARTNER_TYPES)
    role: Series[str] = pa.Field(title="Rôle dans l'action", nullable=True, metadata=FREE)


class BudgetLine(_Base):
    """Forecast accounts over 24 months ("Comptes prévisionnels de l'action sur 24 mois")."""

    dossier_id: Series[str] = _id("Identifiant du dossier")
    category: Series[str] = pa.Field(title="Catégorie de dépense", isin=voc.EXPENSE_CATEGORIES)
    label: Series[str] = pa.Field(title="Libellé", nullable=True, metadata=FREE)
    amount: Series[float] = pa.Field(title="Montant (EUR)", ge=0, metadata=_quasi(THOUSAND))
    month_from: Series[int] = pa.Field(title="Mois de début", ge=1)
    month_to: Series[int] = pa.Field(title="Mois de fin", ge=1)

    @pa.dataframe_check(error="le mois de fin précède le mois de début")
    def months_ordered(cls, df: pd.DataFrame) -> Series[bool]:
        return df["month_to"] >= df["month_from"]


class Juror(_Base):
    juror_id: Series[str] = _id("Identifiant du juré", unique=True)
    name: Series[str] = pa.Field(title="Nom", metadata=IDENT)
    role: Series[str] = pa.Field(title="Qualité", isin=voc.JUROR_ROLES, metadata=_quasi(WITHHELD))
    structure: Series[str] = pa.Field(title="Structure", nullable=True, metadata=IDENT)


class Conflict(_Base):
    """Declared conflicts of interest: the juror does not rate the dossier."""

    juror_id: Series[str] = _id("Identifiant du juré")
    dossier_id: Series[str] = _id("Identifiant du dossier")
    reason: Series[str] = pa.Field(title="Motif", nullable=True, metadata=FREE)


class Assignment(_Base):
    """Which juror rates which dossier (written by ``socinnov assign``, or by hand): one row per pair."""

    dossier_id: Series[str] = _id("Identifiant du dossier")
    juror_id: Series[str] = _id("Identifiant du juré")

    @pa.dataframe_check(error="le même juré est affecté deux fois au même dossier")
    def pairs_unique(cls, df: pd.DataFrame) -> Series[bool]:
        return ~df.duplicated(["dossier_id", "juror_id"], keep="first")


class Rating(_Base):
    """One row per (dossier, juror, grid, criterion, round); an empty level is a missing rating."""

    dossier_id: Series[str] = _id("Identifiant du dossier")
    juror_id: Series[str] = _id("Identifiant du juré")
    grid: Series[str] = pa.Field(title="Grille", isin=("acceptabilite", "faisabilite"))
    grid_version: Series[str] = pa.Field(title="Version de la grille")
    criterion: Series[str] = pa.Field(title="Critère")
    round: Series[str] = pa.Field(title="Tour", isin=voc.ROUNDS)
    level: Series[str] = pa.Field(title="Niveau", nullable=True)
    comment: Series[str] = pa.Field(title="Commentaire", nullable=True, metadata=FREE)


class Decision(_Base):
    """The jury's decision per dossier, as the call distinguishes them, and the élus' validation."""

    dossier_id: Series[str] = _id("Identifiant du dossier", unique=True)
    decision: Series[str] = pa.Field(title="Décision", isin=voc.DECISIONS)
    granted_amount: Series[float] = pa.Field(title="Montant accordé (EUR)", nullable=True, ge=0)
    eligible_base: Series[float] = pa.Field(title="Assiette retenue (EUR)", nullable=True, ge=0,
                                            metadata=_quasi(THOUSAND))
    reoriented_to: Series[str] = pa.Field(title="Réorientation vers", nullable=True)
    jury_date: Series[pd.Timestamp] = pa.Field(title="Date du jury")
    validated: Series[bool] = pa.Field(title="Validation par le comité d'élu-e-s")
    validated_on: Series[pd.Timestamp] = pa.Field(title="Date de validation", nullable=True)
    rationale: Series[str] = pa.Field(title="Motivation", nullable=True, metadata=FREE)

    @pa.dataframe_check(error="un dossier « retenu - financé » doit avoir un montant accordé")
    def funded_has_amount(cls, df: pd.DataFrame) -> Series[bool]:
        return ~((df["decision"] == FUNDED) & df["granted_amount"].isna())

    @pa.dataframe_check(error="un dossier « retenu - réorienté » doit dire vers quel accompagnement")
    def reoriented_has_target(cls, df: pd.DataFrame) -> Series[bool]:
        return ~((df["decision"] == REORIENTED) & df["reoriented_to"].isna())


class FollowUp(_Base):
    """Follow-up waves of funded experiments: one row per experiment and wave.

    A wave is named by its month since the start of the action (0, 6, 12, 18, 24 in the demo;
    any month up to 36) and dated by ``observed_on``: analyses measure time from that date, so
    waves need not fall on the planned months. The re-assessments, indicators and
    spending of the later tables refer to a wave by ``(dossier_id, wave_month)``.
    """

    dossier_id: Series[str] = _id("Identifiant du dossier")
    wave_month: Series[int] = pa.Field(title="Vague (mois depuis le démarrage)", ge=0, le=36)
    observed_on: Series[pd.Timestamp] = pa.Field(title="Date", metadata=_quasi(START_SHIFT))
    source: Series[str] = pa.Field(title="Source", isin=voc.FOLLOWUP_SOURCES)
    status: Series[str] = pa.Field(title="Statut", isin=voc.FOLLOWUP_STATUSES)
    stage: Series[str] = pa.Field(title="Stade d'avancement", isin=voc.STAGES)


class Payment(_Base):
    """The two payments of the aid: at start, and after the year-two report."""

    dossier_id: Series[str] = _id("Identifiant du dossier")
    instalment: Series[int] = pa.Field(title="Versement", isin=(1, 2))
    paid_on: Series[pd.Timestamp] = pa.Field(title="Date du versement", metadata=_quasi(START_SHIFT))
    amount: Series[float] = pa.Field(title="Montant (EUR)", ge=0)


# The follow-up side's vocabularies (kept here, beside their only schema).
REPORT_KINDS = ("bilan de la première année", "bilan de la deuxième année")
"""The porteur's activity reports; the second payment waits for the second one (« à la remise
du bilan de la deuxième année »)."""
YEAR_TWO_REPORT = REPORT_KINDS[1]


class Reassessment(_Base):
    """Re-assessment of a funded experiment on the acceptability grid, at a wave, by one source.

    One row per (dossier, wave, source, criterion): the porteur's self-assessment, the research
    team's and the chargé de mission's can sit side by side at the same wave. Criteria and
    levels are those of the acceptability grid in the version the cohort's call declares
    (criterion id or label; levels forgiven case and accents, as for the jury's ratings); an
    empty level is a criterion left unassessed.
    """

    dossier_id: Series[str] = _id("Identifiant du dossier")
    wave_month: Series[int] = pa.Field(title="Vague (mois depuis le démarrage)", ge=0, le=36)
    source: Series[str] = pa.Field(title="Source", isin=voc.FOLLOWUP_SOURCES)
    criterion: Series[str] = pa.Field(title="Critère")
    level: Series[str] = pa.Field(title="Niveau", nullable=True)
    comment: Series[str] = pa.Field(title="Commentaire", nullable=True, metadata=FREE)


class Indicator(_Base):
    """What an experiment has reached at a wave; an empty cell is a value not reported.

    Counts are written as numbers (``120``). Beneficiaries and co-funding (amounts obtained from
    other funders) are cumulated since the start of the action; partners, jobs and volunteers are
    counted at the date of the wave.
    """

    dossier_id: Series[str] = _id("Identifiant du dossier")
    wave_month: Series[int] = pa.Field(title="Vague (mois depuis le démarrage)", ge=0, le=36)
    beneficiaries: Series[float] = pa.Field(title="Bénéficiaires touchés", nullable=True, ge=0)
    partners: Series[float] = pa.Field(title="Partenaires du collectif", nullable=True, ge=0)
    jobs_fte: Series[float] = pa.Field(title="Emplois (ETP)", nullable=True, ge=0)
    volunteers: Series[float] = pa.Field(title="Bénévoles", nullable=True, ge=0)
    cofunding: Series[float] = pa.Field(title="Cofinancements obtenus, cumul (EUR)", nullable=True, ge=0)


class Spending(_Base):
    """Actual spending of a funded experiment, by expense category, against the forecast budget."""

    dossier_id: Series[str] = _id("Identifiant du dossier")
    category: Series[str] = pa.Field(title="Catégorie de dépense", isin=voc.EXPENSE_CATEGORIES)
    label: Series[str] = pa.Field(title="Libellé", nullable=True, metadata=FREE)
    amount: Series[float] = pa.Field(title="Montant (EUR)", ge=0)
    spent_on: Series[pd.Timestamp] = pa.Field(title="Date de la dépense", metadata=_quasi(START_SHIFT))


class ActivityReport(_Base):
    """The activity reports (bilans) the porteur hands in, with the date they were received."""

    dossier_id: Series[str] = _id("Identifiant du dossier")
    report: Series[str] = pa.Field(title="Bilan", isin=REPORT_KINDS)
    received_on: Series[pd.Timestamp] = pa.Field(title="Date de remise", metadata=_quasi(START_SHIFT))


@dataclass(frozen=True)
class Table:
    """An input table: its file in the cohort folder, its schema, whether it must be there."""

    name: str
    filename: str
    model: type[pa.DataFrameModel]
    required: bool = True


TABLES: tuple[Table, ...] = (
    Table("dossiers", "dossiers.csv", Dossier),
    Table("partners", "partenaires.csv", Partner),
    Table("budget", "budget_previsionnel.csv", BudgetLine),
    Table("jurors", "jures.csv", Juror),
    Table("conflicts", "conflits_interets.csv", Conflict, required=False),
    Table("assignments", "affectations.csv", Assignment, required=False),
    Table("ratings", "notations.csv", Rating),
    Table("decisions", "decisions.csv", Decision, required=False),
    Table("followup", "suivi.csv", FollowUp, required=False),
    Table("payments", "versements.csv", Payment, required=False),
    Table("reassessments", "reevaluations.csv", Reassessment, required=False),
    Table("indicators", "indicateurs.csv", Indicator, required=False),
    Table("spending", "depenses_realisees.csv", Spending, required=False),
    Table("activity_reports", "bilans.csv", ActivityReport, required=False),
)
TABLES_BY_NAME = {t.name: t for t in TABLES}


def french_headers(model: type[pa.DataFrameModel]) -> dict[str, str]:
    """English column name -> French header, in schema order."""
    return {name: col.title for name, col in model.to_schema().columns.items()}


def columns_with(model: type[pa.DataFrameModel], flag: str) -> list[str]:
    """Columns whose metadata sets ``flag`` (``"free_text"``, ``"identifying"`` or ``"quasi"``)."""
    return [n for n, c in model.to_schema().columns.items() if (c.metadata or {}).get(flag)]


def quasi_identifiers(model: type[pa.DataFrameModel]) -> dict[str, str]:
    """Quasi-identifier columns of ``model`` and how each is coarsened (a key of :data:`QUASI_KINDS`)."""
    return {n: c.metadata[QUASI] for n, c in model.to_schema().columns.items() if (c.metadata or {}).get(QUASI)}
