"""Follow-up analyses: payment and spending rules on crafted cases, the change model on data whose
trend is known, wave means, stages, attrition, and the input checks of the follow-up tables."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from socinnov.analysis import change, followup, payments
from socinnov.call.grids import load_grid
from socinnov.call.settings import load_call
from socinnov.errors import InputError
from socinnov.fr import NBSP, NNBSP
from socinnov.inputs.ingest import ingest, validate_cohort
from socinnov.privacy.store import load_cohort
from tests.conftest import REPO, tiny_tables, write_cohort

CALL = load_call()
GRID = load_grid("acceptabilite", "2016")
T = pd.Timestamp


def tables(**over) -> dict[str, pd.DataFrame]:
    """Crafted follow-up tables; each test replaces what it is about."""
    base = {
        "dossiers": pd.DataFrame({"dossier_id": ["D1"], "start_date": [T("2016-11-01")], "stage": ["amorçage"],
                                  "title": ["Action D1"]}),
        "decisions": pd.DataFrame({"dossier_id": ["D1"], "decision": ["retenu - financé"],
                                   "granted_amount": [30_000.0]}),
        "followup": pd.DataFrame(columns=["dossier_id", "wave_month", "observed_on", "source", "status", "stage"]),
        "payments": pd.DataFrame(columns=["dossier_id", "instalment", "paid_on", "amount"]),
        "spending": pd.DataFrame(columns=["dossier_id", "category", "label", "amount", "spent_on"]),
        "activity_reports": pd.DataFrame(columns=["dossier_id", "report", "received_on"]),
        "budget": pd.DataFrame(columns=["dossier_id", "category", "label", "amount", "month_from", "month_to"]),
        "reassessments": pd.DataFrame(columns=["dossier_id", "wave_month", "source", "criterion", "level",
                                               "comment", "level_code"]),
        "indicators": pd.DataFrame(columns=["dossier_id", "wave_month", *followup.INDICATORS]),
    }
    for k, v in over.items():
        base[k] = pd.DataFrame(v)
    for name, date in (("followup", "observed_on"), ("payments", "paid_on"), ("spending", "spent_on"),
                       ("activity_reports", "received_on")):
        base[name][date] = pd.to_datetime(base[name][date])
    return base


def funded(ids, granted, starts):
    return {
        "dossiers": {"dossier_id": ids, "start_date": [T(s) for s in starts], "stage": ["amorçage"] * len(ids),
                     "title": [f"Action {i}" for i in ids]},
        "decisions": {"dossier_id": ids, "decision": ["retenu - financé"] * len(ids), "granted_amount": granted},
    }


def verdicts(findings: pd.DataFrame, dossier: str) -> dict[str, bool]:
    own = findings[findings["dossier_id"] == dossier]
    return dict(zip(own["rule"], own["passed"]))


def reason(findings: pd.DataFrame, dossier: str, rule: str) -> str:
    return findings.loc[(findings["dossier_id"] == dossier) & (findings["rule"] == rule), "reason"].item()


# ------------------------------------------------------------------------------------------
# Payment and spending rules
# ------------------------------------------------------------------------------------------

PAY_CASES = tables(
    **funded(["OK", "AVANT", "SANS", "TROP", "PLAFOND", "ABANDON"],
             [30_000.0, 30_000.0, 30_000.0, 30_000.0, 45_000.0, 20_000.0],
             ["2016-11-01"] * 6),
    payments={
        "dossier_id": ["OK", "OK", "AVANT", "AVANT", "SANS", "SANS", "TROP", "TROP", "PLAFOND", "PLAFOND", "ABANDON"],
        "instalment": [1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1],
        "paid_on": ["2016-11-20", "2018-12-10", "2016-11-20", "2018-11-15", "2016-11-20", "2018-12-10",
                    "2016-11-20", "2018-12-10", "2016-11-20", "2018-12-10", "2016-11-20"],
        "amount": [18_000.0, 12_000.0, 18_000.0, 12_000.0, 18_000.0, 12_000.0, 18_000.0, 14_000.0,
                   27_000.0, 18_000.0, 12_000.0],
    },
    activity_reports={
        "dossier_id": ["OK", "AVANT", "TROP", "PLAFOND"],
        "report": ["bilan de la deuxième année"] * 4,
        "received_on": ["2018-11-30", "2018-11-30", "2018-11-30", "2018-11-30"],
    },
    followup={"dossier_id": ["ABANDON"], "wave_month": [12], "observed_on": ["2017-11-05"],
              "source": ["chargé de mission"], "status": ["abandonné"], "stage": ["amorçage"]},
    spending={
        # 24 months from 01/11/2016 run to 31/10/2018 included.
        "dossier_id": ["OK", "OK", "AVANT", "AVANT", "SANS"],
        "category": ["temps de travail"] * 5,
        "label": [None] * 5,
        "amount": [1_000.0, 2_000.0, 500.0, 700.0, 300.0],
        "spent_on": ["2016-11-01", "2018-10-31", "2018-11-01", "2016-10-31", "2017-05-01"],
    },
)


def test_each_payment_rule_on_crafted_cases():
    f = payments.payment_checks(PAY_CASES, CALL)
    assert len(f) == 6 * len(payments.PAYMENT_RULES)
    assert verdicts(f, "OK") == {r.id: True for r in payments.PAYMENT_RULES}
    assert verdicts(f, "AVANT") == {"solde_apres_bilan": False, "depenses_periode": False,
                                    "versements_accordes": True, "versements_plafond": True, "bilan_a_temps": True}
    assert verdicts(f, "SANS")["solde_apres_bilan"] is False
    assert verdicts(f, "TROP") == {"solde_apres_bilan": True, "depenses_periode": True,
                                   "versements_accordes": False, "versements_plafond": True, "bilan_a_temps": True}
    assert verdicts(f, "PLAFOND")["versements_plafond"] is False
    assert verdicts(f, "PLAFOND")["versements_accordes"] is True
    assert all(verdicts(f, "ABANDON").values())


def test_payment_reasons_quote_dates_and_amounts():
    f = payments.payment_checks(PAY_CASES, CALL)
    assert reason(f, "AVANT", "solde_apres_bilan") == (
        f"solde de 12{NNBSP}000{NBSP}€ versé le 15 novembre 2018, avant la remise du bilan le 30 novembre 2018")
    assert reason(f, "SANS", "solde_apres_bilan") == (
        f"solde de 12{NNBSP}000{NBSP}€ versé le 10 décembre 2018 sans bilan de la deuxième année enregistré")
    assert reason(f, "AVANT", "depenses_periode") == (
        f"2 dépense(s) pour 1{NNBSP}200{NBSP}€ hors de la période du 1er novembre 2016 au 31 octobre 2018 : "
        "le 31 octobre 2016, le 1er novembre 2018")
    assert reason(f, "OK", "depenses_periode") == "2 dépense(s), toutes du 1er novembre 2016 au 31 octobre 2018"
    assert reason(f, "TROP", "versements_accordes") == f"32{NNBSP}000{NBSP}€ versés pour 30{NNBSP}000{NBSP}€ accordés"
    assert reason(f, "PLAFOND", "versements_plafond") == (
        f"45{NNBSP}000{NBSP}€ versés, plafond de l'appel 40{NNBSP}000{NBSP}€")
    assert reason(f, "ABANDON", "solde_apres_bilan") == "solde non versé (expérimentation abandonnée)"
    flags = payments.payment_flags_fr(f)
    assert sorted(zip(flags["Dossier"], flags["Nature"])) == [
        ("AVANT", "règle"), ("AVANT", "règle"), ("PLAFOND", "règle"), ("SANS", "règle"), ("TROP", "règle")]



def test_late_or_missing_year_two_report_is_a_remark():
    t = tables(**funded(["TARD", "DU", "PAS_DU"], [20_000.0] * 3, ["2016-11-01"] * 3),
               activity_reports={"dossier_id": ["TARD"], "report": ["bilan de la deuxième année"],
                                 "received_on": ["2019-02-02"]})
    # Due three months after the 24 months: 01/02/2019.
    f = payments.payment_checks(t, CALL, as_of=T("2019-03-01"))
    assert verdicts(f, "TARD")["bilan_a_temps"] is False
    assert reason(f, "TARD", "bilan_a_temps") == "bilan remis le 2 février 2019, attendu au plus tard le 1er février 2019"
    assert reason(f, "DU", "bilan_a_temps") == "bilan attendu au plus tard le 1er février 2019, non remis au 1er mars 2019"
    assert f.loc[f["rule"] == "bilan_a_temps", "blocking"].eq(False).all()
    early = payments.payment_checks(t, CALL, as_of=T("2019-01-15"))
    assert verdicts(early, "PAS_DU")["bilan_a_temps"] is True
    on_time = payments.payment_checks(t.copy() | {"activity_reports": t["activity_reports"].assign(
        received_on=T("2019-02-01"))}, CALL, as_of=T("2019-03-01"))
    assert verdicts(on_time, "TARD")["bilan_a_temps"] is True


def test_payments_not_made_yet_are_not_counted_as_respected():
    """Funded, started, nothing paid, no expense, report not yet due: every check is « sans objet
    à ce jour », none « respecté » (issue 14: « Respecté 4 » for payments never made)."""
    t = tables(**funded(["A", "B"], [20_000.0] * 2, ["2016-11-01"] * 2),
               payments={"dossier_id": ["B"], "instalment": [1], "paid_on": ["2016-11-20"], "amount": [12_000.0]})
    f = payments.payment_checks(t, CALL, as_of=T("2017-06-01"))
    assert not f.loc[f["dossier_id"] == "A", "applicable"].any()
    assert f.loc[(f["dossier_id"] == "B") & f["rule"].isin(["versements_accordes", "versements_plafond"]),
                 "applicable"].all()
    summary = payments.payment_summary_fr(f).set_index("Contrôle")
    balance = next(r.label for r in payments.PAYMENT_RULES if r.id == "solde_apres_bilan")
    paid = next(r.label for r in payments.PAYMENT_RULES if r.id == "versements_accordes")
    assert summary.loc[balance, ["Respecté", "Non respecté", "Sans objet à ce jour"]].tolist() == [0, 0, 2]
    assert summary.loc[paid, ["Respecté", "Non respecté", "Sans objet à ce jour"]].tolist() == [1, 0, 1]


def test_ceiling_comes_from_the_call():
    t = tables(**funded(["X"], [35_000.0], ["2016-11-01"]),
               payments={"dossier_id": ["X"], "instalment": [1], "paid_on": ["2016-11-20"], "amount": [35_000.0]})
    stricter = CALL.__class__(**{**CALL.__dict__, "max_aid": 30_000.0})
    assert verdicts(payments.payment_checks(t, CALL), "X")["versements_plafond"] is True
    assert verdicts(payments.payment_checks(t, stricter), "X")["versements_plafond"] is False


def test_spending_execution_against_the_forecast():
    t = tables(
        **funded(["A", "B"], [20_000.0, 20_000.0], ["2016-11-01", "2016-11-01"]),
        budget={"dossier_id": ["A", "A", "B", "C"], "category": ["temps de travail", "frais de mission",
                                                                "temps de travail", "temps de travail"],
                "label": [None] * 4, "amount": [10_000.0, 2_000.0, 8_000.0, 99.0],
                "month_from": [1] * 4, "month_to": [24] * 4},
        spending={"dossier_id": ["A", "A", "A", "B", "B"],
                  "category": ["temps de travail", "temps de travail", "frais de mission", "temps de travail",
                               "étude et analyse"],
                  "label": [None] * 5, "amount": [4_000.0, 5_000.0, 2_200.0, 4_000.0, 800.0],
                  "spent_on": ["2017-05-01"] * 5})
    ex = followup.spending_execution(t)
    got = {(r.dossier_id, r.category): (r.forecast, r.spent, None if np.isnan(r.execution) else round(r.execution, 3))
           for r in ex.itertuples()}
    assert got == {("A", "frais de mission"): (2_000.0, 2_200.0, 1.1),
                   ("A", "temps de travail"): (10_000.0, 9_000.0, 0.9),
                   ("B", "étude et analyse"): (0.0, 800.0, None),  # spent without forecast: no rate
                   ("B", "temps de travail"): (8_000.0, 4_000.0, 0.5)}  # C is not funded
    by = followup.execution_by_dossier(ex, t).set_index("dossier_id")
    assert by.loc["A", "execution"] == pytest.approx(11_200 / 12_000)
    assert by.loc["B", "execution"] == pytest.approx(4_800 / 8_000)
    assert by["underspend"].to_dict() == {"A": False, "B": True}
    table = followup.execution_table_fr(ex)
    assert table.iloc[-1].tolist() == ["Total", 20_000.0, 16_000.0, f"80{NBSP}%"]


# ------------------------------------------------------------------------------------------
# The change model recovers a known trend
# ------------------------------------------------------------------------------------------

def simulated_scores(slope: float, *, n_projects: int = 40, seed: int = 1) -> pd.DataFrame:
    """Scores with a known average slope per year, project random intercepts and slopes, and a
    self-assessment bias of the porteur."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n_projects):
        u0, u1 = rng.normal(0, 0.4), rng.normal(0, 0.1)
        for wave in (0, 6, 12, 18, 24):
            years = wave / 12 + rng.uniform(0, 0.05)
            for source, bias in (("chargé de mission", 0.0), ("porteur", 0.3)):
                if source == "porteur" and wave not in (12, 24):
                    continue
                score = 1.5 + u0 + (slope + u1) * years + bias + rng.normal(0, 0.25)
                rows.append({"dossier_id": f"P{i:02d}", "wave_month": wave, "source": source, "months": 12 * years,
                             "years": years, "group": "portage", "group_label": "Portage", "score": score,
                             "n_ratings": 4})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("true_slope", [0.3, -0.2])
