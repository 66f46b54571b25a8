"""Per-criterion statistics and the committee sheet, on small data whose answer is known."""

from __future__ import annotations

import math

import matplotlib
import numpy as np
import pandas as pd
import pingouin as pg
import pytest

from socinnov.analysis import committee, consistency
from socinnov.analysis import criteria as cr
from socinnov.analysis import criteria_structure as structure
from socinnov.analysis import criteria_tables as tables
from socinnov.analysis import discrimination as dsc
from socinnov.analysis import feasibility as feas
from socinnov.call.grids import load_grid

matplotlib.use("Agg")

GRID = load_grid("acceptabilite", "2016")
FEAS = load_grid("faisabilite", "2016")


# ---------------------------------------------------------------------------
# Synthetic cohorts (long ratings frames), also used by tests/test_crosswalk.py
# ---------------------------------------------------------------------------


def synthetic_ratings(grid, *, n_dossiers=120, jurors=("J1", "J2", "J3"), seed=0, loading=0.6, noise=0.3,
                      overrides=None, round="individuel", prefix="D", version=None):
    """Long ratings of ``grid``: each dossier has a quality ``q``; a criterion's location is
    ``loading * q + sqrt(1 - loading²) * own`` plus each juror's noise, cut into the grid's levels.

    ``overrides`` maps a criterion id to a function ``(rng, codes_of_other_criteria, q, juror_index)``
    returning the level code, to plant a property (a copy, a constant, noise). Returns
    ``(ratings, decisions)``: a dossier is retained when ``q > 0``.
    """
    rng = np.random.default_rng(seed)
    q = rng.normal(0, 1, n_dossiers)
    k = len(grid.levels)
    cuts = np.linspace(-1.2, 1.2, k - 1) if k > 2 else np.array([0.0])
    own = rng.normal(0, 1, (n_dossiers, len(grid.criteria)))
    rows = []
    for d in range(n_dossiers):
        for ji, j in enumerate(jurors):
            codes = {}
            for ci, c in enumerate(grid.criteria):
                loc = loading * q[d] + math.sqrt(1 - loading ** 2) * own[d, ci]
                codes[c.id] = int(np.digitize(loc + rng.normal(0, noise), cuts))
            for cid, fn in (overrides or {}).items():
                codes[cid] = fn(rng, codes, q[d], ji)
            for cid, code in codes.items():
                rows.append((f"{prefix}{d:03d}", j, cid, code))
    df = pd.DataFrame(rows, columns=["dossier_id", "juror_id", "criterion", "level_code"])
    labels = np.array(grid.level_labels, dtype=object)
    df = df.assign(grid=grid.id, grid_version=version or grid.version, round=round,
                   level=[None if pd.isna(c) else labels[int(c)] for c in df["level_code"]],
                   level_code=df["level_code"].astype("Int64"), comment=None)
    decisions = pd.DataFrame({"dossier_id": [f"{prefix}{d:03d}" for d in range(n_dossiers)],
                              "decision": np.where(q > 0, "retenu - financé", "non retenu")})
    return df, decisions


def long_frame(rows, grid=GRID):
    """(dossier, juror, criterion, code) tuples -> a long ratings frame of ``grid``."""
    df = pd.DataFrame(rows, columns=["dossier_id", "juror_id", "criterion", "level_code"])
    return df.assign(grid=grid.id, grid_version=grid.version, round="individuel",
                     level_code=df["level_code"].astype("Int64"))


# ---------------------------------------------------------------------------
# Rating-level statistics
# ---------------------------------------------------------------------------


def test_level_distribution_counts_every_declared_level():
    r = long_frame([("D1", "J1", "rupture_existant", 0), ("D1", "J2", "rupture_existant", 1),
                    ("D2", "J1", "rupture_existant", 1), ("D2", "J2", "rupture_existant", None)])
    d = cr.level_distribution(r, GRID)
    one = d[d["criterion"] == "rupture_existant"].set_index("level")
    assert one["n"].tolist() == [1, 2, 0, 0]  # "Intermédiaire" and "Fort" never given: 0, not absent
    assert one.loc["Faible", "share"] == pytest.approx(2 / 3)  # shares of the ratings given
    assert len(d) == 12 * 4


