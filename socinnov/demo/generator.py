"""A seeded generator of a realistic synthetic cohort for the 2016 ALPC call.

The cohort imitates what the Region's services would hold after the call of 2016: dossiers
filed by fictitious porteurs across the twelve départements, their partners and forecast
budgets, a jury of nine fictitious members rating the eligible dossiers on the acceptability
grid (two rounds: individually, then after debate) in a connected incomplete design that
honours the declared conflicts of interest, feasibility ratings of the retained dossiers, the
jury's decisions validated by the comité d'élu-e-s, and the follow-up of the funded
experiments: waves, re-assessments on the acceptability grid, indicators, spending, reports and
payments (two experiments abandoned, one report late with an expense after the 24 months, one
under-spend, one experiment spreading). About a dozen dossiers break one or two eligibility
rules of the call.

Every random draw comes from one ``numpy.random.default_rng(seed)``, in a fixed order, so the
same seed gives the same frames and byte-identical files. :func:`generate` returns typed
frames with the schemas' English column names; :func:`write_demo` writes the cohort folder as a
user would supply it (French headers, ``;``, UTF-8 with BOM, French dates and amounts).

All names, identifiers and contact details are fictitious: SIRET numbers start with ``000``,
e-mail addresses end in ``.exemple.fr``, telephone numbers are in the ``01 99 00`` range.
Real communes and départements only place the dossiers.
"""

from __future__ import annotations

import re
import unicodedata
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from socinnov import files
from socinnov.call import grids, settings
from socinnov.call import vocabulary as voc
from socinnov.call.schemas import TABLES, TABLES_BY_NAME
from socinnov.inputs.tabular import write_table

__all__ = ["DEFAULT_N_DOSSIERS", "DEFAULT_SEED", "ENVELOPE", "generate", "is_connected", "write_demo"]

DEFAULT_SEED = 2016
#: The two committed demo cohorts: the 2016 call, and a second call year rated with the refined grid.
EDITIONS = {
    "demo": dict(seed=2016, n_dossiers=120, compare_with="demo-2018"),
    "demo-2018": dict(seed=2018, n_dossiers=110, year=2018, acceptability_version="2018", compare_with="demo"),
}
DEFAULT_N_DOSSIERS = 120
ENVELOPE = 700_000.0
"""The demo cohort's envelope (EUR), written to its ``appel.yaml``; the call fixes none."""

JURY_DATES = (pd.Timestamp("2016-09-27"), pd.Timestamp("2016-09-28"))
COMMITTEE_DATES = (pd.Timestamp("2016-10-20"), pd.Timestamp("2016-11-17"))
N_JURORS = 9
FOLLOWUP_WAVES = (0, 6, 12, 18, 24)
MARKET_CRITERIA_DIMENSION = "marche"

# --------------------------------------------------------------------------------------------
# Textual material (French, fictitious)
# --------------------------------------------------------------------------------------------

# Département -> territories, each with the complement used in titles and its real communes.
TERRITORIES: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "16": (
        ("de la Charente limousine", ("Confolens", "Chabanais", "Montembœuf")),
        ("du Cognaçais", ("Cognac", "Jarnac", "Segonzac")),
        ("du Sud-Charente", ("Barbezieux-Saint-Hilaire", "Chalais", "Montmoreau")),
        ("du Grand Angoulême", ("Angoulême", "Soyaux", "La Couronne")),
    ),
    "17": (
        ("du Pays rochelais", ("La Rochelle", "Aytré", "Lagord")),
        ("de la Haute-Saintonge", ("Jonzac", "Montendre", "Pons")),
        ("du Pays royannais", ("Royan", "Saujon", "La Tremblade")),
        ("du bassin de Marennes-Oléron", ("Marennes", "Le Château-d'Oléron", "Saint-Pierre-d'Oléron")),
        ("de la Saintonge", ("Saintes", "Saint-Jean-d'Angély", "Burie")),
    ),
    "19": (
        ("de la Haute-Corrèze", ("Ussel", "Meymac", "Bort-les-Orgues")),
        ("du Pays de Brive", ("Brive-la-Gaillarde", "Malemort", "Objat")),
        ("de la Xaintrie", ("Saint-Privat", "Argentat-sur-Dordogne", "Mercœur")),
        ("du Pays de Tulle", ("Tulle", "Égletons", "Uzerche")),
    ),
    "23": (
        ("du Plateau de Millevaches", ("Felletin", "Royère-de-Vassivière", "Gentioux-Pigerolles")),
        ("du Pays de Guéret", ("Guéret", "Sainte-Feyre", "Saint-Vaury")),
        ("de la Combraille creusoise", ("Auzances", "Évaux-les-Bains", "Chambon-sur-Voueize")),
        ("du Pays sostranien", ("La Souterraine", "Dun-le-Palestel", "Bénévent-l'Abbaye")),
    ),
    "24": (
        ("du Périgord vert", ("Nontron", "Thiviers", "Brantôme en Périgord")),
        ("du Périgord noir", ("Sarlat-la-Canéda", "Montignac", "Le Bugue")),
        ("du Bergeracois", ("Bergerac", "Lalinde", "Eymet")),
        ("du Ribéracois", ("Ribérac", "Tocane-Saint-Apre", "Verteillac")),
        ("du Grand Périgueux", ("Périgueux", "Boulazac Isle Manoire", "Trélissac")),
    ),
    "33": (
        ("du Médoc", ("Lesparre-Médoc", "Pauillac", "Soulac-sur-Mer")),
        ("de l'Entre-deux-Mers", ("Créon", "Targon", "Sauveterre-de-Guyenne")),
        ("du Libournais", ("Libourne", "Coutras", "Saint-Émilion")),
        ("du Bassin d'Arcachon", ("Arcachon", "La Teste-de-Buch", "Andernos-les-Bains")),
        ("de la métropole bordelaise", ("Bordeaux", "Bègles", "Mérignac", "Pessac", "Cenon")),
        ("du Sud-Gironde", ("Langon", "Bazas", "La Réole")),
        ("de la Haute-Gironde", ("Blaye", "Saint-André-de-Cubzac", "Bourg")),
    ),
    "40": (
        ("des Landes de Gascogne", ("Sabres", "Labouheyre", "Morcenx-la-Nouvelle")),
        ("de la Chalosse", ("Saint-Sever", "Hagetmau", "Mugron")),
        ("du Pays dacquois", ("Dax", "Saint-Paul-lès-Dax", "Pouillon")),
        ("du Marsan", ("Mont-de-Marsan", "Saint-Pierre-du-Mont", "Roquefort")),
    ),
    "47": (
        ("du Val de Garonne", ("Marmande", "Tonneins", "Le Mas-d'Agenais")),
        ("de l'Albret", ("Nérac", "Lavardac", "Mézin")),
        ("du Fumélois", ("Fumel", "Monsempron-Libos", "Tournon-d'Agenais")),
        ("de l'Agenais", ("Agen", "Le Passage", "Boé")),
        ("du Villeneuvois", ("Villeneuve-sur-Lot", "Sainte-Livrade-sur-Lot", "Pujols")),
    ),
    "64": (
        ("du Béarn des gaves", ("Orthez", "Salies-de-Béarn", "Sauveterre-de-Béarn")),
        ("du Haut-Béarn", ("Oloron-Sainte-Marie", "Arudy", "Bedous")),
        ("de la Soule", ("Mauléon-Licharre", "Tardets-Sorholus", "Barcus")),
        ("du Pays basque intérieur", ("Saint-Jean-Pied-de-Port", "Saint-Palais", "Hasparren")),
        ("de l'agglomération paloise", ("Pau", "Billère", "Lons")),
        ("de la côte basque", ("Bayonne", "Anglet", "Boucau")),
    ),
    "79": (
        ("de la Gâtine", ("Parthenay", "Secondigny", "Mazières-en-Gâtine")),
        ("du Bocage bressuirais", ("Bressuire", "Cerizay", "Mauléon")),
        ("du Mellois", ("Melle", "Celles-sur-Belle", "Brioux-sur-Boutonne")),
        ("du Thouarsais", ("Thouars", "Saint-Varent", "Airvault")),
        ("du Marais poitevin", ("Coulon", "Magné", "Mauzé-sur-le-Mignon")),
        ("du Niortais", ("Niort", "Chauray", "Aiffres")),
    ),
    "86": (
        ("du Montmorillonnais", ("Montmorillon", "L'Isle-Jourdain", "Lussac-les-Châteaux")),
        ("du Châtelleraudais", ("Châtellerault", "Naintré", "Lencloître")),
        ("du Loudunais", ("Loudun", "Les Trois-Moutiers", "Moncontour")),
        ("de Grand Poitiers", ("Poitiers", "Buxerolles", "Saint-Benoît", "Chasseneuil-du-Poitou")),
        ("du Civraisien", ("Civray", "Charroux", "Couhé")),
        ("du Haut-Poitou", ("Mirebeau", "Neuville-de-Poitou", "Vouillé")),
    ),
    "87": (
        ("du Haut-Limousin", ("Bellac", "Le Dorat", "Magnac-Laval")),
        ("des Monts d'Ambazac", ("Ambazac", "Saint-Sylvestre", "Bessines-sur-Gartempe")),
        ("de l'Ouest-Limousin", ("Saint-Junien", "Rochechouart", "Oradour-sur-Vayres")),
        ("du Pays de Saint-Yrieix", ("Saint-Yrieix-la-Perche", "Châlus", "Nexon")),
        ("de Limoges Métropole", ("Limoges", "Isle", "Panazol", "Couzeix")),
        ("de la Montagne limousine", ("Eymoutiers", "Peyrat-le-Château", "Châteauneuf-la-Forêt")),
    ),
}
OUT_OF_REGION = {"75": ("de Paris", ("Paris",)), "31": ("du Toulousain", ("Toulouse",))}

# Dossiers per département: more in Gironde, Vienne and Haute-Vienne.
DEPARTEMENT_WEIGHTS = {
    "16": 5, "17": 6, "19": 5, "23": 4, "24": 6, "33": 18,
    "40": 5, "47": 5, "64": 7, "79": 6, "86": 14, "87": 14,
}

LEGAL_CATEGORY_WEIGHTS = {
    "association": 56,
    "entreprise": 20,
    "collectivité territoriale": 7,
    "EPCI": 7,
    "autre établissement public": 4,
    "organisation professionnelle": 2,
    "organisation syndicale": 1,
    "collectif d'usagers doté de la personnalité morale": 3,
}
STAGE_WEIGHTS = {"amorçage": 45, "développement": 35, "essaimage": 12, "changement d'échelle": 8}


@dataclass(frozen=True)
class Theme:
    """A family of social-innovation projects: how its dossiers are titled and described."""

    key: str
    stems: tuple[str, ...]
    sentences: tuple[str, ...]
    objectives: str
    publics: str
    environment: float  # how central environmental stakes are (-1 .. 1)
    market: float  # probability that an association's project seeks a market
    innovation: tuple[float, float, float]  # P(services/produits), P(organisationnelle), P(territoriale)