def test_model_recovers_a_known_slope_within_its_interval(true_slope):
    model = change.change_model(simulated_scores(true_slope))
    row = model.iloc[0]
    assert row["ci_low"] < true_slope < row["ci_high"]
    assert row["slope"] == pytest.approx(true_slope, abs=0.06)
    assert row["ci_high"] - row["ci_low"] < 0.2
    assert row["n_projects"] == 40 and row["n_observations"] == 40 * 7
    assert bool(row["random_slope"])
    assert row["p_value"] < 0.001


def test_model_is_the_same_under_pseudonyms_in_any_row_order(monkeypatch):
    """The comité's scores (experiments under pseudonyms, rows sorted by them) give the jury's
    table to the last digit, and the same cache entry: the model is fitted once."""
    from socinnov import cache

    scores = pd.concat([simulated_scores(0.3, seed=8), simulated_scores(-0.1, seed=9).assign(
        group="dynamique", group_label="Dynamique")], ignore_index=True)
    pseudonyms = {d: f"X-{(7 * i) % 40:02d}" for i, d in enumerate(sorted(scores["dossier_id"].unique()))}
    comite = scores.assign(dossier_id=scores["dossier_id"].map(pseudonyms)).sort_values(
        ["dossier_id", "wave_month", "source"], ignore_index=True)
    monkeypatch.setenv("SOCINNOV_NO_CACHE", "1")
    jury_model = change.change_model(scores)
    pd.testing.assert_frame_equal(change.change_model(comite), jury_model, check_exact=True)
    assert list(jury_model["group"]) == ["portage", "dynamique"]  # groups in their order of appearance
    monkeypatch.delenv("SOCINNOV_NO_CACHE")
    change.change_model(scores)
    change.change_model(comite)
    assert len(list(cache.folder().glob("change_model-*.parquet"))) == 1


