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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import pandas as pd

from socinnov.call import vocabulary as voc
from socinnov.call.settings import Call
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
    # Reasons (passed, failed) for an audience that does not see names, when the full reason
    # quotes one of the dossier's quasi-identifiers (amount, date, département, legal status):
    # see :func:`coarse_findings`. Empty: the reason is kept.
    coarse: tuple[str, str] = ()


RULES: tuple[Rule, ...] = (
    Rule("collectif", "Action collective, partenaires et rôles identifiés",
         "Les actions présentées seront de nature collective et proposent des coopérations entre "
         "partenaires, avec une présentation détaillée de la nature et du rôle de chaque participant."),
    Rule("territoire", "Porteur établi dans la région",
         "Le porteur de l'action et les bénéficiaires finaux de l'aide régionale devront être établis en ALPC.",
         coarse=("établi dans l'un des 12 départements de la région", "établi hors région")),
    Rule("statut", "Catégorie de porteur éligible",
         "Sont éligibles les porteurs d'action suivants : entreprises, quel que soit le statut, associations, "
         "collectivités territoriales, EPCI et autres établissements publics, organisations syndicales, "
         "professionnelles, collectifs d'usagers dotés de la personnalité morale.",
         coarse=("catégorie de porteur éligible", "catégorie de porteur non éligible")),
    Rule("aide_anterieure", "Pas d'aide antérieure à l'innovation sociale des trois anciennes régions",
         "Ne sont pas éligibles, les projets ayant déjà bénéficié d'une aide au titre de l'innovation sociale "
         "par un des trois anciens Conseil régional Aquitaine, Poitou-Charentes et Limousin."),
    Rule("emergence", "Phase d'émergence, en amont de la commercialisation",
         "La phase de l'action qui peut bénéficier d'un soutien est la phase d'émergence : elle doit se situer "
         "en amont de la commercialisation de services et produits."),
    Rule("depenses", "Dépenses éligibles",
         "Les dépenses éligibles sont les dépenses de recherche et développement (équipements, études, "
         "vacations,…), les dépenses d'étude et d'analyse, les frais de mission (transport, hébergement, "
         "restauration), le temps de travail passé au développement du projet.",
         coarse=("dépenses prévues dans les catégories éligibles", "dépenses prévues hors des catégories éligibles")),
    Rule("plafond", "Aide sollicitée au plus égale au plafond",
         "L'aide régionale est plafonnée à un montant maximum de 40 000 euros.",
         coarse=("aide sollicitée dans le plafond de l'appel", "aide sollicitée au-delà du plafond de l'appel")),
    Rule("duree", "Dépenses sur 24 mois consécutifs au plus",
         "L'aide du Conseil régional s'applique à des dépenses effectuées pendant une période maximale de "
         "24 mois consécutifs à compter de la date de démarrage de l'action.",
         coarse=("dans la durée maximale de l'appel", "au-delà de la durée maximale de l'appel")),
    Rule("date_depot", "Dossier déposé avant la date limite",
         "Date limite de dépôt des dossiers : 05 septembre 2016",
         coarse=("déposé avant la date limite", "déposé après la date limite")),
    Rule("resume", "Résumé de l'action en 20 lignes", "Résumé de l'action en 20 lignes", blocking=False),
)
RULES_BY_ID = {r.id: r for r in RULES}


class _Facts(NamedTuple):
    """What a dossier's rules need from the partners and budget tables (see ``_dossier_facts``)."""

    partners: int  # partner rows of the dossier
    partners_without_role: int
    budget_lines: int
    last_month: float  # latest ``month_to`` of its budget lines (meaningless without lines)
    ineligible_lines: int  # budget lines outside the eligible categories
    ineligible_listed: str  # those lines summed by category: « catégorie » (montant), ...
    limit: pd.Timestamp  # start date + the call's maximum duration


def _dossier_facts(tables: dict[str, pd.DataFrame], call: Call) -> list[_Facts]:
    """Per-dossier facts in the order of ``tables["dossiers"]``, aggregated once over each table.

    The partners and budget rows may come in any order; a dossier without rows in a table counts
    zero of them. Ineligible categories are listed in sorted order, as a per-dossier
    ``groupby("category")`` gives them.
    """
    dossiers, partners, budget = tables["dossiers"], tables["partners"], tables["budget"]
    ids = dossiers["dossier_id"]

    def per_dossier(values: pd.Series) -> list:
        return values.reindex(ids, fill_value=0).tolist()

    by_partner_dossier = partners.groupby("dossier_id")
    by_budget_dossier = budget.groupby("dossier_id")
    ineligible = ~budget["category"].isin(voc.ELIGIBLE_EXPENSE_CATEGORIES)
    parts = budget[ineligible].groupby(["dossier_id", "category"])["amount"].sum()
    listed: dict[str, list[str]] = {}
    for (dossier_id, category), amount in parts.items():
        listed.setdefault(dossier_id, []).append(f"« {category} » ({euros(amount)})")
    columns = zip(
        per_dossier(by_partner_dossier.size()),
        per_dossier(partners["role"].isna().groupby(partners["dossier_id"]).sum()),
        per_dossier(by_budget_dossier.size()),
        per_dossier(by_budget_dossier["month_to"].max()),
        per_dossier(ineligible.groupby(budget["dossier_id"]).sum()),
        [", ".join(listed.get(dossier_id, ())) for dossier_id in ids.tolist()],
        (dossiers["start_date"] + pd.DateOffset(months=call.max_months)).tolist(),
    )
    return [_Facts(*values) for values in columns]


