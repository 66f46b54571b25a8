"""The dossiers as filed: the ``dossiers``, ``partners`` and ``budget`` tables of the demo cohort.

Each dossier answers the ten response fields of the call; its porteur, title, texts and
contact details are fictitious (SIRET numbers start with ``000``, e-mail addresses end in
``.exemple.fr``, telephone numbers are in the ``01 99 00`` range), drawn from
:mod:`socinnov.demo.content`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from socinnov.call import vocabulary as voc
from socinnov.demo import content
from socinnov.demo.drawing import add_months, eur, pick, round_to, slug, the_call, typed, weighted
from socinnov.demo.profiles import Profile

__all__ = ["make_budget", "make_dossiers", "make_partners"]

_TEXTS = content.DOSSIERS
_INDEPENDENT = ("association", "entreprise", "personne physique")
"""Legal categories whose name is not tied to the place of the dossier."""


# --------------------------------------------------------------------------------------------
# Table: dossiers
# --------------------------------------------------------------------------------------------

def _place_bound_name(rng: np.random.Generator, p: Profile) -> str:
    """Name of a porteur tied to its place (collectivity, public body, local organisation)."""
    category = p.legal_category
    if category == "EPCI" and any(m in p.territory for m in content.PLACES["urban_markers"]):
        category = "EPCI urbain"
    options = _TEXTS["place_bound_names"][category]
    template = options[0] if len(options) == 1 else pick(rng, options)
    return template.format(t=p.territory, c=p.commune)


def _move_within_departement(rng: np.random.Generator, p: Profile) -> None:
    """Place a dossier in another territory and commune of its département."""
    options = content.TERRITORIES.get(p.departement) or (content.OUT_OF_REGION[p.departement],)
    place = pick(rng, options)
    p.territory, p.commune = place.name, pick(rng, place.communes)


def _porteur_name(rng: np.random.Generator, p: Profile, used: set[str]) -> str:
    """A fictitious structure name fitting the legal category, unique in the cohort."""
    names = _TEXTS["porteur_names"]
    for _ in range(200):
        cat = p.legal_category
        if cat == "association":
            name = names[cat].format(name=pick(rng, _TEXTS["association_names"]))
        elif cat == "entreprise":
            form = pick(rng, _TEXTS["company_forms"])
            name = names[cat].format(form=form, name=pick(rng, _TEXTS["company_names"]))
        elif cat == "personne physique":
            name = names[cat].format(first=pick(rng, _TEXTS["person_first_names"]))
        else:
            name = _place_bound_name(rng, p)
        if name in used and cat in ("association", "entreprise"):
            name = f"{name} {p.territory}"
        if name not in used:
            used.add(name)
            return name
        if cat not in _INDEPENDENT:
            _move_within_departement(rng, p)
    raise RuntimeError("could not draw a unique porteur name")


def _presentation(rng: np.random.Generator, p: Profile, porteur: str) -> str:
    """Field 1, the porteur's presentation: status, age, size, accounts."""
    templates = _TEXTS["presentations"]
    year = int(rng.integers(1985, 2016))
    staff = int(rng.integers(0, 12))
    if p.legal_category == "association":
        return templates["association"].format(year=year, members=int(rng.integers(15, 400)), staff=staff)
    if p.legal_category == "entreprise":
        return templates["entreprise"].format(
            form=porteur.split()[0], year=year, staff=staff + 2, partners=max(1, staff // 2),
            turnover=int(rng.integers(80, 1500)))
    if p.legal_category == "collectivité territoriale":
        return templates[p.legal_category].format(inhabitants=int(rng.integers(800, 30000)))
    if p.legal_category == "EPCI":
        communes = int(rng.integers(8, 45))
        return templates["EPCI"].format(communes=communes, thousands=int(rng.integers(9, 90)))
    if p.legal_category == "personne physique":
        return templates[p.legal_category]
    return templates["autre"].format(year=year, staff=staff)


def _summary(rng: np.random.Generator, p: Profile) -> str:
    """Summary of a few sentences; a very long one (over 20 lines) for a couple of dossiers."""
    generic = _TEXTS["generic_sentences"]
    sentences = list(p.theme.sentences)
    order = rng.permutation(len(generic))
    sentences += [generic[int(i)] for i in order[: int(rng.integers(1, 3))]]
    if p.extra.get("long_summary"):
        sentences += generic + _TEXTS["long_sentences"]
    return " ".join(sentences)


def _resources(rng: np.random.Generator) -> str:
    """Field 6, the means mobilised: staff, volunteers, governance, communication."""
    staffing = pick(rng, _TEXTS["staffing"])
    volunteers = int(rng.integers(3, 40))
    return _TEXTS["resources"].format(staffing=staffing[0].upper() + staffing[1:], volunteers=volunteers)


def _amounts(rng: np.random.Generator, p: Profile) -> tuple[float, float]:
    """Requested amount (mostly 15 000 - 40 000 EUR) and total cost (1.2 to 3 times it)."""
    if p.case == "montant_excessif":
        requested = 55_000.0
    elif p.case == "hors_region_et_montant":
        requested = 48_000.0
    elif rng.random() < 0.2:
        requested = the_call().max_aid
    elif rng.random() < 0.12:
        requested = round_to(rng.uniform(6_000, 15_000), 500)
    else:
        requested = round_to(rng.uniform(15_000, 40_000), 500)
    total = round_to(requested * rng.uniform(1.2, 3.0), 10)
    return requested, total


def _dates(rng: np.random.Generator, p: Profile) -> tuple[pd.Timestamp, pd.Timestamp, pd.Timestamp, int]:
    """Filing date, start and end of the action, and its duration in months."""
    if p.case == "depot_tardif":
        filed = pd.Timestamp("2016-09-12")
    elif rng.random() < 0.45:  # many file in the last days
        filed = pd.Timestamp(the_call().deadline) - pd.Timedelta(days=int(rng.integers(0, 10)))
    else:
        filed = pd.Timestamp("2016-07-01") + pd.Timedelta(days=int(rng.integers(0, 57)))
    month_start = add_months(pd.Timestamp("2016-10-01"), int(rng.integers(0, 4)))
    start = month_start if rng.random() < 0.6 else month_start + pd.Timedelta(days=int(rng.integers(1, 28)))
    months = 30 if p.case == "duree_excessive" else int(rng.choice([12, 18, 24, 24, 24, 20, 15]))
    end = add_months(start, months) - pd.Timedelta(days=1)
    return filed, start, end, months


def _forecast_comment(rng: np.random.Generator, requested: float, total: float, months: int) -> str:
    """Field 7's comment on the forecast accounts (the lines are in the budget table)."""
    return _TEXTS["forecast_comment"].format(
        total=eur(total), months=months, share=100 * requested / total, cofunder=pick(rng, _TEXTS["cofunders"]))


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
        "email": None if rng.random() < 0.02 else f"contact@{slug(porteur)}.exemple.fr",
        "phone": None if rng.random() < 0.03 else phone,
    }