def test_model_finds_no_trend_where_there_is_none():
    row = change.change_model(simulated_scores(0.0, seed=3)).iloc[0]
    assert row["ci_low"] < 0 < row["ci_high"]
    assert row["reading"].endswith("l'intervalle contient 0 : pas d'évolution établie sur ces données.")


def test_model_needs_enough_experiments():
    few = simulated_scores(0.3, n_projects=2)
    row = change.change_model(few).iloc[0]
    assert np.isnan(row["slope"])
    assert row["reading"] == "Pas assez de réévaluations pour estimer l'évolution du score de la dimension Portage."


@pytest.mark.parametrize("sources", [2, 1])
def test_change_model_design_is_the_formula_design(sources):
    """The model is built from design matrices made directly, not by patsy: the same matrices,
    names and estimates, to the last bit, as ``smf.mixedlm`` with the formula."""
    import warnings

    import statsmodels.formula.api as smf

    d = simulated_scores(0.3, n_projects=12)
    if sources == 1:
        d = d[d["source"] == "chargé de mission"]
    exog, exog_re = change._design(d)
    formula = "score ~ years" + (" + C(source)" if sources > 1 else "")
    by_formula = smf.mixedlm(formula, d, groups=d["dossier_id"], re_formula="~years")
    assert list(exog.columns) == by_formula.exog_names
    assert np.array_equal(exog.to_numpy(), by_formula.exog) and np.array_equal(exog_re.to_numpy(), by_formula.exog_re)
    fit = change._fit_growth(d)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # as _fit_growth does
        reference = by_formula.fit(reml=True, method=["lbfgs", "powell"])
    assert fit.random_slope and (fit.slope, fit.se, fit.p_value) == (reference.fe_params["years"], reference.bse_fe["years"],
                                                reference.pvalues["years"])