def test_floor_effect_on_a_criterion_rated_all_inexistant():
    r, _ = synthetic_ratings(GRID, n_dossiers=30, overrides={"enjeux_environnementaux": lambda *a: 0})
    items = cr.item_statistics(r, GRID).set_index("criterion")
    assert items.loc["enjeux_environnementaux", "floor"] == 1.0
    assert items.loc["enjeux_environnementaux", "ceiling"] == 0.0
    assert items.loc["enjeux_environnementaux", "wide_spread"] == 0.0


def test_missing_rate_and_spread_by_hand():
    r = long_frame([("D1", "J1", "rupture_existant", 0), ("D1", "J2", "rupture_existant", 3),
                    ("D2", "J1", "rupture_existant", 1), ("D2", "J2", "rupture_existant", 2),
                    ("D3", "J1", "rupture_existant", 2), ("D3", "J2", "rupture_existant", None)])
    it = cr.item_statistics(r, GRID, min_spread=2).set_index("criterion").loc["rupture_existant"]
    assert it["n_ratings"] == 5 and it["n_missing"] == 1 and it["missing_rate"] == pytest.approx(1 / 6)
    # D1 spans 3 levels, D2 one level; D3 has a single rating and does not count.
    assert it["n_multi"] == 2 and it["wide_spread"] == pytest.approx(0.5)
    assert np.isnan(it["relevant_share"])  # not a "si pertinent" section


def test_dossier_levels_are_means_over_jurors():
    r = long_frame([("D1", "J1", "rupture_existant", 1), ("D1", "J2", "rupture_existant", 2),
                    ("D1", "J3", "rupture_existant", None)])
    wide = cr.dossier_levels(r, GRID)
    assert wide.loc["D1", "rupture_existant"] == 1.5
    assert list(wide.columns) == [c.id for c in GRID.criteria]


# ---------------------------------------------------------------------------
# Consistency and correlations
# ---------------------------------------------------------------------------


def test_item_rest_correlation_hand_computed():
    # a = 1..5, rest = mean(b, c) ∝ b + c = 3, 2, 6, 5, 8: deviations (−2, −1, 0, 1, 2) and
    # (−1,8, −2,8, 1,2, 0,2, 3,2): Σxy = 13, Σx² = 10, Σy² = 22,8, r = 13 / √228.
    w = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [2, 1, 4, 3, 5], "c": [1, 1, 2, 2, 3]}, dtype=float)
    out = consistency.item_rest(w, {k: ("g", "G") for k in "abc"}).set_index("criterion")
    assert out.loc["a", "r"] == pytest.approx(13 / math.sqrt(228))
    assert out.loc["a", "ci_low"] < out.loc["a", "r"] < out.loc["a", "ci_high"]
    alone = consistency.item_rest(w[["a"]], {"a": ("solo", "Seul")})
    assert np.isnan(alone["r"].item())


def test_cronbach_alpha_published_example():
    # pingouin.cronbach_alpha documentation (checked there against R psych::alpha), Likert example
    # "cronbach_alpha": alpha = 0.5917, 95 % CI (Feldt) [0.195, 0.840].
    data = pg.read_dataset("cronbach_alpha").pivot(index="Subj", columns="Items", values="Scores")
    alpha, lo, hi, n = consistency.cronbach(data)
    assert alpha == pytest.approx(0.5917188485995826)
    assert (round(lo, 3), round(hi, 3)) == (0.195, 0.840)
    assert n == 15
    # The interval is Feldt's, unrounded (pingouin rounds it to three decimals).
    assert (lo, hi) == consistency.feldt_interval(alpha, 15, data.shape[1])
    assert (lo, hi) != (0.195, 0.840)


def test_feldt_interval_published_value():
    # Chris Evans, "R code for computing confidence intervals for Cronbach's alpha" (MRC Cognition
    # and Brain Sciences Unit statistics wiki, FAQ/cafun): feldt1.return(0.913, 873, 20, 0.95)
    # gives 0.9044024 to 0.9211588.
    lo, hi = consistency.feldt_interval(0.913, 873, 20)
    assert lo == pytest.approx(0.9044024, abs=5e-8)
    assert hi == pytest.approx(0.9211588, abs=5e-8)


@pytest.mark.parametrize("alpha, n, k, confidence", [(0.5917, 15, 4, 0.95), (0.83, 100, 20, 0.95),
                                                     (0.4, 12, 3, 0.90), (-0.2, 30, 5, 0.99)])