def _research_mission(rng: np.random.Generator, p: Profile) -> str | None:
    """Field 9, the research team's mission, when the dossier has one."""
    if p.research:
        return pick(rng, _TEXTS["research_missions"])
    return None if rng.random() < 0.7 else _TEXTS["no_research_mission"]


def _response_fields(rng: np.random.Generator, p: Profile, porteur: str) -> dict:
    """The free-text response fields 1 to 10 of the call (7 and 8 are also tables)."""
    x = p.extra
    return {
        "porteur_presentation": _presentation(rng, p, porteur),
        "summary": _summary(rng, p),
        "objectives": p.theme.objectives,
        "stage": p.stage,
        "target_publics": p.theme.publics,
        "resources": _resources(rng),
        "forecast_accounts": _forecast_comment(rng, x["requested"], x["total"], x["months"]),
        "territorial_project": pick(rng, _TEXTS["territorial_projects"]),
        "research_mission": _research_mission(rng, p),
        "evaluation_method": pick(rng, _TEXTS["evaluation_methods"]),
    }


def _dossier_row(rng: np.random.Generator, p: Profile, used: set[str], phones: set[str]) -> dict:
    """One dossier: identity, contact, response fields, amounts, calendar, declarations."""
    porteur = _porteur_name(rng, p, used)
    title = f"{pick(rng, p.theme.stems)} {p.territory}"
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
    return typed([_dossier_row(rng, p, used, phones) for p in profiles], "dossiers")


# --------------------------------------------------------------------------------------------
# Table: partners
# --------------------------------------------------------------------------------------------

def _partner_types(rng: np.random.Generator, p: Profile) -> list[str]:
    """Types of the dossier's partners, a research team first when it has one."""
    types = ["équipe de recherche"] if p.research else []
    while len(types) < p.n_partners:
        types.append(weighted(rng, content.PARTNERS["type_weights"]))
    return types


def _partner_name(rng: np.random.Generator, ptype: str, p: Profile, taken: set[str]) -> str | None:
    """A partner name of the given type not yet used in the dossier, or None."""
    free = [n.format(t=p.territory, c=p.commune) for n in content.PARTNERS["names"][ptype]]
    free = [n for n in free if n not in taken]
    return pick(rng, free) if free else None


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
                name = (_partner_name(rng, ptype, p, names)
                        or content.PARTNERS["fallback_name"].format(n=k + 1))
            names.add(name)
            role = None if p.case == "partenaire_unique" else pick(rng, content.PARTNERS["roles"][ptype])
            rows.append({"dossier_id": p.dossier_id, "partner": name, "partner_type": ptype, "role": role})
    return typed(rows, "partners")


# --------------------------------------------------------------------------------------------
# Table: budget
# --------------------------------------------------------------------------------------------

def _budget_categories(rng: np.random.Generator, p: Profile) -> list[str]:
    """3 to 6 expense categories, working time first; a "commercialisation" line if the case says so."""
    n_lines = int(rng.integers(3, 7))
    pool = ["recherche et développement", "étude et analyse", "frais de mission"]
    cats = ["temps de travail"] + [pool[int(i)] for i in rng.permutation(3)]
    while len(cats) < n_lines:
        cats.append(pick(rng, ("temps de travail", "recherche et développement", "étude et analyse")))
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
            label = pick(rng, content.BUDGET["labels"][cat])
            if label in labels_used:
                label = f"{label} (suite)"
            labels_used.add(label)
            m_from, m_to = _months_for(rng, cat, duration)
            rows.append({"dossier_id": p.dossier_id, "category": cat, "label": label,
                         "amount": float(amount), "month_from": m_from, "month_to": m_to})
    return typed(rows, "budget")