def test_reading_in_plain_french():
    assert change.reading("Portage", 0.12, 0.05, 0.19) == (
        f"En moyenne, le score de la dimension Portage progresse de 0,12 niveau par an (IC 95{NBSP}% : 0,05 à 0,19).")
    assert change.reading("Ancrage territorial", -0.08, -0.15, -0.01, kind="criterion") == (
        f"En moyenne, le score du critère « Ancrage territorial » recule de 0,08 niveau par an "
        f"(IC 95{NBSP}% : -0,15 à -0,01).")


# ------------------------------------------------------------------------------------------
# Scores, means, indicators, stages, attrition
# ------------------------------------------------------------------------------------------

def waves_of(rows):
    return {"dossier_id": [r[0] for r in rows], "wave_month": [r[1] for r in rows],
            "observed_on": [r[2] for r in rows], "source": ["chargé de mission"] * len(rows),
            "status": [r[3] for r in rows], "stage": [r[4] for r in rows]}


def test_reassessment_scores_are_dossier_scores_per_wave_and_source():
    crit = ["caractere_collectif", "richesse_collectif", "ancrage_territorial"]
    levels = {"caractere_collectif": [1, 3], "richesse_collectif": [2, 3], "ancrage_territorial": [0, 1]}
    rows = [{"dossier_id": "D1", "wave_month": w, "source": "porteur", "criterion": c,
             "level": GRID.level_labels[levels[c][k]], "comment": None, "level_code": levels[c][k]}
            for k, w in enumerate((0, 12)) for c in crit]
    t = tables(reassessments=rows,
               followup=waves_of([("D1", 0, "2016-11-01", "en cours", "amorçage"),
                                  ("D1", 12, "2017-11-01", "en cours", "amorçage")]))
    t["reassessments"]["level_code"] = t["reassessments"]["level_code"].astype("Int64")
    s = followup.reassessment_scores(t, GRID)
    got = {(r.group, r.wave_month): (r.score, r.n_ratings) for r in s.itertuples()}
    assert got == {("portage", 0): (1.5, 2), ("portage", 12): (3.0, 2), ("contexte", 0): (0.0, 1),
                   ("contexte", 12): (1.0, 1)}
    assert s.loc[s["wave_month"] == 12, "years"].iloc[0] == pytest.approx(365 / 365.25)
    assert list(s["group"].unique()) == ["portage", "contexte"]  # the grid's order


