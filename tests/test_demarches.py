"""``socinnov import-ds``: démarches-simplifiées exports built to the platform's layout, round trip to
``ingest``, and bad inputs with their exact French messages.

The workbooks are written here with openpyxl as the platform writes them (sheet names and headers
from its ``ProcedureExportService`` and its specs, see the module docstring of
``socinnov.inputs.demarches``); the shipped correspondence for the 2016 call reads them.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import re
import shutil
import unicodedata
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import yaml
from openpyxl import Workbook

from socinnov import config
from socinnov.call.schemas import TABLES_BY_NAME
from socinnov.cli.main import main
from socinnov.errors import InputError
from socinnov.inputs.demarches import import_ds
from socinnov.inputs.tabular import load_table
from tests.conftest import tiny_tables, write_cohort

DATA = Path(__file__).parent / "data" / "demarches"
EXAMPLE = config.PACKAGE_DIR / "data" / "demarches" / "correspondance-ami-2016.yaml"

DOSSIER_COLUMNS = ["ID", "Email", "FranceConnect ?", "Entreprise raison sociale", "Archivé", "État du dossier",
                   "Dernière mise à jour le", "Dernière mise à jour du dossier le", "Déposé le",
                   "Passé en instruction le", "Traité le", "Motivation de la décision", "Instructeurs"]
ETABLISSEMENT_COLUMNS = [
    "Dossier ID", "Champ", "Établissement SIRET", "Etablissement enseigne", "Établissement siège social",
    "Établissement NAF", "Établissement libellé NAF", "Établissement Adresse", "Établissement numero voie",
    "Établissement type voie", "Établissement nom voie", "Établissement complément adresse",
    "Établissement code postal", "Établissement localité", "Établissement code INSEE localité", "Entreprise SIREN",
    "Entreprise capital social", "Entreprise numero TVA intracommunautaire", "Entreprise forme juridique",
    "Entreprise forme juridique code", "Entreprise nom commercial", "Entreprise raison sociale",
    "Entreprise SIRET siège social", "Entreprise code effectif entreprise", "Entreprise date de création",
    "Entreprise état administratif", "Entreprise nom", "Entreprise prénom", "Association RNA", "Association titre",
    "Association objet", "Association date de création", "Association date de déclaration",
    "Association date de publication"]
FIELDS = ["Intitulé de l'action", "Statut juridique de la structure", "Téléphone du contact",
          "1. Fiche de présentation du porteur", "2. Résumé de l'action en 20 lignes", "3. Objectifs de l'action",
          "4. Stade d'avancement", "5. Publics cibles", "6. Moyens mobilisés pour la réalisation",
          "7. Comptes prévisionnels : commentaire", "8. Inscription dans un projet territorial",
          "9. Mission assignée à l'équipe de recherche", "10. Méthodologie d'évaluation envisagée",
          "Type(s) d'innovation sociale", "Montant de l'aide sollicitée (€)", "Coût total de l'action (€)",
          "Date de démarrage de l'action", "Date de fin de l'action", "La mise sur le marché est-elle déjà engagée ?",
          "Avez-vous déjà reçu une aide au titre de l'innovation sociale ?", "Si oui, de quelle ancienne Région ?",
          "J'accepte que la Région valorise l'action"]
PARTNERS = (12, "8. Partenaires de l'action", ["Nom du partenaire", "Type de partenaire", "Rôle dans l'action"])
BUDGET = (15, "7. Dépenses prévisionnelles sur 24 mois",
          ["Nature de la dépense", "Libellé de la dépense", "Montant (€)", "Mois de début (1 à 24)",
           "Mois de fin (1 à 24)"])
SUMMARY = "Une épicerie solidaire itinérante.\nElle passe chaque semaine dans douze villages."


def sheet_name(stable_id: int, label: str) -> str:
    """A repeatable block's sheet name as the platform writes it: ``libelle_for_export`` (« (id) libellé »,
    ``[]*?`` dropped, ActiveStorage's sanitised characters replaced by « - »), then ``I18n.transliterate``,
    ``/\\*?[]:`` dropped and a cut at 30 characters (``ProcedureExportService.sanitize_sheet_name``)."""
    name = "".join(ch for ch in f"({stable_id}) {label}" if ch not in "[]*?").strip()
    name = "".join("-" if ch in "\u202e%$|:;/<>?*\"\t\r\n\\" else ch for ch in name)
    name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "".join(ch for ch in name if ch not in "/\\*?[]:")[:30]


def dossier_row(number: int, **fields) -> dict:
    """One « Dossiers » row: the platform's columns, then the form's fields (defaults: a valid dossier)."""
    row = {
        "ID": str(number), "Email": f"contact-{number}@exemple.fr", "FranceConnect ?": False,
        "Entreprise raison sociale": f"Association Les Épis n° {number}", "Archivé": False,
        "État du dossier": "En instruction", "Dernière mise à jour le": dt.datetime(2016, 9, 20, 14, 2),
        "Dernière mise à jour du dossier le": dt.datetime(2016, 9, 2, 9, 30),
        "Déposé le": dt.datetime(2016, 9, 1, 10, 15), "Passé en instruction le": dt.datetime(2016, 9, 12, 8, 0),
        "Traité le": None, "Motivation de la décision": None, "Instructeurs": "instructrice@region.fr",
        "Intitulé de l'action": f"Épicerie mobile « Le Panier » {number}",
        "Statut juridique de la structure": "Association loi 1901", "Téléphone du contact": "05 56 00 00 00",
        "1. Fiche de présentation du porteur": "Association créée en 2010 ;\nadhérents : 120.",
        "2. Résumé de l'action en 20 lignes": SUMMARY, "3. Objectifs de l'action": "Rompre l'isolement.",
        "4. Stade d'avancement": "Amorçage", "5. Publics cibles": "Personnes âgées isolées",
        "6. Moyens mobilisés pour la réalisation": "Deux salariés, un camion",
        "7. Comptes prévisionnels : commentaire": None, "8. Inscription dans un projet territorial": "Contrat de ville",
        "9. Mission assignée à l'équipe de recherche": None,
        "10. Méthodologie d'évaluation envisagée": "Entretiens, questionnaires",
        "Type(s) d'innovation sociale": "Services et produits, Territoriale",
        "Montant de l'aide sollicitée (€)": 30000.0, "Coût total de l'action (€)": 61250.5,
        "Date de démarrage de l'action": dt.datetime(2016, 11, 1), "Date de fin de l'action": dt.datetime(2018, 10, 31),
        "La mise sur le marché est-elle déjà engagée ?": "Non",
        "Avez-vous déjà reçu une aide au titre de l'innovation sociale ?": "Non",
        "Si oui, de quelle ancienne Région ?": None, "J'accepte que la Région valorise l'action": "on",  # a checkbox: « on » / « off »
    }
    row.update(fields)
    return row


def etablissement_row(number: int, code_postal, localite: str, siret: str = "00000000000014") -> dict:
    return {"Dossier ID": str(number), "Champ": "Dossier", "Établissement SIRET": siret,
            "Établissement siège social": "true", "Établissement code postal": code_postal,
            "Établissement localité": localite, "Entreprise forme juridique": "Association déclarée",
            "Entreprise raison sociale": f"Association Les Épis n° {number}"}


def valid_export() -> dict:
    """Three dossiers, their établissements, partners and budget lines, as the platform exports them."""
    dossiers = [
        dossier_row(10234),
        dossier_row(10240, **{"Statut juridique de la structure": "Entreprise (SARL, SAS, SA, SCOP, SCIC…)",
                              "4. Stade d'avancement": "Essaimage", "Type(s) d'innovation sociale": "Organisationnelle",
                              "Montant de l'aide sollicitée (€)": 40000, "Coût total de l'action (€)": 95000,
                              "Avez-vous déjà reçu une aide au titre de l'innovation sociale ?": "Oui",
                              "Si oui, de quelle ancienne Région ?": "Poitou-Charentes",
                              "État du dossier": "Accepté", "Traité le": dt.datetime(2016, 10, 20, 16, 0)}),
        dossier_row(10251, **{"Type(s) d'innovation sociale": None, "5. Publics cibles": None,
                              "J'accepte que la Région valorise l'action": "off"}),
    ]
    etablissements = [etablissement_row(10234, "33000", "Bordeaux"), etablissement_row(10240, "86000", "Poitiers"),
                      etablissement_row(10251, 19100, "Brive-la-Gaillarde")]
    partners = [
        {"Dossier ID": "10234", "Ligne": 1, "Nom du partenaire": "Mairie de Créon",
         "Type de partenaire": "Collectivité territoriale", "Rôle dans l'action": "Prête la place du marché\net l'eau"},
        {"Dossier ID": "10234", "Ligne": 2, "Nom du partenaire": "Université de Bordeaux",
         "Type de partenaire": "Équipe de recherche", "Rôle dans l'action": None},
        {"Dossier ID": "10240", "Ligne": 1, "Nom du partenaire": "Collectif « Vivre ensemble »",
         "Type de partenaire": "Citoyens, usagers", "Rôle dans l'action": "Usagers associés"},
        {"Dossier ID": "10240", "Ligne": 2, "Nom du partenaire": None, "Type de partenaire": None,
         "Rôle dans l'action": None},  # a line added, then left empty on the form
        {"Dossier ID": "10251", "Ligne": 1, "Nom du partenaire": "EHPAD de Brive",
         "Type de partenaire": "Autre établissement public", "Rôle dans l'action": "Accueil"},
    ]
    budget = [
        {"Dossier ID": "10234", "Ligne": 1, "Nature de la dépense": "Temps de travail consacré au projet",
         "Libellé de la dépense": "Salaires", "Montant (€)": 45000.5, "Mois de début (1 à 24)": 1,
         "Mois de fin (1 à 24)": 24},
        {"Dossier ID": "10234", "Ligne": 2, "Nature de la dépense": "Frais de mission (transport, hébergement, "
         "restauration)", "Libellé de la dépense": None, "Montant (€)": 16250, "Mois de début (1 à 24)": 3,
         "Mois de fin (1 à 24)": 12},
        {"Dossier ID": "10240", "Ligne": 1, "Nature de la dépense": "Étude et analyse",
         "Libellé de la dépense": "Étude d'essaimage", "Montant (€)": 95000, "Mois de début (1 à 24)": 1,
         "Mois de fin (1 à 24)": 24},
        {"Dossier ID": "10251", "Ligne": 1, "Nature de la dépense": "Recherche et développement (équipements, "
         "études, vacations…)", "Libellé de la dépense": "Vacations", "Montant (€)": 61250.5,
         "Mois de début (1 à 24)": 1, "Mois de fin (1 à 24)": 24},
    ]
    return {"dossiers": dossiers, "etablissements": etablissements, "partners": partners, "budget": budget}


def write_export(path: Path, export: dict) -> Path:
    """The workbook the platform would export: Dossiers, Etablissements, Avis, then one sheet per block."""
    wb = Workbook()
    sheets = [("Dossiers", DOSSIER_COLUMNS + FIELDS, export["dossiers"]),
              ("Etablissements", ETABLISSEMENT_COLUMNS, export["etablissements"]),
              ("Avis", ["Dossier ID", "Introduction", "Réponse", "Question", "Réponse oui/non", "Créé le",
                        "Répondu le", "Instructeur", "Expert"], []),
              (sheet_name(*PARTNERS[:2]), ["Dossier ID", "Ligne", *PARTNERS[2]], export["partners"]),
              (sheet_name(*BUDGET[:2]), ["Dossier ID", "Ligne", *BUDGET[2]], export["budget"])]
    wb.remove(wb.active)
    for name, headers, rows in sheets:
        ws = wb.create_sheet(name)
        ws.append(headers)
        for row in rows:
            ws.append([row.get(h) for h in headers])
    wb.save(path)
    return path


def messages(exc: pytest.ExceptionInfo) -> list[str]:
    return [str(p) for p in exc.value.problems]


def test_sheet_names_follow_the_platform(tmp_path):
    # The spec's case: libellé 'A / B \ C *[]?' gives the sheet "(id) A - B - C"
    # (spec/services/procedure_export_service_spec.rb, « with invalid characters »).
    assert sheet_name(7, "A / B \\ C *[]?") == "(7) A - B - C"
    assert sheet_name(*PARTNERS[:2]) == "(12) 8. Partenaires de l'actio"
    assert sheet_name(*BUDGET[:2]) == "(15) 7. Depenses previsionnell"


def test_round_trip_to_ingest(project, tmp_path):
    export = write_export(tmp_path / "dossiers_ami-innovation-sociale.xlsx", valid_export())
    out = tmp_path / "import"
    assert main(["import-ds", str(export), "--correspondance", str(EXAMPLE), "--out", str(out)]) == 0

    dossiers, problems = load_table(TABLES_BY_NAME["dossiers"], out)
    assert problems == []
    d = dossiers.set_index("dossier_id")
    assert list(d.index) == ["DS-10234", "DS-10240", "DS-10251"]
    assert d.loc["DS-10234", "summary"] == SUMMARY  # accents and the line break kept
    assert d.loc["DS-10234", "title"] == "Épicerie mobile « Le Panier » 10234"
    assert d.loc["DS-10234", "porteur"] == "Association Les Épis n° 10234"
    assert list(d["legal_category"]) == ["association", "entreprise", "association"]
    assert list(d["stage"]) == ["amorçage", "essaimage", "amorçage"]
    assert list(d["departement"]) == ["33", "86", "19"]  # 19100 was a number cell
    assert list(d["commune"]) == ["Bordeaux", "Poitiers", "Brive-la-Gaillarde"]
    assert list(d["siret"]) == ["00000000000014"] * 3
    # « Services et produits, Territoriale » -> three yes/no columns; an empty choice is three « non ».
    assert d[["innovation_services_produits", "innovation_organisationnelle", "innovation_territoriale"]].values.tolist() \
        == [[True, False, True], [False, True, False], [False, False, False]]
    assert list(d["requested_amount"]) == [30000.0, 40000.0, 30000.0]
    assert d.loc["DS-10234", "total_cost"] == 61250.5
    assert d.loc["DS-10234", "filed_on"] == pd.Timestamp("2016-09-01")
    assert d.loc["DS-10234", "start_date"] == pd.Timestamp("2016-11-01")
    assert d.loc["DS-10234", "email"] == "contact-10234@exemple.fr"
    assert pd.isna(d.loc["DS-10234", "research_mission"]) and pd.isna(d.loc["DS-10251", "target_publics"])
    assert list(d["earlier_aid"]) == [False, True, False]
    assert d.loc["DS-10240", "earlier_aid_region"] == "Poitou-Charentes"
    assert list(d["publication_consent"]) == [True, True, False]

    partners, problems = load_table(TABLES_BY_NAME["partners"], out)
    assert problems == []
    assert partners["partner"].tolist() == ["Mairie de Créon", "Université de Bordeaux", "Collectif « Vivre ensemble »",
                                            "EHPAD de Brive"]  # the empty line is not a partner
    assert partners["partner_type"].tolist() == ["collectivité territoriale", "équipe de recherche",
                                                 "citoyens, usagers", "autre établissement public"]
    assert partners["role"].iloc[0] == "Prête la place du marché\net l'eau"
    budget, problems = load_table(TABLES_BY_NAME["budget"], out)
    assert problems == []
    assert budget.groupby("dossier_id")["amount"].sum().to_dict() == {"DS-10234": 61250.5, "DS-10240": 95000.0,
                                                                      "DS-10251": 61250.5}
    assert budget["category"].tolist() == ["temps de travail", "frais de mission", "étude et analyse",
                                           "recherche et développement"]

    # The imported tables, with a jury, are a cohort that `socinnov ingest` validates.
    tiny = tiny_tables()
    one = tiny["ratings"][tiny["ratings"]["dossier_id"] == "D-001"]
    ratings = pd.concat([one.assign(dossier_id=i) for i in d.index], ignore_index=True)
    cohort = write_cohort(project / "data" / "raw" / "ds", {"jurors": tiny["jurors"], "ratings": ratings})
    for table in ("dossiers", "partners", "budget"):
        shutil.copy(out / TABLES_BY_NAME[table].filename, cohort)
    assert main(["ingest", "ds"]) == 0
    assert (project / "data" / "processed" / "ds").is_dir()


def test_csv_export(tmp_path):
    """The CSV export is the « Dossiers » sheet only, with the dossier's établissement inline."""
    corr = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    del corr["partenaires"], corr["budget"]
    (tmp_path / "corr.yaml").write_text(yaml.safe_dump(corr, allow_unicode=True), encoding="utf-8")
    result, out = import_ds(DATA / "export-dossiers.csv", tmp_path / "corr.yaml", tmp_path / "out")
    d = result.tables["dossiers"].set_index("dossier_id")
    assert list(d.index) == ["DS-20001", "DS-20002"]
    assert d.loc["DS-20001", "summary"] == "Un tiers-lieu rural.\nOuvert trois jours par semaine."
    assert list(d["departement"]) == ["87", "16"]
    assert list(d["filed_on"]) == [pd.Timestamp("2016-09-05"), pd.Timestamp("2016-09-06")]  # « … 10:15:00 +0200 »
    assert list(d["requested_amount"]) == [25000.0, 12500.5]
    assert d.loc["DS-20002", ["innovation_services_produits", "innovation_organisationnelle",
                              "innovation_territoriale"]].tolist() == [True, True, True]
    assert len(result.tables["partners"]) == len(result.tables["budget"]) == 0
    assert (out / "partenaires.csv").exists()


