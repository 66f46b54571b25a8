"""Each rule of the call on crafted dossiers: a finding with its reason, never a silent drop."""

import textwrap

import pandas as pd
import pytest

from socinnov.call.eligibility import (
    RULES,
    Rule,
    check_eligibility,
    eligibility_status,
    rule_summary,
    summary_lines,
)
from socinnov.call.settings import load_call
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


@pytest.mark.parametrize("text", [
    "", " ", "x" * 100, "x" * 101, "mot " * 25, "mot " * 26, "a" + "\t" * 13 + "b", "\t" * 13 + "x",
    "a " + "b" * 100 + " c", "anti-" * 30, " " * 150, "court\n" + "long " * 60 + "\n\n\t",
])
def test_summary_lines_is_the_count_of_textwrap_lines(text):
    # The short-paragraph shortcut and the memo must not change the count: a tab expands to 8
    # spaces, so "a" + 13 tabs + "b" (15 characters) wraps on 2 lines of 100.
    expected = sum(max(1, len(textwrap.wrap(par, 100))) for par in text.splitlines() or [""])
    assert summary_lines(text) == expected
    assert summary_lines(text) == expected  # memoised answer
    assert summary_lines("a" + "\t" * 13 + "b") == 2


def test_month_end_start_dates_keep_24_calendar_months():
    # 29 February 2016 + 24 months = 28 February 2018 (the limits are computed on the whole column).
    start = pd.Timestamp("2016-02-29")
    f = findings_for({"start_date": start, "end_date": pd.Timestamp("2018-02-28")})
    assert f.loc["duree", "passed"]
    f = findings_for({"start_date": start, "end_date": pd.Timestamp("2018-03-01")})
    assert not f.loc["duree", "passed"]
    assert f.loc["duree", "reason"] == "action prévue sur 25 mois, au-delà de 24 mois"


def test_dossier_without_partner_nor_budget_line():
    f = findings_for({}, [], [])
    assert f.loc["collectif", "reason"] == "aucun partenaire déclaré : l'action n'est pas présentée comme collective"
    assert f.loc["depenses", "reason"] == "aucun compte prévisionnel fourni"
    assert f.loc["duree", "passed"]  # no expense month to exceed
    assert sorted(f.index[~f["passed"]]) == ["collectif", "depenses"]


def test_a_dossier_without_rows_among_dossiers_with_rows():
    # The per-dossier counts are aggregated over the whole tables: the dossier left out of them
    # counts zero, its neighbours keep their own rows.
    t = tiny_tables()
    t["dossiers"] = pd.DataFrame([dossier(d) for d in ("D-001", "D-002", "D-003")])
    f = check_eligibility(t, CALL).set_index(["dossier_id", "rule"])
    assert f.loc[("D-003", "collectif"), "reason"].startswith("aucun partenaire déclaré")
    assert f.loc[("D-003", "depenses"), "reason"] == "aucun compte prévisionnel fourni"
    assert f.loc[("D-001", "collectif"), "reason"] == "2 partenaire(s), chacun avec son rôle"
    assert f.loc[("D-002", "depenses"), "passed"]
    assert eligibility_status(f.reset_index())["eligible"].tolist() == [True, True, False]


def _mixed_tables():
    """Four dossiers whose partners and budget rows differ: roles missing, ineligible categories,
    late months, none at all."""
    t = tiny_tables()
    ids = ["D-001", "D-002", "D-003", "D-004"]
    t["dossiers"] = pd.DataFrame([dossier(d) for d in ids])
    t["partners"] = pd.DataFrame([
        ("D-001", "P1", "association", "Accueil"), ("D-001", "P2", "EPCI", None),
        ("D-002", "P3", "association", "Animation"), ("D-002", "P4", "entreprise", "Logistique"),
        ("D-001", "P5", "association", None), ("D-004", "P6", "association", "Accueil"),
    ], columns=["dossier_id", "partner", "partner_type", "role"])
    t["budget"] = pd.DataFrame([
        ("D-001", "temps de travail", "a", 20000.0, 1, 12), ("D-002", "commercialisation", "b", 1500.0, 2, 4),
        ("D-001", "frais de mission", "c", 3000.0, 1, 30), ("D-002", "temps de travail", "d", 9000.0, 1, 24),
        ("D-002", "investissement immobilier", "e", 700.0, 1, 3), ("D-002", "commercialisation", "f", 500.0, 5, 6),
        ("D-004", "étude et analyse", "g", 4000.0, 1, 20),
    ], columns=["dossier_id", "category", "label", "amount", "month_from", "month_to"])
    return t