def test_feldt_interval_is_the_exact_f_interval(alpha, n, k, confidence):
    # Feldt, Woodruff & Salih (1987), p. 95, formulas 6-7: (1 - bound) / (1 - alpha) is the
    # (1 ± c) / 2 quantile of F(n - 1, (n - 1)(k - 1)); checked through the F distribution's cdf.
    from scipy.stats import f

    lo, hi = consistency.feldt_interval(alpha, n, k, confidence=confidence)
    df1, df2 = n - 1, (n - 1) * (k - 1)
    assert f.cdf((1 - lo) / (1 - alpha), df1, df2) == pytest.approx((1 + confidence) / 2, abs=1e-12)
    assert f.cdf((1 - hi) / (1 - alpha), df1, df2) == pytest.approx((1 - confidence) / 2, abs=1e-12)
    assert lo < alpha < hi


def test_cronbach_alpha_by_its_formula():
    # k/(k−1) · (1 − Σ var(item) / var(total)) on a 4 x 3 table computed by hand: item variances
    # 5/3, 9/4, 11/12 (sum 29/6); totals 4, 7, 9, 12, variance 34/3; alpha = 3/2 · (1 − 29/68) = 117/136.
    w = pd.DataFrame({"x": [1, 2, 3, 4], "y": [2, 2, 4, 5], "z": [1, 3, 2, 3]}, dtype=float)
    assert consistency.cronbach(w)[0] == pytest.approx(117 / 136)


def test_rank_alpha_only_uses_the_order():
    rng = np.random.default_rng(3)
    base = rng.normal(size=(60, 3)) + rng.normal(size=(60, 1))
    w = pd.DataFrame(base, columns=list("abc"))
    monotone = w.assign(a=np.exp(w["a"]), b=w["b"] ** 3)
    assert consistency.rank_alpha(w, n_boot=0)[0] == pytest.approx(consistency.rank_alpha(monotone, n_boot=0)[0])
    est, lo, hi, _ = consistency.rank_alpha(w, n_boot=300, seed=1)
    assert lo < est < hi
    # standardised alpha k·r̄/(1 + (k−1)·r̄) of the Spearman matrix
    rbar = w.corr("spearman").to_numpy()[np.triu_indices(3, 1)].mean()
    assert est == pytest.approx(3 * rbar / (1 + 2 * rbar))


def _rank_alpha_all_at_once(wide, n_boot, seed, confidence=0.95):
    """rank_alpha's interval as first written: every resample built and ranked in one array."""
    from scipy import stats

    sub = wide.dropna().to_numpy(dtype=float)
    n, k = sub.shape
    r = stats.rankdata(sub[np.random.default_rng(seed).integers(0, n, (n_boot, n))], axis=1)
    r -= r.mean(axis=1, keepdims=True)
    ss = np.sqrt((r * r).sum(axis=1))
    ok = np.all(ss > 0, axis=1)
    if not ok.any():
        return np.nan, np.nan
    corr = np.einsum("bnk,bnl->bkl", r[ok], r[ok]) / (ss[ok][:, :, None] * ss[ok][:, None, :])
    rbar = (corr.sum(axis=(1, 2)) - k) / (k * (k - 1))
    boots = k * rbar / (1 + (k - 1) * rbar)
    return tuple(np.quantile(boots, [(1 - confidence) / 2, (1 + confidence) / 2]))


@pytest.mark.parametrize("replicates_per_batch", [1, 7, None])
def test_rank_alpha_interval_does_not_depend_on_the_batches(monkeypatch, replicates_per_batch):
    """Batches of replicates, ranks by counting: bit for bit the interval of one big array."""
    rng = np.random.default_rng(5)
    n, k = 40, 5
    levels = np.clip(rng.integers(0, 4, (n, 1)) + rng.integers(-1, 2, (n, k)), 0, 3)  # many ties
    wide = pd.DataFrame(levels + rng.integers(0, 3, (n, k)) / 2, columns=list("abcde"))
    wide.iloc[3, 2] = np.nan  # listwise
    rare = pd.DataFrame({"a": [0.0] * 7 + [1.0], "b": [0, 1, 0, 1, 1, 0, 0, 1.0]})  # resamples with a constant column
    if replicates_per_batch:
        monkeypatch.setattr(consistency, "_BOOT_BATCH_VALUES", replicates_per_batch * n * k)
    for data in (wide, rare):
        _, lo, hi, _ = consistency.rank_alpha(data, n_boot=203, seed=11)
        np.testing.assert_array_equal([lo, hi], _rank_alpha_all_at_once(data, 203, 11))


