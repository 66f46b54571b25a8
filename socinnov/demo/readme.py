"""The cohort folder's own documents: ``appel.yaml`` and the French ``LISEZMOI.md``.

``appel.yaml`` names the call the demo cohort answers and its envelope; ``LISEZMOI.md`` gives
the key figures of the cohort, the file format, and one table per file whose columns are read
from the schemas (``socinnov.call.schemas``) and the grids, so that it never drifts from what
the kit accepts. Its prose lives in ``content/readme.yaml``.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from socinnov.call import grids
from socinnov.call import vocabulary as voc
from socinnov.call.schemas import TABLES
from socinnov.demo import content
from socinnov.demo.decisions import ENVELOPE, FUNDED, NOT_RETAINED, REORIENTED
from socinnov.demo.drawing import eur, the_call
from socinnov.demo.followup import FOLLOWUP_WAVES

__all__ = ["call_yaml_text", "readme_text"]


def call_yaml_text(seed: int, n_dossiers: int, *, year: int = 2016, acceptability_version: str | None = None,
                   compare_with: str | None = None) -> str:
    """The cohort's ``appel.yaml``: the call it answers, its envelope, and what a later year changed."""
    text = (
        "# Cohorte de démonstration : données entièrement fictives, produites par\n"
        f"# socinnov.demo.write_demo (graine {seed}, {n_dossiers} dossiers).\n"
        "# L'appel de 2016 ne fixe pas d'enveloppe : la cohorte précise la sienne (en euros).\n"
        "appel: alpc-2016\n"
        f"enveloppe: {int(ENVELOPE)}\n"
    )
    if year != 2016:
        deadline = pd.Timestamp(the_call().deadline) + pd.DateOffset(years=year - 2016)
        text += (f"# Un nouvel appel, même règlement, en {year} (hypothèse de la démonstration).\n"
                 f"annee: {year}\ndate_limite_depot: {deadline:%Y-%m-%d}\n")
    if acceptability_version:
        text += f"grilles:\n  acceptabilite: \"{acceptability_version}\"\n"
    if compare_with:
        text += f"# Cohorte d'une autre année, notée avec une autre version de la grille.\ncomparer_avec: {compare_with}\n"
    return text


def _quoted(values) -> str:
    """« a », « b », …"""
    return ", ".join(f"« {v} »" for v in values)