def test_findings_do_not_depend_on_the_order_of_partners_and_budget_rows():
    t = _mixed_tables()
    expected = check_eligibility(t, CALL)
    f = expected.set_index(["dossier_id", "rule"])["reason"]
    assert f[("D-001", "collectif")] == "2 partenaire(s) sur 3 sans rôle décrit"
    assert f[("D-001", "duree")] == "dépenses prévues jusqu'au mois 30, au-delà de 24 mois"
    assert f[("D-002", "depenses")] == ("dépenses non éligibles : « commercialisation » (2\u202f000\u00a0€), "
                                        "« investissement immobilier » (700\u00a0€)")
    assert f[("D-003", "collectif")].startswith("aucun partenaire déclaré")
    for seed in range(5):
        shuffled = dict(t, partners=t["partners"].sample(frac=1, random_state=seed),
                        budget=t["budget"].sample(frac=1, random_state=seed + 100))
        pd.testing.assert_frame_equal(check_eligibility(shuffled, CALL), expected)
    # The dossiers' own order decides the order of the findings, nothing else.
    backwards = dict(t, dossiers=t["dossiers"].iloc[::-1])
    result = check_eligibility(backwards, CALL)
    assert result["dossier_id"].drop_duplicates().tolist() == ["D-004", "D-003", "D-002", "D-001"]
    pd.testing.assert_frame_equal(
        result.sort_values(["dossier_id"], kind="stable").reset_index(drop=True), expected)


def test_reasons_do_not_name_partners():
    f = findings_for({}, [("D-001", "Partenaire Secret", "association", None)])
    assert "Partenaire Secret" not in " ".join(f["reason"])


def test_rule_summary_counts_passes_and_failures_per_rule_in_order():
    rules = [Rule("b", "Règle B", "…"), Rule("a", "Remarque A", "…", blocking=False)]
    findings = pd.DataFrame({"dossier_id": ["D1", "D1", "D2", "D2", "D3", "D3"],
                             "rule": ["b", "a"] * 3, "passed": [True, False, False, False, True, True]})
    out = rule_summary(findings, rules, headers=("Règle", "Nature", "Oui", "Non"), natures=("bloquante", "remarque"))
    assert out.to_dict("records") == [
        {"Règle": "Règle B", "Nature": "bloquante", "Oui": 2, "Non": 1},
        {"Règle": "Remarque A", "Nature": "remarque", "Oui": 1, "Non": 2},
    ]


def test_eligibility_and_payment_summaries_share_the_rule_summary():
    from socinnov.analysis import overview, payments

    f = findings_for({"departement": "75"}).reset_index()
    summary = overview.eligibility_summary(f)
    assert list(summary.columns) == ["Règle", "Bloquante", "Respectée", "Non respectée"]
    row = summary.set_index("Règle").loc[RULES[1].label]
    assert (row["Bloquante"], row["Respectée"], row["Non respectée"]) == ("oui", 0, 1)
    findings = pd.DataFrame({"rule": [r.id for r in payments.PAYMENT_RULES], "passed": True})
    table = payments.payment_summary_fr(findings)
    assert list(table.columns) == ["Contrôle", "Nature", "Respecté", "Non respecté", "Sans objet à ce jour"]
    assert table["Nature"].tolist() == ["règle" if r.blocking else "remarque" for r in payments.PAYMENT_RULES]
