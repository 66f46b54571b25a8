"""The open dataset for the research networks: pseudonymised, generalised, with a codebook.

``write_open_dataset`` writes CSV files, a Frictionless Data Package descriptor
(``datapackage.json``, with table schemas) and a French codebook (``LISEZMOI.md``) that
includes the grids and their descriptors. The release passes the disclosure control: no free
text, no identifying column, keyed pseudonyms for dossiers and jurors, legal categories
grouped, requested amounts in bands of 10 000 EUR, and quasi-identifiers of rare combinations
set to ``secret`` (``disclosure.generalise_rare``).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd

from socinnov import __version__, config, files
from socinnov.analysis import overview
from socinnov.call.grids import ACCEPTABILITY, load_grid
from socinnov.call.vocabulary import INDIVIDUAL
from socinnov.privacy import audiences, disclosure
from socinnov.privacy.pseudonyms import pseudonymise
from socinnov.privacy.published import DECISION_LABELS, legal_group

# Suppressed first to last: the attributes the research networks need most come last. The
# eligibility and the decision are quasi-identifiers too: the funnel publishes their counts.
QUASI = ["types_innovation", "tranche_aide_sollicitee", "ancienne_region", "categorie_porteur", "stade", "eligible",
         "issue"]
# The open-data column of each attribute of the audit's universe.
COLUMN_OF = {"types": "types_innovation", "dep": "ancienne_region", "grp": "categorie_porteur", "stage": "stade",
             "elig": "eligible", "dec": "issue"}
# The three former regions the call names; a département would single porteurs out in a cohort
# of a hundred dossiers (département counts are published as protected tables instead).
FORMER_REGION_OF = {"24": "Aquitaine", "33": "Aquitaine", "40": "Aquitaine", "47": "Aquitaine", "64": "Aquitaine",
                    "19": "Limousin", "23": "Limousin", "87": "Limousin",
                    "16": "Poitou-Charentes", "17": "Poitou-Charentes", "79": "Poitou-Charentes",
                    "86": "Poitou-Charentes"}

FIELDS = {
    "dossiers.csv": [
        ("dossier", "string", "Pseudonyme du dossier, propre à cette diffusion (il change à chaque diffusion et "
                              "diffère de celui de notations.csv ; non réversible sans la clé de la Région)"),
        ("ancienne_region", "string", "Ancienne région du porteur (Aquitaine, Limousin, Poitou-Charentes, "
                                      "hors région), ou « secret » (combinaison rare)"),
        ("categorie_porteur", "string", "Catégorie de porteur regroupée (association, entreprise, collectivité ou "
                                        "établissement public, autre), ou « secret »"),
        ("stade", "string", "Stade d'avancement déclaré (amorçage, développement, essaimage, changement d'échelle), "
                            "ou « secret »"),
        ("types_innovation", "string", "Voies de l'innovation sociale revendiquées, séparées par « + » "
                                       "(services et produits, organisationnelle, territoriale), ou « secret »"),
        ("tranche_aide_sollicitee", "string", "Aide sollicitée, par tranche de 10 000 €, ou « secret »"),
        ("eligible", "string", "Respecte toutes les conditions d'éligibilité de l'appel (True, False), « secret », "
                               "ou vide tant que l'éligibilité n'a pas pu être vérifiée"),
        ("issue", "string", "Issue validée par le comité d'élu-e-s : inéligible, non retenu, réorienté, financé ; "
                            "« sans décision » tant qu'elle n'est pas validée ; ou « secret »"),
    ],
    "notations.csv": [
        ("dossier", "string", "Pseudonyme du dossier noté, propre à ce fichier (sans lien avec dossiers.csv)"),
        ("jure", "string", "Pseudonyme du juré, propre à cette diffusion"),
        ("grille", "string", "acceptabilite ou faisabilite"),
        ("version_grille", "string", "Version de la grille (voir LISEZMOI.md)"),
        ("critere", "string", "Identifiant du critère (voir LISEZMOI.md)"),
        ("tour", "string", "individuel, ou après débat"),
        ("niveau", "string", "Niveau donné (vide : note manquante ; « secret » : masqué, comme dans le tableau "
                             "publié de la répartition des niveaux)"),
        ("niveau_code", "string", "Code du niveau, 0 = le plus bas (« secret » : masqué)"),
    ],
}


def _types(d: pd.DataFrame) -> pd.Series:
    names = {"innovation_services_produits": "services et produits", "innovation_organisationnelle": "organisationnelle",
             "innovation_territoriale": "territoriale"}
    return d[list(names)].apply(lambda row: " + ".join(n for c, n in names.items() if row[c]), axis=1)


def _band(amount: float) -> str:
    low = int(amount // 10000) * 10000
    return f"{low:,}–{low + 9999:,} €".replace(",", "\u202f")


def release_namespace(cohort: str, inputs) -> str:
    """The pseudonym namespace of one open-data release: the cohort and a digest of the inputs
    released. A new release after any change of the data gets new pseudonyms (records cannot
    be followed from one release to the next), and neither namespace is the comité's."""
    digest = hashlib.sha256(json.dumps(inputs, sort_keys=True, default=str).encode()).hexdigest()[:16]
    return f"{cohort}\x1fdonnees-ouvertes\x1f{digest}"