def test_resample_ranks_are_scipy_average_ranks():
    from scipy import stats

    rng = np.random.default_rng(8)
    sub = np.column_stack([rng.integers(0, 4, 50), rng.normal(size=50), np.repeat([2.5, -1.0], 25)])
    rows = rng.integers(0, 50, (6, 50))
    codes = [np.unique(col, return_inverse=True)[1] for col in sub.T]
    np.testing.assert_array_equal(consistency._resample_ranks(codes, rows), stats.rankdata(sub[rows], axis=1))


def test_redundancy_flag_on_two_identical_criteria():
    r, dec = synthetic_ratings(GRID, overrides={"richesse_collectif": lambda rng, codes, q, j: codes["caractere_collectif"]})
    wide = cr.dossier_levels(r, GRID)
    pairs = cr.correlation_pairs(wide, GRID, threshold=0.8)
    top = pairs.iloc[0]
    assert {top.criterion_a, top.criterion_b} == {"caractere_collectif", "richesse_collectif"}
    assert top.rho == pytest.approx(1.0) and top.redundant and top.same_dimension
    assert pairs["redundant"].sum() == 1  # the other criteria correlate about loading² = 0,36
    analysis = committee.analyse_criteria(r, GRID, dec, n_boot=0)
    ev = analysis.evidence.set_index("criterion")
    # both ways: each criterion of the pair is told to merge with the other
    assert ev.loc["caractere_collectif", "action"] == "merge" and ev.loc["richesse_collectif", "action"] == "merge"
    assert ev.loc["caractere_collectif", "merge_with"] == ["richesse_collectif"]
    assert ev.loc["richesse_collectif", "merge_with"] == ["caractere_collectif"]


def test_merge_rule_ignores_correlations_on_few_dossiers():
    ev = pd.DataFrame({"criterion": ["a", "b"], "criterion_label": ["A", "B"], "alpha": [0.9, 0.9],
                       "wide_spread": [0.0, 0.0], "floor": [0.1, 0.1], "ceiling": [0.1, 0.1], "or_low": [2.0, 2.0],
                       "or_high": [5.0, 5.0], "discriminates": [True, True]})
    few = pd.DataFrame({"criterion_a": ["a"], "criterion_b": ["b"], "rho": [0.95], "n": [12]})
    assert committee.suggest_actions(ev, few)["action"].tolist() == ["keep", "keep"]
    assert committee.suggest_actions(ev, few.assign(n=40))["action"].tolist() == ["merge", "merge"]


def test_merge_rule_on_few_dossiers_is_said_not_evaluated():
    ev = pd.DataFrame({"criterion": ["a", "b"], "criterion_label": ["A", "B"], "alpha": [0.9, 0.9],
                       "wide_spread": [0.0, 0.0], "floor": [0.1, 0.1], "ceiling": [0.1, 0.1], "or_low": [2.0, 2.0],
                       "or_high": [5.0, 5.0], "discriminates": [True, True]})
    few = pd.DataFrame({"criterion_a": ["a"], "criterion_b": ["b"], "rho": [0.95], "n": [11]})
    out = committee.suggest_actions(ev, few)
    assert out["other_findings"].tolist() == ["fusion non évaluée (n = 11 < 20) : ρ ≥ 0,80 avec « B » (0,95)",
                                              "fusion non évaluée (n = 11 < 20) : ρ ≥ 0,80 avec « A » (0,95)"]
    # The sheet says so in its summary (11 dossiers: every pair rated on fewer than 20).
    r, dec = synthetic_ratings(GRID, n_dossiers=11, seed=5, loading=0.95, noise=0.1)
    sheet = tables.committee_sheet_fr(committee.analyse_criteria(r, GRID, dec, n_boot=0))
    summary = tables.sheet_summary_fr(sheet)
    assert "Règle de fusion non évaluée (n = 11 < 20) pour 66 paire(s)" in summary
    assert sheet.attrs["counts"]["fusionner avec un autre critère"] == 0
    assert (sheet["Dossiers"] == 11).all()


