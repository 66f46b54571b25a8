"""Jury-level agreement compositions on data whose answer is known."""

import numpy as np
import pandas as pd
import pytest

from socinnov.analysis.agreement import cohen_kappa, gwet_ac, krippendorff_alpha, percent_agreement
from socinnov.analysis.jury_agreement import (
    agreement_table_fr,
    criterion_agreement,
    kappa_paradox_fr,
    pairwise_agreement,
    range_restriction_note,
    reading,
    rounds_comparison,
)
from socinnov.call.grids import load_grid

GRID = load_grid("acceptabilite", "2016")


def ratings(seed=0, n=40, jurors=("J1", "J2", "J3"), noise=0.6, round="individuel"):
    rng = np.random.default_rng(seed)
    quality = rng.normal(1.5, 0.8, n)
    rows = [(f"D{d}", j, c.id, round, int(np.clip(np.rint(quality[d] + rng.normal(0, noise)), 0, 3)))
            for d in range(n) for j in jurors for c in GRID.criteria]
    df = pd.DataFrame(rows, columns=["dossier_id", "juror_id", "criterion", "round", "level_code"])
    return df.assign(grid="acceptabilite", grid_version="2016", level_code=df["level_code"].astype("Int64"))


@pytest.mark.parametrize("value, text", [
    (0.85, "accord fiable (α ≥ 0,800)"), (0.80, "accord fiable (α ≥ 0,800)"),
    (0.70, "accord suffisant pour des conclusions provisoires (0,667 ≤ α < 0,800)"),
    (0.5, "accord insuffisant pour fonder des conclusions (α < 0,667)")])
def test_krippendorff_reading_uses_his_thresholds(value, text):
    # Krippendorff (2004), Content Analysis, 2nd ed., p. 241: rely on α ≥ .800; tentative .667–.800.
    assert reading("krippendorff_alpha", value) == text


@pytest.mark.parametrize("low, high, text", [
    # Krippendorff (2004), p. 241: « fiable » only when the whole interval clears .800.
    (0.81, 0.95, "accord fiable (α ≥ 0,800)"),
    (0.70, 0.79, "accord suffisant pour des conclusions provisoires (0,667 ≤ α < 0,800)"),
    (0.20, 0.60, "accord insuffisant pour fonder des conclusions (α < 0,667)"),
    # The case: 0,755 [0,403 ; 0,871] on 11 dossiers spans both thresholds.
    (0.403, 0.871, "indéterminé : l'intervalle à 95 % va de « accord insuffisant pour fonder des conclusions » "
                   "à « accord fiable »"),
    (0.70, 0.871, "indéterminé : l'intervalle à 95 % va de « accord suffisant pour des conclusions provisoires » "
                  "à « accord fiable »")])
def test_reading_follows_the_interval(low, high, text):
    assert reading("krippendorff_alpha", 0.755 if low < 0.755 < high else (low + high) / 2, low, high) == text


def test_reading_names_n_and_explains_a_negative_coefficient():
    text = reading("krippendorff_alpha", -0.05, -0.3, 0.2, n=11)
    assert text.startswith("accord insuffisant pour fonder des conclusions (α < 0,667), sur 11 dossiers ; ")
    assert "moins que ne le ferait le hasard" in text
    assert reading("gwet_ac2", 0.9, 0.85, 0.95, n=40) == "accord presque parfait, sur 40 dossiers"


def _feinstein_cicchetti():
    # Feinstein & Cicchetti (1990), « High agreement but low kappa: I. The problems of two paradoxes »,
    # J Clin Epidemiol 43:543-549, the 2 x 2 table a = 80, b = 10, c = 5, d = 5 (n = 100).
    cells = [("+", "+", 80), ("+", "-", 10), ("-", "+", 5), ("-", "-", 5)]
    rows = []
    for a, b, k in cells:
        for _ in range(k):
            u = f"u{len(rows) // 2}"
            rows += [(u, "A", a), (u, "B", b)]
    return pd.DataFrame(rows, columns=["unit", "rater", "value"])


def test_kappa_paradox_on_feinstein_cicchetti():
    data = _feinstein_cicchetti()
    kw = {"unit": "unit", "rater": "rater", "value": "value", "scale": "nominal", "n_boot": 0}
    po = percent_agreement(data, **kw)["estimate"].iloc[0]
    kappa = cohen_kappa(data, **kw)["estimate"].iloc[0]
    ac1 = gwet_ac(data, **kw)["estimate"].iloc[0]
    assert po == pytest.approx(0.85)  # Feinstein & Cicchetti (1990): p_o = .85
    assert kappa == pytest.approx(0.318, abs=5e-4)  # Feinstein & Cicchetti (1990): κ = .32 (p_e = .78)
    # Gwet's AC1 on the same table: p_e = 2 π (1 - π), π = (.90 + .85) / 2 = .875, so
    # AC1 = (.85 - .21875) / (1 - .21875) = .808 (Gwet 2008, Br J Math Stat Psychol 61:29-48, eq. for q = 2).
    assert ac1 == pytest.approx(0.808, abs=5e-4)
    text = kappa_paradox_fr(po, kappa, ac1, coefficient_name="κ", gwet_name="AC1 de Gwet")
    assert text.startswith("paradoxe du kappa : 85") and "0,32" in text and "0,81" in text
    assert "Un niveau domine" in text
    # No paradox when the coefficient follows the agreement.
    assert kappa_paradox_fr(0.85, 0.75, 0.80) is None
    assert kappa_paradox_fr(0.55, 0.10, 0.50) is None