def test_an_option_holding_a_comma_is_not_cut(tmp_path):
    corr = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    corr["dossiers"]["innovation_territoriale"]["autres_options"] = ["Autre, à préciser"]
    (tmp_path / "corr.yaml").write_text(yaml.safe_dump(corr, allow_unicode=True), encoding="utf-8")
    export = valid_export()
    export["dossiers"][0]["Type(s) d'innovation sociale"] = "Autre, à préciser, Territoriale"
    result, _ = import_ds(write_export(tmp_path / "e.xlsx", export), tmp_path / "corr.yaml", tmp_path / "out")
    first = result.tables["dossiers"].iloc[0]
    assert [first.innovation_services_produits, first.innovation_organisationnelle, first.innovation_territoriale] \
        == [False, False, True]


@pytest.mark.parametrize("suffix", ["xlsx", "ods"])
def test_every_problem_of_the_export_at_once_exit_2_nothing_written(project, tmp_path, capsys, suffix):
    if suffix == "ods":
        pytest.importorskip("odf", reason="odfpy (lecture des .ods) n'est pas une dépendance épinglée du kit")
    export = valid_export()
    export["dossiers"][1]["Montant de l'aide sollicitée (€)"] = "trente mille"
    export["dossiers"][0]["Statut juridique de la structure"] = "SCOP"
    export["dossiers"][2]["Type(s) d'innovation sociale"] = "Services et produits, Numérique"
    export["dossiers"][2]["Date de fin de l'action"] = dt.datetime(2016, 10, 1)
    export["dossiers"][2]["2. Résumé de l'action en 20 lignes"] = None
    export["partners"][4]["Dossier ID"] = "99999"
    export["partners"][0]["Type de partenaire"] = "Mécène"
    export["budget"][2]["Mois de fin (1 à 24)"] = "fin 2018"
    path = (write_export if suffix == "xlsx" else write_ods)(tmp_path / f"export.{suffix}", export)
    out = tmp_path / "import"
    assert main(["import-ds", str(path), "--correspondance", str(EXAMPLE), "--out", str(out)]) == 2
    assert not out.exists()
    err = capsys.readouterr().err.replace(f"export.{suffix},", "export.xlsx,").splitlines()
    assert err == [
        "8 problèmes dans les fichiers d'entrée ; rien n'a été écrit.",
        "  - export.xlsx, feuille « (12) 8. Partenaires de l'actio », ligne 2, colonne « Type de partenaire » : "
        "valeur « Mécène » absente de la correspondance (correspondance-ami-2016.yaml, clé « partenaires > colonnes > "
        "partner_type > valeurs ») ; valeurs prévues : « Entreprise », « Association », « Collectivité territoriale », "
        "« EPCI », « Autre établissement public », « Organisation syndicale », « Organisation professionnelle », "
        "« Collectif d'usagers », « Équipe de recherche », « Citoyens, usagers »",
        "  - export.xlsx, feuille « (12) 8. Partenaires de l'actio », ligne 6, colonne « Dossier ID » : dossier "
        "n° 99999 absent de la feuille « Dossiers »",
        "  - export.xlsx, feuille « (15) 7. Depenses previsionnell », ligne 4, colonne « Mois de fin (1 à 24) » : "
        "valeur « fin 2018 » illisible : attendu un nombre entier, par exemple 12 (colonne « Mois de fin » de "
        "budget_previsionnel.csv)",
        "  - export.xlsx, feuille « Dossiers », ligne 2, colonne « Statut juridique de la structure » : valeur « SCOP » "
        "absente de la correspondance (correspondance-ami-2016.yaml, clé « dossiers > legal_category > valeurs ») ; "
        "valeurs prévues : « Association loi 1901 », « Entreprise (SARL, SAS, SA, SCOP, SCIC…) », « Collectivité "
        "territoriale », « EPCI », « Autre établissement public », « Organisation syndicale », « Organisation "
        "professionnelle », « Collectif d'usagers doté de la personnalité morale », « Collectif sans personnalité "
        "morale »",
        "  - export.xlsx, feuille « Dossiers », ligne 3, colonne « Montant de l'aide sollicitée (€) » : valeur « trente "
        "mille » illisible : attendu un montant, par exemple 12 500,00 (colonne « Montant de l'aide sollicitée (EUR) » "
        "de dossiers.csv)",
        "  - export.xlsx, feuille « Dossiers », ligne 4 : la date de fin précède la date de démarrage",
        "  - export.xlsx, feuille « Dossiers », ligne 4, colonne « 2. Résumé de l'action en 20 lignes » : valeur "
        "obligatoire manquante (colonne « 2. Résumé de l'action en 20 lignes » de dossiers.csv)",
        "  - export.xlsx, feuille « Dossiers », ligne 4, colonne « Type(s) d'innovation sociale » : option « Numérique » "
        "inconnue ; options prévues par correspondance-ami-2016.yaml : « Services et produits », « Organisationnelle », "
        "« Territoriale » (les autres options se déclarent dans « autres_options »)",
    ]


