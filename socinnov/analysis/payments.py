"""Payment checks of the funded experiments: one finding per experiment and payment rule.

The call pays the aid « en deux fois : au démarrage et à la remise du bilan de la deuxième
année », for expenses within 24 months of the start date and at most the amount granted and the
call's ceiling. Like the eligibility rules (``socinnov.call.eligibility``), the checks are
findings, never filters; reasons quote amounts and dates, never names.
"""

from __future__ import annotations

import pandas as pd

from socinnov import fr
from socinnov.analysis.followup import funded_ids
from socinnov.call.eligibility import Rule, rule_summary
from socinnov.call.schemas import YEAR_TWO_REPORT
from socinnov.call.settings import Call

__all__ = ["PAYMENT_RULES", "REPORT_GRACE_MONTHS", "payment_checks", "payment_flags_fr", "payment_summary_fr"]

REPORT_GRACE_MONTHS = 3
"""A year-two report received more than this many months after the 24 months is « en retard »:
the call sets no deadline for the report; this is the kit's convention, shown as a remark."""

PAYMENT_RULES: tuple[Rule, ...] = (
    Rule("solde_apres_bilan", "Solde versé après la remise du bilan de la deuxième année",
         "L'aide sera versée en deux fois : au démarrage et à la remise du bilan de la deuxième année."),
    Rule("depenses_periode", "Dépenses dans la période de l'aide",
         "L'aide du Conseil régional s'applique à des dépenses effectuées pendant une période maximale de "
         "24 mois consécutifs à compter de la date de démarrage de l'action."),
    Rule("versements_accordes", "Total versé au plus égal à l'aide accordée",
         "Montant accordé par le jury et validé par le comité d'élu-e-s (decisions.csv)."),
    Rule("versements_plafond", "Total versé au plus égal au plafond de l'appel",
         "L'aide régionale est plafonnée à un montant maximum de 40 000 euros."),
    Rule("bilan_a_temps", "Bilan de la deuxième année remis à temps",
         f"Convention du kit : au plus {REPORT_GRACE_MONTHS} mois après la fin des 24 mois.", blocking=False),
)


def _as_of(tables: dict[str, pd.DataFrame]) -> pd.Timestamp | None:
    """The latest date the follow-up data know of: what "now" is for an overdue report."""
    dates = [tables["followup"]["observed_on"], tables["payments"]["paid_on"], tables["spending"]["spent_on"],
             tables["activity_reports"]["received_on"]]
    latest = pd.concat([d.dropna() for d in dates]).max() if any(len(d) for d in dates) else None
    return None if latest is None or pd.isna(latest) else pd.Timestamp(latest)


def payment_checks(tables: dict[str, pd.DataFrame], call: Call, *, as_of: pd.Timestamp | None = None,
                   grace_months: int = REPORT_GRACE_MONTHS) -> pd.DataFrame:
    """One finding per funded experiment and payment rule (``PAYMENT_RULES``): findings, not filters.

    - the second payment (the balance) comes after the year-two report was received;
    - every expense falls within ``call.max_months`` months from the start date;
    - the total paid does not exceed the aid granted, nor the call's ceiling ``call.max_aid``;
    - remark: the year-two report arrives at most ``grace_months`` months after the
      ``call.max_months`` months (a report not yet received is overdue once ``as_of``, by
      default the latest date of the follow-up data, passes that date; an abandoned experiment
      owes none).

    Returns ``dossier_id, rule, label, blocking, passed, applicable, reason``; reasons quote
    amounts and dates, never names. A check with nothing to judge yet (no balance paid, no
    expense declared, nothing paid, a report not yet due) is ``applicable`` False and passes:
    the summary counts it apart (« sans objet à ce jour »), not as respected.
    """
    as_of = _as_of(tables) if as_of is None else pd.Timestamp(as_of)
    dec = tables["decisions"].set_index("dossier_id")
    start = tables["dossiers"].set_index("dossier_id")["start_date"]
    pay = tables["payments"]
    spend = tables["spending"]
    rep = tables["activity_reports"]
    report2 = rep[rep["report"] == YEAR_TWO_REPORT].set_index("dossier_id")["received_on"]
    abandoned = set(tables["followup"].loc[tables["followup"]["status"] == "abandonné", "dossier_id"])
    # each experiment's payments and expenses, split once rather than filtered per experiment
    pay_by, spend_by = (dict(tuple(t.groupby("dossier_id", sort=False))) for t in (pay, spend))
    rows = []
    for d in funded_ids(tables):
        begin = start[d]
        end = begin + pd.DateOffset(months=call.max_months)
        own_pay = pay_by.get(d, pay.iloc[:0])
        paid = float(own_pay["amount"].sum())
        granted = float(dec.at[d, "granted_amount"])
        second = own_pay[own_pay["instalment"] == 2]
        received = report2.get(d)
        results = {
            "solde_apres_bilan": _balance_after_report(second, received, d in abandoned),
            "depenses_periode": _spending_in_period(spend_by.get(d, spend.iloc[:0]), begin, end),
            "versements_accordes": (paid <= granted + 0.005,
                                    f"{fr.euros(paid)} versés pour {fr.euros(granted)} accordés", paid > 0),
            "versements_plafond": (paid <= call.max_aid + 0.005,
                                   f"{fr.euros(paid)} versés, plafond de l'appel {fr.euros(call.max_aid)}", paid > 0),
            "bilan_a_temps": _report_on_time(received, end + pd.DateOffset(months=grace_months), d in abandoned,
                                             as_of),
        }
        for rule in PAYMENT_RULES:
            passed, reason, *applicable = results[rule.id]
            rows.append({"dossier_id": d, "rule": rule.id, "label": rule.label, "blocking": rule.blocking,
                         "passed": bool(passed), "applicable": bool(applicable[0]) if applicable else True,
                         "reason": reason})
    return pd.DataFrame(rows, columns=["dossier_id", "rule", "label", "blocking", "passed", "applicable", "reason"])


