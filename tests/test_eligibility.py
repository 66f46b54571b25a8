"""Each rule of the call on crafted dossiers: a finding with its reason, never a silent drop."""

import pandas as pd
import pytest

from socinnov.call import load_call
from socinnov.eligibility import RULES, check_eligibility, eligibility_status, summary_lines
from tests.conftest import dossier, tiny_tables

CALL = load_call()


def findings_for(dossier_overrides=None, partners=None, budget=None):
    t = tiny_tables()
    t["dossiers"] = pd.DataFrame([dossier("D-001", **(dossier_overrides or {}))])
    if partners is not None:
        t["partners"] = pd.DataFrame(partners, columns=["dossier_id", "partner", "partner_type", "role"])
    else:
        t["partners"] = t["partners"][t["partners"]["dossier_id"] == "D-001"]
    if budget is not None:
        t["budget"] = pd.DataFrame(budget, columns=["dossier_id", "category", "label", "amount", "month_from",
                                                    "month_to"])
    f = check_eligibility(t, CALL)
    return f.set_index("rule")


def test_a_compliant_dossier_passes_every_rule():
    f = findings_for()
    assert list(f.index) == [r.id for r in RULES]
    assert f["passed"].all()
    assert eligibility_status(f.reset_index())["eligible"].tolist() == [True]


@pytest.mark.parametrize("rule, overrides, partners, budget, reason", [
    ("collectif", {}, [], None, "aucun partenaire déclaré : l'action n'est pas présentée comme collective"),
    ("collectif", {}, [("D-001", "P", "association", None), ("D-001", "Q", "EPCI", "Co-pilotage")], None,
     "1 partenaire(s) sur 2 sans rôle décrit"),
    ("territoire", {"departement": "75"}, None, None, "département 75 hors des 12 départements de la région"),
    ("statut", {"legal_category": "personne physique"}, None, None, "catégorie « personne physique » non éligible"),
    ("aide_anterieure", {"earlier_aid": True, "earlier_aid_region": "Limousin"}, None, None,
     "aide antérieure de l'ex-région Limousin"),
    ("aide_anterieure", {"earlier_aid": True}, None, None,
     "aide antérieure déclarée sans préciser la région : à vérifier, présumée non éligible"),
    ("emergence", {"market_launched": True}, None, None,
     "mise sur le marché déjà engagée : l'action n'est plus en phase d'émergence"),
    ("depenses", {}, None, [("D-001", "temps de travail", "x", 50000.0, 1, 24),
                            ("D-001", "commercialisation", "y", 12500.0, 3, 6)],
     "dépenses non éligibles : « commercialisation » (12\u202f500\u00a0€)"),
    ("plafond", {"requested_amount": 55000.0}, None, None, "55\u202f000\u00a0€ sollicités, au-delà du plafond de 40\u202f000\u00a0€"),
    ("duree", {"end_date": pd.Timestamp("2019-04-30")}, None, None, "action prévue sur 29 mois, au-delà de 24 mois"),
    ("duree", {}, None, [("D-001", "temps de travail", "x", 60000.0, 1, 30)], "dépenses prévues jusqu'au mois 30, au-delà de 24 mois"),
    ("date_depot", {"filed_on": pd.Timestamp("2016-09-12")}, None, None, "déposé le 12 septembre 2016, après la date limite du 5 septembre 2016"),
])
def test_each_rule_fails_with_its_reason(rule, overrides, partners, budget, reason):
    f = findings_for(overrides, partners, budget)
    assert not f.loc[rule, "passed"]
    assert f.loc[rule, "reason"] == reason
    others = f.drop(index=rule)
    assert others["passed"].all(), others[~others["passed"]]
    status = eligibility_status(f.reset_index())
    assert status["eligible"].tolist() == [False] and status["failed_rules"].tolist() == [rule]


def test_boundaries_are_inclusive():
    # "plafonnée à un montant maximum de 40 000 euros"; "Date limite de dépôt : 05 septembre 2016".
    f = findings_for({"requested_amount": 40000.0, "filed_on": pd.Timestamp("2016-09-05"),
                      "start_date": pd.Timestamp("2016-11-01"), "end_date": pd.Timestamp("2018-11-01")})
    assert f.loc[["plafond", "date_depot", "duree"], "passed"].all()


def test_earlier_aid_from_elsewhere_is_outside_the_rule():
    f = findings_for({"earlier_aid": True, "earlier_aid_region": "autre"})
    assert f.loc["aide_anterieure", "passed"]


def test_long_summary_is_a_remark_not_a_reason_to_exclude():
    long = " ".join(["mot"] * 700)  # 2 800 characters: 28 lines of 100 characters
    f = findings_for({"summary": long})
    assert not f.loc["resume", "passed"] and not f.loc["resume", "blocking"]
    assert f.loc["resume", "reason"] == "résumé de 28 lignes de 100 caractères, au-delà des 20 demandées"
    assert eligibility_status(f.reset_index())["eligible"].tolist() == [True]


def test_summary_lines_count_paragraphs_and_wrapping():
    assert summary_lines("court") == 1
    assert summary_lines("a\nb\n\nc") == 4
    assert summary_lines("x" * 250) == 3


def test_reasons_do_not_name_partners():
    f = findings_for({}, [("D-001", "Partenaire Secret", "association", None)])
    assert "Partenaire Secret" not in " ".join(f["reason"])