THEMES: tuple[Theme, ...] = (
    Theme("epicerie", ("Épicerie solidaire itinérante", "Épicerie participative et solidaire"), (
        "Une épicerie installée dans un camion aménagé dessert chaque semaine une dizaine de communes sans commerce de proximité.",
        "Les produits, en grande partie issus de producteurs locaux, sont vendus à des prix différenciés selon le quotient familial.",
        "Les bénéficiaires participent au choix des produits et à la tenue des permanences.",
    ), "Rendre accessible une alimentation de qualité aux ménages modestes ; recréer du lien social dans les bourgs.",
        "Ménages à faibles revenus, personnes âgées isolées des communes rurales", 0.3, 0.5, (0.9, 0.4, 0.7)),
    Theme("mobilite", ("Plateforme de mobilité solidaire", "Garage solidaire et location de véhicules à bas coût"), (
        "La plateforme recense les solutions de déplacement existantes et propose un conseil en mobilité individualisé.",
        "Un parc de voitures et de deux-roues est loué à tarif solidaire pour les trajets vers l'emploi ou la formation.",
        "Le covoiturage de proximité est organisé avec les entreprises de la zone d'activités.",
    ), "Lever le frein de la mobilité dans l'accès à l'emploi et à la formation.",
        "Demandeurs d'emploi, jeunes en insertion, salariés précaires sans véhicule", 0.4, 0.3, (0.8, 0.5, 0.6)),
    Theme("tiers_lieu", ("Tiers-lieu rural et solidaire", "Tiers-lieu nourricier"), (
        "Une ancienne école est réhabilitée en tiers-lieu ouvert aux habitants, aux associations et aux travailleurs indépendants.",
        "Le lieu accueille un espace de travail partagé, un atelier de fabrication et une cuisine collective.",
        "Sa programmation est décidée par un conseil d'usagers qui se réunit chaque mois.",
    ), "Créer un lieu de rencontre et de coopération ; soutenir les initiatives des habitants.",
        "Habitants, associations locales, travailleurs indépendants, jeunes du territoire", 0.2, 0.3, (0.4, 0.8, 0.8)),
    Theme("habitat", ("Colocation solidaire intergénérationnelle", "Habitat partagé intergénérationnel"), (
        "Le projet met en relation des personnes âgées disposant d'une chambre libre et des jeunes en recherche de logement.",
        "Une charte d'engagement réciproque précise les services rendus en échange d'un loyer modéré.",
        "Un binôme de médiateurs accompagne chaque colocation pendant la première année.",
    ), "Rompre l'isolement des aînés ; faciliter le logement des jeunes.",
        "Personnes âgées autonomes vivant seules, étudiants et jeunes actifs", -0.2, 0.1, (0.8, 0.6, 0.3)),
    Theme("ressourcerie", ("Ressourcerie créative", "Recyclerie et atelier de réemploi"), (
        "La ressourcerie collecte les objets et meubles dont les habitants se séparent, les répare et les revend à petit prix.",
        "Des ateliers de réparation et de détournement d'objets sont animés avec les habitants et les écoles.",
        "Les postes de valoriste sont proposés à des personnes éloignées de l'emploi.",
    ), "Réduire les déchets ; créer des emplois d'insertion ; sensibiliser au réemploi.",
        "Habitants, personnes en parcours d'insertion, écoles", 0.9, 0.6, (0.8, 0.5, 0.6)),
    Theme("conciergerie", ("Conciergerie solidaire de territoire",), (
        "La conciergerie propose aux salariés et aux habitants des services du quotidien assurés par des personnes en insertion.",
        "Elle s'appuie sur les commerçants et artisans du territoire, qu'elle contribue à faire connaître.",
    ), "Faciliter la vie quotidienne des actifs ; créer des emplois d'insertion ; soutenir le commerce local.",
        "Salariés des petites entreprises, habitants, personnes en insertion", 0.1, 0.7, (0.9, 0.6, 0.5)),
    Theme("legumerie", ("Légumerie solidaire pour la restauration collective", "Cuisine centrale en circuit court"), (
        "Une légumerie transforme les légumes des maraîchers voisins pour les cantines scolaires et les établissements médico-sociaux.",
        "Les producteurs, les cuisiniers et les gestionnaires d'établissements fixent ensemble les volumes et les prix.",
    ), "Introduire des produits locaux dans la restauration collective ; sécuriser le revenu des maraîchers.",
        "Cantines scolaires, EHPAD, maraîchers, salariés en insertion", 0.7, 0.5, (0.7, 0.6, 0.8)),
    Theme("aidants", ("Maison des aidants et solutions de répit", "Café des aidants et répit à domicile"), (
        "Le projet offre aux proches aidants des temps de répit, des groupes de parole et un relais à domicile assuré par des bénévoles formés.",
        "Les aidants eux-mêmes siègent au comité qui définit les services proposés.",
    ), "Prévenir l'épuisement des aidants ; maintenir le lien social.",
        "Proches aidants de personnes âgées dépendantes ou en situation de handicap", -0.4, 0.1, (0.9, 0.5, 0.3)),
    Theme("numerique", ("Médiation numérique itinérante", "Bus numérique solidaire"), (
        "Un médiateur numérique se déplace dans les mairies et les salles des fêtes pour accompagner les démarches en ligne.",
        "Des habitants formés deviennent à leur tour relais numériques dans leur commune.",
    ), "Réduire la fracture numérique ; rendre les habitants autonomes dans leurs démarches.",
        "Personnes éloignées du numérique, seniors, demandeurs d'emploi", -0.3, 0.1, (0.9, 0.4, 0.6)),
    Theme("maraichage", ("Jardins partagés d'insertion", "Ferme maraîchère d'insertion"), (
        "Des parcelles cultivées en agriculture biologique servent de support à des parcours d'insertion professionnelle.",
        "Une partie de la production est distribuée sous forme de paniers solidaires aux familles du quartier.",
    ), "Favoriser le retour à l'emploi ; rendre accessibles des légumes biologiques aux familles modestes.",
        "Personnes en parcours d'insertion, familles des quartiers prioritaires", 0.8, 0.4, (0.6, 0.6, 0.6)),
    Theme("velo", ("Atelier vélo participatif et vélo-école",), (
        "L'atelier permet à chacun d'apprendre à réparer son vélo avec l'aide de bénévoles et d'un mécanicien salarié.",
        "Une vélo-école accompagne les adultes, en particulier les femmes des quartiers, vers l'autonomie dans leurs déplacements.",
    ), "Développer l'usage du vélo au quotidien ; favoriser l'autonomie des personnes non motorisées.",
        "Habitants, jeunes, adultes souhaitant apprendre à faire du vélo", 0.7, 0.3, (0.8, 0.5, 0.4)),
    Theme("energie", ("Centrale villageoise photovoltaïque citoyenne", "Coopérative citoyenne d'énergie renouvelable"), (
        "Des habitants, des communes et des entreprises investissent ensemble dans des toitures photovoltaïques.",
        "Les bénéfices financent des actions de maîtrise de l'énergie auprès des ménages en précarité énergétique.",
    ), "Produire une énergie renouvelable gouvernée localement ; lutter contre la précarité énergétique.",
        "Habitants, collectivités, petites entreprises du territoire", 1.0, 0.8, (0.5, 0.8, 0.8)),
    Theme("sante", ("Maison de santé participative", "Parcours santé des habitants"), (
        "Professionnels de santé, élus et habitants construisent ensemble un projet de santé de territoire.",
        "Des ateliers de prévention sont co-animés par des habitants relais.",
    ), "Améliorer l'accès aux soins et à la prévention ; impliquer les habitants dans leur parcours de santé.",
        "Habitants des zones peu dotées en médecins, personnes sans suivi médical", -0.2, 0.1, (0.7, 0.7, 0.7)),
    Theme("culture", ("Fabrique culturelle itinérante", "Résidences d'artistes chez l'habitant"), (
        "Une compagnie installe pendant plusieurs semaines un atelier de création dans les villages.",
        "Les habitants sont associés à l'écriture et à la mise en scène d'un spectacle présenté en fin de résidence.",
    ), "Rapprocher la création artistique des habitants des communes rurales.",
        "Habitants des communes rurales éloignées de l'offre culturelle", -0.1, 0.2, (0.7, 0.4, 0.7)),
    Theme("petite_enfance", ("Crèche à horaires atypiques", "Garde d'enfants partagée pour horaires décalés"), (
        "Le projet propose une garde d'enfants adaptée aux horaires décalés des salariés de la santé, du commerce et de l'industrie.",
        "Les entreprises du territoire cofinancent les places réservées à leurs salariés.",
    ), "Concilier vie professionnelle et vie familiale ; lever un frein à l'emploi des femmes.",
        "Parents travaillant en horaires décalés, familles monoparentales", -0.3, 0.3, (0.9, 0.6, 0.4)),
    Theme("circuits_courts", ("Plateforme de circuits courts paysans", "Drive fermier coopératif"), (
        "Une plateforme logistique mutualisée permet aux petits producteurs de livrer ensemble commerces, cantines et particuliers.",
        "Les producteurs gouvernent la plateforme au sein d'une coopérative ouverte aux consommateurs.",
    ), "Structurer les circuits courts ; améliorer le revenu des petits producteurs.",
        "Producteurs locaux, consommateurs, restauration collective", 0.7, 0.7, (0.6, 0.7, 0.8)),
    Theme("saisonniers", ("Logement temporaire pour saisonniers et apprentis",), (
        "Des logements vacants chez l'habitant ou dans le parc communal sont mobilisés pour les saisonniers et les apprentis.",
        "Un référent assure la mise en relation, la contractualisation et la médiation.",
    ), "Faciliter l'accès au logement des travailleurs mobiles ; valoriser les logements vacants.",
        "Travailleurs saisonniers, apprentis, jeunes en formation", 0.0, 0.3, (0.8, 0.5, 0.6)),
    Theme("reemploi_btp", ("Plateforme de réemploi des matériaux du bâtiment",), (
        "Les matériaux issus des chantiers de déconstruction sont collectés, triés et revendus à bas prix.",
        "Un chantier d'insertion assure le tri et la préparation des matériaux.",
    ), "Réduire les déchets du bâtiment ; créer des emplois d'insertion.",
        "Artisans, particuliers autoconstructeurs, chantiers d'insertion", 0.9, 0.7, (0.7, 0.5, 0.6)),
    Theme("handicap", ("Habitat inclusif pour personnes en situation de handicap", "Emploi accompagné en milieu ordinaire"), (
        "Le projet propose un habitat partagé où des personnes en situation de handicap vivent en autonomie avec un accompagnement mutualisé.",
        "Les habitants, les familles et les professionnels définissent ensemble le projet de vie partagé.",
    ), "Offrir une alternative à l'établissement ; favoriser l'inclusion dans la cité.",
        "Personnes en situation de handicap, familles, employeurs", -0.3, 0.1, (0.8, 0.7, 0.4)),
    Theme("jeunes", ("Coopérative jeunesse de services", "Fabrique à projets des jeunes ruraux"), (
        "Des jeunes de 16 à 18 ans créent et gèrent pendant l'été une coopérative proposant des services aux habitants et aux entreprises.",
        "Ils sont accompagnés par un comité local réunissant élus, entreprises et associations.",
    ), "Initier les jeunes à l'entrepreneuriat coopératif ; les impliquer dans la vie locale.",
        "Jeunes de 16 à 25 ans, en particulier en milieu rural", 0.0, 0.4, (0.6, 0.8, 0.6)),
)

GENERIC_SENTENCES = (
    "Le projet est né d'un diagnostic partagé conduit avec les habitants et les acteurs locaux.",
    "Un comité de pilotage réunit chaque trimestre le porteur, les partenaires et des représentants des bénéficiaires.",
    "L'expérimentation se déroulera d'abord sur un périmètre restreint avant d'être étendue.",
    "Une évaluation chemin faisant permettra d'ajuster le dispositif par essais et erreurs.",
    "Les partenaires mettent à disposition des locaux, du temps de travail et leur connaissance des publics.",
    "Le modèle économique repose sur une combinaison de recettes propres, de financements publics et de bénévolat.",
    "Les résultats seront partagés lors de rencontres ouvertes afin de favoriser l'essaimage.",
    "La démarche s'inscrit dans le projet de territoire porté par l'intercommunalité.",
)
LONG_SENTENCES = (
    "Le territoire concerné cumule un vieillissement marqué de la population, un éloignement des services publics et une faible densité de transports, ce qui rend les réponses classiques peu adaptées.",
    "La première année sera consacrée à la co-construction du dispositif : ateliers avec les habitants, entretiens avec les professionnels, visites d'initiatives comparables dans d'autres régions.",
    "La deuxième année permettra de stabiliser l'organisation, de former des relais locaux et de préparer la transmission de la démarche à d'autres territoires volontaires.",
    "Les bénéficiaires ne sont pas seulement consultés : plusieurs d'entre eux siègent au comité de pilotage, animent des ateliers et participent au recrutement des salariés.",
    "Le partenariat avec les collectivités permet de mobiliser des locaux à faible coût et d'articuler l'action avec les politiques sociales existantes sans s'y substituer.",
    "Une attention particulière est portée à l'accessibilité : permanences dans les bourgs, horaires adaptés, accompagnement physique des personnes les moins autonomes.",
    "L'équipe a identifié les risques principaux, notamment la dépendance à des financements temporaires et l'essoufflement des bénévoles, et prévoit des mesures pour les limiter.",
    "Les indicateurs de suivi ont été définis avec les partenaires : nombre de personnes accompagnées, évolution de leur situation, qualité des liens créés, coûts évités pour la collectivité.",
    "La démarche fera l'objet d'une capitalisation écrite et filmée, mise à disposition des autres porteurs de la région.",
    "À terme, le porteur souhaite que le dispositif soit gouverné par une structure coopérative associant usagers, salariés, collectivités et partenaires économiques.",
    "Les premiers contacts avec les communes voisines montrent un intérêt réel pour accueillir la démarche une fois le modèle éprouvé.",
    "Le projet veille enfin à limiter son empreinte environnementale : mutualisation des déplacements, réemploi du matériel, achats auprès de fournisseurs locaux.",
)