def _mask_suppressed_cells(dossiers: pd.DataFrame, truth: pd.DataFrame, cells) -> pd.DataFrame:
    """Records lying in a suppressed cell of a public table have that cell's row attribute set
    to « secret » (its decision when the cell is a decision count alone): counting records
    must not give back what the table suppressed (the audit checks what remains)."""
    out = dossiers.copy()
    truth = truth.set_index("dossier_id").loc[out["dossier_id"]].reset_index()
    for cell in cells:
        if cell.value is not None or cell.domain != "dossiers" or cell.kind != "count" or not cell.pred:
            continue
        attrs = [a for a, _ in cell.pred]
        attr = next((a for a in attrs if a != "dec"), "dec")
        inside = np.ones(len(truth), bool)
        for a, vals in cell.pred:
            inside &= truth[a].isin(list(vals)).to_numpy()
        col = COLUMN_OF[attr]
        out[col] = out[col].astype(object).mask(inside, disclosure.SECRET)
    return out


def _mask_rating_levels(ratings: pd.DataFrame, table: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """Individual acceptability ratings whose criterion x level cell the public level table
    suppressed get their level « secret »."""
    out = ratings.copy()
    mask = table.attrs.get("mask")
    if mask is None:
        return out
    rows, cols = list(table.index), list(table.columns)
    hidden = {(rows[i], cols[j]) for i, j in zip(*np.nonzero(mask)) if rows[i] != "Total" and cols[j] != "Total"}
    key = list(zip(out["critere"].map(labels), out["niveau"]))
    sel = (out["grille"] == ACCEPTABILITY) & (out["tour"] == INDIVIDUAL) & pd.Series(
        [k in hidden for k in key], index=out.index)
    out["niveau"] = out["niveau"].astype(object).mask(sel, disclosure.SECRET)
    out["niveau_code"] = out["niveau_code"].astype(object).mask(sel, disclosure.SECRET)
    return out


def open_tables(tables: dict[str, pd.DataFrame], cohort: str, *, min_count: int = disclosure.MIN_COUNT,
                manifest: dict | None = None) -> dict[str, pd.DataFrame]:
    """The released tables, from the jury-level tables of a cohort.

    Consistent with the public tables (``manifest`` given): records in their suppressed cells
    are masked, and the rating levels the level table suppressed too. Pseudonyms live in their
    own namespace per release (:func:`release_namespace`), different for the two files, and
    rows are in pseudonym order (no trace of the dossiers' order)."""
    manifest = manifest or {}
    namespace = release_namespace(cohort, manifest.get("inputs"))
    d = overview.with_decision(tables)
    validated = tables["decisions"].set_index("dossier_id")["validated"].astype(bool)
    issue = d["decision"].map(DECISION_LABELS)
    pending = d["dossier_id"].map(validated).eq(False)  # a jury decision the comité has not voted yet
    dossiers = pd.DataFrame({
        "dossier_id": d["dossier_id"],
        "dossier": pseudonymise(d["dossier_id"], cohort=namespace, prefix="D"),
        "ancienne_region": d["departement"].map(FORMER_REGION_OF).fillna("hors région"),
        "categorie_porteur": d["legal_category"].map(legal_group),
        "stade": d["stage"],
        "types_innovation": _types(d),
        "tranche_aide_sollicitee": d["requested_amount"].map(_band),
        # empty while eligibility cannot be verified yet (overview.eligibility_checked)
        "eligible": d["eligible"].map({True: "True", False: "False"}).fillna("").astype(str),
        "issue": issue.mask(pending.to_numpy(), "sans décision"),  # only validated decisions are published
    })
    ratings_table = None
    if manifest.get("call"):
        from socinnov.privacy import published
        from socinnov.privacy.aggregates import PublicCohort

        public = PublicCohort(cohort, manifest, tables, min_count=min_count)
        dossiers = _mask_suppressed_cells(dossiers, published.dossier_types(tables), published.public_cells(public))
        ratings_table = public.level_distribution()
        labels = {c.id: c.label for c in public.grid().criteria}
    dossiers = disclosure.generalise_rare(dossiers, QUASI, min_count=min_count)
    kept = set(dossiers["dossier_id"])
    r = tables["ratings"][tables["ratings"]["dossier_id"].isin(kept)]
    ratings = pd.DataFrame({
        "dossier": pseudonymise(r["dossier_id"], cohort=namespace, prefix="N"),
        "jure": pseudonymise(r["juror_id"], cohort=namespace, prefix="J"),
        "grille": r["grid"], "version_grille": r["grid_version"].astype(str), "critere": r["criterion"],
        "tour": r["round"], "niveau": r["level"], "niveau_code": r["level_code"],
    })
    if ratings_table is not None:
        ratings = _mask_rating_levels(ratings, ratings_table, labels)
    dossiers = dossiers.drop(columns="dossier_id").sort_values("dossier", kind="stable")
    ratings = ratings.sort_values(["dossier", "jure", "grille", "critere", "tour"], kind="stable")
    return {"dossiers.csv": dossiers.reset_index(drop=True), "notations.csv": ratings.reset_index(drop=True)}


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
             "identifiante n'y figure ; dossiers et jurés sont désignés par des pseudonymes propres à cette "
             "diffusion (ceux de notations.csv sans lien avec ceux de dossiers.csv), lignes dans l'ordre des "
             f"pseudonymes ; les combinaisons rares (moins de {min_count} dossiers) d'ancienne région, tranche "
             "d'aide, catégorie de porteur, stade, éligibilité et issue sont masquées (« secret »), ainsi que les "
             "valeurs qui redonneraient une case masquée des tableaux publiés. Seules les décisions validées par "
             "le comité d'élu-e-s figurent dans l'issue.", "",
             "## Ouvrir les fichiers", "",
             "Les fichiers CSV suivent la norme des données ouvertes : encodage UTF-8, séparateur virgule, point "
             "décimal, une ligne d'en-têtes ; `datapackage.json` les décrit (Frictionless Data : "
             "`frictionless validate datapackage.json`). Avec pandas : `pandas.read_csv(\"dossiers.csv\", "
             "dtype=str, keep_default_na=False)`. Avec Excel en français, ne pas double-cliquer (Excel y "
             "attend le point-virgule et un autre encodage) : menu Données > À partir d'un fichier texte/CSV, "
             "« Origine du fichier » 65001 : Unicode (UTF-8), « Délimiteur » virgule ; LibreOffice Calc "
             "demande ces deux réglages à l'ouverture.", ""]
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
    tables = open_tables(data.tables, data.name, min_count=min_count, manifest=data.manifest)
    with files.replacing_folder(out) as tmp:
        for fname, df in tables.items():
            df.to_csv(tmp / fname, index=False, encoding="utf-8", lineterminator="\n")
        descriptor = _descriptor(f"socinnov-{data.name}", f"AMI innovation sociale — cohorte {data.name}")
        (tmp / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False, indent=2), encoding="utf-8")
        (tmp / "LISEZMOI.md").write_text(_codebook(data.name, tables, data.call.grid_versions, min_count),
                                         encoding="utf-8")
    return out