def test_export_not_as_the_correspondence_expects(tmp_path):
    export = valid_export()
    for row in export["dossiers"]:
        row["Montant de l'aide demandée (€)"] = row.pop("Montant de l'aide sollicitée (€)")
    export["etablissements"].pop()
    path = tmp_path / "export.xlsx"
    wb_fields = [f if f != "Montant de l'aide sollicitée (€)" else "Montant de l'aide demandée (€)" for f in FIELDS]
    wb = Workbook()
    ws = wb.active
    ws.title = "Dossiers"
    ws.append(DOSSIER_COLUMNS + wb_fields)
    for row in export["dossiers"]:
        ws.append([row.get(h) for h in DOSSIER_COLUMNS + wb_fields])
    ws = wb.create_sheet("Etablissements")
    ws.append(ETABLISSEMENT_COLUMNS)
    for row in export["etablissements"]:
        ws.append([row.get(h) for h in ETABLISSEMENT_COLUMNS])
    wb.save(path)
    with pytest.raises(InputError) as exc:
        import_ds(path, EXAMPLE, tmp_path / "out")
    assert messages(exc) == [
        "export.xlsx : aucune feuille « (N) 7. Dépenses prévisionnelles sur 24 mois » pour le bloc répétable ; "
        "feuilles présentes : « Dossiers », « Etablissements »",
        "export.xlsx : aucune feuille « (N) 8. Partenaires de l'action » pour le bloc répétable ; feuilles "
        "présentes : « Dossiers », « Etablissements »",
        "export.xlsx, feuille « Dossiers », colonne « Montant de l'aide sollicitée (€) » : colonne absente (demandée "
        "par correspondance-ami-2016.yaml, clé « dossiers > requested_amount ») ; voulait-on dire « Montant de "
        "l'aide demandée (€) » ?",
    ]
    assert not (tmp_path / "out").exists()