def test_a_general_halo_is_told_and_not_read_as_redundancy():
    # Every criterion driven by one quality (loading 0,95): all pairs near ρ = 0,9, none stands out.
    r, dec = synthetic_ratings(GRID, n_dossiers=150, seed=2, loading=0.97, noise=0.1)
    analysis = committee.analyse_criteria(r, GRID, dec, n_boot=0)
    h = analysis.halo
    assert h["detected"] and h["general"] and h["flagged"] > 6
    assert h["first_factor"] > 0.6 and h["between"] >= 0.5
    assert "merge" not in set(analysis.evidence["action"])
    assert analysis.evidence["other_findings"].str.contains("dans le halo, fusion non suggérée").sum() == h["flagged"]
    summary = tables.sheet_summary_fr(tables.committee_sheet_fr(analysis))
    assert "Effet de halo sur toute la grille" in summary and "aucune paire ne se détachant du halo" in summary
    # A copy of a criterion stands out of the halo (ρ = 1 against ≈ 0,9): that pair alone is merged.
    copy = {"richesse_collectif": lambda rng, codes, q, j: codes["caractere_collectif"]}
    r, dec = synthetic_ratings(GRID, n_dossiers=150, seed=2, loading=0.97, noise=0.1, overrides=copy)
    ev = committee.analyse_criteria(r, GRID, dec, n_boot=0).evidence.set_index("criterion")
    assert set(ev.index[ev["action"] == "merge"]) == {"caractere_collectif", "richesse_collectif"}


def test_unstable_odds_ratio_is_not_printed_as_a_finding():
    assert tables.odds_ratio_fr(115.47, 0.19, 7.0e4) == "les données ne permettent pas de trancher [0,19 ; > 1\u202f000]"
    assert tables.odds_ratio_fr(2.0, 0.0001, 3.0).startswith("les données ne permettent pas de trancher [< 0,001")
    assert tables.odds_ratio_fr(2.5, 1.2, 5.1) == "2,50 [1,20 ; 5,10]"
    assert tables.odds_ratio_fr(float("inf"), float("nan"), float("nan")) == "non borné"
    # The reconsider rule names the interval with the same bound (the demo's feasibility sheet printed
    # « [0,47 ; 14 256 674,92] »).
    ev = pd.DataFrame({"criterion": ["a"], "criterion_label": ["A"], "alpha": [0.9], "wide_spread": [0.0],
                       "floor": [0.0], "ceiling": [0.63], "or_low": [0.47], "or_high": [1.4e7], "discriminates": [False]})
    rule = committee.suggest_actions(ev, pd.DataFrame(columns=["criterion_a", "criterion_b", "rho", "n"]))["rule"][0]
    assert "rapport de cotes [0,47 ; > 1\u202f000] contenant 1" in rule


# ---------------------------------------------------------------------------
# Discrimination
# ---------------------------------------------------------------------------


def test_odds_ratio_recovered_from_simulated_data():
    rng = np.random.default_rng(2016)
    x = rng.uniform(0, 3, 4000)
    true_or = 2.5
    p = 1 / (1 + np.exp(-(-2.0 + math.log(true_or) * x)))
    y = rng.random(4000) < p
    res = dsc.odds_ratio(x, y)
    assert res["ci_low"] < true_or < res["ci_high"]
    assert res["odds_ratio"] == pytest.approx(true_or, rel=0.1)
    assert res["note"] == ""


def test_odds_ratio_perfect_separation_and_no_variation():
    sep = dsc.odds_ratio([0, 0.5, 1, 2, 2.5, 3], [0, 0, 0, 1, 1, 1])
    assert math.isinf(sep["odds_ratio"]) and sep["note"].startswith("séparation parfaite")
    flat = dsc.odds_ratio([1, 1, 1, 1, 1, 1], [0, 1, 0, 1, 0, 1])
    assert np.isnan(flat["odds_ratio"]) and flat["note"]


def test_auc_hand_computed():
    # positives 3, 4, 5 vs negatives 1, 2, 3: 8 pairs won and one tie out of 9 -> 8,5 / 9.
    a, lo, hi = dsc.auc([3, 4, 5, 1, 2, 3], [1, 1, 1, 0, 0, 0])
    assert a == pytest.approx(8.5 / 9)
    assert 0 <= lo < a < hi <= 1
    assert dsc.auc([1, 2, 3, 4], [0, 0, 1, 1])[0] == 1.0
    assert dsc.auc([1, 2, 3, 4], [1, 1, 0, 0])[0] == 0.0


