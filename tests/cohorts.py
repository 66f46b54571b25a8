"""Small cohorts written by hand, as a regional office writes them, at each stage of a call.

Eight dossiers (one filed from outside the region, so ineligible), three jurors, one declared
conflict of interest (J2 on D03). Files are written the way staff save them from a spreadsheet:
``dossiers.csv``, ``jures.csv`` and ``decisions.csv`` in Windows-1252 with amounts such as
``28 500,00 €``, a résumé with a line break inside its quotes; the other files through the
kit's own writer (``socinnov.inputs.tabular.write_table``: ``;``, UTF-8 with BOM).

Every row is written out below (ratings as one string of level initials per dossier and juror,
one letter per criterion in the grid's order), not drawn from the demo generator, so that a
test can count what it expects by hand. :func:`build_cohort` writes a cohort at a stage of
``STAGES``; :data:`VARIANTS` names the combinations the tests build (one or two rounds, with or
without feasibility ratings).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from socinnov.call.grids import load_grid
from socinnov.call.schemas import TABLES_BY_NAME, french_headers
from socinnov.inputs.tabular import format_cell, write_table

STAGES = ("depot", "eligibilite", "affectation", "notation_partielle", "notation_individuelle", "apres_debat",
          "faisabilite", "decisions", "validation", "suivi", "bilans")
"""The stages of a call, in order; :func:`build_cohort` writes everything up to the one asked."""

ASSIGNMENTS_FILE = "affectations.csv"
ASSIGNMENT_HEADERS = ("Identifiant du dossier", "Identifiant du juré")

DOSSIER_IDS = [f"D0{i}" for i in range(1, 9)]
ELIGIBLE = DOSSIER_IDS[:7]  # D08 is filed from Paris: not established in the region
JURORS = ["J1", "J2", "J3"]
CONFLICT = ("J2", "D03")
ASSIGNED = [(d, j) for d in ELIGIBLE for j in JURORS if (j, d) != CONFLICT]  # 20 pairs
PARTIAL_MISSING = {("D06", "J3"): "rows", ("D07", "J3"): "empty"}
"""At ``notation_partielle``, J3 has not rated D06 (no rows) nor D07 (rows with empty levels)."""

FUNDED = {"D01": 28500.0, "D02": 30000.0, "D05": 22000.0}
REORIENTED = {"D03": "incubateur d'innovation sociale", "D06": "dispositif Emploi associatif"}
NOT_RETAINED = ["D04", "D07"]
FEASIBILITY_DOSSIERS = ["D01", "D02", "D03", "D05", "D06"]  # retained after the acceptability grid

_ACCEPTABILITY_LEVELS = {"N": "Inexistant", "F": "Faible", "I": "Intermédiaire", "O": "Fort"}
_FEASIBILITY_LEVELS = {"A": "A", "B": "B", "C": "C"}

# Acceptability grid, 12 criteria in the grid's order (Portage 4, Contenu 3, Contexte 5).
INDIVIDUAL = {
    ("D01", "J1"): "OOIOIOOIIFIO", ("D01", "J2"): "OIIOOOIIIFIO", ("D01", "J3"): "IOIOIOOOIIFI",
    ("D02", "J1"): "OOOIOIOOIIIO", ("D02", "J2"): "IOOIOIIOOIFI", ("D02", "J3"): "OOOOIIOOIIIO",
    ("D03", "J1"): "IIFIIOIIFFNI", ("D03", "J3"): "IFFIIIIIIFFF",
    ("D04", "J1"): "FFNFIFFIFFNF", ("D04", "J2"): "FIFFFFFIFNNF", ("D04", "J3"): "IFFNFFIFFFNN",
    ("D05", "J1"): "IOIIOOIOIIII", ("D05", "J2"): "OOIIOIOOIFIO", ("D05", "J3"): "IIIIOOIOIIFI",
    ("D06", "J1"): "IIIFIIFIFIFF", ("D06", "J2"): "IFIFIIIIFFFI", ("D06", "J3"): "FIIFFIFIIFNF",
    ("D07", "J1"): "FNFFFFNFFNNF", ("D07", "J2"): "NFFNFFFFNFNF", ("D07", "J3"): "FFNFFNFFFNFN",
}
AFTER_DEBATE = {
    ("D01", "J1"): "OOIOIOOIIFIO", ("D01", "J2"): "OOIOIOOIIFIO", ("D01", "J3"): "OOIOIOOOIFIO",
    ("D02", "J1"): "OOOIOIOOIIIO", ("D02", "J2"): "OOOIOIIOIIIO", ("D02", "J3"): "OOOIOIOOIIIO",
    ("D03", "J1"): "IIFIIIIIFFNI", ("D03", "J3"): "IIFIIIIIIFFF",
    ("D04", "J1"): "FFNFFFFIFFNF", ("D04", "J2"): "FFFFFFFIFFNF", ("D04", "J3"): "FFFNFFFFFFNF",
    ("D05", "J1"): "IOIIOOIOIIII", ("D05", "J2"): "IOIIOOIOIFII", ("D05", "J3"): "IOIIOOIOIIFI",
    ("D06", "J1"): "IIIFIIFIFFFF", ("D06", "J2"): "IIIFIIIIFFFF", ("D06", "J3"): "IIIFFIFIFFFF",
    ("D07", "J1"): "FFFFFFNFFNNF", ("D07", "J2"): "FFFNFFFFNFNF", ("D07", "J3"): "FFNFFFFFFNNF",
}
# Feasibility grid, 15 items in the grid's order; « - »: the « marché (si pertinent) » section
# (items 7 and 8) judged not relevant for that dossier.
FEASIBILITY = {
    ("D01", "J1"): "AAABABABAABAABA", ("D01", "J2"): "AABBAAAAAABBABA", ("D01", "J3"): "ABABABBBAAAAABB",
    ("D02", "J1"): "AAAAAA--AAABAAB", ("D02", "J2"): "AABAAA--ABAAAAB", ("D02", "J3"): "ABAAAB--AAAAABA",
    ("D03", "J1"): "BBABBBCCBBBCBAB", ("D03", "J3"): "BCBBBBCBBCBCBBA",
    ("D05", "J1"): "AAAABA--BAAAABB", ("D05", "J2"): "ABAAAA--AAABAAB", ("D05", "J3"): "AAABAA--BAAAABA",
    ("D06", "J1"): "BBBBCBBCBBCBBAA", ("D06", "J2"): "BABBBBBBBBCCBAB", ("D06", "J3"): "CBBBBCCCBBCBCAB",
}
# Re-assessments by the chargé de mission at each wave of the funded experiments (acceptability grid).
REASSESSMENT = {
    ("D01", 0): "OOIOIOOIIFIO", ("D01", 6): "OOIOOOOIIIIO", ("D01", 12): "OOOOOOOOIIIO",
    ("D01", 18): "OOOOOOOOIIIO", ("D01", 24): "OOOOOOOOOIIO",
    ("D02", 0): "OOOIOIOOIIIO", ("D02", 6): "OOOIOIOOIIIO", ("D02", 12): "OOOIOIIOIFIO",
    ("D02", 18): "OOIIOIIOIFII", ("D02", 24): "OOIIOIIOIFII",
    ("D05", 0): "IOIIOOIOIIII", ("D05", 6): "IOIOOOIOIIII", ("D05", 12): "OOIOOOOOIIII",
    ("D05", 18): "OOOOOOOOIIIO", ("D05", 24): "OOOOOOOOOIIO",
}
# Indicators per (dossier, wave): beneficiaries (cumulated), partners, jobs (FTE), volunteers, co-funding (cumulated).
INDICATORS = {
    ("D01", 0): (0, 3, 1.5, 12, 0), ("D01", 6): (45, 4, 2.0, 15, 5000), ("D01", 12): (110, 5, 2.5, 18, 12000),
    ("D01", 18): (160, 5, 2.5, 20, 15000), ("D01", 24): (230, 6, 3.0, 22, 20000),
    ("D02", 0): (0, 2, 1.0, 8, 0), ("D02", 6): (30, 2, 1.0, 9, 0), ("D02", 12): (55, 3, 1.5, 9, 4000),
    ("D02", 18): (70, 3, 1.5, 7, 4000), ("D02", 24): (85, 3, 1.0, 6, 6000),
    ("D05", 0): (0, 4, 0.5, 20, 2000), ("D05", 6): (60, 4, 1.0, 25, 6000), ("D05", 12): (140, 6, 1.5, None, 9000),
    ("D05", 18): (210, 7, 2.0, 31, 15000), ("D05", 24): (300, 8, 2.0, 35, 21000),
}
FOLLOWUP_WAVES = (0, 6, 12)
FINAL_WAVES = (0, 6, 12, 18, 24)


def _dossier(i: int, title: str, porteur: str, commune: str, departement: str, summary: str, requested: float,
             total: float, start: str, legal: str = "association", **kw) -> dict:
    start_ts = pd.Timestamp(start)
    row = dict(
        dossier_id=f"D0{i}", title=title, porteur=porteur, legal_category=legal, siret=f"000000000{i:05d}",
        departement=departement, commune=commune, email=f"contact@d0{i}.exemple.fr", phone=f"01 99 00 10 0{i}",
        porteur_presentation=f"{porteur}, créée en 20{10 + i}.", summary=summary,
        objectives="Rompre l'isolement ; créer du lien entre habitants.", stage="amorçage",
        target_publics="Habitants du territoire", resources="Un salarié, des bénévoles", forecast_accounts=None,
        territorial_project="Inscrit dans le contrat de ville", research_mission=None,
        evaluation_method="Questionnaires aux bénéficiaires", innovation_services_produits=True,
        innovation_organisationnelle=i % 2 == 0, innovation_territoriale=i % 3 == 0, requested_amount=requested,
        total_cost=total, filed_on=pd.Timestamp("2016-08-25") + pd.Timedelta(days=i), start_date=start_ts,
        end_date=start_ts + pd.DateOffset(months=24) - pd.Timedelta(days=1), market_launched=False,
        earlier_aid=False, earlier_aid_region=None, publication_consent=i != 2,
    )
    row.update(kw)
    return row


DOSSIERS = [
    _dossier(1, "Épicerie solidaire itinérante du Haut-Béarn", "Association Panier Partagé", "Oloron-Sainte-Marie",
             "64", "Une épicerie solidaire itinérante dessert les villages de la vallée.\n"
             "Les habitants bénévoles tiennent la caisse et choisissent les produits.", 28500.0, 57000.0,
             "2016-11-01"),
    _dossier(2, "Garage solidaire de la Creuse", "Association Roule Ma Poule", "Guéret", "23",
             "Un garage associatif répare à prix coûtant les véhicules des personnes en insertion.", 30000.0,
             62500.0, "2016-12-01"),
    _dossier(3, "Tiers-lieu nourricier des Chartrons", "SCIC Les Communs", "Bordeaux", "33",
             "Un tiers-lieu associe une cuisine partagée, une conserverie et un jardin.", 38000.0, 80000.0,
             "2016-11-15", legal="entreprise", innovation_territoriale=True),
    _dossier(4, "Covoiturage rural du Confolentais", "Commune de Confolens", "Confolens", "16",
             "Une application et un réseau de conducteurs bénévoles pour les trajets du quotidien.", 15000.0,
             30000.0, "2016-10-03", legal="collectivité territoriale"),
    _dossier(5, "Atelier numérique des aînés", "Centre social du Marais", "Niort", "79",
             "Des ateliers où des lycéens initient les aînés aux démarches en ligne.", 22000.0, 44000.0,
             "2017-01-02"),
    _dossier(6, "Laverie sociale de Limoges-Val", "Association Linge et Lien", "Limoges", "87",
             "Une laverie qui est aussi un lieu d'accueil et d'orientation.", 25000.0, 52000.0, "2016-11-01"),
    _dossier(7, "Recyclerie du Médoc", "Association Seconde Main", "Lesparre-Médoc", "33",
             "Une recyclerie collecte, répare et revend les objets du quotidien.", 18000.0, 36000.0,
             "2016-10-17"),
    _dossier(8, "Cantine solidaire du 18e", "Association Tables Ouvertes", "Paris", "75",
             "Une cantine à prix libre tenue par des habitants.", 20000.0, 40000.0, "2016-10-03"),
]


def _partners() -> pd.DataFrame:
    rows = []
    for d in DOSSIER_IDS:
        rows.append(dict(dossier_id=d, partner=f"Mairie partenaire de {d}", partner_type="collectivité territoriale",
                         role="Mise à disposition de locaux"))
        rows.append(dict(dossier_id=d, partner=f"Collectif d'habitants de {d}", partner_type="citoyens, usagers",
                         role="Animation et choix des actions"))
    rows.append(dict(dossier_id="D03", partner="Laboratoire partenaire", partner_type="équipe de recherche",
                     role="Évaluation de l'expérimentation"))
    return pd.DataFrame(rows)


def _budget() -> pd.DataFrame:
    rows = []
    for d in DOSSIERS:
        total = d["total_cost"]
        rows.append(dict(dossier_id=d["dossier_id"], category="temps de travail", label="Salaire du coordinateur",
                         amount=round(total * 0.7, 2), month_from=1, month_to=24))
        rows.append(dict(dossier_id=d["dossier_id"], category="frais de mission", label="Déplacements",
                         amount=round(total * 0.1, 2), month_from=1, month_to=24))
        rows.append(dict(dossier_id=d["dossier_id"], category="étude et analyse", label="Étude d'usage",
                         amount=round(total * 0.2, 2), month_from=2, month_to=12))
    return pd.DataFrame(rows)


def _jurors() -> pd.DataFrame:
    return pd.DataFrame([
        dict(juror_id="J1", name="Hélène Fictive", role="élu·e", structure="Conseil régional (délégation fictive)"),
        dict(juror_id="J2", name="Marc Exemple", role="équipe projet", structure="Région, équipe innovation sociale"),
        dict(juror_id="J3", name="Aïcha Modèle", role="personne qualifiée", structure=None),
    ])


def _ratings_rows(table: dict, grid_id: str, round_: str, letters: dict) -> list[dict]:
    grid = load_grid(grid_id, "2016")
    rows = []
    for (d, j), codes in table.items():
        assert len(codes) == len(grid.criteria), (d, j, codes)
        rows += [dict(dossier_id=d, juror_id=j, grid=grid_id, grid_version="2016", criterion=c.id, round=round_,
                      level=letters.get(code), comment=None) for c, code in zip(grid.criteria, codes)]
    return rows


def _ratings(stage: str, rounds: int, feasibility: bool) -> pd.DataFrame:
    reached = STAGES.index(stage)
    rows: list[dict] = []
    if reached >= STAGES.index("notation_partielle"):
        individual = dict(INDIVIDUAL)
        if stage == "notation_partielle":
            for pair, how in PARTIAL_MISSING.items():
                if how == "rows":
                    del individual[pair]
                else:
                    individual[pair] = "-" * 12
        rows += _ratings_rows(individual, "acceptabilite", "individuel", _ACCEPTABILITY_LEVELS)
    if reached >= STAGES.index("apres_debat") and rounds == 2:
        rows += _ratings_rows(AFTER_DEBATE, "acceptabilite", "après débat", _ACCEPTABILITY_LEVELS)
    if reached >= STAGES.index("faisabilite") and feasibility:
        rows += _ratings_rows(FEASIBILITY, "faisabilite", "individuel", _FEASIBILITY_LEVELS)
    if rows:
        rows[0]["comment"] = "Collectif solide ;\nà suivre sur la gouvernance"
    return pd.DataFrame(rows, columns=list(french_headers(TABLES_BY_NAME["ratings"].model)))


def _decisions(validated: bool) -> pd.DataFrame:
    rows = []
    for d in ELIGIBLE:
        rows.append(dict(
            dossier_id=d,
            decision="retenu - financé" if d in FUNDED else "retenu - réorienté" if d in REORIENTED else "non retenu",
            granted_amount=FUNDED.get(d), eligible_base=next(x["total_cost"] for x in DOSSIERS if x["dossier_id"] == d)
            if d in FUNDED else None, reoriented_to=REORIENTED.get(d), jury_date=pd.Timestamp("2016-09-29"),
            validated=validated, validated_on=pd.Timestamp("2016-10-20") if validated else None,
            rationale="Ancrage territorial et gouvernance convaincants." if d in FUNDED else None))
    return pd.DataFrame(rows)


def _start(d: str) -> pd.Timestamp:
    return next(x["start_date"] for x in DOSSIERS if x["dossier_id"] == d)


def _followup_tables(final: bool) -> dict[str, pd.DataFrame]:
    waves = FINAL_WAVES if final else FOLLOWUP_WAVES
    followup, reassess, indicators, spending, payments, reports = [], [], [], [], [], []
    grid = load_grid("acceptabilite", "2016")
    for d, granted in FUNDED.items():
        start = _start(d)
        for w in waves:
            on = start + pd.DateOffset(months=w) + pd.Timedelta(days=10)
            done = final and w == 24
            followup.append(dict(dossier_id=d, wave_month=w, observed_on=on, source="chargé de mission",
                                 status="terminé" if done else "en cours",
                                 stage="développement" if w >= 12 else "amorçage"))
            reassess += [dict(dossier_id=d, wave_month=w, source="chargé de mission", criterion=c.id,
                              level=_ACCEPTABILITY_LEVELS[code], comment=None)
                         for c, code in zip(grid.criteria, REASSESSMENT[(d, w)])]
            b, p, jobs, vol, cof = INDICATORS[(d, w)]
            indicators.append(dict(dossier_id=d, wave_month=w, beneficiaries=float(b), partners=float(p),
                                   jobs_fte=jobs, volunteers=None if vol is None else float(vol),
                                   cofunding=float(cof)))
            if w:
                spending.append(dict(dossier_id=d, category="temps de travail", label="Salaire du coordinateur",
                                     amount=round(granted * 0.25, 2), spent_on=on - pd.Timedelta(days=20)))
                spending.append(dict(dossier_id=d, category="frais de mission", label="Déplacements",
                                     amount=850.0, spent_on=on - pd.Timedelta(days=40)))
        payments.append(dict(dossier_id=d, instalment=1, paid_on=start + pd.Timedelta(days=30),
                             amount=round(granted * 0.5, 2)))
        if final:
            reports.append(dict(dossier_id=d, report="bilan de la première année",
                                received_on=start + pd.DateOffset(months=13)))
            reports.append(dict(dossier_id=d, report="bilan de la deuxième année",
                                received_on=start + pd.DateOffset(months=25)))
            payments.append(dict(dossier_id=d, instalment=2, paid_on=start + pd.DateOffset(months=26),
                                 amount=round(granted * 0.5, 2)))
    tables = dict(followup=followup, reassessments=reassess, indicators=indicators, spending=spending,
                  payments=payments)
    if final:
        tables["activity_reports"] = reports
    return {k: pd.DataFrame(v) for k, v in tables.items()}


def cohort_tables(stage: str, *, rounds: int | None = None, feasibility: bool | None = None) -> dict[str, pd.DataFrame]:
    """The typed tables of the cohort at ``stage`` (required tables present, empty if not yet filled).

    ``rounds`` (1 or 2) and ``feasibility`` default to what the stage has reached: two rounds from
    ``apres_debat`` on, feasibility ratings from ``faisabilite`` on; a later stage can be asked
    with one round or without feasibility ratings.
    """
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}; stages: {', '.join(STAGES)}")
    reached = STAGES.index(stage)
    rounds = rounds if rounds is not None else 2 if reached >= STAGES.index("apres_debat") else 1
    feasibility = feasibility if feasibility is not None else reached >= STAGES.index("faisabilite")
    empty = {name: pd.DataFrame(columns=list(french_headers(TABLES_BY_NAME[name].model)))
             for name in ("partners", "budget", "jurors", "ratings")}
    tables = dict(empty, dossiers=pd.DataFrame(DOSSIERS))
    if reached >= STAGES.index("eligibilite"):
        tables |= dict(partners=_partners(), budget=_budget())
    if reached >= STAGES.index("affectation"):
        tables |= dict(jurors=_jurors(), conflicts=pd.DataFrame([dict(juror_id=CONFLICT[0], dossier_id=CONFLICT[1],
                                                                       reason="Membre du conseil d'administration")]))
        tables["ratings"] = _ratings(stage, rounds, feasibility)
    if reached >= STAGES.index("decisions"):
        tables["decisions"] = _decisions(validated=reached >= STAGES.index("validation"))
    if reached >= STAGES.index("suivi"):
        tables |= _followup_tables(final=reached >= STAGES.index("bilans"))
    return tables


# Files saved from a spreadsheet in Windows-1252, amounts as the spreadsheet displays them.
_OFFICE_FILES = ("dossiers", "jurors", "decisions")
_NBSP = "\u00a0"


def _office_amount(value: float) -> str:
    """``28500.0`` -> ``28 500,00 €`` (no-break space before the thousands and the sign, as Excel writes)."""
    return f"{value:,.2f}".replace(",", _NBSP).replace(".", ",") + f"{_NBSP}€"


def write_office_table(df: pd.DataFrame, name: str, path: Path) -> None:
    """A table as an office saves it from its spreadsheet: ``;``, Windows-1252, amounts with their
    thousands separator and euro sign; quoted cells where a value holds a line break or a ``;``."""
    table = TABLES_BY_NAME[name]
    schema = table.model.to_schema()
    headers = french_headers(table.model)
    out = {}
    for col, field in schema.columns.items():
        kind = "datetime64[ns]" if str(field.dtype).startswith("datetime64") else str(field.dtype)
        values = df[col] if col in df else pd.Series([None] * len(df))
        if kind == "float64" and "(EUR)" in headers[col]:
            out[headers[col]] = [_office_amount(v) if pd.notna(v) else "" for v in values]
        else:
            out[headers[col]] = [format_cell(v, kind) for v in values]
    pd.DataFrame(out).to_csv(path, sep=";", index=False, encoding="cp1252", lineterminator="\r\n")


def write_cohort(folder: Path, tables: dict[str, pd.DataFrame], *, assignments: bool = True) -> Path:
    """Write ``tables`` into ``folder`` (office files in Windows-1252, the others by ``write_table``),
    with ``affectations.csv`` from the assigned pairs once jurors are known."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        table = TABLES_BY_NAME[name]
        if name in _OFFICE_FILES:
            write_office_table(df, name, folder / table.filename)
        else:
            write_table(df.reindex(columns=list(french_headers(table.model))), table, folder / table.filename)
    if assignments and len(tables.get("jurors", ())):
        pd.DataFrame(ASSIGNED, columns=list(ASSIGNMENT_HEADERS)).to_csv(
            folder / ASSIGNMENTS_FILE, sep=";", index=False, encoding="utf-8-sig", lineterminator="\n")
    (folder / "appel.yaml").write_text("# Cohorte de test écrite à la main.\nappel: alpc-2016\nenveloppe: 150000\n",
                                       encoding="utf-8")
    return folder


