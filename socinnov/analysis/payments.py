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
    funded = pd.Index(funded_ids(tables), name="dossier_id")
    begins = tables["dossiers"].set_index("dossier_id")["start_date"].loc[funded]
    ends = begins + pd.DateOffset(months=call.max_months)
    granted = tables["decisions"].set_index("dossier_id")["granted_amount"].loc[funded]
    pay, rep = tables["payments"], tables["activity_reports"]
    paid = pay.groupby("dossier_id")["amount"].sum().reindex(funded, fill_value=0)
    # the balance as the first row of instalment 2 in the file, as read per experiment
    second = pay[pay["instalment"] == 2].drop_duplicates("dossier_id").set_index("dossier_id")
    report2 = rep[rep["report"] == YEAR_TWO_REPORT].set_index("dossier_id")["received_on"]
    abandoned = set(tables["followup"].loc[tables["followup"]["status"] == "abandonné", "dossier_id"])
    spending = _spending_by_experiment(tables["spending"], begins, ends)
    # Aggregates are computed per table above, once; the loop only writes each experiment's
    # reasons (a per-experiment filter of the tables cost minutes at 1 400 experiments).
    rows = []
    for d, begin, end, granted_d, paid_d in zip(funded, begins, ends, granted, paid, strict=True):
        paid_d, granted_d = float(paid_d), float(granted_d)
        received = report2.get(d)
        balance = (second.at[d, "paid_on"], float(second.at[d, "amount"])) if d in second.index else None
        results = {
            "solde_apres_bilan": _balance_after_report(balance, received, d in abandoned),
            "depenses_periode": _spending_in_period(spending.get(d), begin, end),
            "versements_accordes": (paid_d <= granted_d + 0.005,
                                    f"{fr.euros(paid_d)} versés pour {fr.euros(granted_d)} accordés", paid_d > 0),
            "versements_plafond": (paid_d <= call.max_aid + 0.005,
                                   f"{fr.euros(paid_d)} versés, plafond de l'appel {fr.euros(call.max_aid)}",
                                   paid_d > 0),
            "bilan_a_temps": _report_on_time(received, end + pd.DateOffset(months=grace_months), d in abandoned,
                                             as_of),
        }
        for rule in PAYMENT_RULES:
            passed, reason, *applicable = results[rule.id]
            rows.append({"dossier_id": d, "rule": rule.id, "label": rule.label, "blocking": rule.blocking,
                         "passed": bool(passed), "applicable": bool(applicable[0]) if applicable else True,
                         "reason": reason})
    return pd.DataFrame(rows, columns=["dossier_id", "rule", "label", "blocking", "passed", "applicable", "reason"])


def _spending_by_experiment(spend: pd.DataFrame, begins: pd.Series, ends: pd.Series) -> dict[str, tuple]:
    """Per experiment with expenses: (number of expenses, number outside the aid's period, their
    amount, their distinct dates in order)."""
    spend = spend[spend["dossier_id"].isin(begins.index)]
    owner = spend["dossier_id"]
    out = spend[(spend["spent_on"] < owner.map(begins)) | (spend["spent_on"] >= owner.map(ends))]
    by = out.groupby("dossier_id", sort=False)
    outside = by.size()
    amounts = by["amount"].sum()
    dates = by["spent_on"].agg(lambda x: sorted(x.unique()))
    return {d: (int(n), int(outside.get(d, 0)), amounts.get(d, 0.0), dates.get(d, []))
            for d, n in spend.groupby("dossier_id", sort=False).size().items()}


def _balance_after_report(balance: tuple | None, received, abandoned: bool) -> tuple:
    if balance is None:
        return True, "solde non versé" + (" (expérimentation abandonnée)" if abandoned else ""), False
    paid_on, amount = balance
    if received is None or pd.isna(received):
        return False, f"solde de {fr.euros(amount)} versé le {fr.date(paid_on)} sans bilan de la deuxième année enregistré"
    if paid_on < received:
        return False, (f"solde de {fr.euros(amount)} versé le {fr.date(paid_on)}, avant la remise du bilan "
                       f"le {fr.date(received)}")
    return True, f"solde versé le {fr.date(paid_on)}, après la remise du bilan le {fr.date(received)}"


def _spending_in_period(own: tuple | None, begin: pd.Timestamp, end: pd.Timestamp) -> tuple:
    period = f"du {fr.date(begin)} au {fr.date(end - pd.Timedelta(days=1))}"
    if own is None:
        return True, "aucune dépense déclarée", False
    count, outside, amount, dates = own
    if not outside:
        return True, f"{count} dépense(s), toutes {period}"
    when = (", ".join(f"le {fr.date(x)}" for x in dates) if len(dates) <= 3
            else f"du {fr.date(dates[0])} au {fr.date(dates[-1])}")
    return False, f"{outside} dépense(s) pour {fr.euros(amount)} hors de la période {period} : {when}"


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