def _column_notes() -> dict[tuple[str, str], str]:
    """What a column means for the call, beyond its header; vocabularies read from the kit."""
    call = the_call()
    region = ", ".join(f"{code} {name}" for code, name in voc.REGION_DEPARTEMENTS.items())
    ceiling = eur(call.max_aid)
    eligible_cats = [c for c in voc.LEGAL_CATEGORIES if c in voc.ELIGIBLE_LEGAL_CATEGORIES]
    eligible_exp = [c for c in voc.EXPENSE_CATEGORIES if c in voc.ELIGIBLE_EXPENSE_CATEGORIES]
    notes = {
        ("dossiers", "legal_category"): f"statuts éligibles : {_quoted(eligible_cats)}",
        ("dossiers", "departement"): f"porteur établi en ALPC : {region}",
        ("dossiers", "summary"): "l'appel demande 20 lignes",
        ("dossiers", "requested_amount"): f"aide plafonnée à {ceiling} EUR",
        ("dossiers", "filed_on"): f"date limite : {call.deadline:%d/%m/%Y}",
        ("dossiers", "end_date"): f"au plus {call.max_months} mois après le démarrage",
        ("dossiers", "market_launched"): "« oui » : hors phase d'émergence, non éligible",
        ("dossiers", "earlier_aid"): f"aide de l'une des anciennes régions ({', '.join(voc.FORMER_REGIONS)}) : non éligible",
        ("dossiers", "earlier_aid_region"): "à renseigner si une aide antérieure est déclarée",
        ("dossiers", "publication_consent"): "accord pour la valorisation et la diffusion de l'expérimentation",
        ("partners", "role"): "l'appel demande le rôle de chaque participant",
        ("budget", "category"): f"dépenses éligibles : {_quoted(eligible_exp)}",
        ("budget", "month_to"): f"mois 1 à {call.max_months} de l'action",
        ("conflicts", "dossier_id"): "le juré ne note pas ce dossier",
        ("ratings", "criterion"): "identifiant d'un critère de la grille (voir « Grilles » plus bas)",
        ("ratings", "level"): "un niveau de la grille (voir « Grilles » plus bas) ; vide = note manquante",
        ("ratings", "grid_version"): "version du fichier de grille, ici 2016",
        ("ratings", "round"): "notation de chaque juré avant le débat, puis après le débat collectif",
        ("decisions", "granted_amount"): f"pour les dossiers « {FUNDED} »",
        ("decisions", "eligible_base"): "assiette retenue par le jury, parfois inférieure au coût total",
        ("decisions", "reoriented_to"): f"pour les dossiers « {REORIENTED} » : accompagnement proposé",
        ("followup", "wave_month"): f"vagues {', '.join(str(m) for m in FOLLOWUP_WAVES)}",
        ("payments", "instalment"): "1 : au démarrage ; 2 : à la remise du bilan de la deuxième année",
        ("reassessments", "wave_month"): "une vague déclarée dans suivi.csv pour ce dossier",
        ("reassessments", "criterion"): "identifiant d'un critère de la grille d'acceptabilité (voir « Grilles » plus bas)",
        ("reassessments", "level"): "un niveau de la grille d'acceptabilité ; vide = critère non réévalué",
        ("reassessments", "source"): "« porteur » : auto-évaluation",
        ("indicators", "wave_month"): "une vague déclarée dans suivi.csv pour ce dossier",
        ("spending", "category"): f"dépenses éligibles : {_quoted(eligible_exp)}",
        ("spending", "spent_on"): f"dans les {call.max_months} mois à compter du démarrage",
        ("activity_reports", "report"): "le second versement suit la remise du bilan de la deuxième année",
    }
    for column, wording in voc.INNOVATION_TYPES.items():
        notes[("dossiers", column)] = f"« {wording} »"
    return notes


_PATTERN_HINTS = {
    r"^\d{14}$": "14 chiffres",
    r"^(\d{2}|2A|2B|97\d)$": "code de département (2 chiffres, 2A, 2B ou 97x)",
    r"^[^@\s]+@[^@\s]+\.[^@\s]+$": "adresse de courriel",
}


def _kind_text(col, kind: str) -> str:
    """The nature of a column's values, in French, from its dtype and metadata."""
    meta = col.metadata or {}
    if kind.startswith("datetime64"):
        return "date JJ/MM/AAAA"
    text = {"float64": "montant en euros (virgule décimale, ex. 12500,00)", "int64": "nombre entier",
            "bool": "oui / non"}.get(kind, "texte libre" if meta.get("free_text") else "texte")
    if meta.get("identifying"):
        text += " ; donnée identifiante"
    return text


def _allowed_text(col) -> str:
    """What a column accepts, read from its pandera checks."""
    parts = []
    for check in col.checks:
        st = check.statistics
        if check.name == "isin":
            parts.append(" ; ".join(f"« {v} »" for v in st["allowed_values"]))
        elif check.name == "str_matches":
            pattern = getattr(st["pattern"], "pattern", st["pattern"])
            parts.append(_PATTERN_HINTS.get(pattern, "lettres, chiffres, « _ », « . », « - », sans espace"))
        elif check.name == "greater_than_or_equal_to":
            parts.append(f"≥ {st['min_value']}")
        elif check.name == "less_than_or_equal_to":
            parts.append(f"≤ {st['max_value']}")
    if col.unique:
        parts.append("unique")
    return " ; ".join(parts) or "—"


def _columns_table(table_name: str, model: type[pa.DataFrameModel]) -> list[str]:
    """The Markdown table of a file's columns, read from its schema."""
    notes = _column_notes()
    lines = ["| Colonne (en-tête) | Nature | Valeurs permises | Obligatoire | Signification pour l'appel |",
             "|---|---|---|---|---|"]
    for name, col in model.to_schema().columns.items():
        note = notes.get((table_name, name), "")
        lines.append(f"| {col.title} | {_kind_text(col, str(col.dtype))} | {_allowed_text(col)} | "
                     f"{'non' if col.nullable else 'oui'} | {note} |")
    checks = [c.error for c in model.to_schema().checks if c.error]
    if checks:
        lines += [""] + [f"Contrôle de cohérence : le fichier est refusé si {e}." for e in checks]
    return lines