def test_decision_outcomes():
    dec = pd.DataFrame({"dossier_id": ["a", "b", "c", "d"],
                        "decision": ["non retenu", "retenu - financé", "retenu - réorienté", None]})
    assert dsc.decision_outcome(dec, "retenu").to_dict() == {"a": 0, "b": 1, "c": 1}
    assert dsc.decision_outcome(dec, "financé").to_dict() == {"b": 1, "c": 0}


def test_discrimination_on_a_criterion_that_drives_the_decision():
    r, dec = synthetic_ratings(GRID, seed=5, overrides={"ouverture_recherche": lambda rng, codes, q, j: int(
        np.digitize(q + rng.normal(0, 0.3), [-1, 0, 1]))})
    disc = dsc.discrimination(cr.dossier_levels(r, GRID), dsc.decision_outcome(dec), GRID).set_index("criterion")
    assert disc.loc["ouverture_recherche", "auc"] > 0.95
    assert disc.loc["ouverture_recherche", "auc"] > disc.drop(index="ouverture_recherche")["auc"].max()
    assert disc["discriminates"].all()


# ---------------------------------------------------------------------------
# Structure
# ---------------------------------------------------------------------------


def planted(n=600, seed=0, loading=0.8, factor_corr=0.3):
    """Dossier-level data with a planted three-factor structure: the grid's three dimensions."""
    rng = np.random.default_rng(seed)
    cov = np.full((3, 3), factor_corr) + np.eye(3) * (1 - factor_corr)
    f = rng.multivariate_normal(np.zeros(3), cov, n)
    cols = {}
    for di, d in enumerate(GRID.dimensions):
        for c in d.criteria:
            cols[c.id] = loading * f[:, di] + math.sqrt(1 - loading ** 2) * rng.normal(size=n)
    return pd.DataFrame(cols, index=[f"D{i}" for i in range(n)])


def test_factor_loadings_recover_a_planted_three_factor_structure():
    wide = planted()
    check = structure.factor_structure(wide, GRID, grouping="dimension")
    assert check.holds and check.matched_share == 1.0 and check.n_factors == 3
    # each criterion's loading on its own factor is near the planted 0.8, cross-loadings near 0
    a = check.assignment
    assert (a["loading"].abs() > 0.65).all()
    own = [check.loadings.loc[c, f] for c, f in zip(a["criterion"], a["expected_factor"])]
    assert np.allclose(own, 0.8, atol=0.12)
    off = check.loadings.to_numpy().copy()
    for i, f in enumerate(a["expected_factor"]):
        off[i, list(check.loadings.columns).index(f)] = 0
    assert np.abs(off).max() < 0.2
    assert check.factor_of_group == {"portage": "F1", "contenu": "F2", "contexte": "F3"}


def test_a_grouping_that_cuts_across_the_factors_does_not_hold():
    check = structure.factor_structure(planted(), GRID, grouping="generic")
    assert not check.holds and 0 < check.matched_share < 1


def test_parallel_analysis_finds_three_factors():
    pa = structure.parallel_analysis(planted(), n_iter=100, seed=1)
    assert pa.attrs["suggested"] == 3 and pa.attrs["n"] == 600


def test_within_between_contrast_and_permutation_test():
    wide = planted(n=300)
    wb = structure.within_between(wide, GRID, grouping="dimension", n_perm=500, seed=0)
    tot = wb.set_index("group").loc["ensemble"]
    # planted: within ≈ 0.8² = 0.64, between ≈ 0.64 · 0.3 = 0.19 (Pearson; Spearman close)
    assert tot["within"] == pytest.approx(0.64, abs=0.08) and tot["between"] == pytest.approx(0.19, abs=0.08)
    assert wb.attrs["p_value"] < 0.01
    shuffled = structure.within_between(planted(n=300, factor_corr=1.0), GRID, n_perm=500, seed=0)
    assert shuffled.attrs["p_value"] > 0.05  # one factor: the grouping adds nothing