ASSOCIATION_NAMES = (
    "Les Fourmis Vertes", "Clé des Champs", "Le Grenier Partagé", "Les Beaux Lendemains", "Éclats de Rue",
    "Relais des Bourgs", "La Boussole", "Racines et Rameaux", "Le Chaudron Commun", "Les Hirondelles du Coin",
    "Horizons Solidaires", "Le Champ des Possibles", "Terres d'Entraide", "Les Petits Chemins", "Rebonds",
    "La Roue Libre", "Passerelles", "L'Arbre à Palabres", "Ensemble Autrement", "Vivre et Partager",
    "Le Fil d'Ariane", "Les Ateliers du Lien", "Cap Solidarités", "La Fabrique Commune", "Les Communs du Bourg",
    "Voisinages", "Graines de Liens", "Solid'Aire", "Entr'aide Rurale", "Les Mains Ouvertes",
    "Au Fil des Saisons", "La Courte Échelle", "Trait d'Union", "Les Liens du Pays", "Bouts de Chemin",
    "L'Escale Partagée", "Pas à Pas", "La Maison des Possibles", "Les Sentiers Communs", "Main dans la Main",
)
COMPANY_FORMS = ("SCOP", "SCIC", "SAS ESS", "SCIC SAS", "SARL SCOP")
COMPANY_NAMES = (
    "Boucle Locale", "Les Artisans du Réemploi", "Coop des Communs", "Terrasol", "Solencia",
    "Ligne Douce", "Vélocité Partagée", "Cœur de Filière", "Récolte Commune", "Atelier Tandem",
    "Énergies du Pays", "Panier Voisin", "Habiter Ensemble", "Relais Rural", "Matériaux Citoyens",
)
PERSON_FIRST = ("Camille", "Dominique", "Claude", "Sacha", "Alix", "Maxime", "Andréa", "Lou")
JUROR_NAMES = (
    "Hélène Fictive", "Marc Exemple", "Nadia Lambda", "Pierre Témoin", "Sophie Modèle",
    "Karim Essai", "Julie Maquette", "Bruno Prototype", "Élodie Spécimen", "Thomas Simulé",
)
JUROR_PANEL = (
    ("élu·e", "Conseil régional ALPC (délégation fictive à l'innovation sociale)"),
    ("équipe projet", "Région ALPC, équipe projet innovation sociale"),
    ("équipe projet", "Région ALPC, équipe projet innovation sociale"),
    ("direction de la Région", "Région ALPC, direction de l'économie sociale et solidaire"),
    ("direction de la Région", "Région ALPC, direction de la cohésion territoriale"),
    ("partenaire technique", "Agence régionale d'innovation (fictive)"),
    ("partenaire technique", "Réseau régional d'accompagnement ESS (fictif)"),
    ("réseau de recherche", "Laboratoire de sociologie (université fictive)"),
    ("personne qualifiée", None),
    ("partenaire technique", "Fonds territorial de garantie (fictif)"),
)

PARTNER_NAMES: dict[str, tuple[str, ...]] = {
    "association": ("Centre social {t}", "Association des familles {t}", "Foyer rural {t}",
                    "Mission d'accueil des jeunes {t}", "Association des aînés {t}", "Banque alimentaire {t}"),
    "entreprise": ("SCOP Ateliers {t}", "Entreprise d'insertion {t}", "Coopérative agricole {t}",
                   "Bureau d'études Territoires Vivants", "SAS Transports Solidaires {t}"),
    "collectivité territoriale": ("Commune de {c}", "Département (direction de l'insertion)"),
    "EPCI": ("Communauté de communes {t}", "Syndicat mixte du pays {t}"),
    "autre établissement public": ("CCAS de {c}", "Lycée agricole de {c}", "Office de tourisme {t}"),
    "organisation syndicale": ("Union locale syndicale {t}",),
    "organisation professionnelle": ("Groupement des artisans {t}", "Union des commerçants {t}"),
    "collectif d'usagers doté de la personnalité morale": ("Collectif d'habitants {t}", "Conseil citoyen {t}"),
    "équipe de recherche": ("Équipe « Territoires solidaires » (université de Poitiers)",
                            "Équipe « Économie sociale et coopérations » (université de Bordeaux)",
                            "Équipe « Innovations et ruralités » (université de Limoges)",
                            "Équipe « Action publique locale » (université de Pau et des Pays de l'Adour)",
                            "Équipe « Solidarités et santé » (université de La Rochelle)"),
    "citoyens, usagers": ("Groupe d'habitants bénéficiaires", "Comité des usagers", "Bénévoles du réseau {t}"),
}
PARTNER_ROLES: dict[str, tuple[str, ...]] = {
    "association": ("orientation des bénéficiaires", "animation des ateliers", "mobilisation des bénévoles",
                    "mise à disposition de locaux"),
    "entreprise": ("appui logistique", "accueil de personnes en immersion", "expertise technique",
                   "cofinancement et mécénat de compétences"),
    "collectivité territoriale": ("mise à disposition de locaux", "cofinancement", "relais auprès des habitants"),
    "EPCI": ("cofinancement", "articulation avec le projet de territoire", "appui logistique"),
    "autre établissement public": ("orientation des publics", "accueil d'ateliers", "relais d'information"),
    "organisation syndicale": ("relais auprès des salariés",),
    "organisation professionnelle": ("mobilisation des entreprises adhérentes", "expertise métier"),
    "collectif d'usagers doté de la personnalité morale": ("représentation des usagers au comité de pilotage",
                                                            "co-construction des services"),
    "équipe de recherche": ("évaluation et suivi scientifique", "recherche-action sur le modèle expérimenté",
                            "analyse des effets sur les bénéficiaires"),
    "citoyens, usagers": ("co-construction du dispositif", "participation au comité de pilotage",
                          "témoignages et essaimage"),
}
PARTNER_TYPE_WEIGHTS = {
    "association": 30, "entreprise": 14, "collectivité territoriale": 16, "EPCI": 10,
    "autre établissement public": 8, "organisation syndicale": 1, "organisation professionnelle": 4,
    "collectif d'usagers doté de la personnalité morale": 4, "citoyens, usagers": 10,
}

BUDGET_LABELS: dict[str, tuple[str, ...]] = {
    "recherche et développement": ("Conception et test du prototype de service", "Vacations de chercheurs",
                                   "Équipement du lieu d'expérimentation", "Développement de l'outil numérique"),
    "étude et analyse": ("Étude des besoins auprès des habitants", "Diagnostic territorial partagé",
                         "Étude de faisabilité économique", "Évaluation à mi-parcours"),
    "frais de mission": ("Déplacements des animateurs sur le territoire", "Frais de mission des partenaires",
                         "Hébergement et restauration lors des rencontres"),
    "temps de travail": ("Temps de coordination du projet", "Temps de travail de l'animatrice",
                         "Temps passé par les salariés au développement du projet"),
    "commercialisation": ("Campagne de lancement commercial",),
}

CONFLICT_REASONS = (
    "Administrateur·rice de la structure porteuse",
    "Partenaire de l'action",
    "Lien professionnel récent avec le porteur",
    "Membre du comité de pilotage de l'action",
    "Lien familial avec un membre de l'équipe",
)

REORIENTATION_TARGETS = {
    "incubateur": "incubateur d'innovation sociale",
    "france_active": "France Active (garantie, prêt d'honneur)",
    "dla": "dispositif local d'accompagnement (DLA)",
    "aap_ess": "appel à projets ESS de la Région",
}

# Comments a juror writes when departing from the others: key -> (if lower, if higher).
# Keys are acceptability criteria and feasibility sections.
DEPARTURE_COMMENTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "caractere_collectif": (("Collectif restreint, rôle des partenaires accessoire.",),
                            ("Collectif large et déjà engagé.",)),
    "richesse_collectif": (("Collectif peu diversifié.",), ("Bonne diversité des parties prenantes.",)),
    "collectif": (("Collectif restreint et peu diversifié.",), ("Collectif large et représentatif.",)),  # grille 2018
    "integration_beneficiaires": (("Bénéficiaires seulement consultés.",),
                                  ("Bénéficiaires réellement co-constructeurs.",)),
    "formalisation_gouvernance": (("Gouvernance à peine esquissée.",), ("Gouvernance claire et partagée.",)),
    "consistance_contenu": (("Services peu décrits, opérationnalité à démontrer.",),
                            ("Services bien identifiés et opérationnels.",)),
    "rupture_existant": (("Peu de rupture avec l'existant.",),
                         ("Démarche réellement nouvelle sur ce territoire.",)),
    "potentiel_transformation": (("Impact limité à un public restreint.",), ("Fort potentiel d'essaimage.",)),
    "ancrage_territorial": (("Projet un peu « hors sol ».",), ("Vrai projet de territoire.",)),
    "accessibilite_dispositif": (("Accessibilité peu travaillée.",),
                                 ("Solutions d'accès bien pensées (relais, mobilité).",)),
    "viabilite_economique": (("Viabilité économique incertaine.",), ("Modèle économique réaliste.",)),
    "enjeux_environnementaux": (("Enjeux environnementaux seulement cités.",),
                                ("L'environnement est au cœur du projet.",)),
    "ouverture_recherche": (("Recherche seulement évoquée.",), ("Partenariat de recherche bien engagé.",)),
    "humain": (("Porteur engagé mais équipe réduite.", "Disponibilité du porteur à vérifier."),
               ("Équipe solide et complémentaire.",)),
    "marche": (("Marché cible mal délimité.",), ("Segment de marché pertinent.",)),
    "juridique": (("Cadre réglementaire à clarifier.",), ("Aspects juridiques maîtrisés.",)),
    "financier": (("Plan de financement à consolider.",), ("Plan de financement solide.",)),
    "experimentation": (("Prévoir une évaluation plus formalisée.",), ("Démarche expérimentale bien outillée.",)),
    "risque": (("Risque de fragilisation du porteur.",), ("Risques identifiés et maîtrisés.",)),
}
DEBATE_COMMENTS = ("Note revue après débat.", "Position révisée après échange avec le jury.")
MAINTAINED_COMMENT = "Position maintenue après débat."

TERRITORIAL_PROJECTS = (
    "Inscrit dans le projet de territoire de l'intercommunalité.",
    "Démarche soutenue par le conseil de développement du pays.",
    "Partenariat avec le réseau local de l'économie sociale et solidaire.",
    "Démarche concertée avec les communes voisines.",
)
RESEARCH_MISSIONS = (
    "Évaluer les effets de l'action sur les bénéficiaires (entretiens, observation participante).",
    "Accompagner la modélisation de la démarche en vue de son essaimage.",
    "Analyser la gouvernance partagée et ses effets sur le collectif.",
)
EVALUATION_METHODS = (
    "Indicateurs de fréquentation, questionnaires aux bénéficiaires, bilan à 12 et 24 mois.",
    "Évaluation participative avec le comité des usagers ; rapport annuel.",
    "Tableau de bord partagé avec les partenaires ; évaluation externe en fin d'action.",
)

# --------------------------------------------------------------------------------------------
# Ineligibility cases: each breaks one or two rules of the call
# --------------------------------------------------------------------------------------------

INELIGIBILITY_CASES = (
    "hors_region",
    "personne_physique",
    "aide_anterieure",
    "montant_excessif",
    "depot_tardif",
    "partenaire_unique",
    "mise_sur_le_marche",
    "commercialisation",
    "duree_excessive",
    "hors_region_et_montant",
)
"""In the order they are drawn: a small cohort gets the first ones."""


@dataclass
class Profile:
    """What the generator knows of a dossier before writing it: its latent traits.

    ``quality`` holds the latent quality of each acceptability dimension (Portage, Contenu,
    Contexte), ``feasibility`` the latent feasibility; ``case`` names the eligibility rule(s)
    the dossier breaks, if any. ``extra`` collects what is drawn while writing the dossier and
    read by the later tables: ``requested``, ``total``, ``start``, ``end``, ``months``,
    ``partner_types``, ``long_summary``, and for two funded experiments ``late_report`` and
    ``underspent``.
    """

    index: int
    dossier_id: str
    theme: Theme
    departement: str
    territory: str
    commune: str
    legal_category: str
    stage: str
    market: bool
    n_partners: int
    research: bool
    quality: dict[str, float]
    feasibility: float
    case: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def eligible(self) -> bool:
        return self.case is None


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------

@cache
def _call() -> settings.Call:
    """The 2016 call's parameters (ceiling, deadline, duration, grid versions), read once."""
    return settings.load_call()


# A later call year may rate with a refined acceptability grid: generate() sets this for its run.
_ACCEPTABILITY_VERSION: ContextVar[str | None] = ContextVar("acceptability_version", default=None)


def _grid(grid_id: str) -> grids.Grid:
    """A grid in the version the call names (or the refined acceptability version asked for)."""
    version = _ACCEPTABILITY_VERSION.get() if grid_id == grids.ACCEPTABILITY else None
    return grids.load_grid(grid_id, version or _call().grid_versions[grid_id])


def _pick(rng: np.random.Generator, options):
    """One element of a sequence, drawn uniformly."""
    return options[int(rng.integers(len(options)))]


def _weighted(rng: np.random.Generator, weights: dict):
    """One key of ``weights``, drawn with probability proportional to its value."""
    keys = list(weights)
    p = np.array([weights[k] for k in keys], dtype=float)
    return keys[int(rng.choice(len(keys), p=p / p.sum()))]


def _slug(text: str, max_len: int = 32) -> str:
    """ASCII, lower-case, hyphenated form of a name, for fictitious e-mail domains."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = [w for w in re.split(r"[^a-z0-9]+", ascii_text.lower()) if w]
    words = [w for w in words if w not in {"association", "de", "du", "des", "la", "le", "les", "l", "d"}]
    kept: list[str] = []
    for word in words:
        if kept and len("-".join(kept + [word])) > max_len:
            break
        kept.append(word)
    return "-".join(kept)[:max_len] or "porteur"


def _eur(amount: float) -> str:
    """An amount in whole euros as French text writes it: ``65 100``."""
    return f"{amount:,.0f}".replace(",", " ")


def _add_months(date: pd.Timestamp, months: int) -> pd.Timestamp:
    """The same day ``months`` calendar months later."""
    return date + pd.DateOffset(months=months)


def _round_to(value: float, step: float) -> float:
    """``value`` rounded to the nearest multiple of ``step``."""
    return float(step * round(value / step))


def _typed(rows: list[dict], table_name: str) -> pd.DataFrame:
    """A frame with the schema's columns, in order, each in its schema dtype."""
    schema = TABLES_BY_NAME[table_name].model.to_schema()
    df = pd.DataFrame(rows, columns=list(schema.columns))
    for name, col in schema.columns.items():
        kind = str(col.dtype)
        if kind.startswith("datetime64"):
            df[name] = pd.to_datetime(df[name]).astype("datetime64[ns]")
        elif kind in ("float64", "int64", "bool"):
            df[name] = df[name].astype(kind)
        else:
            df[name] = df[name].astype("str")
    return df


