"""The open dataset for the research networks: pseudonymised, generalised, with a codebook.

``write_open_dataset`` writes CSV files, a Frictionless Data Package descriptor
(``datapackage.json``, with table schemas) and a French codebook (``LISEZMOI.md``) that
includes the grids and their descriptors. The release passes the disclosure control: no free
text, no identifying column, keyed pseudonyms for dossiers and jurors, legal categories
grouped, requested amounts in bands of 10 000 EUR, and quasi-identifiers of rare combinations
set to ``secret`` (``disclosure.generalise_rare``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from socinnov import __version__, config, files
from socinnov.analysis import overview
from socinnov.call.eligibility import eligibility_status
from socinnov.call.grids import load_grid
from socinnov.privacy import audiences, disclosure
from socinnov.privacy.aggregates import DECISION_LABELS, legal_group
from socinnov.privacy.pseudonyms import pseudonymise

QUASI = ["types_innovation", "tranche_aide_sollicitee", "ancienne_region", "categorie_porteur", "stade", "issue"]
# The three former regions the call names; a département would single porteurs out in a cohort
# of a hundred dossiers (département counts are published as protected tables instead).
FORMER_REGION_OF = {"24": "Aquitaine", "33": "Aquitaine", "40": "Aquitaine", "47": "Aquitaine", "64": "Aquitaine",
                    "19": "Limousin", "23": "Limousin", "87": "Limousin",
                    "16": "Poitou-Charentes", "17": "Poitou-Charentes", "79": "Poitou-Charentes",
                    "86": "Poitou-Charentes"}

FIELDS = {
    "dossiers.csv": [
        ("dossier", "string", "Pseudonyme du dossier (stable, non réversible sans la clé de la Région)"),
        ("ancienne_region", "string", "Ancienne région du porteur (Aquitaine, Limousin, Poitou-Charentes, "
                                      "hors région), ou « secret » (combinaison rare)"),
        ("categorie_porteur", "string", "Catégorie de porteur regroupée (association, entreprise, collectivité ou "
                                        "établissement public, autre), ou « secret »"),
        ("stade", "string", "Stade d'avancement déclaré (amorçage, développement, essaimage, changement d'échelle), "
                            "ou « secret »"),
        ("types_innovation", "string", "Voies de l'innovation sociale revendiquées, séparées par « + » "
                                       "(services et produits, organisationnelle, territoriale), ou « secret »"),
        ("tranche_aide_sollicitee", "string", "Aide sollicitée, par tranche de 10 000 €, ou « secret »"),
        ("eligible", "boolean", "Respecte toutes les conditions d'éligibilité de l'appel"),
        ("issue", "string", "Issue : inéligible, non retenu, réorienté, financé"),
    ],
    "notations.csv": [
        ("dossier", "string", "Pseudonyme du dossier"),
        ("jure", "string", "Pseudonyme du juré"),
        ("grille", "string", "acceptabilite ou faisabilite"),
        ("version_grille", "string", "Version de la grille (voir LISEZMOI.md)"),
        ("critere", "string", "Identifiant du critère (voir LISEZMOI.md)"),
        ("tour", "string", "individuel, ou après débat"),
        ("niveau", "string", "Niveau donné (vide : note manquante)"),
        ("niveau_code", "integer", "Code du niveau, 0 = le plus bas"),
    ],
}


def _types(d: pd.DataFrame) -> pd.Series:
    names = {"innovation_services_produits": "services et produits", "innovation_organisationnelle": "organisationnelle",
             "innovation_territoriale": "territoriale"}
    return d[list(names)].apply(lambda row: " + ".join(n for c, n in names.items() if row[c]), axis=1)


def _band(amount: float) -> str:
    low = int(amount // 10000) * 10000
    return f"{low:,}–{low + 9999:,} €".replace(",", "\u202f")


def open_tables(tables: dict[str, pd.DataFrame], cohort: str, *, min_count: int = disclosure.MIN_COUNT
                ) -> dict[str, pd.DataFrame]:
    """The released tables, from the jury-level tables of a cohort."""
    d = overview.with_decision(tables)
    status = eligibility_status(tables["eligibility"]).set_index("dossier_id")["eligible"]
    dossiers = pd.DataFrame({
        "dossier_id": d["dossier_id"],
        "dossier": pseudonymise(d["dossier_id"], cohort=cohort),
        "ancienne_region": d["departement"].map(FORMER_REGION_OF).fillna("hors région"),
        "categorie_porteur": d["legal_category"].map(legal_group),
        "stade": d["stage"],
        "types_innovation": _types(d),
        "tranche_aide_sollicitee": d["requested_amount"].map(_band),
        "eligible": d["dossier_id"].map(status).astype(bool),
        "issue": d["decision"].map(DECISION_LABELS),
    })
    dossiers = disclosure.generalise_rare(dossiers, QUASI, min_count=min_count)
    kept = set(dossiers["dossier_id"])
    r = tables["ratings"][tables["ratings"]["dossier_id"].isin(kept)]
    ratings = pd.DataFrame({
        "dossier": pseudonymise(r["dossier_id"], cohort=cohort),
        "jure": pseudonymise(r["juror_id"], cohort=cohort, prefix="J"),
        "grille": r["grid"], "version_grille": r["grid_version"].astype(str), "critere": r["criterion"],
        "tour": r["round"], "niveau": r["level"], "niveau_code": r["level_code"],
    })
    return {"dossiers.csv": dossiers.drop(columns="dossier_id").reset_index(drop=True),
            "notations.csv": ratings.reset_index(drop=True)}


def _descriptor(name: str, title: str) -> dict:
    return {
        "profile": "tabular-data-package",
        "name": name,
        "title": title,
        "licenses": [{"name": "etalab-2.0", "title": "Licence Ouverte / Open Licence version 2.0",
                      "path": "https://www.etalab.gouv.fr/licence-ouverte-open-licence"}],
        "resources": [
            {"name": fname.removesuffix(".csv"), "path": fname, "profile": "tabular-data-resource",
             "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
             "dialect": {"delimiter": ",", "header": True},
             "schema": {"fields": [{"name": n, "type": t, "description": desc} for n, t, desc in fields],
                        "missingValues": [""]}}
            for fname, fields in FIELDS.items()
        ],
        "sources": [{"title": f"socinnov {__version__}"}],
    }


def _codebook(cohort: str, tables: dict[str, pd.DataFrame], grid_versions: dict[str, str], min_count: int) -> str:
    lines = [f"# Données ouvertes de la cohorte « {cohort} »", "",
             "Jeu de données pseudonymisé pour les réseaux de recherche. Aucun texte libre ni aucune donnée "
             "identifiante n'y figure ; dossiers et jurés sont désignés par des pseudonymes stables ; les "
             f"combinaisons rares (moins de {min_count} dossiers) de département, tranche d'aide, catégorie de "
             "porteur, stade et issue sont masquées (« secret »).", ""]
    for fname, fields in FIELDS.items():
        lines += [f"## `{fname}` ({len(tables[fname])} lignes)", "", "| colonne | type | signification |",
                  "|---|---|---|"]
        lines += [f"| `{n}` | {t} | {desc} |" for n, t, desc in fields]
        lines.append("")
    for grid_id, version in grid_versions.items():
        grid = load_grid(grid_id, version)
        lines += [f"## {grid.title} (version {grid.version})", "", f"Source : {grid.source}.", "",
                  "Niveaux : " + ", ".join(f"{lv.code} = {lv.label}" + (f" ({lv.name})" if lv.name else "")
                                           for lv in grid.levels) + ".", ""]
        for dim in grid.dimensions:
            lines += [f"### {dim.label}" + (" (si pertinent)" if dim.if_relevant else ""), ""]
            for c in dim.criteria:
                lines.append(f"- `{c.id}` — {c.label}" + (" (formulé comme un risque)" if c.worded_as_risk else ""))
                lines += [f"  - {lv} : {text}" for lv, text in c.descriptors.items()]
            lines.append("")
    return "\n".join(lines)


def write_open_dataset(data, out_dir: Path | None = None, *, min_count: int = disclosure.MIN_COUNT) -> Path:
    """Write the open dataset of a jury-level ``store.Cohort``; returns its folder.

    Written to a new folder swapped in when complete (``files.replacing_folder``): never half a dataset.
    """
    if not audiences.definition(data.audience).named:
        raise ValueError(f"le jeu de données ouvert se construit à partir des données complètes (public « {audiences.JURY} »)")
    out = out_dir or config.reports_dir(data.name) / audiences.PUBLIC / "donnees-ouvertes"
    tables = open_tables(data.tables, data.name, min_count=min_count)
    with files.replacing_folder(out) as tmp:
        for fname, df in tables.items():
            df.to_csv(tmp / fname, index=False, encoding="utf-8", lineterminator="\n")
        descriptor = _descriptor(f"socinnov-{data.name}", f"AMI innovation sociale — cohorte {data.name}")
        (tmp / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False, indent=2), encoding="utf-8")
        (tmp / "LISEZMOI.md").write_text(_codebook(data.name, tables, data.call.grid_versions, min_count),
                                         encoding="utf-8")
    return out