def build_cohort(folder: Path, stage: str, *, rounds: int | None = None, feasibility: bool | None = None,
                 assignments: bool = True) -> Path:
    """Write the hand-made cohort at ``stage`` into ``folder`` (see :func:`cohort_tables`)."""
    return write_cohort(folder, cohort_tables(stage, rounds=rounds, feasibility=feasibility),
                        assignments=assignments)


def empty_cohort(folder: Path) -> Path:
    """The templates as ``socinnov templates`` writes them, nothing filled in."""
    from socinnov.call.schemas import TABLES
    from socinnov.inputs.tabular import write_template

    folder.mkdir(parents=True, exist_ok=True)
    for t in TABLES:
        write_template(t, folder / t.filename)
    return folder


VARIANTS = {
    **{stage: dict(stage=stage) for stage in STAGES},
    "decisions-1tour": dict(stage="decisions", rounds=1, feasibility=False),
    "decisions-1tour-faisabilite": dict(stage="decisions", rounds=1, feasibility=True),
    "decisions-2tours": dict(stage="decisions", rounds=2, feasibility=False),
    "bilans-1tour": dict(stage="bilans", rounds=1, feasibility=False),
}
"""Named cohorts the tests build: every stage with its defaults, and later stages with one round
or without feasibility ratings (the combinations a real call produces)."""