def test_a_dossier_without_its_etablissement(tmp_path):
    export = valid_export()
    export["etablissements"].pop()
    with pytest.raises(InputError) as exc:
        import_ds(write_export(tmp_path / "export.xlsx", export), EXAMPLE, tmp_path / "out")
    assert messages(exc) == [
        "export.xlsx, feuille « Etablissements », dossier n° 10251 (aucun établissement du dossier), colonne "
        f"« {col} » : valeur obligatoire manquante (colonne « {kit} » de dossiers.csv)"
        for col, kit in (("Établissement code postal", "Département"), ("Établissement localité", "Commune"))]


def test_bad_correspondence(tmp_path):
    corr = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    del corr["dossiers"]["stage"]
    corr["dossiers"]["budget_total"] = "Budget"
    corr["dossiers"]["legal_category"]["valeurs"]["Association loi 1901"] = "asso"
    corr["dossiers"]["dossier_id"] = "ID"
    corr["partenaires"]["colonnes"]["role"] = {"champ": "Rôle", "format": "majuscules"}
    path = tmp_path / "corr.yaml"
    path.write_text(yaml.safe_dump(corr, allow_unicode=True), encoding="utf-8")
    with pytest.raises(InputError) as exc:
        import_ds(write_export(tmp_path / "export.xlsx", valid_export()), path, tmp_path / "out")
    found = messages(exc)
    assert found[:2] == [
        "corr.yaml, clé « dossiers > budget_total » : colonne du kit inconnue ; colonnes permises : title, porteur, "
        "legal_category, siret, departement, commune, email, phone, porteur_presentation, summary, objectives, stage, "
        "target_publics, resources, forecast_accounts, territorial_project, research_mission, evaluation_method, "
        "innovation_services_produits, innovation_organisationnelle, innovation_territoriale, requested_amount, "
        "total_cost, filed_on, start_date, end_date, market_launched, earlier_aid, earlier_aid_region, "
        "publication_consent",
        "corr.yaml, clé « dossiers > dossier_id » : l'identifiant vient du numéro de dossier de la plateforme (« ID », "
        "« Dossier ID ») ; le préfixer avec « prefixe_identifiant »",
    ]
    assert found[2].startswith("corr.yaml, clé « dossiers > legal_category > valeurs » : « asso » n'est pas une valeur "
                               "du kit ; valeurs permises : « entreprise », « association »")
    assert found[3] == ("corr.yaml, clé « dossiers » : colonne obligatoire du kit « stage » (4. Stade d'avancement) "
                        "sans correspondance : dire de quel champ elle vient")
    assert found[4] == ("corr.yaml, clé « partenaires > colonnes > role > format » : format inconnu ; formats permis : "
                        "« departement », « commune »")
    assert len(found) == 5
    path.write_text("dossiers:\n  title: Intitulé\n", encoding="cp1252")
    with pytest.raises(InputError) as exc:
        import_ds(tmp_path / "export.xlsx", path, tmp_path / "out")
    assert messages(exc) == ["corr.yaml : encodage non reconnu : enregistrer le fichier en UTF-8"]
    path.write_text("dossiers:\n  title: [\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        import_ds(tmp_path / "export.xlsx", path, tmp_path / "out")
    assert messages(exc)[0].startswith("corr.yaml, ligne 3 : YAML illisible")


def test_csv_export_has_no_blocks(tmp_path):
    with pytest.raises(InputError) as exc:
        import_ds(DATA / "export-dossiers.csv", EXAMPLE, tmp_path / "out")
    assert messages(exc) == [
        f"export-dossiers.csv : un export CSV ne contient que la feuille « Dossiers » : le bloc « {label} » n'y est "
        f"pas ; exporter au format .xlsx, ou retirer « {key} » de correspondance-ami-2016.yaml"
        for label, key in ((BUDGET[1], "budget"), (PARTNERS[1], "partenaires"))]


def test_not_an_export(tmp_path):
    (tmp_path / "notes.ods").write_bytes(b"PK\x03\x04")
    (tmp_path / "notes.pdf").write_bytes(b"%PDF")
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 not a workbook")
    wb = Workbook()
    wb.active.title = "Feuil1"
    wb.save(tmp_path / "other.xlsx")
    wb.active.title = "Dossiers"
    wb.active.append(["Nom", "Prénom", "Montant"])
    wb.save(tmp_path / "list.xlsx")
    expected = {
        "notes.pdf": "notes.pdf : format non reconnu : attendu l'export de démarches-simplifiées au format .xlsx, .ods "
                     "ou .csv",
        "broken.xlsx": "broken.xlsx : classeur illisible : attendu un fichier .xlsx tel que démarches-simplifiées "
                       "l'exporte",
        "other.xlsx": "other.xlsx : feuille « Dossiers » absente ; feuilles présentes : « Feuil1 » : attendu un export "
                      "de démarches-simplifiées",
        "list.xlsx": ["list.xlsx, feuille « Dossiers », ligne 1, colonne « " + column + " » : colonne absente : attendu "
                      "un export de démarches-simplifiées (en-têtes trouvés : « Nom », « Prénom », « Montant »)"
                      for column in ("ID", "État du dossier")],
    }
    if importlib.util.find_spec("odf"):
        expected["notes.ods"] = "notes.ods : classeur illisible : attendu un fichier .ods tel que démarches-simplifiées " \
                                "l'exporte"
    else:  # odfpy is not a pinned dependency: an ods export is refused, with the way out
        expected["notes.ods"] = ("notes.ods : lecture des classeurs .ods impossible : le module odfpy n'est pas "
                                 "installé ; exporter les dossiers au format .xlsx (ou .csv) depuis "
                                 "démarches-simplifiées")
    for name, message in expected.items():
        with pytest.raises(InputError) as exc:
            import_ds(tmp_path / name, EXAMPLE, tmp_path / "out")
        assert messages(exc) == (message if isinstance(message, list) else [message])


def test_never_writes_into_data_raw_nor_over_existing_tables(project, tmp_path):
    path = write_export(tmp_path / "export.xlsx", valid_export())
    raw = project / "data" / "raw" / "ds"
    with pytest.raises(InputError) as exc:
        import_ds(path, EXAMPLE, raw)
    assert messages(exc)[0].startswith(f"{raw} : écriture refusée dans {project / 'data' / 'raw'}")
    assert not raw.exists()
    out = tmp_path / "out"
    import_ds(path, EXAMPLE, out)
    before = (out / "dossiers.csv").read_bytes()
    (out / "dossiers.csv").write_text("modifié à la main", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        import_ds(path, EXAMPLE, out)
    assert messages(exc) == [f"{out / name} : existe déjà : laissé tel quel (--force pour le remplacer)"
                             for name in ("budget_previsionnel.csv", "dossiers.csv", "partenaires.csv")]
    import_ds(path, EXAMPLE, out, force=True)
    assert (out / "dossiers.csv").read_bytes() == before
    assert sorted(p.name for p in out.iterdir()) == ["budget_previsionnel.csv", "dossiers.csv", "partenaires.csv"]


def with_wrong_dimensions(path: Path) -> Path:
    """The workbook as some streaming writers leave it: a <dimension> that says « A1 » only, which
    openpyxl's read-only mode would trust (the platform streams its workbooks with xlsxtream)."""
    out = path.with_name("streamed-" + path.name)
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                data = re.sub(rb"<dimension [^>]*/>", b'<dimension ref="A1"/>', data)
            dst.writestr(item, data)
    return out


def test_a_streamed_workbook_reads_the_same(tmp_path):
    path = write_export(tmp_path / "export.xlsx", valid_export())
    streamed = with_wrong_dimensions(path)
    assert b'<dimension ref="A1"/>' in zipfile.ZipFile(streamed).read("xl/worksheets/sheet1.xml")
    expected, _ = import_ds(path, EXAMPLE, tmp_path / "a")
    found, _ = import_ds(streamed, EXAMPLE, tmp_path / "b")
    for table in ("dossiers", "partners", "budget"):
        pd.testing.assert_frame_equal(found.tables[table], expected.tables[table])


def test_dossiers_left_out_for_their_state(tmp_path, capsys):
    export = valid_export()
    export["dossiers"][2]["État du dossier"] = "Classé sans suite"
    export["dossiers"][2]["Montant de l'aide sollicitée (€)"] = "à préciser"  # not read: the dossier is left out
    path = write_export(tmp_path / "export.xlsx", export)
    assert main(["import-ds", str(path), "--correspondance", str(EXAMPLE), "--out", str(tmp_path / "out")]) == 0
    result, _ = import_ds(path, EXAMPLE, tmp_path / "out", force=True)
    assert result.excluded == {"10251": "Classé sans suite"}
    assert result.tables["dossiers"]["dossier_id"].tolist() == ["DS-10234", "DS-10240"]
    assert "DS-10251" not in set(result.tables["partners"]["dossier_id"]) | set(result.tables["budget"]["dossier_id"])
    err = capsys.readouterr().err
    assert "1 dossier écarté par « etats_exclus » : n° 10251 (Classé sans suite)" in err


def write_ods(path: Path, export: dict) -> Path:
    """The same export as an OpenDocument workbook (written by pandas through odfpy)."""
    sheets = {"Dossiers": (DOSSIER_COLUMNS + FIELDS, export["dossiers"]),
              "Etablissements": (ETABLISSEMENT_COLUMNS, export["etablissements"]),
              sheet_name(*PARTNERS[:2]): (["Dossier ID", "Ligne", *PARTNERS[2]], export["partners"]),
              sheet_name(*BUDGET[:2]): (["Dossier ID", "Ligne", *BUDGET[2]], export["budget"])}
    with pd.ExcelWriter(path, engine="odf") as writer:
        for name, (headers, rows) in sheets.items():
            pd.DataFrame([[r.get(h) for h in headers] for r in rows], columns=headers, dtype=object) \
                .to_excel(writer, sheet_name=name, index=False)
    return path


def test_ods_export_reads_as_the_xlsx_one(tmp_path):
    pytest.importorskip("odf", reason="odfpy (lecture des .ods) n'est pas une dépendance épinglée du kit")
    expected, _ = import_ds(write_export(tmp_path / "export.xlsx", valid_export()), EXAMPLE, tmp_path / "a")
    found, _ = import_ds(write_ods(tmp_path / "export.ods", valid_export()), EXAMPLE, tmp_path / "b")
    for table in ("dossiers", "partners", "budget"):
        pd.testing.assert_frame_equal(found.tables[table], expected.tables[table])