def test_structure_summary_is_french():
    wide = planted(n=300)
    checks = [structure.factor_structure(wide, GRID, grouping=g) for g in ("dimension", "generic")]
    contrasts = {g: structure.within_between(wide, GRID, grouping=g, n_perm=1000) for g in ("dimension", "generic")}
    text = tables.structure_summary_fr(checks, contrasts, structure.parallel_analysis(wide, n_iter=50))
    assert "se retrouve" in text and "ne se retrouve qu'en partie" in text and "p < 0,001" in text


# ---------------------------------------------------------------------------
# The committee sheet
# ---------------------------------------------------------------------------


def sheet_cohort():
    overrides = {
        # identical to "Caractère collectif du projet": merge
        "richesse_collectif": lambda rng, codes, q, j: codes["caractere_collectif"],
        # always Inexistant: no discrimination, floor effect 100 %: reconsider
        "enjeux_environnementaux": lambda rng, codes, q, j: 0,
        # jurors at random: no agreement, wide spread: clarify
        "ouverture_recherche": lambda rng, codes, q, j: int(rng.integers(0, 4)),
    }
    return synthetic_ratings(GRID, n_dossiers=150, seed=11, overrides=overrides)


def test_committee_sheet_actions_follow_the_rules():
    r, dec = sheet_cohort()
    analysis = committee.analyse_criteria(r, GRID, dec, n_boot=0)
    ev = analysis.evidence.set_index("criterion")
    assert ev.loc["enjeux_environnementaux", "action"] == "reconsider"
    assert ev.loc["ouverture_recherche", "action"] == "clarify"
    assert ev.loc["ouverture_recherche", "alpha"] < 0.2 and ev.loc["ouverture_recherche", "wide_spread"] > 0.3
    assert ev.loc["caractere_collectif", "action"] == "merge"
    others = ev.drop(index=["enjeux_environnementaux", "ouverture_recherche", "caractere_collectif",
                            "richesse_collectif"])
    assert (others["action"] == "keep").all()
    sheet = tables.committee_sheet_fr(analysis)
    assert len(sheet) == 12 and list(sheet["Critère"]) == [c.label for c in GRID.criteria]
    assert sheet.attrs["counts"] == {"réexaminer le critère": 1, "fusionner avec un autre critère": 2,
                                     "clarifier les descripteurs": 1, "conserver": 8}
    row = sheet.set_index("Critère").loc["Place des enjeux environnementaux"]
    assert "effet plancher de 100\u00a0%" in row["Règle appliquée"]
    assert "Sur 12 critères" in tables.sheet_summary_fr(sheet)


def test_rules_are_stated_with_their_thresholds():
    text = committee.rules_fr(committee.Rules(alpha_below=0.7, rho_merge=0.85, floor_ceiling=0.6, wide_spread=0.2))
    for needle in ("0,700", "0,85", "60\u00a0%", "20\u00a0%", "Réexaminer", "Fusionner", "Clarifier", "Conserver"):
        assert needle in text


def test_thresholds_change_the_suggestions():
    r, dec = sheet_cohort()
    strict = committee.analyse_criteria(r, GRID, dec, n_boot=0, rules=committee.Rules(rho_merge=1.01))
    assert "merge" not in set(strict.evidence["action"])


def test_analyses_run_on_the_refined_grid_version():
    g18 = load_grid("acceptabilite", "2018")
    r, dec = synthetic_ratings(g18, n_dossiers=60, seed=3)
    analysis = committee.analyse_criteria(r, g18, dec, n_boot=50)
    assert len(tables.committee_sheet_fr(analysis)) == 11
    assert analysis.consistency["n_items"].tolist() == [3, 3, 5]
    # ratings of another version are not mixed in
    r16, _ = synthetic_ratings(GRID, n_dossiers=60, seed=3)
    both = pd.concat([r, r16], ignore_index=True)
    assert cr.item_statistics(both, g18)["n_ratings"].sum() == cr.item_statistics(r, g18)["n_ratings"].sum()


# ---------------------------------------------------------------------------
# Feasibility grid
# ---------------------------------------------------------------------------


def feas_frame(rows):
    return long_frame(rows, FEAS)