def _collective(f: _Facts) -> tuple[bool, str]:
    if not f.partners:
        return False, "aucun partenaire déclaré : l'action n'est pas présentée comme collective"
    if f.partners_without_role:
        return False, f"{f.partners_without_role} partenaire(s) sur {f.partners} sans rôle décrit"
    return True, f"{f.partners} partenaire(s), chacun avec son rôle"


def _territory(d: Mapping) -> tuple[bool, str]:
    dep = d["departement"]
    if dep in voc.REGION_DEPARTEMENTS:
        return True, f"établi en {voc.REGION_DEPARTEMENTS[dep]} ({dep})"
    return False, f"département {dep} hors des 12 départements de la région"


def _legal(d: Mapping) -> tuple[bool, str]:
    cat = d["legal_category"]
    if cat in voc.ELIGIBLE_LEGAL_CATEGORIES:
        return True, f"catégorie « {cat} » éligible"
    return False, f"catégorie « {cat} » non éligible"


def _earlier_aid(d: Mapping) -> tuple[bool, str]:
    if not d["earlier_aid"]:
        return True, "aucune aide antérieure déclarée"
    region = d["earlier_aid_region"]
    if pd.isna(region):
        return False, "aide antérieure déclarée sans préciser la région : à vérifier, présumée non éligible"
    if region in voc.FORMER_REGIONS:
        return False, f"aide antérieure de l'ex-région {region}"
    return True, "aide antérieure d'une autre origine, hors du champ de la règle"


def _emergence(d: Mapping) -> tuple[bool, str]:
    if d["market_launched"]:
        return False, "mise sur le marché déjà engagée : l'action n'est plus en phase d'émergence"
    return True, f"stade « {d['stage']} », pas de mise sur le marché"


def _expenses(f: _Facts) -> tuple[bool, str]:
    if not f.budget_lines:
        return False, "aucun compte prévisionnel fourni"
    if not f.ineligible_lines:
        return True, f"{f.budget_lines} ligne(s) de dépenses, toutes dans des catégories éligibles"
    return False, f"dépenses non éligibles : {f.ineligible_listed}"


def _ceiling(d: Mapping, call: Call) -> tuple[bool, str]:
    amount = d["requested_amount"]
    if amount <= call.max_aid:
        return True, f"{euros(amount)} sollicités, plafond {euros(call.max_aid)}"
    return False, f"{euros(amount)} sollicités, au-delà du plafond de {euros(call.max_aid)}"


def _duration(d: Mapping, f: _Facts, call: Call) -> tuple[bool, str]:
    last_month = int(f.last_month) if f.budget_lines else 0
    problems = []
    if d["end_date"] > f.limit:
        months = (d["end_date"].year - d["start_date"].year) * 12 + d["end_date"].month - d["start_date"].month
        problems.append(f"action prévue sur {months} mois")
    if last_month > call.max_months:
        problems.append(f"dépenses prévues jusqu'au mois {last_month}")
    if problems:
        return False, "; ".join(problems) + f", au-delà de {call.max_months} mois"
    return True, f"dans les {call.max_months} mois à compter du démarrage"


def _deadline(d: Mapping, call: Call) -> tuple[bool, str]:
    filed = d["filed_on"].date()
    if filed <= call.deadline:
        return True, f"déposé le {date_fr(filed)}"
    return False, f"déposé le {date_fr(filed)}, après la date limite du {date_fr(call.deadline)}"


def _summary(d: Mapping) -> tuple[bool, str]:
    lines = summary_lines(d["summary"])
    if lines <= SUMMARY_MAX_LINES:
        return True, f"résumé de {lines} ligne(s)"
    return False, f"résumé de {lines} lignes de {SUMMARY_LINE_WIDTH} caractères, au-delà des {SUMMARY_MAX_LINES} demandées"


def summary_lines(text: str) -> int:
    """Lines of the résumé once wrapped at ``SUMMARY_LINE_WIDTH`` characters (blank lines kept)."""
    return sum(_paragraph_lines(par) for par in str(text).splitlines() or [""])


def _paragraph_lines(par: str) -> int:
    """``max(1, len(textwrap.wrap(par, SUMMARY_LINE_WIDTH)))``, not wrapped when surely 1.

    Without a tab (``textwrap`` expands tabs to up to 8 spaces; its other whitespace changes keep
    the length), a paragraph of at most ``SUMMARY_LINE_WIDTH`` characters fits whole on the first
    line, so ``wrap`` returns one line, or none when it is blank: 1 either way.
    """
    if len(par) <= SUMMARY_LINE_WIDTH and "\t" not in par:
        return 1
    return _wrapped_lines(par)