# --------------------------------------------------------------------------------------------
# Dossier profiles
# --------------------------------------------------------------------------------------------

def _draw_profile(rng: np.random.Generator, index: int) -> Profile:
    """Draw the latent traits of one (eligible-looking) dossier."""
    theme = _pick(rng, THEMES)
    departement = _weighted(rng, DEPARTEMENT_WEIGHTS)
    territory, communes = _pick(rng, TERRITORIES[departement])
    legal_category = _weighted(rng, LEGAL_CATEGORY_WEIGHTS)
    market = legal_category == "entreprise" or (
        legal_category in ("association", "collectif d'usagers doté de la personnalité morale")
        and rng.random() < theme.market * 0.4
    )
    n_partners = int(rng.choice([2, 3, 4, 5, 6], p=[0.2, 0.3, 0.25, 0.15, 0.1]))
    research = bool(rng.random() < 0.36)
    general = rng.normal()
    quality = {
        "portage": 0.65 * general + 0.75 * rng.normal() + 0.18 * (n_partners - 3.5),
        "contenu": 0.65 * general + 0.75 * rng.normal(),
        "contexte": 0.65 * general + 0.75 * rng.normal() + 0.25 * research,
    }
    return Profile(
        index=index, dossier_id=f"AMI16-{index + 1:03d}", theme=theme, departement=departement,
        territory=territory, commune=_pick(rng, communes), legal_category=legal_category,
        stage=_weighted(rng, STAGE_WEIGHTS), market=bool(market), n_partners=n_partners,
        research=research, quality=quality, feasibility=0.5 * general + 0.85 * rng.normal(),
    )


def _apply_case(rng: np.random.Generator, profile: Profile, case: str) -> None:
    """Make a profile break the rule(s) of ``case``."""
    profile.case = case
    if case in ("hors_region", "hors_region_et_montant"):
        profile.departement = "75" if case == "hors_region" else "31"
        profile.territory, communes = OUT_OF_REGION[profile.departement]
        profile.commune = communes[0]
        profile.legal_category, profile.market = "association", False
    elif case == "personne_physique":
        profile.legal_category = "personne physique"
        profile.market = False
    elif case == "aide_anterieure":
        profile.departement = _pick(rng, ("87", "19", "23"))
        profile.territory, communes = _pick(rng, TERRITORIES[profile.departement])
        profile.commune = _pick(rng, communes)
    elif case == "partenaire_unique":
        profile.n_partners = 1
        profile.research = False
    elif case in ("mise_sur_le_marche", "commercialisation"):
        profile.legal_category = "entreprise"
        profile.market = True


def draw_profiles(rng: np.random.Generator, n_dossiers: int) -> list[Profile]:
    """Latent traits of every dossier, about one in twelve breaking eligibility rules."""
    profiles = [_draw_profile(rng, i) for i in range(n_dossiers)]
    n_cases = min(len(INELIGIBILITY_CASES), max(3, round(n_dossiers / 12)))
    chosen = rng.choice(n_dossiers, size=n_cases, replace=False)
    for case, index in zip(INELIGIBILITY_CASES, sorted(int(i) for i in chosen)):
        _apply_case(rng, profiles[index], case)
    long_ones = rng.choice(n_dossiers, size=2, replace=False)
    for index in long_ones:
        profiles[int(index)].extra["long_summary"] = True
    return profiles


# --------------------------------------------------------------------------------------------
# Table: dossiers
# --------------------------------------------------------------------------------------------

URBAN_MARKERS = ("métropole", "Métropole", "Grand", "agglomération", "côte")


def _place_bound_name(rng: np.random.Generator, p: Profile) -> str:
    """Name of a porteur tied to its place (collectivity, public body, local organisation)."""
    cat, t = p.legal_category, p.territory
    if cat == "collectivité territoriale":
        return f"Commune de {p.commune}"
    if cat == "EPCI":
        urban = any(m in t for m in URBAN_MARKERS)
        return f"{'Syndicat intercommunal' if urban else 'Communauté de communes'} {t}"
    if cat == "autre établissement public":
        return _pick(rng, (f"CCAS de {p.commune}", f"Lycée agricole de {p.commune}"))
    if cat == "organisation professionnelle":
        return _pick(rng, (f"Groupement des artisans {t}", f"Union des commerçants {t}"))
    if cat == "organisation syndicale":
        return f"Union locale syndicale {t}"
    return f"Collectif d'usagers {t}"


def _move_within_departement(rng: np.random.Generator, p: Profile) -> None:
    """Place a dossier in another territory and commune of its département."""
    options = TERRITORIES.get(p.departement) or (OUT_OF_REGION[p.departement],)
    p.territory, communes = _pick(rng, options)
    p.commune = _pick(rng, communes)


def _porteur_name(rng: np.random.Generator, p: Profile, used: set[str]) -> str:
    """A fictitious structure name fitting the legal category, unique in the cohort."""
    for _ in range(200):
        cat = p.legal_category
        if cat == "association":
            name = f"Association {_pick(rng, ASSOCIATION_NAMES)}"
        elif cat == "entreprise":
            name = f"{_pick(rng, COMPANY_FORMS)} {_pick(rng, COMPANY_NAMES)}"
        elif cat == "personne physique":
            name = f"{_pick(rng, PERSON_FIRST)} Exemple (porteur individuel)"
        else:
            name = _place_bound_name(rng, p)
        if name in used and cat in ("association", "entreprise"):
            name = f"{name} {p.territory}"
        if name not in used:
            used.add(name)
            return name
        if cat not in ("association", "entreprise", "personne physique"):
            _move_within_departement(rng, p)
    raise RuntimeError("could not draw a unique porteur name")


def _presentation(rng: np.random.Generator, p: Profile, porteur: str) -> str:
    """Field 1, the porteur's presentation: status, age, size, accounts."""
    year = int(rng.integers(1985, 2016))
    staff = int(rng.integers(0, 12))
    if p.legal_category == "association":
        members = int(rng.integers(15, 400))
        return (f"Association loi 1901 créée en {year}, {members} adhérents, {staff} salarié·e·s ; "
                f"comptes 2015 approuvés en assemblée générale.")
    if p.legal_category == "entreprise":
        turnover = int(rng.integers(80, 1500))
        return (f"{porteur.split()[0]} créée en {year}, {staff + 2} salarié·e·s dont {max(1, staff // 2)} "
                f"associé·e·s ; chiffre d'affaires 2015 : {turnover} k€.")
    if p.legal_category == "collectivité territoriale":
        return f"Commune de {int(rng.integers(800, 30000))} habitants ; pilotage par le pôle solidarités."
    if p.legal_category == "EPCI":
        return (f"Intercommunalité de {int(rng.integers(8, 45))} communes et "
                f"{int(rng.integers(9, 90))} 000 habitants ; service développement local.")
    if p.legal_category == "personne physique":
        return "Porteuse de projet individuelle, travailleuse sociale en reconversion ; structure à créer."
    return f"Structure créée en {year}, {staff} salarié·e·s ; activité d'intérêt général sur le territoire."


def _summary(rng: np.random.Generator, p: Profile) -> str:
    """Summary of a few sentences; a very long one (over 20 lines) for a couple of dossiers."""
    sentences = list(p.theme.sentences)
    order = rng.permutation(len(GENERIC_SENTENCES))
    sentences += [GENERIC_SENTENCES[int(i)] for i in order[: int(rng.integers(1, 3))]]
    if p.extra.get("long_summary"):
        sentences += list(GENERIC_SENTENCES) + list(LONG_SENTENCES)
    return " ".join(sentences)


def _resources(rng: np.random.Generator, p: Profile) -> str:
    """Field 6, the means mobilised: staff, volunteers, governance, communication."""
    fte = _pick(rng, ("un mi-temps de coordination", "un poste de coordinateur·rice", "deux salariés à temps partiel"))
    volunteers = int(rng.integers(3, 40))
    return (f"{fte[0].upper()}{fte[1:]}, {volunteers} bénévoles ; comité de pilotage trimestriel ; "
            "communication par la presse locale et les réseaux sociaux.")


def _amounts(rng: np.random.Generator, p: Profile) -> tuple[float, float]:
    """Requested amount (mostly 15 000 - 40 000 EUR) and total cost (1.2 to 3 times it)."""
    if p.case in ("montant_excessif",):
        requested = 55_000.0
    elif p.case == "hors_region_et_montant":
        requested = 48_000.0
    elif rng.random() < 0.2:
        requested = _call().max_aid
    elif rng.random() < 0.12:
        requested = _round_to(rng.uniform(6_000, 15_000), 500)
    else:
        requested = _round_to(rng.uniform(15_000, 40_000), 500)
    total = _round_to(requested * rng.uniform(1.2, 3.0), 10)
    return requested, total


def _dates(rng: np.random.Generator, p: Profile) -> tuple[pd.Timestamp, pd.Timestamp, pd.Timestamp, int]:
    """Filing date, start and end of the action, and its duration in months."""
    if p.case == "depot_tardif":
        filed = pd.Timestamp("2016-09-12")
    elif rng.random() < 0.45:  # many file in the last days
        filed = pd.Timestamp(_call().deadline) - pd.Timedelta(days=int(rng.integers(0, 10)))
    else:
        filed = pd.Timestamp("2016-07-01") + pd.Timedelta(days=int(rng.integers(0, 57)))
    month_start = _add_months(pd.Timestamp("2016-10-01"), int(rng.integers(0, 4)))
    start = month_start if rng.random() < 0.6 else month_start + pd.Timedelta(days=int(rng.integers(1, 28)))
    months = 30 if p.case == "duree_excessive" else int(rng.choice([12, 18, 24, 24, 24, 20, 15]))
    end = _add_months(start, months) - pd.Timedelta(days=1)
    return filed, start, end, months


def _forecast_comment(rng: np.random.Generator, requested: float, total: float, months: int) -> str:
    """Field 7's comment on the forecast accounts (the lines are in the budget table)."""
    cofunder = _pick(rng, ("une fondation", "le Département", "l'intercommunalité", "les fonds propres",
                           "l'État (politique de la ville)"))
    return (f"Budget de {_eur(total)} EUR sur {months} mois, dont {100 * requested / total:.0f} % "
            f"sollicités auprès de la Région ; autre financeur : {cofunder}.")


def _innovation_flags(rng: np.random.Generator, p: Profile) -> list[bool]:
    """The three ways of social innovation of the call, at least one true."""
    flags = [bool(rng.random() < prob) for prob in p.theme.innovation]
    if not any(flags):
        flags[int(np.argmax(p.theme.innovation))] = True
    return flags


def _contact(rng: np.random.Generator, p: Profile, porteur: str, phones: set[str]) -> dict:
    """Fictitious SIRET (000…), e-mail (…exemple.fr) and telephone (01 99 00 …) of a porteur."""
    phone = None
    while phone is None or phone in phones:
        phone = f"01 99 00 {int(rng.integers(0, 100)):02d} {int(rng.integers(0, 100)):02d}"
    phones.add(phone)
    no_siret = p.legal_category == "personne physique" or rng.random() < 0.03
    return {
        "siret": None if no_siret else "000" + "".join(str(int(d)) for d in rng.integers(0, 10, 11)),
        "email": None if rng.random() < 0.02 else f"contact@{_slug(porteur)}.exemple.fr",
        "phone": None if rng.random() < 0.03 else phone,
    }


def _research_mission(rng: np.random.Generator, p: Profile) -> str | None:
    """Field 9, the research team's mission, when the dossier has one."""
    if p.research:
        return _pick(rng, RESEARCH_MISSIONS)
    return None if rng.random() < 0.7 else "Pas d'équipe de recherche associée à ce stade."


def _response_fields(rng: np.random.Generator, p: Profile, porteur: str) -> dict:
    """The free-text response fields 1 to 10 of the call (7 and 8 are also tables)."""
    x = p.extra
    return {
        "porteur_presentation": _presentation(rng, p, porteur),
        "summary": _summary(rng, p),
        "objectives": p.theme.objectives,
        "stage": p.stage,
        "target_publics": p.theme.publics,
        "resources": _resources(rng, p),
        "forecast_accounts": _forecast_comment(rng, x["requested"], x["total"], x["months"]),
        "territorial_project": _pick(rng, TERRITORIAL_PROJECTS),
        "research_mission": _research_mission(rng, p),
        "evaluation_method": _pick(rng, EVALUATION_METHODS),
    }