def test_market_section_left_empty_is_not_relevant_not_missing():
    rows = []
    for c in FEAS.criteria:
        rows.append(("D1", "J1", c.id, 2))  # J1 rates everything on D1
        rows.append(("D1", "J2", c.id, None if c.dimension == "marche" else 1))  # J2: market not relevant
        # J3 rates one market item and leaves the other empty: that one is missing
        rows.append(("D1", "J3", c.id, None if c.id == "acces_marche" else 0))
    r = feas_frame(rows)
    status = cr.rating_status(r, FEAS).set_index(["juror_id", "criterion"])["status"]
    assert status[("J2", "segmentation_marche")] == "non pertinent"
    assert status[("J3", "acces_marche")] == "manquant"
    dist = feas.feasibility_distribution(r, FEAS).set_index("key")
    # acces_marche: J1 and J3 judged the section relevant (2 of 3); J3's empty item is missing (1 of 2 due)
    assert dist.loc["acces_marche", "relevant_share"] == pytest.approx(2 / 3)
    assert dist.loc["acces_marche", "missing_rate"] == pytest.approx(1 / 2)
    assert np.isnan(dist.loc["leadership", "relevant_share"]) and dist.loc["leadership", "missing_rate"] == 0
    assert dist.loc["leadership", ["share_A", "share_B", "share_C"]].tolist() == pytest.approx([1 / 3] * 3)
    rel = feas.relevance_summary(r, FEAS).iloc[0]
    assert rel["relevant_share"] == pytest.approx(2 / 3) and rel["dossiers_any"] == 1 and rel["dossiers_all"] == 0
    assert "non pertinent" in tables.relevance_fr(feas.relevance_summary(r, FEAS))
    by_section = feas.feasibility_distribution(r, FEAS, by="dimension").set_index("key")
    assert list(by_section.index) == [d.id for d in FEAS.dimensions]
    assert "Section" in tables.feasibility_table_fr(by_section.reset_index(), FEAS)


def test_risk_item_read_backwards_is_flagged():
    # Jurors read "fragilite_porteur" backwards (A = a real risk): its A/B/C runs against the other
    # items; the other risk item follows them.
    overrides = {"fragilite_porteur": lambda rng, codes, q, j: 2 - codes["leadership"]}
    r, dec = synthetic_ratings(FEAS, n_dossiers=80, seed=4, overrides=overrides)
    dec = dec.assign(decision=np.where(dec["decision"] == "non retenu", "retenu - réorienté", dec["decision"]))
    risk = feas.risk_items(r, FEAS, dec).set_index("criterion")
    assert risk.loc["fragilite_porteur", "rest_r"] < 0 and risk.loc["fragilite_porteur", "ambiguous"]
    assert "corrélation avec les autres items" in risk.loc["fragilite_porteur", "reasons"]
    assert risk.loc["beneficiaires_touches", "rest_r"] > 0.3
    assert not risk.loc["beneficiaires_touches", "ambiguous"]
    assert len(tables.risk_table_fr(risk.reset_index())) == 2


def test_feasibility_association_is_among_retained_dossiers():
    r, dec = synthetic_ratings(FEAS, n_dossiers=60, seed=6)
    dec["decision"] = dec["decision"].replace("non retenu", "retenu - réorienté")
    dec.loc[dec.index[:10], "decision"] = "non retenu"  # left out of funded-vs-re-oriented
    out = feas.feasibility_association(r, FEAS, dec)
    n_retained = int(dec["decision"].str.startswith("retenu").sum())
    assert (out["n"] == n_retained).all()
    sections = feas.feasibility_association(r, FEAS, dec, by="dimension")
    assert sections["criterion_label"].tolist() == [d.label for d in FEAS.dimensions]


# ---------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------


def test_figures_have_french_alternative_text():
    from matplotlib.figure import Figure

    from socinnov.reporting import plots

    r, dec = sheet_cohort()
    a = committee.analyse_criteria(r, GRID, dec, n_boot=0)
    feas_ratings, _ = synthetic_ratings(FEAS, n_dossiers=40, seed=2)
    figs = [plots.level_distribution_chart(a.distribution),
            plots.rank_correlation_heatmap(a.correlations, {c.id: c.label for c in GRID.criteria}),
            plots.odds_ratio_forest(a.discrimination),
            plots.loadings_heatmap(structure.factor_structure(a.wide, GRID)),
            plots.feasibility_levels_chart(feas.feasibility_distribution(feas_ratings, FEAS))]
    for fig in figs:
        assert isinstance(fig, Figure) and fig.alt_text and any(w in fig.alt_text for w in ("critère", "item"))
    import matplotlib.pyplot as plt

    plt.close("all")
