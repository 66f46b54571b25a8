"""The cohort at a glance: funnel, profiles, amounts (tables with French headers, for reports)."""

from __future__ import annotations

import pandas as pd

from socinnov import fr
from socinnov.call import report_plans
from socinnov.call import vocabulary as voc
from socinnov.call.eligibility import RULES, RULES_BY_ID, eligibility_status, rule_summary
from socinnov.call.vocabulary import FUNDED, NOT_RETAINED, REORIENTED

__all__ = [
    "FUNNEL_STEPS",
    "amounts_summary",
    "departement_counts",
    "eligibility_summary",
    "funnel",
    "ineligible",
    "innovation_types",
    "profile",
    "with_decision",
]

FUNNEL_STEPS = ("Dossiers déposés", "Éligibles", "Examinés par le jury", "Retenus",
                "Retenus - financés", "Retenus - réorientés", "Non retenus")


def eligibility_checked(tables: dict[str, pd.DataFrame]) -> bool:
    """Whether eligibility could be verified (``report_plans``: partners and budget filled in). Before
    that every dossier fails the rules that read them: none may be called ineligible yet."""
    return report_plans.eligibility_verifiable(tables)  # not report_plans.available: it reads every table


def funnel(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Counts at each step of the call: dépôts, éligibles, examinés, retenus, financés, réorientés,
    non retenus; without « Éligibles » while eligibility cannot be verified."""
    status = eligibility_status(tables["eligibility"])
    decisions = tables["decisions"]["decision"].value_counts()
    examined = tables["ratings"].loc[tables["ratings"]["grid"] == "acceptabilite", "dossier_id"].nunique()
    counts = [
        len(tables["dossiers"]),
        int(status["eligible"].sum()),
        examined,
        int(decisions.get(FUNDED, 0) + decisions.get(REORIENTED, 0)),
        int(decisions.get(FUNDED, 0)),
        int(decisions.get(REORIENTED, 0)),
        int(decisions.get(NOT_RETAINED, 0)),
    ]
    out = pd.DataFrame({"Étape": FUNNEL_STEPS, "Dossiers": counts})
    out["Part des dépôts"] = [fr.percent(n / max(counts[0], 1)) for n in counts]
    if not eligibility_checked(tables):
        out = out[out["Étape"] != "Éligibles"].reset_index(drop=True)
    return out


def eligibility_summary(findings: pd.DataFrame) -> pd.DataFrame:
    """Per rule of the call: dossiers that pass it and that fail it."""
    return rule_summary(findings, RULES, headers=("Règle", "Bloquante", "Respectée", "Non respectée"),
                        natures=("oui", "non (remarque)"))


def with_decision(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Dossiers with their eligibility and decision (« inéligible », « sans décision » where none).
    While eligibility cannot be verified (:func:`eligibility_checked`), ``eligible`` is missing
    and a dossier without decision is « sans décision », never « inéligible »."""
    status = eligibility_status(tables["eligibility"])
    if not eligibility_checked(tables):
        status = status.assign(eligible=pd.NA)
    # ids as text on both sides: a table with no rows yet (no decisions) is read with a float key
    d = tables["dossiers"].astype({"dossier_id": str})
    d = d.merge(status[["dossier_id", "eligible"]].astype({"dossier_id": str}), on="dossier_id", how="left")
    d = d.merge(tables["decisions"][["dossier_id", "decision"]].astype({"dossier_id": str}), on="dossier_id",
                how="left")
    d["decision"] = d["decision"].fillna(d["eligible"].map({True: "sans décision", False: "inéligible"})).fillna(
        "sans décision")
    return d


def profile(tables: dict[str, pd.DataFrame], by: str) -> pd.DataFrame:
    """Dossiers by ``by`` (``legal_category``, ``stage`` or ``departement``) and decision."""
    labels = {"legal_category": "Statut juridique", "stage": "Stade d'avancement", "departement": "Département"}
    d = with_decision(tables)
    if by == "departement":
        d["departement"] = d["departement"].map(_departement_label)
    table = pd.crosstab(d[by], d["decision"], margins=True, margins_name="Total")
    table.index.name = labels[by]
    table.columns.name = None
    body = table.drop(index="Total").sort_values("Total", ascending=False)
    return pd.concat([body, table.loc[["Total"]]])


def _departement_label(code: str) -> str:
    """« 33 Gironde », « 75 (hors région) »; « hors région » alone where the comité's data already
    stand for the département outside the region (``socinnov.privacy.coarsening``)."""
    if code == voc.OUT_OF_REGION:
        return code
    return f"{code} {voc.REGION_DEPARTEMENTS.get(code, '(hors région)')}"


def innovation_types(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Dossiers per type of social innovation (a dossier may claim several) and decision."""
    d = with_decision(tables)
    rows = []
    for col, label in voc.INNOVATION_TYPES.items():
        sub = d[d[col]]
        rows.append({"Type d'innovation sociale": label, "Dossiers": len(sub),
                     "dont financés": int((sub["decision"] == FUNDED).sum())})
    return pd.DataFrame(rows)


def departement_counts(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Dossiers filed and funded per département of the region (all 12, zeros included)."""
    d = with_decision(tables)
    filed = d["departement"].value_counts()
    funded = d.loc[d["decision"] == FUNDED, "departement"].value_counts()
    codes = list(voc.REGION_DEPARTEMENTS)
    return pd.DataFrame({
        "code": codes,
        "nom": [voc.REGION_DEPARTEMENTS[c] for c in codes],
        "deposes": [int(filed.get(c, 0)) for c in codes],
        "finances": [int(funded.get(c, 0)) for c in codes],
    })


def amounts_summary(tables: dict[str, pd.DataFrame], *, max_aid: float, envelope: float | None) -> pd.DataFrame:
    """Requested and granted amounts against the ceiling and the envelope."""
    d = with_decision(tables)
    granted = tables["decisions"]["granted_amount"].fillna(0)
    requested = d["requested_amount"]
    rows = [
        ("Aide sollicitée, médiane", fr.euros(requested.median())),
        ("Aide sollicitée, total", fr.euros(requested.sum())),
        (f"Dossiers sollicitant le plafond ({fr.euros(max_aid)}) ou plus", fr.number((requested >= max_aid).sum())),
        ("Aide accordée, total", fr.euros(granted.sum())),
        ("Enveloppe de l'appel", fr.euros(envelope) if envelope else "non précisée"),
        ("Part de l'enveloppe engagée", fr.percent(granted.sum() / envelope, 1) if envelope else "–"),
    ]
    return pd.DataFrame(rows, columns=["Indicateur", "Valeur"])


def ineligible(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Ineligible dossiers with the rules they fail and why."""
    status = eligibility_status(tables["eligibility"])
    out = status[~status["eligible"]]
    rules = [" ; ".join(RULES_BY_ID[r].label for r in ids.split(", ")) for ids in out["failed_rules"]]
    return pd.DataFrame({"Dossier": out["dossier_id"].values, "Règles non respectées": rules,
                         "Motifs": out["reasons"].values})