def _dossier_row(rng: np.random.Generator, p: Profile, used: set[str], phones: set[str]) -> dict:
    """One dossier: identity, contact, response fields, amounts, calendar, declarations."""
    porteur = _porteur_name(rng, p, used)
    title = f"{_pick(rng, p.theme.stems)} {p.territory}"
    requested, total = _amounts(rng, p)
    filed, start, end, months = _dates(rng, p)
    p.extra |= {"requested": requested, "total": total, "start": start, "end": end, "months": months}
    flags = _innovation_flags(rng, p)
    contact = _contact(rng, p, porteur, phones)
    earlier = p.case == "aide_anterieure"
    return {
        "dossier_id": p.dossier_id, "title": title, "porteur": porteur, "legal_category": p.legal_category,
        "siret": contact["siret"], "departement": p.departement, "commune": p.commune,
        "email": contact["email"], "phone": contact["phone"],
        **_response_fields(rng, p, porteur),
        **dict(zip(voc.INNOVATION_TYPES, flags)),
        "requested_amount": requested, "total_cost": total,
        "filed_on": filed, "start_date": start, "end_date": end,
        "market_launched": p.case == "mise_sur_le_marche",
        "earlier_aid": earlier,
        "earlier_aid_region": "Limousin" if earlier else None,
        "publication_consent": bool(rng.random() < 0.88),
    }


def make_dossiers(rng: np.random.Generator, profiles: list[Profile]) -> pd.DataFrame:
    """The ``dossiers`` table: one row per dossier with the ten response fields of the call."""
    used: set[str] = set()
    phones: set[str] = set()
    return _typed([_dossier_row(rng, p, used, phones) for p in profiles], "dossiers")


# --------------------------------------------------------------------------------------------
# Table: partners
# --------------------------------------------------------------------------------------------

def _partner_types(rng: np.random.Generator, p: Profile) -> list[str]:
    """Types of the dossier's partners, a research team first when it has one."""
    types = ["équipe de recherche"] if p.research else []
    while len(types) < p.n_partners:
        types.append(_weighted(rng, PARTNER_TYPE_WEIGHTS))
    return types


def _partner_name(rng: np.random.Generator, ptype: str, p: Profile, taken: set[str]) -> str | None:
    """A partner name of the given type not yet used in the dossier, or None."""
    free = [n.format(t=p.territory, c=p.commune) for n in PARTNER_NAMES[ptype]]
    free = [n for n in free if n not in taken]
    return _pick(rng, free) if free else None


def make_partners(rng: np.random.Generator, profiles: list[Profile]) -> pd.DataFrame:
    """The ``partners`` table: 2 to 6 partners per dossier, each with a type and a short role."""
    rows = []
    for p in profiles:
        types = _partner_types(rng, p)
        p.extra["partner_types"] = types
        names: set[str] = set()
        for k, ptype in enumerate(types):
            name = _partner_name(rng, ptype, p, names)
            if name is None:  # every name of this type is taken: another type of actor
                ptype = types[k] = "citoyens, usagers"
                name = _partner_name(rng, ptype, p, names) or f"Groupe d'habitants n° {k + 1}"
            names.add(name)
            role = None if p.case == "partenaire_unique" else _pick(rng, PARTNER_ROLES[ptype])
            rows.append({"dossier_id": p.dossier_id, "partner": name, "partner_type": ptype, "role": role})
    return _typed(rows, "partners")


# --------------------------------------------------------------------------------------------
# Table: budget
# --------------------------------------------------------------------------------------------

def _budget_categories(rng: np.random.Generator, p: Profile) -> list[str]:
    """3 to 6 expense categories, working time first; a "commercialisation" line if the case says so."""
    n_lines = int(rng.integers(3, 7))
    pool = ["recherche et développement", "étude et analyse", "frais de mission"]
    cats = ["temps de travail"] + [pool[int(i)] for i in rng.permutation(3)]
    while len(cats) < n_lines:
        cats.append(_pick(rng, ("temps de travail", "recherche et développement", "étude et analyse")))
    cats = cats[:n_lines]
    if p.case == "commercialisation":
        cats[-1] = "commercialisation"
    return cats