def test_wave_means_average_sources_first_and_give_t_intervals():
    scores = pd.DataFrame({
        "dossier_id": ["A", "A", "B", "C"], "wave_month": [6] * 4, "source": ["porteur", "chargé de mission"] * 2,
        "months": [6.0] * 4, "years": [0.5] * 4, "group": ["portage"] * 4, "group_label": ["Portage"] * 4,
        "score": [0.5, 1.5, 2.0, 3.0], "n_ratings": [4] * 4})
    m = followup.wave_means(scores).iloc[0]
    half = stats.t.ppf(0.975, 2) / np.sqrt(3)  # sd of (1, 2, 3) is 1
    assert (m["n"], m["mean"], m["sd"]) == (3, 2.0, 1.0)
    assert m["ci_low"] == pytest.approx(2 - half) and m["ci_high"] == pytest.approx(2 + half)
    assert half == pytest.approx(2.4841377)


def test_indicators_long_leaves_out_unreported_values():
    t = tables(indicators={"dossier_id": ["D1", "D1"], "wave_month": [0, 6], "beneficiaries": [0.0, 40.0],
                           "partners": [3.0, None], "jobs_fte": [1.0, 1.5], "volunteers": [None, None],
                           "cofunding": [0.0, 2_500.0]},
               followup=waves_of([("D1", 0, "2016-11-01", "en cours", "amorçage"),
                                  ("D1", 6, "2017-05-01", "en cours", "amorçage")]))
    long = followup.indicators_long(t)
    assert len(long) == 7
    assert set(long["indicator_label"]) == {"Bénéficiaires touchés", "Partenaires du collectif", "Emplois (ETP)",
                                            "Cofinancements obtenus, cumul (EUR)"}
    summary = followup.indicator_summary(long)
    six = summary[summary["wave_month"] == 6].set_index("indicator")["median"].to_dict()
    assert six == {"beneficiaries": 40.0, "jobs_fte": 1.5, "cofunding": 2_500.0}


def test_stage_transition_matrix():
    t = tables(**funded(["A", "B"], [1.0, 1.0], ["2016-11-01", "2016-11-01"]), followup=waves_of([
        ("A", 0, "2016-11-01", "en cours", "amorçage"), ("A", 6, "2017-05-01", "en cours", "amorçage"),
        ("A", 12, "2017-11-01", "en cours", "développement"), ("B", 0, "2016-11-01", "en cours", "développement"),
        ("B", 6, "2017-05-01", "en cours", "essaimage")]))
    m = followup.stage_transitions(t)
    assert list(m.index) == list(m.columns) == ["amorçage", "développement", "essaimage", "changement d'échelle"]
    assert m.loc["amorçage", "amorçage"] == 1 and m.loc["amorçage", "développement"] == 1
    assert m.loc["développement", "essaimage"] == 1 and int(m.to_numpy().sum()) == 3
    assert followup.stage_reading(t).startswith("À la dernière vague, 2 expérimentation(s) sur 2 ont franchi")


