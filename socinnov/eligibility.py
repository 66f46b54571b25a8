"""Eligibility of dossiers under the call's rules: one finding per (dossier, rule), never a drop.

Each rule is the call's own sentence (quoted in ``RULES``) turned into a test over the
validated tables. A finding says whether the dossier passes and why, in French and without
naming anyone (reasons quote counts, categories and amounts, not partner names), so findings
can travel to every audience once the dossier identifier is pseudonymised.

``blocking`` rules decide eligibility; the others are remarks for the service instructeur
(e.g. a résumé longer than the 20 lines the call asks for).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

import pandas as pd

from socinnov import vocabulary as voc
from socinnov.call import Call
from socinnov.fr import date as date_fr
from socinnov.fr import euros

SUMMARY_LINE_WIDTH = 100  # characters per line when counting the résumé's "20 lignes"
SUMMARY_MAX_LINES = 20


@dataclass(frozen=True)
class Rule:
    id: str
    label: str
    quote: str  # the call's words the rule implements
    blocking: bool = True


RULES: tuple[Rule, ...] = (
    Rule("collectif", "Action collective, partenaires et rôles identifiés",
         "Les actions présentées seront de nature collective et proposent des coopérations entre "
         "partenaires, avec une présentation détaillée de la nature et du rôle de chaque participant."),
    Rule("territoire", "Porteur établi dans la région",
         "Le porteur de l'action et les bénéficiaires finaux de l'aide régionale devront être établis en ALPC."),
    Rule("statut", "Catégorie de porteur éligible",
         "Sont éligibles les porteurs d'action suivants : entreprises, quel que soit le statut, associations, "
         "collectivités territoriales, EPCI et autres établissements publics, organisations syndicales, "
         "professionnelles, collectifs d'usagers dotés de la personnalité morale."),
    Rule("aide_anterieure", "Pas d'aide antérieure à l'innovation sociale des trois anciennes régions",
         "Ne sont pas éligibles, les projets ayant déjà bénéficié d'une aide au titre de l'innovation sociale "
         "par un des trois anciens Conseil régional Aquitaine, Poitou-Charentes et Limousin."),
    Rule("emergence", "Phase d'émergence, en amont de la commercialisation",
         "La phase de l'action qui peut bénéficier d'un soutien est la phase d'émergence : elle doit se situer "
         "en amont de la commercialisation de services et produits."),
    Rule("depenses", "Dépenses éligibles",
         "Les dépenses éligibles sont les dépenses de recherche et développement (équipements, études, "
         "vacations,…), les dépenses d'étude et d'analyse, les frais de mission (transport, hébergement, "
         "restauration), le temps de travail passé au développement du projet."),
    Rule("plafond", "Aide sollicitée au plus égale au plafond",
         "L'aide régionale est plafonnée à un montant maximum de 40 000 euros."),
    Rule("duree", "Dépenses sur 24 mois consécutifs au plus",
         "L'aide du Conseil régional s'applique à des dépenses effectuées pendant une période maximale de "
         "24 mois consécutifs à compter de la date de démarrage de l'action."),
    Rule("date_depot", "Dossier déposé avant la date limite",
         "Date limite de dépôt des dossiers : 05 septembre 2016"),
    Rule("resume", "Résumé de l'action en 20 lignes", "Résumé de l'action en 20 lignes", blocking=False),
)
RULES_BY_ID = {r.id: r for r in RULES}


def _finding(dossier_id: str, rule: str, passed: bool, reason: str) -> dict:
    return {"dossier_id": dossier_id, "rule": rule, "passed": bool(passed), "reason": reason}


def _collective(d: pd.Series, partners: pd.DataFrame) -> tuple[bool, str]:
    own = partners[partners["dossier_id"] == d["dossier_id"]]
    if own.empty:
        return False, "aucun partenaire déclaré : l'action n'est pas présentée comme collective"
    no_role = int(own["role"].isna().sum())
    if no_role:
        return False, f"{no_role} partenaire(s) sur {len(own)} sans rôle décrit"
    return True, f"{len(own)} partenaire(s), chacun avec son rôle"


def _territory(d: pd.Series) -> tuple[bool, str]:
    dep = d["departement"]
    if dep in voc.REGION_DEPARTEMENTS:
        return True, f"établi en {voc.REGION_DEPARTEMENTS[dep]} ({dep})"
    return False, f"département {dep} hors des 12 départements de la région"


def _legal(d: pd.Series) -> tuple[bool, str]:
    cat = d["legal_category"]
    if cat in voc.ELIGIBLE_LEGAL_CATEGORIES:
        return True, f"catégorie « {cat} » éligible"
    return False, f"catégorie « {cat} » non éligible"


def _earlier_aid(d: pd.Series) -> tuple[bool, str]:
    if not d["earlier_aid"]:
        return True, "aucune aide antérieure déclarée"
    region = d["earlier_aid_region"]
    if pd.isna(region):
        return False, "aide antérieure déclarée sans préciser la région : à vérifier, présumée non éligible"
    if region in voc.FORMER_REGIONS:
        return False, f"aide antérieure de l'ex-région {region}"
    return True, "aide antérieure d'une autre origine, hors du champ de la règle"


def _emergence(d: pd.Series) -> tuple[bool, str]:
    if d["market_launched"]:
        return False, "mise sur le marché déjà engagée : l'action n'est plus en phase d'émergence"
    return True, f"stade « {d['stage']} », pas de mise sur le marché"


def _expenses(d: pd.Series, budget: pd.DataFrame) -> tuple[bool, str]:
    own = budget[budget["dossier_id"] == d["dossier_id"]]
    if own.empty:
        return False, "aucun compte prévisionnel fourni"
    bad = own[~own["category"].isin(voc.ELIGIBLE_EXPENSE_CATEGORIES)]
    if bad.empty:
        return True, f"{len(own)} ligne(s) de dépenses, toutes dans des catégories éligibles"
    parts = bad.groupby("category")["amount"].sum()
    listed = ", ".join(f"« {cat} » ({euros(v)})" for cat, v in parts.items())
    return False, f"dépenses non éligibles : {listed}"


def _ceiling(d: pd.Series, call: Call) -> tuple[bool, str]:
    amount = d["requested_amount"]
    if amount <= call.max_aid:
        return True, f"{euros(amount)} sollicités, plafond {euros(call.max_aid)}"
    return False, f"{euros(amount)} sollicités, au-delà du plafond de {euros(call.max_aid)}"


def _duration(d: pd.Series, budget: pd.DataFrame, call: Call) -> tuple[bool, str]:
    limit = d["start_date"] + pd.DateOffset(months=call.max_months)
    own = budget[budget["dossier_id"] == d["dossier_id"]]
    last_month = int(own["month_to"].max()) if not own.empty else 0
    problems = []
    if d["end_date"] > limit:
        months = (d["end_date"].year - d["start_date"].year) * 12 + d["end_date"].month - d["start_date"].month
        problems.append(f"action prévue sur {months} mois")
    if last_month > call.max_months:
        problems.append(f"dépenses prévues jusqu'au mois {last_month}")
    if problems:
        return False, "; ".join(problems) + f", au-delà de {call.max_months} mois"
    return True, f"dans les {call.max_months} mois à compter du démarrage"


def _deadline(d: pd.Series, call: Call) -> tuple[bool, str]:
    filed = d["filed_on"].date()
    if filed <= call.deadline:
        return True, f"déposé le {date_fr(filed)}"
    return False, f"déposé le {date_fr(filed)}, après la date limite du {date_fr(call.deadline)}"


def _summary(d: pd.Series) -> tuple[bool, str]:
    lines = summary_lines(d["summary"])
    if lines <= SUMMARY_MAX_LINES:
        return True, f"résumé de {lines} ligne(s)"
    return False, f"résumé de {lines} lignes de {SUMMARY_LINE_WIDTH} caractères, au-delà des {SUMMARY_MAX_LINES} demandées"


def summary_lines(text: str) -> int:
    """Lines of the résumé once wrapped at ``SUMMARY_LINE_WIDTH`` characters (blank lines kept)."""
    return sum(max(1, len(textwrap.wrap(par, SUMMARY_LINE_WIDTH))) for par in str(text).splitlines() or [""])


def check_eligibility(tables: dict[str, pd.DataFrame], call: Call) -> pd.DataFrame:
    """Every rule on every dossier.

    Returns a long frame ``dossier_id, rule, rule_label, blocking, passed, reason``, one row per
    (dossier, rule), in the order of the dossiers and of ``RULES``.
    """
    partners, budget = tables["partners"], tables["budget"]
    checks = {
        "collectif": lambda d: _collective(d, partners),
        "territoire": _territory,
        "statut": _legal,
        "aide_anterieure": _earlier_aid,
        "emergence": _emergence,
        "depenses": lambda d: _expenses(d, budget),
        "plafond": lambda d: _ceiling(d, call),
        "duree": lambda d: _duration(d, budget, call),
        "date_depot": lambda d: _deadline(d, call),
        "resume": _summary,
    }
    rows = [
        _finding(d["dossier_id"], rule.id, *checks[rule.id](d))
        for _, d in tables["dossiers"].iterrows()
        for rule in RULES
    ]
    out = pd.DataFrame(rows, columns=["dossier_id", "rule", "passed", "reason"])
    out.insert(2, "rule_label", out["rule"].map(lambda r: RULES_BY_ID[r].label))
    out.insert(3, "blocking", out["rule"].map(lambda r: RULES_BY_ID[r].blocking))
    return out


def eligibility_status(findings: pd.DataFrame) -> pd.DataFrame:
    """One row per dossier: ``eligible`` and the blocking reasons it failed, joined."""
    failed = findings[findings["blocking"] & ~findings["passed"]]
    reasons = failed.groupby("dossier_id")["reason"].agg(" ; ".join)
    rules = failed.groupby("dossier_id")["rule"].agg(", ".join)
    ids = findings["dossier_id"].drop_duplicates()
    return pd.DataFrame(
        {
            "dossier_id": ids.values,
            "eligible": ~ids.isin(failed["dossier_id"]).values,
            "failed_rules": [rules.get(i, "") for i in ids],
            "reasons": [reasons.get(i, "") for i in ids],
        }
    )