def _months_for(rng: np.random.Generator, category: str, duration: int) -> tuple[int, int]:
    """First and last month of an expense line within the action's ``duration``."""
    if category in ("temps de travail", "frais de mission"):
        return 1, duration
    if category == "étude et analyse":
        start = int(rng.choice([1, 1, 2, max(1, duration - 6)]))
        return start, min(duration, start + int(rng.integers(2, 7)))
    if category == "commercialisation":
        return max(1, duration - 6), duration
    start = int(rng.integers(1, max(2, duration // 2)))
    return start, min(duration, start + int(rng.integers(6, 13)))


def make_budget(rng: np.random.Generator, profiles: list[Profile]) -> pd.DataFrame:
    """The ``budget`` table: 3 to 6 lines per dossier whose amounts sum to the total cost."""
    rows = []
    for p in profiles:
        cats = _budget_categories(rng, p)
        weights = rng.dirichlet([3.0 if c == "temps de travail" else 1.2 for c in cats])
        total = round(p.extra["total"])
        amounts = [int(round(total * w / 10) * 10) for w in weights[:-1]]
        amounts.append(total - sum(amounts))
        duration = p.extra["months"]
        labels_used: set[str] = set()
        for cat, amount in zip(cats, amounts):
            label = _pick(rng, BUDGET_LABELS[cat])
            if label in labels_used:
                label = f"{label} (suite)"
            labels_used.add(label)
            m_from, m_to = _months_for(rng, cat, duration)
            rows.append({"dossier_id": p.dossier_id, "category": cat, "label": label,
                         "amount": float(amount), "month_from": m_from, "month_to": m_to})
    return _typed(rows, "budget")


# --------------------------------------------------------------------------------------------
# Tables: jurors and conflicts
# --------------------------------------------------------------------------------------------

def make_jurors(rng: np.random.Generator, n_jurors: int = N_JURORS) -> pd.DataFrame:
    """The ``jurors`` table: fictitious members of the preparatory jury, with their role."""
    names = [JUROR_NAMES[int(i)] for i in rng.permutation(len(JUROR_NAMES))[:n_jurors]]
    rows = [
        {"juror_id": f"J{k + 1:02d}", "name": name, "role": role, "structure": structure}
        for k, (name, (role, structure)) in enumerate(zip(names, JUROR_PANEL))
    ]
    return _typed(rows, "jurors")


def make_conflicts(rng: np.random.Generator, profiles: list[Profile], jurors: pd.DataFrame) -> pd.DataFrame:
    """The ``conflicts`` table: about one declared conflict of interest per 15 dossiers (5 to 10)."""
    n_conflicts = int(np.clip(round(len(profiles) / 15), 3, 10))
    eligible = [p.dossier_id for p in profiles if p.eligible]
    juror_ids = list(jurors["juror_id"])
    pairs: set[tuple[str, str]] = set()
    rows = []
    while len(rows) < n_conflicts:
        pair = (_pick(rng, juror_ids), _pick(rng, eligible))
        if pair in pairs:
            continue
        pairs.add(pair)
        rows.append({"juror_id": pair[0], "dossier_id": pair[1], "reason": _pick(rng, CONFLICT_REASONS)})
    rows.sort(key=lambda r: (r["dossier_id"], r["juror_id"]))
    return _typed(rows, "conflicts")


# --------------------------------------------------------------------------------------------
# Rating design
# --------------------------------------------------------------------------------------------

def is_connected(design: dict[str, list[str]]) -> bool:
    """Whether the juror-dossier bipartite graph of a design forms a single component.

    Parameters
    ----------
    design : dict of str to list of str
        Juror ids of each dossier id.

    Returns
    -------
    bool
        True when every pair of dossiers is linked through a chain of shared jurors.
    """
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for dossier, jurors in design.items():
        for juror in jurors:
            parent[find("d:" + dossier)] = find("j:" + juror)
    roots = {find("d:" + d) for d in design}
    return len(roots) <= 1


def make_design(rng: np.random.Generator, dossier_ids: list[str], juror_ids: list[str],
                conflicts: pd.DataFrame) -> dict[str, list[str]]:
    """Assign 3 or 4 jurors to each eligible dossier: balanced loads, conflicts avoided, connected.

    Parameters
    ----------
    rng : numpy.random.Generator
        The cohort's generator.
    dossier_ids : list of str
        The dossiers to rate (the eligible ones).
    juror_ids : list of str
        The jury.
    conflicts : pandas.DataFrame
        The ``conflicts`` table; a juror never rates a dossier they are in conflict with.

    Returns
    -------
    dict of str to list of str
        Sorted juror ids of each dossier; the design is connected (:func:`is_connected`).
    """
    barred = set(zip(conflicts["juror_id"], conflicts["dossier_id"]))
    for _ in range(100):
        load = dict.fromkeys(juror_ids, 0)
        design: dict[str, list[str]] = {}
        for dossier in dossier_ids:
            k = 4 if rng.random() < 0.4 else 3
            allowed = [j for j in juror_ids if (j, dossier) not in barred]
            jitter = rng.random(len(allowed))
            ranked = sorted(zip(allowed, jitter), key=lambda t: (load[t[0]] + 2.5 * t[1], t[0]))
            chosen = sorted(j for j, _ in ranked[:k])
            for j in chosen:
                load[j] += 1
            design[dossier] = chosen
        if is_connected(design):
            return design
    raise RuntimeError("could not draw a connected rating design")


# --------------------------------------------------------------------------------------------
# Table: ratings
# --------------------------------------------------------------------------------------------

ACCEPTABILITY_CUTS = (-1.9, -0.1, 1.3)
FEASIBILITY_CUTS = (-0.7, 0.55)


def _criterion_effect(p: Profile, criterion: str) -> float:
    """How a dossier's visible features move its rating on one acceptability criterion."""
    types = p.extra.get("partner_types", [])
    if criterion == "caractere_collectif":
        return 0.3 * (p.n_partners - 3.5)
    if criterion == "richesse_collectif":
        return 0.3 * (len(set(types)) - 2.5)
    if criterion == "collectif":  # 2018 grid: the two criteria above merged
        return 0.15 * (p.n_partners - 3.5) + 0.15 * (len(set(types)) - 2.5)
    if criterion == "integration_beneficiaires":
        return 0.5 if "citoyens, usagers" in types else -0.1
    if criterion == "ouverture_recherche":
        return 1.4 if p.research else -1.0
    if criterion == "enjeux_environnementaux":
        return 0.9 * p.theme.environment - 0.3
    if criterion == "viabilite_economique":
        return 0.25 if p.market else 0.0
    return 0.0


def _feasibility_effect(p: Profile, criterion: str) -> float:
    """How a dossier's visible features move its rating on one feasibility criterion."""
    ratio = p.extra["total"] / p.extra["requested"]
    if criterion == "plan_financement":
        return 0.4 * (ratio - 2.0)
    if criterion == "mode_experimental":
        return 0.5 if p.research else -0.1
    if criterion in ("fragilite_porteur", "beneficiaires_touches"):
        return -0.2
    return 0.0


def _rate_two_rounds(rng: np.random.Generator, cells: pd.DataFrame, cuts: tuple[float, ...],
                     noise: float, shrink: float) -> pd.DataFrame:
    """Individual and after-debate level codes for each (dossier, juror, criterion) cell.

    ``cells`` holds a latent location ``mu`` and the juror's ``severity``; after debate each
    juror's latent value moves toward the mean of the dossier's jurors on that criterion.
    """
    individual = cells["mu"] + cells["severity"] + rng.normal(0, noise, len(cells))
    consensus = individual.groupby([cells["dossier_id"], cells["criterion"]]).transform("mean")
    debated = consensus + shrink * (individual - consensus) + rng.normal(0, 0.2, len(cells))
    out = cells[["dossier_id", "juror_id", "criterion"]].copy()
    out["individuel"] = np.digitize(individual.to_numpy(), cuts)
    out["après débat"] = np.digitize(debated.to_numpy(), cuts)
    return out


def _cells(profiles: dict[str, Profile], design: dict[str, list[str]], criteria: list[str],
           severity: dict[str, float], location) -> pd.DataFrame:
    """One row per (dossier, juror, criterion) of a design, with its latent location and severity."""
    rows = [
        {"dossier_id": d, "juror_id": j, "criterion": c,
         "mu": location(profiles[d], c), "severity": severity[j]}
        for d, jurors in design.items() for j in jurors for c in criteria
    ]
    return pd.DataFrame(rows)


def _long_ratings(codes: pd.DataFrame, grid: grids.Grid) -> pd.DataFrame:
    """Two rounds side by side -> one row per round, levels as the grid's labels."""
    labels = np.array(grid.level_labels, dtype=object)
    parts = []
    for round_ in voc.ROUNDS:
        part = codes[["dossier_id", "juror_id", "criterion"]].copy()
        part["round"] = round_
        part["code"] = codes[round_].to_numpy()
        parts.append(part)
    long = pd.concat(parts, ignore_index=True)
    long["level"] = labels[long["code"].to_numpy()]
    long["grid"] = grid.id
    long["grid_version"] = grid.version
    long["comment"] = None
    return long


def _blank_missing(rng: np.random.Generator, long: pd.DataFrame, rate: float) -> None:
    """Leave a small share of ratings empty (a juror who did not rate a criterion)."""
    missing = rng.random(len(long)) < rate
    long.loc[missing, "level"] = None
    long.loc[missing, "code"] = -1


def _blank_market(rng: np.random.Generator, long: pd.DataFrame, profiles: dict[str, Profile],
                  market_criteria: set[str]) -> None:
    """The market section ("si pertinent") is mostly left empty for non-market projects.

    Each juror decides once per dossier, for both criteria of the section and both rounds.
    """
    pairs = sorted(set(zip(long["dossier_id"], long["juror_id"])))
    skips = dict(zip(pairs, rng.random(len(pairs)) < 0.9))
    non_market = ~long["dossier_id"].map(lambda d: profiles[d].market)
    in_section = long["criterion"].isin(market_criteria)
    skipped = pd.Series([skips[k] for k in zip(long["dossier_id"], long["juror_id"])], index=long.index)
    blank = non_market & in_section & skipped
    long.loc[blank, "level"] = None
    long.loc[blank, "code"] = -1


def _departure_comment(rng: np.random.Generator, departure: float, key: str) -> str | None:
    """A short comment, mostly when a juror departs from the others' mean by two levels."""
    lower, higher = DEPARTURE_COMMENTS[key]
    if abs(departure) >= 2 and rng.random() < 0.7 or abs(departure) >= 1 and rng.random() < 0.03:
        return _pick(rng, higher if departure > 0 else lower)
    if rng.random() < 0.004:
        return _pick(rng, higher if departure >= 0 else lower)
    return None


def _add_comments(rng: np.random.Generator, long: pd.DataFrame, grid: grids.Grid) -> None:
    """Comment individual ratings that depart from the others; note some revisions after debate."""
    keys = {c.id: (c.id if grid.id == grids.ACCEPTABILITY else c.dimension) for c in grid.criteria}
    first = long["round"] == voc.ROUNDS[0]
    rated = first & (long["code"] >= 0)
    codes = long["code"].where(rated)
    key = [long["dossier_id"], long["criterion"]]
    total = codes.groupby(key).transform("sum")
    count = codes.groupby(key).transform("count")
    others_mean = (total - codes) / (count - 1)
    departure = (codes - others_mean).where(count > 1)
    comments = [
        _departure_comment(rng, dep, keys[crit]) if not np.isnan(dep) else None
        for dep, crit in zip(departure.to_numpy(dtype=float), long["criterion"])
    ]
    long["comment"] = comments
    n_first = int(first.sum())
    before = long.loc[first, ["code", "comment"]].to_numpy()
    after = long.loc[~first, "code"].to_numpy()
    for i in range(n_first):
        code_before, comment = before[i]
        if pd.isna(comment) or code_before < 0 or after[i] < 0:
            continue
        if rng.random() < 0.5:
            text = MAINTAINED_COMMENT if after[i] == code_before else _pick(rng, DEBATE_COMMENTS)
            long.iat[n_first + i, long.columns.get_loc("comment")] = text


def acceptability_ratings(rng: np.random.Generator, profiles: dict[str, Profile],
                          design: dict[str, list[str]], severity: dict[str, float]) -> pd.DataFrame:
    """Ratings of every eligible dossier on the acceptability grid, in the two rounds."""
    grid = _grid(grids.ACCEPTABILITY)
    dimension_of = {c.id: c.dimension for c in grid.criteria}
    offsets = dict(zip(dimension_of, rng.normal(0, 0.25, len(dimension_of))))

    def location(p: Profile, criterion: str) -> float:
        return p.quality[dimension_of[criterion]] + _criterion_effect(p, criterion) + offsets[criterion]

    cells = _cells(profiles, design, list(dimension_of), severity, location)
    long = _long_ratings(_rate_two_rounds(rng, cells, ACCEPTABILITY_CUTS, 0.6, 0.35), grid)
    _blank_missing(rng, long, 0.015)
    _add_comments(rng, long, grid)
    return long


def feasibility_ratings(rng: np.random.Generator, profiles: dict[str, Profile],
                        design: dict[str, list[str]], severity: dict[str, float]) -> pd.DataFrame:
    """Ratings of the retained dossiers on the feasibility grid (A/B/C), in the two rounds."""
    grid = _grid(grids.FEASIBILITY)
    criteria = [c.id for c in grid.criteria]
    market_criteria = {c.id for c in grid.dimension(MARKET_CRITERIA_DIMENSION).criteria}
    offsets = dict(zip(criteria, rng.normal(0, 0.2, len(criteria))))

    def location(p: Profile, criterion: str) -> float:
        return p.feasibility + _feasibility_effect(p, criterion) + offsets[criterion]

    cells = _cells(profiles, design, criteria, {j: 0.7 * s for j, s in severity.items()}, location)
    long = _long_ratings(_rate_two_rounds(rng, cells, FEASIBILITY_CUTS, 0.55, 0.35), grid)
    _blank_market(rng, long, profiles, market_criteria)
    _blank_missing(rng, long, 0.01)
    _add_comments(rng, long, grid)
    return long


def make_ratings(acceptability: pd.DataFrame, feasibility: pd.DataFrame) -> pd.DataFrame:
    """The ``ratings`` table: both grids, ordered by grid, round, dossier, juror, criterion."""
    frames = []
    for long in (acceptability, feasibility):
        grid = grids.load_grid(long["grid"].iat[0], long["grid_version"].iat[0])
        order = {c.id: i for i, c in enumerate(grid.criteria)}
        rounds = {r: i for i, r in enumerate(voc.ROUNDS)}
        long = long.assign(_r=long["round"].map(rounds), _c=long["criterion"].map(order))
        frames.append(long.sort_values(["_r", "dossier_id", "juror_id", "_c"], kind="stable"))
    ratings = pd.concat(frames, ignore_index=True)
    return _typed(ratings.drop(columns=["_r", "_c", "code"]).to_dict("records"), "ratings")


def _scores(long: pd.DataFrame) -> pd.Series:
    """Mean after-debate level code of each dossier (missing ratings left out)."""
    after = long[(long["round"] == voc.ROUNDS[1]) & (long["code"] >= 0)]
    return after.groupby("dossier_id")["code"].mean()


# --------------------------------------------------------------------------------------------
# Table: decisions
# --------------------------------------------------------------------------------------------

def _retained_ids(acceptability_scores: pd.Series, share: float = 0.42) -> list[str]:
    """The dossiers the jury recognises as social innovation: the best acceptability scores."""
    n_retained = max(1, round(share * len(acceptability_scores)))
    ranked = acceptability_scores.sort_values(ascending=False, kind="stable")
    return sorted(ranked.index[:n_retained])


def _grant(rng: np.random.Generator, p: Profile, modify_base: bool) -> tuple[float, float]:
    """Granted amount and eligible base (assiette) of a funded dossier."""
    requested, total = p.extra["requested"], p.extra["total"]
    if not modify_base:
        return min(requested, _call().max_aid), total
    base = _round_to(total * rng.uniform(0.6, 0.85), 100)
    granted = min(requested, _call().max_aid, _round_to(requested * base / total, 100))
    return granted, base


def _funded_ids(retained: list[str], acc: pd.Series, feas: pd.Series, target: int,
                profiles: dict[str, Profile]) -> list[str]:
    """Retained dossiers with the best feasibility, funded in turn within the envelope."""
    order = sorted(retained, key=lambda d: (-feas.get(d, 0.0), -acc[d], d))
    funded, spent = [], 0.0
    for d in order:
        cost = min(profiles[d].extra["requested"], _call().max_aid)
        if len(funded) < target and spent + cost <= ENVELOPE:
            funded.append(d)
            spent += cost
    return funded


def _reorientation(p: Profile, feas_low_finance: bool) -> str:
    """The support a retained but unfunded project is pointed to."""
    if feas_low_finance:
        return REORIENTATION_TARGETS["france_active"]
    if p.stage == "amorçage" and p.legal_category == "entreprise":
        return REORIENTATION_TARGETS["incubateur"]
    if p.legal_category == "association":
        return REORIENTATION_TARGETS["dla"] if p.stage != "amorçage" else REORIENTATION_TARGETS["incubateur"]
    return REORIENTATION_TARGETS["aap_ess"]


def _weakest_dimension(dossier: str, long: pd.DataFrame) -> str:
    """The acceptability dimension a dossier was rated lowest on after debate."""
    grid = _grid(grids.ACCEPTABILITY)
    dim = {c.id: c.dimension for c in grid.criteria}
    rows = long[(long["dossier_id"] == dossier) & (long["round"] == voc.ROUNDS[1]) & (long["code"] >= 0)]
    means = rows.groupby(rows["criterion"].map(dim))["code"].mean()
    return str(means.idxmin()) if len(means) else "portage"


RATIONALES = {
    "funded": "Innovation sociale avérée ; faisabilité admise par le jury.",
    "base": " Assiette ramenée à {} EUR (dépenses de recherche, d'étude et de temps de travail).",
    "reoriented": "Innovation sociale reconnue, faisabilité à consolider : orientation vers {}.",
    "not_retained": "Ne relève pas d'un processus d'innovation sociale au regard des marqueurs : {}.",
}
NOT_RETAINED_REASONS = {
    "portage": "collectif restreint et gouvernance peu pensée",
    "contenu": "services peu décrits et faible rupture avec l'existant",
    "contexte": "ancrage territorial et viabilité insuffisamment démontrés",
}


def make_decisions(rng: np.random.Generator, profiles: dict[str, Profile], acc_long: pd.DataFrame,
                   feas_long: pd.DataFrame, retained: list[str], target_funded: int) -> pd.DataFrame:
    """The ``decisions`` table: one decision per rated dossier, validated by the comité d'élu-e-s."""
    acc, feas = _scores(acc_long), _scores(feas_long)
    funded = set(_funded_ids(retained, acc, feas, target_funded, profiles))
    n_modified = min(len(funded), max(1, round(len(funded) / 6)))
    modified = set(rng.choice(sorted(funded), size=n_modified, replace=False)) if funded else set()
    deferred = set(rng.choice(sorted(acc.index), size=min(3, len(acc)), replace=False))
    finance = feas_long[(feas_long["criterion"] == "plan_financement") & (feas_long["code"] >= 0)]
    finance_mean = finance.groupby("dossier_id")["code"].mean()
    rows = []
    for i, d in enumerate(sorted(acc.index)):
        p = profiles[d]
        row = {"dossier_id": d, "granted_amount": None, "eligible_base": None, "reoriented_to": None,
               "jury_date": JURY_DATES[0] if i < len(acc) / 2 else JURY_DATES[1], "validated": True,
               "validated_on": COMMITTEE_DATES[1] if d in deferred else COMMITTEE_DATES[0]}
        if d in funded:
            granted, base = _grant(rng, p, d in modified)
            row |= {"decision": "retenu - financé", "granted_amount": granted, "eligible_base": base,
                    "rationale": RATIONALES["funded"] + (RATIONALES["base"].format(_eur(base)) if d in modified else "")}
        elif d in retained:
            target = _reorientation(p, finance_mean.get(d, 2.0) < 1.0)
            row |= {"decision": "retenu - réorienté", "reoriented_to": target,
                    "rationale": RATIONALES["reoriented"].format(target)}
        else:
            reason = NOT_RETAINED_REASONS[_weakest_dimension(d, acc_long)]
            row |= {"decision": "non retenu", "rationale": RATIONALES["not_retained"].format(reason)}
        rows.append(row)
    return _typed(rows, "decisions")


# --------------------------------------------------------------------------------------------
# Tables: follow-up and payments
# --------------------------------------------------------------------------------------------

def _stage_path(rng: np.random.Generator, start_stage: str, n_waves: int, spreads: bool) -> list[str]:
    """The stage observed at each wave: slow progress; ``spreads`` reaches "essaimage"."""
    stages = list(voc.STAGES)
    k = stages.index(start_stage)
    path = []
    for w in range(n_waves):
        if w > 0 and k == 0 and rng.random() < 0.3:
            k = 1
        if spreads and w >= 3 and k < 2:
            k = min(2, k + 1)
        path.append(stages[k])
    if spreads and stages.index(path[-1]) < 2:
        path[-1] = "essaimage"
    return path


def _followup_plan(rng: np.random.Generator, funded: list[str],
                   profiles: dict[str, Profile]) -> tuple[dict[str, int], str | None]:
    """Which funded experiments are abandoned (at which wave) and which one spreads."""
    n_abandoned = 2 if len(funded) >= 10 else 1
    drawn = rng.choice(len(funded), size=min(n_abandoned, len(funded)), replace=False)
    abandoned = {d: int(rng.choice([12, 18])) for d in sorted(funded[int(i)] for i in drawn)}
    early = ("amorçage", "développement")
    candidates = [d for d in funded if d not in abandoned and profiles[d].stage in early]
    spreading = _pick(rng, candidates) if candidates else None
    return abandoned, spreading


def make_followup(rng: np.random.Generator, profiles: dict[str, Profile], funded: list[str],
                  abandoned: dict[str, int], spreading: str | None) -> pd.DataFrame:
    """The ``followup`` table: waves at months 0, 6, 12, 18 and 24 of each funded experiment."""
    rows = []
    for d in funded:
        p = profiles[d]
        waves = [m for m in FOLLOWUP_WAVES if m <= abandoned.get(d, max(FOLLOWUP_WAVES))]
        path = _stage_path(rng, p.stage, len(waves), d == spreading)
        for month, stage in zip(waves, path):
            observed = p.extra["start"] if month == 0 else (
                _add_months(p.extra["start"], month) + pd.Timedelta(days=int(rng.integers(0, 21))))
            if d in abandoned and month == abandoned[d]:
                status = "abandonné"
            elif month == max(FOLLOWUP_WAVES) or observed > p.extra["end"]:
                status = "terminé"
            else:
                status = "en cours"
            source = "chargé de mission" if month == 0 else (
                "équipe de recherche" if p.research and rng.random() < 0.5 else
                _pick(rng, ("porteur", "porteur", "chargé de mission")))
            rows.append({"dossier_id": d, "wave_month": month, "observed_on": observed,
                         "source": source, "status": status, "stage": stage})
    return _typed(rows, "followup")


def make_payments(rng: np.random.Generator, profiles: dict[str, Profile], decisions: pd.DataFrame,
                  abandoned: dict[str, int]) -> pd.DataFrame:
    """The ``payments`` table: an advance at start, the balance after the year-two report."""
    funded = decisions[decisions["decision"] == "retenu - financé"]
    candidates = [d for d in funded["dossier_id"] if d not in abandoned]
    late = _pick(rng, candidates) if candidates else None
    underspent = _pick(rng, [d for d in candidates if d != late]) if len(candidates) > 1 else None
    for d, key in ((late, "late_report"), (underspent, "underspent")):
        if d is not None:
            profiles[d].extra[key] = True
    rows = []
    for d, granted, validated_on in zip(funded["dossier_id"], funded["granted_amount"], funded["validated_on"]):
        start = profiles[d].extra["start"]
        first = _round_to(granted * rng.uniform(0.5, 0.7), 100)
        ready = max(start, validated_on + pd.Timedelta(days=14))
        paid_on = ready + pd.Timedelta(days=int(rng.integers(3, 25)))
        rows.append({"dossier_id": d, "instalment": 1, "paid_on": paid_on, "amount": first})
        if d in abandoned:
            continue
        months = 31 if d == late else int(rng.integers(24, 27))
        balance = granted - first
        if d == underspent:
            balance = _round_to(balance * 0.8, 10)
        rows.append({"dossier_id": d, "instalment": 2,
                     "paid_on": _add_months(start, months) + pd.Timedelta(days=int(rng.integers(0, 20))),
                     "amount": balance})
    return _typed(rows, "payments")


# Latent change per year of each acceptability dimension during the experiment (on the rating
# scale of the jury's latent quality, where one level is about 1.5 units wide).
DIMENSION_SLOPES = {"portage": 0.45, "contenu": 0.3, "contexte": 0.15}
SELF_ASSESSMENT_BIAS = 0.35  # porteurs rate their own project higher
START_GAP = -0.7  # the project as it starts falls short of the dossier the jury read
REASSESSMENT_COMMENTS = {
    "portage": ("Collectif élargi à de nouveaux partenaires.", "Gouvernance ouverte aux usagers.",
                "Départ de partenaires clés ; collectif fragilisé."),
    "contenu": ("Services stabilisés et mieux décrits.", "Nouveaux services issus des ateliers avec les habitants.",
                "Offre de services en recul."),
    "contexte": ("Démarche reprise par des communes voisines.", "Modèle économique consolidé.",
                 "Financements de relais non trouvés."),
}
LATE_SPENDING_LABEL = "Frais de la rencontre de clôture"


def _wave_sources(rng: np.random.Generator, p: Profile, month: int, wave_source: str) -> list[str]:
    """Who re-assesses the experiment at a wave: the wave's source; at 12 and 24 months the porteur
    (self-assessment) and, when there is one, the research team."""
    sources = [wave_source]
    if month in (12, 24):
        if rng.random() < 0.8:
            sources.append("porteur")
        if p.research:
            sources.append("équipe de recherche")
    return [s for s in voc.FOLLOWUP_SOURCES if s in sources]


def make_reassessments(rng: np.random.Generator, profiles: dict[str, Profile], followup: pd.DataFrame,
                       abandoned: dict[str, int], spreading: str | None) -> pd.DataFrame:
    """The ``reassessments`` table: the acceptability grid again, at each wave, by each source.

    Each experiment's latent quality on a dimension moves by ``DIMENSION_SLOPES`` per year plus
    its own deviation, from ``START_GAP`` below the dossier the jury read; the spreading
    experiment gains on Portage and Contexte; an experiment heading for abandonment declines.
    Porteurs rate themselves ``SELF_ASSESSMENT_BIAS`` higher.
    """
    grid = _grid(grids.ACCEPTABILITY)
    dimension_of = {c.id: c.dimension for c in grid.criteria}
    labels = np.array(grid.level_labels, dtype=object)
    rows = []
    for d, waves in followup.groupby("dossier_id", sort=True):
        p = profiles[d]
        own = {dim: slope + rng.normal(0, 0.2) for dim, slope in DIMENSION_SLOPES.items()}
        if d == spreading:
            own["portage"] += 0.4
            own["contexte"] += 0.5
        if d in abandoned:
            own = dict.fromkeys(own, -0.5)
        for month, source in zip(waves["wave_month"], waves["source"]):
            years = month / 12
            for who in _wave_sources(rng, p, int(month), source):
                bias = SELF_ASSESSMENT_BIAS if who == "porteur" else 0.0
                for criterion, dim in dimension_of.items():
                    latent = (p.quality[dim] + START_GAP + own[dim] * years + _criterion_effect(p, criterion)
                              + bias + rng.normal(0, 0.45))
                    code = int(np.digitize(latent, ACCEPTABILITY_CUTS))
                    level = None if rng.random() < 0.02 else labels[code]
                    comment = None
                    if who != "porteur" and month > 0 and rng.random() < 0.04:
                        options = REASSESSMENT_COMMENTS[dim]
                        comment = options[2] if own[dim] < 0 else _pick(rng, options[:2])
                    rows.append({"dossier_id": d, "wave_month": int(month), "source": who,
                                 "criterion": criterion, "level": level, "comment": comment})
    return _typed(rows, "reassessments")


def make_indicators(rng: np.random.Generator, profiles: dict[str, Profile], followup: pd.DataFrame,
                    abandoned: dict[str, int], spreading: str | None) -> pd.DataFrame:
    """The ``indicators`` table: what each experiment reaches, wave by wave.

    Beneficiaries grow with time, the collective gains a partner now and then, the spreading
    experiment's reach and collective jump once it spreads; an abandoned one stalls. A few
    values are left unreported.
    """
    rows = []
    for d, waves in followup.groupby("dossier_id", sort=True):
        p = profiles[d]
        reach = float(rng.lognormal(np.log(120), 0.6))
        partners = float(p.n_partners)
        fte = _round_to(rng.uniform(0.5, 2.0), 0.1)
        volunteers = float(rng.integers(3, 30))
        cofunding_target = max(0.0, p.extra["total"] - p.extra["requested"]) * rng.uniform(0.4, 0.9)
        end_month = abandoned.get(d, 24)
        for month, stage in zip(waves["wave_month"], waves["stage"]):
            share = min(month, end_month) / 24
            spread = d == spreading and stage in ("essaimage", "changement d'échelle")
            if month > 0:
                partners += float(rng.poisson(0.4)) + (3.0 if spread and month >= 18 else 0.0)
                fte = max(0.0, _round_to(fte + rng.normal(0.15, 0.2), 0.1))
                volunteers = max(0.0, volunteers + float(rng.integers(-2, 5)))
            values = {
                "beneficiaries": float(round(reach * share ** 0.8 * (2.5 if spread else 1.0))),
                "partners": partners,
                "jobs_fte": fte,
                "volunteers": volunteers,
                "cofunding": _round_to(cofunding_target * share, 100),
            }
            if month > 0:
                for key in values:
                    if rng.random() < 0.04:
                        values[key] = None
            rows.append({"dossier_id": d, "wave_month": int(month), **values})
    return _typed(rows, "indicators")


def _semesters(m_from: int, m_to: int, last: int) -> list[tuple[int, int]]:
    """(semester end month, months of the line in it) for a budget line spent up to ``last``."""
    out = []
    for end in range(6, 25, 6):
        months = max(0, min(m_to, end, last) - max(m_from, end - 5) + 1)
        if months:
            out.append((end, months))
    return out


def make_spending(rng: np.random.Generator, profiles: dict[str, Profile], funded: list[str],
                  budget: pd.DataFrame, abandoned: dict[str, int]) -> pd.DataFrame:
    """The ``spending`` table: each funded experiment's expenses, per budget line and semester.

    Most experiments spend 85 to 105 % of their forecast; the under-spending one about 60 %;
    an abandoned one stops at its last wave; the late one pays a last invoice after month 24.
    """
    rows = []
    for d in funded:
        p = profiles[d]
        rate = 0.6 if p.extra.get("underspent") else float(np.clip(rng.normal(0.95, 0.06), 0.85, 1.05))
        last = abandoned.get(d, 24)
        lines = budget[budget["dossier_id"] == d]
        for cat, label, amount, m_from, m_to in zip(lines["category"], lines["label"], lines["amount"],
                                                    lines["month_from"], lines["month_to"]):
            parts = _semesters(int(m_from), int(m_to), last)
            total_months = int(m_to) - int(m_from) + 1
            for end, months in parts:
                value = _round_to(amount * rate * months / total_months * rng.uniform(0.9, 1.1), 10)
                spent_on = _add_months(p.extra["start"], end) - pd.Timedelta(days=int(rng.integers(1, 20)))
                rows.append({"dossier_id": d, "category": cat, "label": label, "amount": value,
                             "spent_on": spent_on})
        if p.extra.get("late_report"):
            rows.append({"dossier_id": d, "category": "frais de mission", "label": LATE_SPENDING_LABEL,
                         "amount": _round_to(rng.uniform(900, 2_000), 10),
                         "spent_on": _add_months(p.extra["start"], 25) + pd.Timedelta(days=int(rng.integers(0, 20)))})
    return _typed(rows, "spending")


def make_activity_reports(rng: np.random.Generator, profiles: dict[str, Profile], funded: list[str],
                          payments: pd.DataFrame, abandoned: dict[str, int]) -> pd.DataFrame:
    """The ``activity_reports`` table: the year-one report, and the year-two report shortly before
    the second payment (so the late experiment's report is late too)."""
    balance = payments[payments["instalment"] == 2].set_index("dossier_id")["paid_on"]
    rows = []
    for d in funded:
        start = profiles[d].extra["start"]
        if abandoned.get(d, 24) > 12:
            rows.append({"dossier_id": d, "report": "bilan de la première année",
                         "received_on": _add_months(start, 12) + pd.Timedelta(days=int(rng.integers(5, 60)))})
        if d in balance.index:
            rows.append({"dossier_id": d, "report": "bilan de la deuxième année",
                         "received_on": balance[d] - pd.Timedelta(days=int(rng.integers(10, 40)))})
    return _typed(rows, "activity_reports")


# --------------------------------------------------------------------------------------------
# The cohort
# --------------------------------------------------------------------------------------------

def generate(*, seed: int = DEFAULT_SEED, n_dossiers: int = DEFAULT_N_DOSSIERS, year: int = 2016,
             acceptability_version: str | None = None) -> dict[str, pd.DataFrame]:
    """Generate a synthetic cohort.

    Parameters
    ----------
    seed : int
        Seed of the single ``numpy.random.default_rng`` every draw comes from.
    n_dossiers : int
        Number of dossiers filed (at least 20); about one in twelve breaks eligibility rules.
    year : int
        Year of the call: the cohort is drawn as for 2016, then every date moves by
        ``year - 2016`` years and dossier identifiers take the year (``AMI18-001``).
    acceptability_version : str, optional
        Version of the acceptability grid the jury rates with (default: the call's, 2016).

    Returns
    -------
    dict of str to pandas.DataFrame
        One frame per table of ``schemas.TABLES``, keyed by ``Table.name``, with the schemas'
        English column names and typed values (floats, booleans, timestamps, integers).
    """
    if n_dossiers < 20:
        raise ValueError("n_dossiers doit valoir au moins 20 pour former un jury connexe")
    token = _ACCEPTABILITY_VERSION.set(acceptability_version)
    try:
        frames = _generate(seed, n_dossiers)
    finally:
        _ACCEPTABILITY_VERSION.reset(token)
    return frames if year == 2016 else _move_to_year(frames, year)


def _move_to_year(frames: dict[str, pd.DataFrame], year: int) -> dict[str, pd.DataFrame]:
    """Shift every date by whole years and give dossier identifiers the call's year."""
    shift = pd.DateOffset(years=year - 2016)
    out = {}
    for name, df in frames.items():
        df = df.copy()
        for col in df.columns:
            if pd.api.types.is_datetime64_any_dtype(df[col]):
                df[col] = df[col] + shift
        if "dossier_id" in df.columns:
            df["dossier_id"] = df["dossier_id"].str.replace("AMI16-", f"AMI{year % 100:02d}-", regex=False)
        out[name] = df
    return out


def _generate(seed: int, n_dossiers: int) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    plist = draw_profiles(rng, n_dossiers)
    dossiers = make_dossiers(rng, plist)
    partners = make_partners(rng, plist)
    budget = make_budget(rng, plist)
    jurors = make_jurors(rng)
    conflicts = make_conflicts(rng, plist, jurors)
    profiles = {p.dossier_id: p for p in plist}
    eligible = [p.dossier_id for p in plist if p.eligible]
    juror_ids = list(jurors["juror_id"])
    design = make_design(rng, eligible, juror_ids, conflicts)
    severity = dict(zip(juror_ids, rng.normal(0, 0.3, len(juror_ids))))
    acc_long = acceptability_ratings(rng, profiles, design, severity)
    retained = _retained_ids(_scores(acc_long))
    feas_long = feasibility_ratings(rng, profiles, {d: design[d] for d in retained}, severity)
    decisions = make_decisions(rng, profiles, acc_long, feas_long, retained,
                               target_funded=max(2, round(n_dossiers * 17 / 120)))
    funded = sorted(decisions.loc[decisions["decision"] == "retenu - financé", "dossier_id"])
    abandoned, spreading = _followup_plan(rng, funded, profiles)
    ratings = make_ratings(acc_long, feas_long)
    followup = make_followup(rng, profiles, funded, abandoned, spreading)
    payments = make_payments(rng, profiles, decisions, abandoned)
    return {
        "dossiers": dossiers,
        "partners": partners,
        "budget": budget,
        "jurors": jurors,
        "conflicts": conflicts,
        "ratings": ratings,
        "decisions": decisions,
        "followup": followup,
        "payments": payments,
        "reassessments": make_reassessments(rng, profiles, followup, abandoned, spreading),
        "indicators": make_indicators(rng, profiles, followup, abandoned, spreading),
        "spending": make_spending(rng, profiles, funded, budget, abandoned),
        "activity_reports": make_activity_reports(rng, profiles, funded, payments, abandoned),
    }


# --------------------------------------------------------------------------------------------
# Writing the cohort folder as a user would supply it
# --------------------------------------------------------------------------------------------

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
        deadline = pd.Timestamp(_call().deadline) + pd.DateOffset(years=year - 2016)
        text += (f"# Un nouvel appel, même règlement, en {year} (hypothèse de la démonstration).\n"
                 f"annee: {year}\ndate_limite_depot: {deadline:%Y-%m-%d}\n")
    if acceptability_version:
        text += f"grilles:\n  acceptabilite: \"{acceptability_version}\"\n"
    if compare_with:
        text += f"# Cohorte d'une autre année, notée avec une autre version de la grille.\ncomparer_avec: {compare_with}\n"
    return text


TABLE_DESCRIPTIONS = {
    "dossiers": "Un dossier par ligne : la fiche du porteur et les dix champs de réponse de l'appel "
                "(« Modalités de réponse »), le montant sollicité, le calendrier et les déclarations utiles à l'éligibilité.",
    "partners": "Les partenaires de chaque dossier et leur rôle (« présentation détaillée de la nature et du rôle de chaque participant »).",
    "budget": "Les comptes prévisionnels de l'action sur 24 mois, ligne par ligne, avec les mois de début et de fin de chaque dépense.",
    "jurors": "Les membres du jury préparatoire à la décision des élu·e·s.",
    "conflicts": "Les conflits d'intérêts déclarés : le juré ne note pas le dossier concerné.",
    "ratings": "Une ligne par dossier, juré, grille, critère et tour de notation ; un niveau vide est une note manquante "
               "(ou, pour la section « marché » de la grille de faisabilité, une section jugée non pertinente).",
    "decisions": "La décision du jury pour chaque dossier noté et sa validation par le comité d'élu·e·s.",
    "followup": "Le suivi des expérimentations financées, par vagues (mois depuis le démarrage).",
    "payments": "Les deux versements de l'aide : au démarrage, puis à la remise du bilan de la deuxième année.",
    "reassessments": "La grille d'acceptabilité appliquée de nouveau aux expérimentations financées, à chaque vague "
                     "du suivi et par chaque source (auto-évaluation du porteur, équipe de recherche, chargé de mission).",
    "indicators": "Ce que chaque expérimentation financée atteint à chaque vague du suivi : bénéficiaires touchés et "
                  "cofinancements obtenus en cumul depuis le démarrage, partenaires, emplois et bénévoles à la date "
                  "de la vague ; une cellule vide est une valeur non renseignée.",
    "spending": "Les dépenses réalisées par les expérimentations financées, par catégorie de dépense, "
                "à comparer aux comptes prévisionnels sur 24 mois.",
    "activity_reports": "Les bilans remis par les porteurs ; le second versement attend le bilan de la deuxième année.",
}

def _quoted(values) -> str:
    """« a », « b », …"""
    return ", ".join(f"« {v} »" for v in values)


def _column_notes() -> dict[tuple[str, str], str]:
    """What a column means for the call, beyond its header; vocabularies read from the kit."""
    the_call = _call()
    region = ", ".join(f"{code} {name}" for code, name in voc.REGION_DEPARTEMENTS.items())
    ceiling = _eur(the_call.max_aid)
    eligible_cats = [c for c in voc.LEGAL_CATEGORIES if c in voc.ELIGIBLE_LEGAL_CATEGORIES]
    eligible_exp = [c for c in voc.EXPENSE_CATEGORIES if c in voc.ELIGIBLE_EXPENSE_CATEGORIES]
    notes = {
        ("dossiers", "legal_category"): f"statuts éligibles : {_quoted(eligible_cats)}",
        ("dossiers", "departement"): f"porteur établi en ALPC : {region}",
        ("dossiers", "summary"): "l'appel demande 20 lignes",
        ("dossiers", "requested_amount"): f"aide plafonnée à {ceiling} EUR",
        ("dossiers", "filed_on"): f"date limite : {the_call.deadline:%d/%m/%Y}",
        ("dossiers", "end_date"): f"au plus {the_call.max_months} mois après le démarrage",
        ("dossiers", "market_launched"): "« oui » : hors phase d'émergence, non éligible",
        ("dossiers", "earlier_aid"): f"aide de l'une des anciennes régions ({', '.join(voc.FORMER_REGIONS)}) : non éligible",
        ("dossiers", "earlier_aid_region"): "à renseigner si une aide antérieure est déclarée",
        ("dossiers", "publication_consent"): "accord pour la valorisation et la diffusion de l'expérimentation",
        ("partners", "role"): "l'appel demande le rôle de chaque participant",
        ("budget", "category"): f"dépenses éligibles : {_quoted(eligible_exp)}",
        ("budget", "month_to"): f"mois 1 à {the_call.max_months} de l'action",
        ("conflicts", "dossier_id"): "le juré ne note pas ce dossier",
        ("ratings", "criterion"): "identifiant d'un critère de la grille (voir « Grilles » plus bas)",
        ("ratings", "level"): "un niveau de la grille (voir « Grilles » plus bas) ; vide = note manquante",
        ("ratings", "grid_version"): "version du fichier de grille, ici 2016",
        ("ratings", "round"): "notation de chaque juré avant le débat, puis après le débat collectif",
        ("decisions", "granted_amount"): "pour les dossiers « retenu - financé »",
        ("decisions", "eligible_base"): "assiette retenue par le jury, parfois inférieure au coût total",
        ("decisions", "reoriented_to"): "pour les dossiers « retenu - réorienté » : accompagnement proposé",
        ("followup", "wave_month"): f"vagues {', '.join(str(m) for m in FOLLOWUP_WAVES)}",
        ("payments", "instalment"): "1 : au démarrage ; 2 : à la remise du bilan de la deuxième année",
        ("reassessments", "wave_month"): "une vague déclarée dans suivi.csv pour ce dossier",
        ("reassessments", "criterion"): "identifiant d'un critère de la grille d'acceptabilité (voir « Grilles » plus bas)",
        ("reassessments", "level"): "un niveau de la grille d'acceptabilité ; vide = critère non réévalué",
        ("reassessments", "source"): "« porteur » : auto-évaluation",
        ("indicators", "wave_month"): "une vague déclarée dans suivi.csv pour ce dossier",
        ("spending", "category"): f"dépenses éligibles : {_quoted(eligible_exp)}",
        ("spending", "spent_on"): f"dans les {the_call.max_months} mois à compter du démarrage",
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
        grid = _grid(grid_id)
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
    funded = dec[dec["decision"] == "retenu - financé"]
    n_rated = dec["dossier_id"].nunique()
    return [
        (f"- {len(d)} dossiers déposés, dont {len(d) - n_rated} ne respectent pas une ou deux "
         "conditions d'éligibilité de l'appel (ils ne sont ni notés ni décidés) ;"),
        f"- {len(frames['jurors'])} juré·e·s, {len(frames['conflicts'])} conflits d'intérêts déclarés ;",
        (f"- {n_rated} dossiers notés sur la grille d'acceptabilité par 3 ou 4 juré·e·s, en deux tours "
         f"(individuel, après débat) : {len(acc)} lignes, dont {int(acc['level'].isna().sum())} "
         "notes manquantes ;"),
        (f"- décisions : {counts.get('retenu - financé', 0)} « retenu - financé » pour "
         f"{_eur(funded['granted_amount'].sum())} EUR, {counts.get('retenu - réorienté', 0)} "
         f"« retenu - réorienté », {counts.get('non retenu', 0)} « non retenu »."),
    ]


README_WARNING = (
    "**Toutes les données de ce dossier sont fictives.** Les porteurs, structures, personnes, "
    "juré·e·s, titres, résumés, numéros SIRET (commençant par 000), adresses de courriel (domaines "
    "en `.exemple.fr`) et numéros de téléphone (série 01 99 00) sont inventés ; toute ressemblance "
    "serait fortuite. Les communes et départements ne servent qu'à situer les dossiers : les "
    "collectivités citées n'ont déposé aucun dossier."
)
README_FORMAT = (
    "Fichiers CSV séparés par des points-virgules (`;`), encodés en UTF-8 avec BOM (Excel les "
    "ouvre directement) ; dates au format JJ/MM/AAAA ; montants en euros avec une virgule décimale "
    "et sans séparateur de milliers (`12500,00`) ; oui/non écrits `oui` ou `non` ; une cellule vide "
    "est une valeur manquante. La première ligne porte les en-têtes en français."
)


def readme_text(frames: dict[str, pd.DataFrame], seed: int, n_dossiers: int) -> str:
    """The cohort's ``LISEZMOI.md``, in French, its column tables generated from the schemas."""
    lines = [
        f"# Cohorte de démonstration — AMI innovation sociale ALPC {int(frames['dossiers']['filed_on'].dt.year.mode()[0])}",
        "",
        README_WARNING,
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
        README_FORMAT,
        "",
        ("`appel.yaml` nomme l'appel auquel répond la cohorte (`appel: alpc-2016`) et son "
         f"enveloppe en euros (`enveloppe: {int(ENVELOPE)}`)."),
        "",
    ]
    for table in TABLES:
        status = "obligatoire" if table.required else "facultatif"
        lines += [f"## `{table.filename}` ({status}, {len(frames[table.name])} lignes)", "",
                  TABLE_DESCRIPTIONS[table.name], "", *_columns_table(table.name, table.model), ""]
    lines += _grids_section()
    return "\n".join(lines).rstrip("\n") + "\n"


def _write_files(folder: Path, frames: dict[str, pd.DataFrame], seed: int, n_dossiers: int,
                 call_text: str) -> list[str]:
    """Write every file of the cohort into ``folder``; return the file names in order."""
    names = []
    for table in TABLES:
        write_table(frames[table.name], table, folder / table.filename)
        names.append(table.filename)
    (folder / "appel.yaml").write_text(call_text, encoding="utf-8", newline="")
    (folder / "LISEZMOI.md").write_text(readme_text(frames, seed, n_dossiers), encoding="utf-8", newline="")
    return names + ["appel.yaml", "LISEZMOI.md"]


def write_demo(out: Path, *, seed: int = DEFAULT_SEED, n_dossiers: int = DEFAULT_N_DOSSIERS,
               year: int = 2016, acceptability_version: str | None = None, compare_with: str | None = None,
               overwrite: bool = False) -> list[Path]:
    """Write a synthetic cohort folder exactly as a user would supply it.

    Parameters
    ----------
    out : pathlib.Path
        The cohort folder to create. Written atomically: files go to a new folder next to
        it, swapped in when complete (``socinnov.files.replacing_folder``).
    seed : int
        Seed of the generator (see :func:`generate`).
    n_dossiers : int
        Number of dossiers.
    year, acceptability_version : see :func:`generate`.
    compare_with : str, optional
        Another cohort (another call year) that the criteria report compares this one with.
    overwrite : bool
        Replace ``out`` if it exists and is not empty; otherwise refuse.

    Returns
    -------
    list of pathlib.Path
        The files written: one CSV per table of ``schemas.TABLES``, ``appel.yaml`` and
        ``LISEZMOI.md``.

    Raises
    ------
    FileExistsError
        If ``out`` is a non-empty folder and ``overwrite`` is false, or is a file.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise FileExistsError(f"{out} existe et n'est pas un dossier")
    if out.is_dir() and any(out.iterdir()) and not overwrite:
        raise FileExistsError(f"{out} n'est pas vide ; passer overwrite=True pour le remplacer")
    frames = generate(seed=seed, n_dossiers=n_dossiers, year=year, acceptability_version=acceptability_version)
    call_text = call_yaml_text(seed, n_dossiers, year=year, acceptability_version=acceptability_version,
                               compare_with=compare_with)
    with files.replacing_folder(out) as tmp:
        names = _write_files(tmp, frames, seed, n_dossiers, call_text)
    return [out / name for name in names]

