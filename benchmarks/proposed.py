"""Proposed fixes outside the benchmark owner's files, measured by ``benchmarks.run --proposed``.

Nothing here is used by the kit. Each function is a drop-in replacement that gives the same
result (checked with ``pandas.testing.assert_frame_equal`` on the demo cohorts and a tiled
cohort of 1 000 dossiers), for the owner of the module to adopt or not.

``check_eligibility`` (for ``socinnov/eligibility.py``): the current version walks the dossiers
with ``iterrows`` and, for each dossier, filters the whole partners and budget tables three
times; at 10 000 dossiers that is about 15 ms per dossier, two and a half minutes of an ingest
whose target is 10 s. Here the per-dossier facts (partners, partners without a role, budget
lines, last month of expenses, non-eligible expenses by category) are aggregated once with
``groupby``, the 24-month limits are computed on the whole column, and the loop only formats
the reasons, with the same rule helpers and the same words.
"""

from __future__ import annotations

import pandas as pd

from socinnov import eligibility as el
from socinnov import vocabulary as voc
from socinnov.call import Call
from socinnov.fr import euros

RULE_HELPERS = {"territoire": el._territory, "statut": el._legal, "aide_anterieure": el._earlier_aid,
                "emergence": el._emergence, "plafond": el._ceiling, "date_depot": el._deadline,
                "resume": el._summary}


def check_eligibility(tables: dict[str, pd.DataFrame], call: Call) -> pd.DataFrame:
    dossiers, partners, budget = tables["dossiers"], tables["partners"], tables["budget"]
    n_partners = partners.groupby("dossier_id").size().to_dict()
    no_role = partners["role"].isna().groupby(partners["dossier_id"]).sum().to_dict()
    lines = budget.groupby("dossier_id").size().to_dict()
    last_month = budget.groupby("dossier_id")["month_to"].max().to_dict()
    bad = budget[~budget["category"].isin(voc.ELIGIBLE_EXPENSE_CATEGORIES)]
    bad_parts = bad.groupby(["dossier_id", "category"])["amount"].sum()
    listed = {d: ", ".join(f"« {cat} » ({euros(v)})" for (_, cat), v in part.items())
              for d, part in bad_parts.groupby(level=0)}
    limits = dossiers["start_date"] + pd.DateOffset(months=call.max_months)

    def collective(d):
        n = n_partners.get(d["dossier_id"], 0)
        if not n:
            return False, "aucun partenaire déclaré : l'action n'est pas présentée comme collective"
        missing = int(no_role.get(d["dossier_id"], 0))
        if missing:
            return False, f"{missing} partenaire(s) sur {n} sans rôle décrit"
        return True, f"{n} partenaire(s), chacun avec son rôle"

    def expenses(d):
        n = lines.get(d["dossier_id"], 0)
        if not n:
            return False, "aucun compte prévisionnel fourni"
        if d["dossier_id"] not in listed:
            return True, f"{n} ligne(s) de dépenses, toutes dans des catégories éligibles"
        return False, f"dépenses non éligibles : {listed[d['dossier_id']]}"

    def duration(d, limit):
        last = int(last_month[d["dossier_id"]]) if d["dossier_id"] in last_month else 0
        problems = []
        if d["end_date"] > limit:
            months = (d["end_date"].year - d["start_date"].year) * 12 + d["end_date"].month - d["start_date"].month
            problems.append(f"action prévue sur {months} mois")
        if last > call.max_months:
            problems.append(f"dépenses prévues jusqu'au mois {last}")
        if problems:
            return False, "; ".join(problems) + f", au-delà de {call.max_months} mois"
        return True, f"dans les {call.max_months} mois à compter du démarrage"

    def finding(rule: str, d: dict, limit) -> tuple[bool, str]:
        if rule == "collectif":
            return collective(d)
        if rule == "depenses":
            return expenses(d)
        if rule == "duree":
            return duration(d, limit)
        if rule in ("plafond", "date_depot"):
            return RULE_HELPERS[rule](d, call)
        return RULE_HELPERS[rule](d)

    columns = list(dossiers.columns)
    rows = []
    for values, limit in zip(dossiers.itertuples(index=False, name=None), limits):
        d = dict(zip(columns, values))
        rows += [el._finding(d["dossier_id"], rule.id, *finding(rule.id, d, limit)) for rule in el.RULES]
    out = pd.DataFrame(rows, columns=["dossier_id", "rule", "passed", "reason"])
    out.insert(2, "rule_label", out["rule"].map(lambda r: el.RULES_BY_ID[r].label))
    out.insert(3, "blocking", out["rule"].map(lambda r: el.RULES_BY_ID[r].blocking))
    return out
