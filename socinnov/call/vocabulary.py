"""The call's closed vocabularies, in its own words (French values as users write them).

Kept apart from the schemas because eligibility, the demo generator and the reports read them
too. Where the call lists a category, the value is the call's wording; ``ELIGIBLE_*`` sets are
the subsets the call declares eligible.
"""

from __future__ import annotations

# "Sont éligibles les porteurs d'action suivants : entreprises, quel que soit le statut,
# associations, collectivités territoriales, EPCI et autres établissements publics,
# organisations syndicales, professionnelles, collectifs d'usagers dotés de la personnalité
# morale." The last two values are not eligible and exist so that a dossier can say so.
LEGAL_CATEGORIES = (
    "entreprise",
    "association",
    "collectivité territoriale",
    "EPCI",
    "autre établissement public",
    "organisation syndicale",
    "organisation professionnelle",
    "collectif d'usagers doté de la personnalité morale",
    "collectif sans personnalité morale",
    "personne physique",
)
ELIGIBLE_LEGAL_CATEGORIES = frozenset(LEGAL_CATEGORIES[:8])

# "Stade d'avancement : amorçage, développement, essaimage…"; the call also names
# "le changement d'échelle de l'action".
STAGES = ("amorçage", "développement", "essaimage", "changement d'échelle")

# The three ways of social innovation of the call, as three yes/no columns of a dossier.
INNOVATION_TYPES = {
    "innovation_services_produits": "L'Innovation Sociale de services et de produits",
    "innovation_organisationnelle": "L'Innovation Sociale organisationnelle",
    "innovation_territoriale": "L'Innovation Sociale territoriale",
}

# "Dépenses éligibles : les dépenses de recherche et développement (équipements, études,
# vacations,…), les dépenses d'étude et d'analyse, les frais de mission (transport,
# hébergement, restauration), le temps de travail passé au développement du projet."
EXPENSE_CATEGORIES = (
    "recherche et développement",
    "étude et analyse",
    "frais de mission",
    "temps de travail",
    "commercialisation",
    "investissement immobilier",
    "autre",
)
ELIGIBLE_EXPENSE_CATEGORIES = frozenset(EXPENSE_CATEGORIES[:4])

# "Le porteur de l'action et les bénéficiaires finaux de l'aide régionale devront être établis
# en ALPC": the 12 départements of Aquitaine-Limousin-Poitou-Charentes.
REGION_DEPARTEMENTS = {
    "16": "Charente",
    "17": "Charente-Maritime",
    "19": "Corrèze",
    "23": "Creuse",
    "24": "Dordogne",
    "33": "Gironde",
    "40": "Landes",
    "47": "Lot-et-Garonne",
    "64": "Pyrénées-Atlantiques",
    "79": "Deux-Sèvres",
    "86": "Vienne",
    "87": "Haute-Vienne",
}
OUT_OF_REGION = "hors région"
"""What stands for a département outside the region where the actual one is not shown (public
tables, the comité's data)."""

# "…une aide au titre de l'innovation sociale par un des trois anciens Conseil régional
# Aquitaine, Poitou-Charentes et Limousin."
FORMER_REGIONS = ("Aquitaine", "Poitou-Charentes", "Limousin")

# The jury's decisions, in the call's words ("Les projets non retenus…", "retenus et financés",
# "réorientés vers d'autres dispositifs"); written nowhere else in the package.
NOT_RETAINED, FUNDED, REORIENTED = DECISIONS = ("non retenu", "retenu - financé", "retenu - réorienté")
RETAINED = (FUNDED, REORIENTED)

# The rating rounds: each juror's own ratings, then the ratings after the jury's debate.
INDIVIDUAL, AFTER_DEBATE = ROUNDS = ("individuel", "après débat")

JUROR_ROLES = (
    "élu·e",
    "équipe projet",
    "direction de la Région",
    "partenaire technique",
    "réseau de recherche",
    "personne qualifiée",
)

PARTNER_TYPES = LEGAL_CATEGORIES[:8] + ("équipe de recherche", "citoyens, usagers")

FOLLOWUP_STATUSES = ("en cours", "terminé", "abandonné")
FOLLOWUP_SOURCES = ("porteur", "équipe de recherche", "chargé de mission")

YES, NO = "oui", "non"