def test_attrition_is_kaplan_meier_with_log_log_interval():
    ids = ["A", "B", "C", "D", "E"]
    rows = [(d, 0, "2016-11-01", "en cours", "amorçage") for d in ids]
    rows += [("A", 12, "2017-11-01", "abandonné", "amorçage"), ("B", 18, "2018-05-01", "abandonné", "amorçage")]
    rows += [(d, 24, "2018-11-01", "terminé", "amorçage") for d in ("C", "D", "E")]
    t = tables(**funded(ids, [1.0] * 5, ["2016-11-01"] * 5), followup=waves_of(rows))
    km = followup.attrition(t)
    assert km["survival"].round(6).tolist() == [1.0, 0.8, 0.6, 0.6]
    assert km["at_risk"].tolist() == [5, 5, 4, 3] and km["events"].tolist() == [0, 1, 1, 0]
    assert km["months"].iloc[1] == pytest.approx(365 / (365.25 / 12))
    # Greenwood variance and the log(-log) transform, by hand.
    s = 0.8
    se = s * np.sqrt(1 / (5 * 4))
    w = 1.959964 * se / (s * abs(np.log(s)))
    assert km["ci_low"].iloc[1] == pytest.approx(s ** np.exp(w), rel=1e-5)
    assert km["ci_high"].iloc[1] == pytest.approx(s ** np.exp(-w), rel=1e-5)
    assert followup.attrition_reading(km, t).startswith("2 expérimentation(s) sur 5 abandonnée(s)")


def test_everything_runs_on_a_cohort_without_follow_up():
    t = tables()
    assert followup.reassessment_scores(t, GRID).empty
    assert change.change_model(followup.reassessment_scores(t, GRID)).empty
    assert followup.wave_means(followup.reassessment_scores(t, GRID)).empty
    assert followup.attrition(t).empty
    assert followup.stage_transitions(t).to_numpy().sum() == 0
    assert followup.indicator_table_fr(followup.indicator_summary(followup.indicators_long(t))).empty
    assert all(payments.payment_checks(t, CALL)["passed"])


# ------------------------------------------------------------------------------------------
# Input checks of the follow-up tables
# ------------------------------------------------------------------------------------------

def test_follow_up_tables_are_checked_against_the_funded_dossiers_waves_and_grid(project):
    t = tiny_tables()
    t["followup"] = pd.DataFrame(waves_of([("D-001", 0, T("2016-11-01"), "en cours", "amorçage"),
                                           ("D-001", 0, T("2016-11-03"), "en cours", "amorçage"),
                                           ("D-002", 0, T("2016-11-01"), "en cours", "amorçage")]))
    t["reassessments"] = pd.DataFrame({
        "dossier_id": ["D-001"] * 4, "wave_month": [0, 0, 0, 6], "source": ["porteur"] * 4,
        "criterion": ["caractere_collectif", "Richesse du collectif", "beaute", "ancrage_territorial"],
        "level": ["fort", "Moyen", "Faible", "Faible"], "comment": [None] * 4})
    t["indicators"] = pd.DataFrame({"dossier_id": ["D-001"], "wave_month": [0], "beneficiaries": [-3.0],
                                    "partners": [None], "jobs_fte": [1.0], "volunteers": [None], "cofunding": [None]})
    write_cohort(project / "data" / "raw" / "suivi", t)
    with pytest.raises(InputError) as err:
        ingest("suivi")
    assert set(err.value.report().splitlines()[1:]) == {
        "  - indicateurs.csv, ligne 2, colonne « Bénéficiaires touchés » : valeur « -3.0 » : doit être supérieur ou égal à 0",
        ("  - reevaluations.csv, ligne 3, colonne « Niveau » : niveau « Moyen » inconnu de la grille acceptabilite-2016 ; "
         "niveaux permis : « Inexistant », « Faible », « Intermédiaire », « Fort »"),
        ("  - reevaluations.csv, ligne 4, colonne « Critère » : critère « beaute » inconnu de la grille acceptabilite-2016 ; "
         "critères : caractere_collectif, richesse_collectif, integration_beneficiaires, formalisation_gouvernance, "
         "consistance_contenu, rupture_existant, potentiel_transformation, ancrage_territorial, "
         "accessibilite_dispositif, viabilite_economique, enjeux_environnementaux, ouverture_recherche"),
        ("  - reevaluations.csv, ligne 5, colonne « Vague (mois depuis le démarrage) » : vague 6 du dossier D-001 "
         "absente de suivi.csv"),
        ("  - suivi.csv, ligne 3 : ligne en double : même « Identifiant du dossier », "
         "« Vague (mois depuis le démarrage) » qu'une ligne précédente"),
        ("  - suivi.csv, ligne 4, colonne « Identifiant du dossier » : « D-002 » n'est pas « retenu - financé » dans "
         "decisions.csv : pas de suivi pour ce dossier"),
    }