def _balance_after_report(second: pd.DataFrame, received, abandoned: bool) -> tuple:
    if second.empty:
        return True, "solde non versé" + (" (expérimentation abandonnée)" if abandoned else ""), False
    paid_on, amount = second["paid_on"].iloc[0], float(second["amount"].iloc[0])
    if received is None or pd.isna(received):
        return False, f"solde de {fr.euros(amount)} versé le {fr.date(paid_on)} sans bilan de la deuxième année enregistré"
    if paid_on < received:
        return False, (f"solde de {fr.euros(amount)} versé le {fr.date(paid_on)}, avant la remise du bilan "
                       f"le {fr.date(received)}")
    return True, f"solde versé le {fr.date(paid_on)}, après la remise du bilan le {fr.date(received)}"


def _spending_in_period(own: pd.DataFrame, begin: pd.Timestamp, end: pd.Timestamp) -> tuple:
    period = f"du {fr.date(begin)} au {fr.date(end - pd.Timedelta(days=1))}"
    if own.empty:
        return True, "aucune dépense déclarée", False
    outside = own[(own["spent_on"] < begin) | (own["spent_on"] >= end)]
    if outside.empty:
        return True, f"{len(own)} dépense(s), toutes {period}"
    dates = sorted(outside["spent_on"].unique())
    when = (", ".join(f"le {fr.date(x)}" for x in dates) if len(dates) <= 3
            else f"du {fr.date(dates[0])} au {fr.date(dates[-1])}")
    return False, (f"{len(outside)} dépense(s) pour {fr.euros(outside['amount'].sum())} hors de la période {period} : "
                   f"{when}")


def _report_on_time(received, due: pd.Timestamp, abandoned: bool, as_of) -> tuple:
    if received is not None and not pd.isna(received):
        if received <= due:
            return True, f"bilan remis le {fr.date(received)}"
        return False, f"bilan remis le {fr.date(received)}, attendu au plus tard le {fr.date(due)}"
    if abandoned:
        return True, "expérimentation abandonnée : pas de bilan de la deuxième année attendu", False
    if as_of is not None and as_of > due:
        return False, f"bilan attendu au plus tard le {fr.date(due)}, non remis au {fr.date(as_of)}"
    return True, f"bilan pas encore dû (au plus tard le {fr.date(due)})", False


def payment_flags_fr(findings: pd.DataFrame) -> pd.DataFrame:
    """The findings that fail, for the report (French headers)."""
    failed = findings[~findings["passed"]]
    return pd.DataFrame({"Dossier": failed["dossier_id"].values, "Contrôle": failed["label"].values,
                         "Nature": failed["blocking"].map({True: "règle", False: "remarque"}).values,
                         "Constat": failed["reason"].values})


def payment_summary_fr(findings: pd.DataFrame) -> pd.DataFrame:
    """Per payment rule: experiments that pass it, that do not, and for which it has nothing to
    judge yet (French headers)."""
    return rule_summary(findings, PAYMENT_RULES, headers=("Contrôle", "Nature", "Respecté", "Non respecté"),
                        natures=("règle", "remarque"), not_applicable="Sans objet à ce jour")