@lru_cache(maxsize=4096)
def _wrapped_lines(par: str) -> int:
    # Memoised: identical paragraphs (a résumé filed twice, a tiled test cohort) are wrapped once.
    return max(1, len(textwrap.wrap(par, SUMMARY_LINE_WIDTH)))


def check_eligibility(tables: dict[str, pd.DataFrame], call: Call) -> pd.DataFrame:
    """Every rule on every dossier.

    Returns a long frame ``dossier_id, rule, rule_label, blocking, passed, reason``, one row per
    (dossier, rule), in the order of the dossiers and of ``RULES``. What the rules need from the
    partners and budget tables is aggregated once for all dossiers (``_dossier_facts``); the loop
    over the dossiers only applies the rules and words the reasons.
    """
    dossiers = tables["dossiers"]
    checks = {
        "collectif": lambda d, f: _collective(f),
        "territoire": lambda d, f: _territory(d),
        "statut": lambda d, f: _legal(d),
        "aide_anterieure": lambda d, f: _earlier_aid(d),
        "emergence": lambda d, f: _emergence(d),
        "depenses": lambda d, f: _expenses(f),
        "plafond": lambda d, f: _ceiling(d, call),
        "duree": lambda d, f: _duration(d, f, call),
        "date_depot": lambda d, f: _deadline(d, call),
        "resume": lambda d, f: _summary(d),
    }
    columns = list(dossiers.columns)
    rows = zip(*(dossiers[c].tolist() for c in columns))  # faster than itertuples on Arrow strings
    ids, passed, reasons = [], [], []
    for values, f in zip(rows, _dossier_facts(tables, call)):
        d = dict(zip(columns, values))
        for rule in RULES:
            ok, reason = checks[rule.id](d, f)
            passed.append(bool(ok))
            reasons.append(reason)
        ids += [d["dossier_id"]] * len(RULES)
    n = len(dossiers)
    out = {
        "dossier_id": ids,
        "rule": [r.id for r in RULES] * n,
        "rule_label": [r.label for r in RULES] * n,
        "blocking": [r.blocking for r in RULES] * n,
        "passed": passed,
        "reason": reasons,
    }
    # Rows rather than columns: without dossiers, the columns stay ``object`` (not ``float64``).
    return pd.DataFrame(list(zip(*out.values())), columns=list(out))


def rule_summary(findings: pd.DataFrame, rules: Sequence[Rule], *, headers: tuple[str, str, str, str],
                 natures: tuple[str, str], not_applicable: str | None = None) -> pd.DataFrame:
    """Per rule: how many findings pass it and how many do not, as a French table.

    Shared by the call's eligibility rules and the payment rules of the follow-up.

    Parameters
    ----------
    findings : pandas.DataFrame
        One row per (dossier, rule): ``rule`` (a rule id) and ``passed``.
    rules : sequence of Rule
        The rules the ids refer to (their label and whether they block).
    headers : tuple of str
        French headers of the rule, its nature, the passing and the failing counts.
    natures : tuple of str
        How the nature column words a blocking rule and a remark.
    not_applicable : str, optional
        Header of a fifth column counting the findings with nothing to judge yet
        (``applicable`` False), which then count neither as passing nor as failing.

    Returns
    -------
    pandas.DataFrame
        One row per rule, in the order the findings first name them.
    """
    by_id = {r.id: r for r in rules}
    judged = findings["applicable"] if not_applicable and "applicable" in findings else pd.Series(True, findings.index)
    f = findings.assign(judged=judged.astype(bool), ok=findings["passed"].astype(bool) & judged.astype(bool))
    g = f.groupby("rule", sort=False).agg(passed=("ok", "sum"), judged=("judged", "sum"), total=("ok", "size"))
    rule, nature, passed, failed = headers
    out = pd.DataFrame({
        rule: [by_id[i].label for i in g.index],
        nature: [natures[0] if by_id[i].blocking else natures[1] for i in g.index],
        passed: g["passed"].astype(int).values,
        failed: (g["judged"] - g["passed"]).astype(int).values,
    })
    if not_applicable:
        out[not_applicable] = (g["total"] - g["judged"]).astype(int).values
    return out


def coarse_findings(findings: pd.DataFrame) -> pd.DataFrame:
    """The findings as an audience that does not see names receives them: a rule's reason that
    quotes the dossier's own amount, date, département or legal status (``Rule.coarse``) reads
    its coarse wording instead. The findings were computed at ingest on the complete data, so
    whether a dossier passes is exact; only the words change."""
    if findings.empty:
        return findings
    coarse = {r.id: r.coarse for r in RULES if r.coarse}
    wording = [coarse[rule][0 if ok else 1] if rule in coarse else reason
               for rule, ok, reason in zip(findings["rule"], findings["passed"], findings["reason"])]
    return findings.assign(reason=wording)


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