@pytest.mark.parametrize("value, text", [(-0.1, "accord nul (inférieur au hasard)"), (0.15, "accord léger"),
                                         (0.35, "accord passable"), (0.55, "accord modéré"),
                                         (0.75, "accord important"), (0.9, "accord presque parfait")])
def test_landis_koch_reading(value, text):
    # Landis & Koch (1977), Biometrics 33:159-174, Table: slight .00-.20 … almost perfect .81-1.00.
    assert reading("gwet_ac2", value).startswith(text)


def test_criterion_rows_are_the_agreement_module_on_that_criterion():
    r = ratings()
    out = criterion_agreement(r, GRID, n_boot=0)
    one = out[(out["group"] == "rupture_existant") & (out["statistic"] == "krippendorff_alpha")]
    direct = krippendorff_alpha(r[r["criterion"] == "rupture_existant"], unit="dossier_id", rater="juror_id",
                                value="level_code", scale="ordinal", levels=[0, 1, 2, 3], n_boot=0)
    assert one["estimate"].item() == pytest.approx(direct["estimate"].item())
    assert set(out["level"]) == {"critère", "dimension", "ensemble"}
    assert len(out[out["level"] == "critère"]) == 12 * 4 and len(out[out["level"] == "dimension"]) == 3


def test_perfect_agreement_reads_as_such():
    r = ratings(noise=0.0)
    out = criterion_agreement(r, GRID, n_boot=0)
    alphas = out[out["statistic"] == "krippendorff_alpha"]["estimate"]
    assert np.allclose(alphas, 1.0)
    table = agreement_table_fr(out)
    assert (table["Lecture"] == "accord fiable (α ≥ 0,800)").all() and len(table) == 12 + 3 + 1


def test_debate_raises_agreement_when_ratings_converge():
    before = ratings(seed=1, noise=0.8)
    after = ratings(seed=1, noise=0.2, round="après débat")
    out = rounds_comparison(pd.concat([before, after]), GRID, n_boot=0)
    wide = out.pivot(index="group", columns="round", values="estimate")
    assert (wide["après débat"] > wide["individuel"]).all()


def test_pairwise_agreement_counts_shared_ratings():
    r = ratings(n=5, noise=0.0)
    r.loc[(r["juror_id"] == "J3") & (r["criterion"] == "caractere_collectif"), "level_code"] += 1
    pw = pairwise_agreement(r, GRID).set_index(["juror_a", "juror_b"])
    assert pw.loc[("J1", "J2"), "agreement"] == 1.0 and pw.loc[("J1", "J2"), "n_ratings"] == 5 * 12
    assert pw.loc[("J1", "J3"), "agreement"] == pytest.approx(11 / 12)
    assert pw.loc[("J3", "J1"), "n_dossiers"] == 5


def test_range_restriction_note_only_on_selected_dossiers():
    decisions = pd.DataFrame({"dossier_id": ["A", "B", "C"],
                              "decision": ["retenu - financé", "retenu - réorienté", "non retenu"]})
    assert "seuls dossiers retenus (2)" in range_restriction_note(["A", "B"], decisions)
    assert "seuls dossiers financés (1)" in range_restriction_note(["A"], decisions)
    assert range_restriction_note(["A", "C"], decisions) is None


def test_severity_summary_names_its_dossiers_and_warns_on_few():
    from socinnov.analysis.juror_effects import juror_effects
    from socinnov.analysis.jury_agreement import severity_summary

    few = severity_summary(juror_effects(ratings(seed=3, n=8)))
    assert "Estimé sur 8 dossiers." in few and "Sur si peu de dossiers" in few
    many = severity_summary(juror_effects(ratings(seed=3, n=40)))
    assert "Estimé sur 40 dossiers." in many and "Sur si peu de dossiers" not in many


def test_pairwise_agreement_is_the_join_on_identifiers_in_an_incomplete_design():
    # Jurors named out of order, ratings missing: some pairs share only part of a dossier's criteria.
    r = ratings(n=12, jurors=("J10", "J2", "A7", "J1"), noise=0.8).sample(frac=0.7, random_state=3)
    r.loc[r.index[:5], "level_code"] = pd.NA
    r = r[~((r["juror_id"] == "J10") & r["dossier_id"].isin(["D0", "D1", "D2"]))]  # J10 rated 9 dossiers
    got = pairwise_agreement(r, GRID)
    # Reference: the self-join on the identifier strings, as the table is defined.
    x = r.dropna(subset=["level_code"])[["dossier_id", "criterion", "juror_id", "level_code"]]
    p = x.merge(x, on=["dossier_id", "criterion"], suffixes=("_a", "_b"))
    p = p[p["juror_id_a"] != p["juror_id_b"]]
    p = p.assign(same=(p["level_code_a"] == p["level_code_b"]).astype(float))
    expected = (p.groupby(["juror_id_a", "juror_id_b"])
                .agg(agreement=("same", "mean"), n_ratings=("same", "size"), n_dossiers=("dossier_id", "nunique"))
                .reset_index().rename(columns={"juror_id_a": "juror_a", "juror_id_b": "juror_b"}))
    assert list(got["juror_a"].unique()) == ["A7", "J1", "J10", "J2"]
    assert set(got.loc[got["juror_a"] == "J10", "n_dossiers"]) == {9}
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