def test_reassessment_levels_and_criteria_are_normalised_like_ratings(project):
    t = tiny_tables()
    t["followup"] = pd.DataFrame(waves_of([("D-001", 0, T("2016-11-01"), "en cours", "amorçage")]))
    t["reassessments"] = pd.DataFrame({
        "dossier_id": ["D-001"] * 2, "wave_month": [0, 0], "source": ["porteur", "équipe de recherche"],
        "criterion": ["Caractère collectif du projet", "caractere_collectif"], "level": ["INTERMEDIAIRE", None],
        "comment": ["Commentaire libre", None]})
    write_cohort(project / "data" / "raw" / "ok", t)
    ingest("ok")
    r = load_cohort("ok").reassessments
    assert r["criterion"].tolist() == ["caractere_collectif"] * 2
    assert r["level"].tolist()[0] == "Intermédiaire" and pd.isna(r["level"].tolist()[1])
    assert r["level_code"].tolist()[0] == 2 and pd.isna(r["level_code"].tolist()[1])
    assert "comment" not in load_cohort("ok", audience="comite").reassessments.columns


# ------------------------------------------------------------------------------------------
# The demo cohort's follow-up
# ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo_tables():
    frames, _ = validate_cohort(REPO / "data" / "raw" / "demo")
    return frames


def test_demo_follow_up_tells_the_expected_story(demo_tables):
    t = demo_tables
    flags = payments.payment_flags_fr(payments.payment_checks(t, CALL))
    assert sorted(zip(flags["Dossier"], flags["Contrôle"])) == [
        ("AMI16-006", "Bilan de la deuxième année remis à temps"), ("AMI16-006", "Dépenses dans la période de l'aide")]
    last = followup.last_waves(t)
    assert sorted(last.loc[last["status"] == "abandonné", "dossier_id"]) == ["AMI16-032", "AMI16-039"]
    by = followup.execution_by_dossier(followup.spending_execution(t), t)
    assert by.loc[by["underspend"], "dossier_id"].tolist() == ["AMI16-039", "AMI16-059"]  # abandoned; under-spend
    declared = t["dossiers"].set_index("dossier_id")["stage"]
    spread = last[(last["stage"] == "essaimage") & last["dossier_id"].map(declared).isin(["amorçage", "développement"])]
    assert len(spread) == 1
    model = change.change_model(followup.reassessment_scores(t, GRID)).set_index("group")
    assert (model["ci_low"] > 0).all()  # every dimension progresses
    assert model.loc["portage", "slope"] > model.loc["contexte", "slope"]


def test_demo_reassessment_scores_are_dossier_scores_of_each_wave_and_source(demo_tables):
    """One ``dossier_scores`` call for all waves and sources gives what one call per wave and
    source gives."""
    from socinnov.analysis.scores import dossier_scores
    from socinnov.call import vocabulary as voc

    r = demo_tables["reassessments"]
    for by in ("dimension", "criterion"):
        expected = pd.concat([
            dossier_scores(rows.assign(grid=GRID.id, grid_version=GRID.version, round=voc.ROUNDS[0]), GRID, by=by)
            .assign(wave_month=wave, source=source)
            for (wave, source), rows in r.groupby(["wave_month", "source"])])
        cols = ["dossier_id", "wave_month", "source", "group", "group_label", "score", "n_ratings"]
        key = ["group", "dossier_id", "wave_month", "source"]
        got = followup.reassessment_scores(demo_tables, GRID, by=by)
        assert len(got) == len(expected)
        pd.testing.assert_frame_equal(got[cols].sort_values(key, ignore_index=True),
                                      expected[cols].sort_values(key, ignore_index=True), check_exact=True)


def test_experiment_lines_drawn_as_one_collection_look_as_one_line_each(demo_tables, monkeypatch):
    """The grey lines of the trajectory panels are one LineCollection per panel: the image is the
    one drawn with a Line2D per experiment, byte for byte."""
    import matplotlib.pyplot as plt

    from socinnov.reporting import display, followup_plots

    scores = followup.reassessment_scores(demo_tables, GRID)
    means = followup.wave_means(scores)
    batched = display.figure_html(followup_plots.trajectories(scores, means, levels=GRID.level_labels))

    def one_line_each(ax, segments):
        for xy in segments or []:
            ax.plot(xy[:, 0], xy[:, 1], color=followup_plots.PROJECT_GREY, linewidth=0.8, alpha=0.45)

    monkeypatch.setattr(followup_plots, "_add_grey", one_line_each)
    assert display.figure_html(followup_plots.trajectories(scores, means, levels=GRID.level_labels)) == batched
    assert plt.get_fignums() == []