def _grids_section() -> list[str]:
    """The README's section on the two grids: levels and criterion ids, read from the grid files."""
    lines = ["## Grilles", ""]
    for grid_id in (grids.ACCEPTABILITY, grids.FEASIBILITY):
        # The call's own version of each grid, also for a cohort rated with a refined one.
        grid = grids.load_grid(grid_id, the_call().grid_versions[grid_id])
        levels = ", ".join(f"« {lv.label} »" + (f" ({lv.name})" if lv.name else "") for lv in grid.levels)
        lines += [f"### {grid.title} (grille « {grid.id} », version {grid.version})", "",
                  f"Niveaux, du plus bas au plus haut : {levels}.", "",
                  "| Critère (colonne « Critère ») | Libellé | Section |", "|---|---|---|"]
        for dim in grid.dimensions:
            section = dim.label + (" (si pertinent)" if dim.if_relevant else "")
            lines += [f"| {c.id} | {c.label} | {section} |" for c in dim.criteria]
        lines.append("")
    return lines


def _figures(frames: dict[str, pd.DataFrame]) -> list[str]:
    """Key figures of the cohort, computed from its frames."""
    d, r, dec = frames["dossiers"], frames["ratings"], frames["decisions"]
    acc = r[r["grid"] == grids.ACCEPTABILITY]
    counts = dec["decision"].value_counts()
    funded = dec[dec["decision"] == FUNDED]
    n_rated = dec["dossier_id"].nunique()
    return [
        (f"- {len(d)} dossiers déposés, dont {len(d) - n_rated} ne respectent pas une ou deux "
         "conditions d'éligibilité de l'appel (ils ne sont ni notés ni décidés) ;"),
        f"- {len(frames['jurors'])} juré·e·s, {len(frames['conflicts'])} conflits d'intérêts déclarés ;",
        (f"- {n_rated} dossiers notés sur la grille d'acceptabilité par 3 ou 4 juré·e·s, en deux tours "
         f"(individuel, après débat) : {len(acc)} lignes, dont {int(acc['level'].isna().sum())} "
         "notes manquantes ;"),
        (f"- décisions : {counts.get(FUNDED, 0)} « {FUNDED} » pour "
         f"{eur(funded['granted_amount'].sum())} EUR, {counts.get(REORIENTED, 0)} "
         f"« {REORIENTED} », {counts.get(NOT_RETAINED, 0)} « {NOT_RETAINED} »."),
    ]


def readme_text(frames: dict[str, pd.DataFrame], seed: int, n_dossiers: int) -> str:
    """The cohort's ``LISEZMOI.md``, in French, its column tables generated from the schemas."""
    lines = [
        f"# Cohorte de démonstration — AMI innovation sociale ALPC {int(frames['dossiers']['filed_on'].dt.year.mode()[0])}",
        "",
        content.README["warning"],
        "",
        (f"Produite par `socinnov.demo.write_demo` (graine {seed}, {n_dossiers} dossiers) : "
         "la même graine redonne exactement les mêmes fichiers."),
        "",
        "## Chiffres clés",
        "",
        *_figures(frames),
        "",
        "## Format des fichiers",
        "",
        content.README["format"],
        "",
        ("`appel.yaml` nomme l'appel auquel répond la cohorte (`appel: alpc-2016`) et son "
         f"enveloppe en euros (`enveloppe: {int(ENVELOPE)}`)."),
        "",
    ]
    for table in TABLES:
        status = "obligatoire" if table.required else "facultatif"
        lines += [f"## `{table.filename}` ({status}, {len(frames[table.name])} lignes)", "",
                  content.README["table_descriptions"][table.name], "", *_columns_table(table.name, table.model), ""]
    lines += _grids_section()
    return "\n".join(lines).rstrip("\n") + "\n"