# The vectorised REML fit (socinnov.analysis.growth), used from VECTORISED_FROM experiments on.

def test_vectorised_reml_gives_lme4_estimates_on_dietox():
    """lme4's ``lmer(Weight ~ Time + (1 + Time | Pig), data = dietox)`` (REML), as recorded in
    statsmodels' ``regression/tests/test_lme.py::test_dietox_slopes`` and ``test_dietox``."""
    from socinnov.analysis.growth import fit_reml

    d = pd.read_csv(Path(__file__).parent / "data" / "lme" / "dietox.csv")
    exog = pd.DataFrame({"Intercept": 1.0, "Time": d["Time"].astype(float)})
    fit = fit_reml(d["Weight"].to_numpy(float), exog, exog, d["Pig"].to_numpy())
    assert fit.converged
    np.testing.assert_allclose(fit.fe_params, [15.738650, 6.939014], rtol=1e-6)  # fixef(r)
    np.testing.assert_allclose(fit.bse_fe, [0.5501253, 0.0798254], rtol=1e-5)  # sqrt(diag(vcov(r)))
    np.testing.assert_allclose(fit.scale, 6.03745, rtol=1e-5)  # attr(VarCorr(r), "sc")^2
    # as.numeric(VarCorr(r)[[1]]). The REML surface is flat along the covariance: lme4's rounded
    # estimates and this optimum differ by 1e-9 in the criterion (float noise at 7 800), and the
    # covariance there is identified to about 1e-5 (with the same lock, Nelder-Mead stopped
    # 1.3e-5 away on one machine and closer on others: rounding in the BLAS sums moves it on the
    # plateau); the log-likelihood below is what the optimiser must reach.
    np.testing.assert_allclose(fit.cov_re.ravel(), [19.4934552, 0.2938323, 0.2938323, 0.4160620],
                               rtol=5e-5)
    np.testing.assert_allclose(fit.loglike, -2217.047, atol=5e-4)  # logLik(r), statsmodels' record
    # random intercept only: lmer(Weight ~ Time + (1 | Pig), data = dietox)
    fit = fit_reml(d["Weight"].to_numpy(float), exog, exog[["Intercept"]], d["Pig"].to_numpy())
    np.testing.assert_allclose(fit.fe_params, [15.723523, 6.942505], rtol=1e-6)
    np.testing.assert_allclose(fit.bse_fe, [0.78805374, 0.03338727], rtol=1e-5)
    np.testing.assert_allclose([fit.scale, fit.cov_re[0, 0]], [11.36692, 40.39395], rtol=1e-5)
    np.testing.assert_allclose(fit.loglike, -2404.775, atol=5e-4)  # logLik(rm), statsmodels' record


def test_vectorised_change_model_agrees_with_statsmodels(monkeypatch):
    """Above the threshold, the same slope as statsmodels' MixedLM (same REML optimum); the
    standard error is lme4's (conditional on the variance components), within a few per cent of
    statsmodels' (from the full observed information)."""
    scores = simulated_scores(0.3)
    reference = change.change_model(scores).iloc[0]
    monkeypatch.setattr(change, "VECTORISED_FROM", 1)
    fast = change.change_model(scores).iloc[0]
    assert fast["slope"] == pytest.approx(reference["slope"], rel=1e-5)
    assert fast["se"] == pytest.approx(reference["se"], rel=0.05)
    assert bool(fast["random_slope"]) == bool(reference["random_slope"])


def test_many_trajectories_are_drawn_as_their_spread_not_one_line_each():
    """Above MAX_LINES experiments, the grey lines give way to percentile bands (issue 14); below,
    one grey line per experiment as before."""
    from matplotlib.collections import LineCollection

    from socinnov.reporting import followup_plots

    levels = ("Inexistant", "Faible", "Intermédiaire", "Fort")
    for n, bands in ((12, False), (followup_plots.MAX_LINES + 1, True)):
        scores = simulated_scores(0.3, n_projects=n)
        fig = followup_plots.trajectories(scores, followup.wave_means(scores), levels=levels)
        ax = fig.axes[0]
        lines = [c for c in ax.collections if isinstance(c, LineCollection)]
        assert (not lines) == bands
        if bands:
            assert f"la dispersion des {n} expérimentations" in fig.alt_text
            assert len(ax.collections) == 3  # two grey bands and the mean's interval
        else:
            assert len(lines[0].get_segments()) == n and "trajectoire de chaque expérimentation" in fig.alt_text
