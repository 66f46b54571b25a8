"""Tests of socinnov.analysis.agreement against published values.

Every expected number comes from a publication or from the printed output of
a published R package, cited next to it, and is asserted within the printed
precision (half a unit of the last printed digit). The datasets are in
tests/data/agreement/ (sources in its README.md).
"""

from __future__ import annotations

from pathlib import Path

import krippendorff
import numpy as np
import pandas as pd
import pingouin as pg
import pytest
from statsmodels.stats.inter_rater import cohens_kappa as sm_cohens_kappa
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

from socinnov.analysis.agreement import (
    STATISTICS,
    AgreementInputError,
    agreement_table,
    cohen_kappa,
    counts_matrix,
    fleiss_kappa,
    gwet_ac,
    icc,
    kendall_w,
    krippendorff_alpha,
    percent_agreement,
    ratings_matrix,
    weight_matrix,
)
from socinnov.analysis.agreement import bootstrap as ag_bootstrap
from socinnov.analysis.agreement import coefficients as ag_coefficients
from socinnov.analysis.agreement import intraclass as ag_intraclass
from socinnov.analysis.agreement import kendall as ag_kendall
from socinnov.analysis.agreement import ratings as ag_ratings

DATA = Path(__file__).parent / "data" / "agreement"
COLS = {"unit": "unit", "rater": "rater", "value": "value"}
DIAGNOSES = ["Depression", "Personality Disorder", "Schizophrenia", "Neurosis", "Other"]
ABSTRACTORS = ["Ectopic", "AIU", "NIU"]


def load(name: str) -> pd.DataFrame:
    # Read as text, as the CLI does: empty cells are missing ratings.
    return pd.read_csv(DATA / name, dtype=str, keep_default_na=False)


def est(frame: pd.DataFrame, statistic: str | None = None) -> float:
    if statistic is None:
        assert len(frame) == 1
        return float(frame["estimate"].iloc[0])
    return float(frame.set_index("statistic").loc[statistic, "estimate"])


# ---------------------------------------------------------------------------
# Krippendorff's alpha
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "scale, expected",
    [
        # Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", example C
        # (4 observers, 12 units, missing data): nominal .743, ordinal .815,
        # interval .849, ratio .797.
        ("nominal", 0.743),
        ("ordinal", 0.815),
        ("interval", 0.849),
        ("ratio", 0.797),
    ],
)
def test_krippendorff_2011_worked_example(scale, expected):
    res = krippendorff_alpha(load("krippendorff2011.csv"), **COLS, scale=scale, n_boot=0)
    assert est(res) == pytest.approx(expected, abs=5e-4)


def test_krippendorff_alpha_irrcac_raw4raters():
    # irrCAC overview vignette (Gwet): krippen.alpha.raw(cac.raw4raters) -> coeff.val 0.74342
    res = krippendorff_alpha(load("krippendorff2011.csv"), **COLS, scale="nominal", n_boot=0)
    assert est(res) == pytest.approx(0.74342, abs=5e-6)


def test_krippendorff_alpha_wikipedia_example():
    # Wikipedia, "Krippendorff's alpha", computational example: alpha (nominal) = 0.691
    res = krippendorff_alpha(load("wikipedia_krippendorff.csv"), **COLS, scale="nominal", n_boot=0)
    assert est(res) == pytest.approx(0.691, abs=5e-4)


def test_krippendorff_alpha_distrib6raters():
    # irrCAC overview vignette: krippen.alpha.dist(distrib.6raters) -> 0.4204384
    res = krippendorff_alpha(load("gwet_distrib6raters.csv"), **COLS, scale="nominal", n_boot=0)
    assert est(res) == pytest.approx(0.4204384, abs=5e-8)


def test_krippendorff_alpha_two_raters_abstractors():
    data = load("gwet_cont3x3abstractors.csv")
    # irrCAC overview vignette: krippen2.table(cont3x3abstractors) -> 0.7972585
    nominal = krippendorff_alpha(data, **COLS, scale="nominal", levels=ABSTRACTORS, n_boot=0)
    assert est(nominal) == pytest.approx(0.7972585, abs=5e-8)
    # irrCAC weighting vignette: krippen2.table(cont3x3abstractors,
    # weights = quadratic.weights(1:3)) -> 0.8926487, i.e. the interval metric on 1..3.
    interval = krippendorff_alpha(data, **COLS, scale="interval", levels=ABSTRACTORS, n_boot=0)
    assert est(interval) == pytest.approx(0.8926487, abs=5e-8)


# ---------------------------------------------------------------------------
# Percent agreement, Fleiss' kappa, Gwet's AC1 / AC2
# ---------------------------------------------------------------------------


def test_irrcac_raw4raters_missing_ratings():
    # irrCAC README / overview vignette (Gwet), cac.raw4raters (12 subjects, 4 raters, no
    # rater rated every subject):
    data = load("krippendorff2011.csv")
    # pa.coeff.raw -> 0.8181818
    assert est(percent_agreement(data, **COLS, n_boot=0)) == pytest.approx(0.8181818, abs=5e-8)
    # gwet.ac1.raw -> AC1 0.77544
    assert est(gwet_ac(data, **COLS, n_boot=0)) == pytest.approx(0.77544, abs=5e-6)
    # fleiss.kappa.raw -> Fleiss' kappa 0.76117 (Gwet's generalisation, missing ratings)
    res = fleiss_kappa(data, **COLS, n_boot=0)
    assert est(res) == pytest.approx(0.76117, abs=5e-6)
    assert "généralisation de Gwet" in res["note"].iloc[0]


def test_irrcac_raw4raters_quadratic_ac2():
    # irrCAC weighting vignette: gwet.ac1.raw(cac.raw4raters, weights = "quadratic")
    # -> AC2 0.914 (coeff.val is rounded to 5 decimals, so 0.91400)
    data = load("krippendorff2011.csv")
    res = gwet_ac(data, **COLS, weights="quadratic", n_boot=0)
    assert res["statistic"].item() == "gwet_ac2"
    assert est(res) == pytest.approx(0.914, abs=5e-6)


def test_irrcac_distrib6raters():
    data = load("gwet_distrib6raters.csv")
    kw = dict(COLS, scale="nominal", levels=DIAGNOSES, n_boot=0)
    # irrCAC overview vignette: gwet.ac1.dist(distrib.6raters) -> 0.4448007, pa 0.5511111
    assert est(gwet_ac(data, **kw)) == pytest.approx(0.4448007, abs=5e-8)
    assert est(percent_agreement(data, **kw)) == pytest.approx(0.5511111, abs=5e-8)
    # fleiss.kappa.dist(distrib.6raters) -> 0.4139265
    assert est(fleiss_kappa(data, **kw)) == pytest.approx(0.4139265, abs=5e-8)
    # irrCAC weighting vignette: gwet.ac1.dist(distrib.6raters,
    # weights = quadratic.weights(1:q)) -> Gwet's AC2 0.4837438 (categories in column order)
    ordered = dict(kw, scale="ordinal")
    assert est(gwet_ac(data, **ordered, weights="quadratic")) == pytest.approx(0.4837438, abs=5e-8)


def test_irrcac_cont3x3abstractors():
    data = load("gwet_cont3x3abstractors.csv")
    kw = dict(COLS, levels=ABSTRACTORS, n_boot=0)
    # irrCAC overview vignette: pa2.table -> 0.89; gwet.ac1.table -> 0.8493305
    assert est(percent_agreement(data, **kw)) == pytest.approx(0.89, abs=5e-3)
    assert est(gwet_ac(data, **kw)) == pytest.approx(0.8493305, abs=5e-8)
    # irrCAC weighting vignette: gwet.ac1.table(..., weights = quadratic.weights(1:3))
    # -> Gwet's AC2 0.9402369
    assert est(gwet_ac(data, **kw, weights="quadratic")) == pytest.approx(0.9402369, abs=5e-8)


def test_fleiss_1971_diagnoses():
    data = load("fleiss1971_diagnoses.csv")
    res = fleiss_kappa(data, **COLS, scale="nominal", n_boot=0)
    # Fleiss (1971), Psychological Bulletin 76, p. 381: kappa = .430
    assert est(res) == pytest.approx(0.430, abs=5e-4)
    # R irr: kappam.fleiss(diagnoses)$value = 0.4302445 (recorded in statsmodels'
    # stats/tests/test_inter_rater.py, test_fleiss_kappa_irr)
    assert est(res) == pytest.approx(0.4302445, abs=5e-8)
    assert "statsmodels" in res["note"].iloc[0]


def test_percent_agreement_two_raters_irr_agree():
    # RExRepos (Wollschläger), interRaterICC: irr::agree(cbind(rtr1, rtr2)) -> %-agree = 70
    # (for two raters the share of agreeing pairs is the share of agreeing units)
    res = percent_agreement(load("fce1969_diagnoses.csv"), **COLS, scale="nominal", n_boot=0)
    assert est(res) == pytest.approx(0.70, abs=5e-3)


def _within_one_by_hand(matrix: np.ndarray) -> float:
    """Pairwise agreement within one level, written out with explicit loops."""
    per_unit = []
    for row in matrix:
        vals = [v for v in row if not np.isnan(v)]
        if len(vals) < 2:
            continue
        pairs = [(a, b) for i, a in enumerate(vals) for j, b in enumerate(vals) if i != j]
        per_unit.append(np.mean([abs(a - b) <= 1 for a, b in pairs]))
    return float(np.mean(per_unit))


def test_percent_agreement_within_one_matches_explicit_loops():
    # No published value for "within one level" agreement was found; this checks the
    # vectorised computation against a literal loop over pairs of ratings.
    data = load("krippendorff2011.csv")
    mat = ratings_matrix(data, **COLS).to_numpy()
    res = percent_agreement(data, **COLS, tolerance=1, n_boot=0)
    assert res["statistic"].item() == "percent_agreement_within_one"
    assert est(res) == pytest.approx(_within_one_by_hand(mat), abs=1e-12)
    # 21 of 22 ordered pairs of unit 6 (1, 2, 3, 4) are not all within one: 6/12 agree.
    assert est(res) == pytest.approx((10 + 6 / 12) / 11, abs=1e-12)


def test_fleiss_generalisation_equals_statsmodels_on_complete_design():
    rng = np.random.default_rng(3)
    n, m = 200, 5
    mat = np.clip(rng.integers(0, 4, n)[:, None] + rng.integers(-1, 2, (n, m)), 0, 3)
    df = pd.DataFrame({"unit": np.repeat(np.arange(n), m), "rater": np.tile(np.arange(m), n),
                       "value": mat.ravel()})
    rt = ag_ratings.prepare(df, "unit", "rater", "value", "ordinal", [0, 1, 2, 3])
    kernel = ag_coefficients._gwet_family_kernel(rt, np.eye(4), "fleiss")
    counts = np.stack([(mat == k).sum(1) for k in range(4)], axis=1)
    assert kernel(np.ones((1, n)))[0] == pytest.approx(sm_fleiss_kappa(counts), abs=1e-12)


# ---------------------------------------------------------------------------
# Cohen's kappa
# ---------------------------------------------------------------------------


def test_cohen_kappa_fleiss_cohen_everitt_table():
    # RExRepos (Wollschläger), interRaterICC: irr::kappa2 on the Fleiss, Cohen & Everitt
    # (1969) table -> Kappa = 0.429
    res = cohen_kappa(load("fce1969_diagnoses.csv"), **COLS, scale="nominal", n_boot=0)
    assert est(res) == pytest.approx(0.429, abs=5e-4)


def test_cohen_kappa_abstractors_unweighted_and_quadratic():
    data = load("gwet_cont3x3abstractors.csv")
    # irrCAC overview vignette: kappa2.table(cont3x3abstractors) -> 0.7964094
    res = cohen_kappa(data, **COLS, levels=ABSTRACTORS, n_boot=0)
    assert est(res) == pytest.approx(0.7964094, abs=5e-8)
    # irrCAC weighting vignette: kappa2.table(..., weights = quadratic.weights(1:3)) -> 0.8921569
    res = cohen_kappa(data, **COLS, levels=ABSTRACTORS, weights="quadratic", n_boot=0)
    assert res["statistic"].item() == "cohen_kappa_weighted"
    assert est(res) == pytest.approx(0.8921569, abs=5e-8)


def test_cohen_kappa_linear_weights_six_classes():
    # RExRepos (Wollschläger), interRaterICC: irr::kappa2(cbind(tv1, tv2), weight = "equal")
    # -> Kappa = 0.316
    levels = ["<10%", "11-20%", "21-30%", "31-40%", "41-50%", ">50%"]
    res = cohen_kappa(load("rexrepos_tv_6levels.csv"), **COLS, levels=levels, weights="linear",
                      n_boot=0)
    assert est(res) == pytest.approx(0.316, abs=5e-4)


@pytest.mark.parametrize(
    "weights, expected, tol",
    [
        # R irr, as recorded in statsmodels' stats/tests/test_inter_rater.py
        # (test_cohens_kappa_irr): kappa2(anxiety[,2:3]) -> -0.006289308
        ("identity", -0.006289308, 5e-10),
        # kappa2(anxiety[,2:3], "equal") -> 0.1459075
        ("linear", 0.1459075, 5e-8),
        # kappa2(anxiety[,2:3], "squared") -> 0.2520325
        ("quadratic", 0.2520325, 5e-8),
    ],
)
def test_cohen_kappa_irr_anxiety(weights, expected, tol):
    # irr builds the table on the observed scores of raters 2 and 3 (1, 2, 3, 4, 6); on an
    # ordinal scale the weights use the positions of these levels, as irr does.
    data = load("irr_anxiety.csv")
    data = data[data["rater"] != "rater1"]
    res = cohen_kappa(data, **COLS, weights=weights, n_boot=0)
    assert est(res) == pytest.approx(expected, abs=tol)


def test_cohen_kappa_needs_exactly_two_raters():
    res = cohen_kappa(load("krippendorff2011.csv"), **COLS, n_boot=0)
    assert np.isnan(est(res))
    assert "exactement deux évaluateurs" in res["note"].item()
    assert "4 présents" in res["note"].item()


# ---------------------------------------------------------------------------
# Intraclass correlations
# ---------------------------------------------------------------------------

SF_NAMES = ["icc1", "icc2", "icc3", "icc1k", "icc2k", "icc3k"]
# Shrout & Fleiss (1979), Table 4 (data of Table 2): ICC(1,1) .17, ICC(2,1) .29,
# ICC(3,1) .71, ICC(1,4) .44, ICC(2,4) .62, ICC(3,4) .91
SF_TABLE4 = [0.17, 0.29, 0.71, 0.44, 0.62, 0.91]
# R psych::ICC on the same data, printed in RExRepos (Wollschläger), interRaterICC:
# lower bounds -0.133, 0.019, 0.342, -0.884, 0.071, 0.676 (3 decimals) and upper bounds
# 0.72, 0.76, 0.95, 0.91, 0.93, 0.99 (2 decimals)
SF_LOWER = [-0.133, 0.019, 0.342, -0.884, 0.071, 0.676]
SF_UPPER = [0.72, 0.76, 0.95, 0.91, 0.93, 0.99]


def test_icc_shrout_fleiss_1979():
    res = icc(load("shrout_fleiss1979.csv"), **COLS, n_boot=0).set_index("statistic")
    assert list(res.index) == SF_NAMES
    for name, e, lo, hi in zip(SF_NAMES, SF_TABLE4, SF_LOWER, SF_UPPER):
        assert res.loc[name, "estimate"] == pytest.approx(e, abs=5e-3), name
        assert res.loc[name, "ci_low"] == pytest.approx(lo, abs=5e-4), name
        assert res.loc[name, "ci_high"] == pytest.approx(hi, abs=5e-3), name
    assert "plan complet" in res.loc["icc2", "note"]
    assert "exact (loi F" in res.loc["icc2", "note"]


def test_icc_exact_interval_other_confidence_matches_pingouin_formula_at_95():
    mat = ratings_matrix(load("shrout_fleiss1979.csv"), **COLS).to_numpy()
    res = icc(load("shrout_fleiss1979.csv"), **COLS, n_boot=0)
    ci95 = ag_intraclass._icc_exact_ci(mat, res["estimate"].to_numpy(), 0.95)
    assert np.allclose(ci95, res[["ci_low", "ci_high"]].to_numpy(), atol=1e-12)
    res90 = icc(load("shrout_fleiss1979.csv"), **COLS, n_boot=0, confidence=0.90)
    assert np.all(res90["ci_low"] > res["ci_low"]) and np.all(res90["ci_high"] < res["ci_high"])


def _long(mat: np.ndarray) -> pd.DataFrame:
    n, m = mat.shape
    df = pd.DataFrame({"unit": np.repeat(np.arange(n), m), "rater": np.tile(np.arange(m), n),
                       "value": mat.ravel()})
    return df[~np.isnan(df["value"])].reset_index(drop=True)


@pytest.mark.filterwarnings("ignore:The inplace keyword")  # pingouin 0.7 under pandas 3.1
def test_icc_variance_components_reduce_to_shrout_fleiss_on_complete_data():
    # The incomplete-design estimator, applied to a complete design, must give the
    # Shrout & Fleiss ICCs (computed here by pingouin).
    rng = np.random.default_rng(7)
    mat = rng.normal(size=(40, 1)) + rng.normal(size=(1, 5)) * 0.5 + rng.normal(size=(40, 5))
    rt = ag_ratings.prepare(_long(mat), "unit", "rater", "value", "interval", None)
    kernel = ag_intraclass._icc_kernel(rt)(np.ones((1, rt.n)))[0]
    ref = pg.intraclass_corr(_long(mat), targets="unit", raters="rater", ratings="value")
    assert np.allclose(kernel, ref["ICC"].to_numpy(), atol=1e-10)


def test_icc_incomplete_design_recovers_known_variance_components():
    # No published ICC for an incomplete design was found; this checks the Henderson III
    # estimator on a simulated design with known components: sigma2_units = 1,
    # sigma2_raters = 0.25, sigma2_error = 0.5, 40 % of ratings missing.
    # True ICC(2,1) = 1 / 1.75, ICC(3,1) = 1 / 1.5.
    rng = np.random.default_rng(11)
    n, m = 4000, 6
    mat = (rng.normal(0, 1, (n, 1)) + rng.normal(0, 0.5, (1, m)) + rng.normal(0, 0.5**0.5, (n, m)))
    raters_effect_var = np.var(mat.mean(0) - mat.mean(), ddof=1)  # realised rater spread
    mat[rng.random((n, m)) < 0.4] = np.nan
    res = icc(_long(mat), **COLS, n_boot=0).set_index("statistic")
    assert "plan incomplet" in res.loc["icc2", "note"]
    su2, se2 = 1.0, 0.5
    assert res.loc["icc3", "estimate"] == pytest.approx(su2 / (su2 + se2), abs=0.03)
    assert res.loc["icc2", "estimate"] == pytest.approx(
        su2 / (su2 + raters_effect_var + se2), abs=0.04)
    k_h = 1 / np.mean(1 / (~np.isnan(mat)).sum(1)[(~np.isnan(mat)).sum(1) > 0])
    assert res.loc["icc3k", "estimate"] == pytest.approx(su2 / (su2 + se2 / k_h), abs=0.03)


def test_icc_incomplete_bootstrap_weights_equal_duplicated_units():
    # A bootstrap replicate (unit multiplicities w) must equal the estimator applied to
    # the data with each unit copied w times.
    rng = np.random.default_rng(5)
    mat = rng.normal(size=(30, 1)) + rng.normal(size=(30, 4))
    mat[rng.random(mat.shape) < 0.3] = np.nan
    rt = ag_ratings.prepare(_long(mat), "unit", "rater", "value", "interval", None)
    w = rng.integers(0, 3, rt.n).astype(float)
    rows = np.repeat(np.arange(rt.n), w.astype(int))
    dense = ratings_matrix(_long(mat), **COLS).to_numpy()[rows]
    rt_dup = ag_ratings.prepare(_long(dense), "unit", "rater", "value", "interval", None)
    got = ag_intraclass._icc_kernel(rt)(w[None, :])[0]
    want = ag_intraclass._icc_kernel(rt_dup)(np.ones((1, rt_dup.n)))[0]
    assert np.allclose(got, want, atol=1e-10)


def test_icc_not_defined_on_nominal_scale():
    res = icc(load("fleiss1971_diagnoses.csv"), **COLS, scale="nominal", n_boot=0)
    assert res["estimate"].isna().all()
    assert res["note"].str.contains("nominale").all()


# ---------------------------------------------------------------------------
# Kendall's W
# ---------------------------------------------------------------------------


def test_kendall_w_irr_anxiety_corrected_for_ties():
    # DescTools KendallW help page (function ported from irr::kendall):
    # KendallW(anxiety, TRUE) -> 0.5396569
    res = kendall_w(load("irr_anxiety.csv"), **COLS, n_boot=0)
    assert est(res) == pytest.approx(0.5396569, abs=5e-8)


def test_kendall_w_rexrepos_rankings():
    # RExRepos (Wollschläger), interRaterICC: irr::kendall(ratings) -> W = 0.568
    res = kendall_w(load("rexrepos_kendall.csv"), **COLS, n_boot=0)
    assert est(res) == pytest.approx(0.568, abs=5e-4)


def test_kendall_w_needs_complete_units():
    data = pd.DataFrame({"unit": [1, 1, 2, 2, 3, 3], "rater": ["a", "b", "b", "c", "a", "c"],
                         "value": [1, 2, 2, 3, 0, 1]})
    res = kendall_w(data, **COLS, n_boot=0)
    assert np.isnan(est(res))
    assert "tous les évaluateurs" in res["note"].item()


def test_kendall_kernel_matches_pingouin_on_resampled_data():
    # The vectorised bootstrap replicate equals pingouin on the explicitly resampled data.
    rng = np.random.default_rng(2)
    mat = np.clip(rng.integers(0, 4, (60, 1)) + rng.integers(-1, 2, (60, 5)), 0, 3).astype(float)
    rt = ag_ratings.prepare(_long(mat), "unit", "rater", "value", "ordinal", [0, 1, 2, 3])
    stat = ag_kendall.stat_kendall(rt)
    w = np.bincount(rng.integers(0, 60, 60), minlength=60).astype(float)
    rows = np.repeat(np.arange(60), w.astype(int))
    res = pg.friedman(_long(mat[rows]).assign(unit=lambda d: d["unit"].astype(str)),
                      dv="value", within="unit", subject="rater")
    assert stat.kernel(w[None, :])[0] == pytest.approx(res["W"].item(), abs=1e-12)
    assert stat.kernel(np.ones((1, 60)))[0] == pytest.approx(stat.estimate[0], abs=1e-12)


# ---------------------------------------------------------------------------
# Bootstrap kernels agree with the libraries
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("scale", ["nominal", "ordinal", "interval", "ratio"])
def test_alpha_kernel_matches_krippendorff_package_on_resample(scale):
    data = load("krippendorff2011.csv")
    rt = ag_ratings.prepare(data, "unit", "rater", "value", scale, [1, 2, 3, 4, 5])
    stat = ag_coefficients.stat_alpha(rt)
    rng = np.random.default_rng(4)
    w = np.bincount(rng.integers(0, rt.n, rt.n), minlength=rt.n).astype(float)
    counts = ag_ratings.unit_counts(rt).toarray()
    want = krippendorff.alpha(value_counts=np.repeat(counts, w.astype(int), axis=0),
                              value_domain=[1, 2, 3, 4, 5], level_of_measurement=scale)
    assert stat.kernel(w[None, :])[0] == pytest.approx(want, abs=1e-12)
    assert stat.kernel(np.ones((1, rt.n)))[0] == pytest.approx(stat.estimate[0], abs=1e-12)


@pytest.mark.parametrize("weights", ["identity", "linear", "quadratic"])
def test_cohen_kernel_matches_statsmodels_on_resample(weights):
    data = load("rexrepos_tv_6levels.csv")
    levels = ["<10%", "11-20%", "21-30%", "31-40%", "41-50%", ">50%"]
    rt = ag_ratings.prepare(data, "unit", "rater", "value", "ordinal", levels)
    stat = ag_coefficients.stat_cohen(rt, weights)
    rng = np.random.default_rng(8)
    w = np.bincount(rng.integers(0, rt.n, rt.n), minlength=rt.n).astype(float)
    mat = ratings_matrix(data, **COLS, levels=levels).to_numpy().astype(int)
    table = np.zeros((6, 6))
    np.add.at(table, (mat[:, 0], mat[:, 1]), w)
    agree = weight_matrix(np.arange(6), weights)
    want = sm_cohens_kappa(table, weights=1 - agree, return_results=False)
    assert stat.kernel(w[None, :])[0] == pytest.approx(want, abs=1e-12)


# ---------------------------------------------------------------------------
# Weights on the declared scale
# ---------------------------------------------------------------------------


def _top_level_unused() -> pd.DataFrame:
    # Levels 0-3 declared ("Inexistant" .. "Fort"); nobody ever rated 3.
    mat = [[0, 1, 1], [2, 2, 1], [1, 1, 1], [2, 0, 2], [0, 0, 1], [2, 2, 2]]
    return pd.DataFrame([(u, f"j{r}", v) for u, row in enumerate(mat) for r, v in enumerate(row)],
                        columns=["unit", "rater", "value"])


def _ac2_by_hand(mat: np.ndarray, q: int, agree: np.ndarray) -> float:
    """Gwet's AC2 written out from Gwet (2014), eqs. for r_ik, p_a, pi_k and p_e."""
    n = len(mat)
    r = np.array([[np.sum(row == k) for k in range(q)] for row in mat], dtype=float)
    r_i = r.sum(1)
    r_star = r @ agree.T
    pa = np.mean([(r[i] * (r_star[i] - 1)).sum() / (r_i[i] * (r_i[i] - 1)) for i in range(n)])
    pi = (r / r_i[:, None]).mean(0)
    pe = agree.sum() / (q * (q - 1)) * np.sum(pi * (1 - pi))
    return (pa - pe) / (1 - pe)


def test_weights_come_from_declared_levels_not_observed_values():
    data = _top_level_unused()
    mat = ratings_matrix(data, **COLS).to_numpy()
    declared = gwet_ac(data, **COLS, levels=[0, 1, 2, 3], weights="linear", n_boot=0)
    observed = gwet_ac(data, **COLS, weights="linear", n_boot=0)  # levels 0, 1, 2 only
    assert est(declared) == pytest.approx(
        _ac2_by_hand(mat, 4, 1 - np.abs(np.subtract.outer(range(4), range(4))) / 3), abs=1e-12)
    assert est(observed) == pytest.approx(
        _ac2_by_hand(mat, 3, 1 - np.abs(np.subtract.outer(range(3), range(3))) / 2), abs=1e-12)
    assert abs(est(declared) - est(observed)) > 0.01
    assert "4 niveaux déclarés" in declared["note"].item()


def test_text_levels_of_the_grid_are_scored_in_declared_order():
    grid = ["Inexistant", "Faible", "Intermédiaire", "Fort"]
    data = _top_level_unused()
    data["value"] = data["value"].map(dict(enumerate(grid)))
    as_text = gwet_ac(data, **COLS, levels=grid, weights="linear", n_boot=0)
    as_codes = gwet_ac(_top_level_unused(), **COLS, levels=[0, 1, 2, 3], weights="linear",
                       n_boot=0)
    assert est(as_text) == pytest.approx(est(as_codes), abs=1e-12)
    counts = counts_matrix(data, **COLS, levels=grid)
    assert list(counts.columns) == grid
    assert counts["Fort"].sum() == 0


def test_abc_feasibility_levels_order():
    data = pd.DataFrame({"unit": [1, 1, 2, 2, 3, 3], "rater": ["x", "y"] * 3,
                         "value": ["A", "B", "C", "C", "A", "A"]})
    mat = ratings_matrix(data, **COLS, levels=["C", "B", "A"])
    assert mat.to_numpy().tolist() == [[2.0, 1.0], [0.0, 0.0], [2.0, 2.0]]
    # C-A disagreements weigh more than B-A ones under linear weights.
    near = data.assign(value=["A", "B", "C", "C", "A", "A"])
    far = data.assign(value=["A", "C", "C", "C", "A", "A"])
    kw = dict(COLS, levels=["C", "B", "A"], weights="linear", n_boot=0)
    assert est(gwet_ac(near, **kw)) > est(gwet_ac(far, **kw))


def test_weight_matrix_values():
    # Gwet (2014) / irrCAC weighting vignette: linear.weights(1:3) rows 1, 0.5, 0 and
    # quadratic.weights(1:3) rows 1, 0.75, 0.
    assert weight_matrix([1, 2, 3], "linear")[0].tolist() == [1.0, 0.5, 0.0]
    assert weight_matrix([1, 2, 3], "quadratic")[0].tolist() == [1.0, 0.75, 0.0]
    assert weight_matrix([1, 2, 3], "identity").tolist() == np.eye(3).tolist()


# ---------------------------------------------------------------------------
# Bootstrap, incomplete designs, tidy output
# ---------------------------------------------------------------------------


def test_bootstrap_is_seeded_and_brackets_the_estimate():
    data = load("fleiss1971_diagnoses.csv")
    kw = dict(COLS, scale="nominal", n_boot=300)
    a = gwet_ac(data, **kw, seed=1)
    b = gwet_ac(data, **kw, seed=1)
    c = gwet_ac(data, **kw, seed=2)
    assert a[["ci_low", "ci_high"]].equals(b[["ci_low", "ci_high"]])
    assert not a[["ci_low", "ci_high"]].equals(c[["ci_low", "ci_high"]])
    lo, e, hi = a[["ci_low", "estimate", "ci_high"]].iloc[0]
    assert lo < e < hi
    assert "300 rééchantillonnages" in a["note"].item()


def test_no_bootstrap_gives_no_interval_and_says_so():
    res = percent_agreement(load("fleiss1971_diagnoses.csv"), **COLS, scale="nominal", n_boot=0)
    assert res[["ci_low", "ci_high"]].isna().all(axis=None)
    assert "bootstrap non demandé" in res["note"].item()


def test_agreement_table_shape_and_incomplete_design():
    data = load("krippendorff2011.csv")
    tab = agreement_table(data, **COLS, n_boot=200, seed=3)
    assert list(tab.columns) == ["statistic", "estimate", "ci_low", "ci_high", "note"]
    assert tuple(tab["statistic"]) == STATISTICS
    assert tab.attrs["n_units"] == 12
    assert tab.attrs["n_raters"] == 4
    assert tab.attrs["n_ratings"] == 41
    assert tab.attrs["n_missing"] == 7
    t = tab.set_index("statistic")
    # Published values reproduced through the table (Krippendorff 2011; irrCAC):
    assert t.loc["krippendorff_alpha", "estimate"] == pytest.approx(0.815, abs=5e-4)
    assert t.loc["gwet_ac1", "estimate"] == pytest.approx(0.77544, abs=5e-6)
    assert t.loc["fleiss_kappa", "estimate"] == pytest.approx(0.76117, abs=5e-6)
    assert np.isnan(t.loc["cohen_kappa", "estimate"])
    assert "plan incomplet" in t.loc["icc2", "note"]
    assert "4 unités incomplètes écartées" in t.loc["kendall_w", "note"]
    finite = t["estimate"].notna()
    assert (t.loc[finite, "ci_low"] <= t.loc[finite, "estimate"] + 1e-12).all()
    assert (t.loc[finite, "ci_high"] >= t.loc[finite, "estimate"] - 1e-12).all()


def test_agreement_table_two_raters_gives_cohen():
    tab = agreement_table(load("gwet_cont3x3abstractors.csv"), **COLS, levels=ABSTRACTORS,
                          weights="quadratic", n_boot=0).set_index("statistic")
    # irrCAC vignettes: 0.7964094 (unweighted), 0.8921569 (quadratic)
    assert tab.loc["cohen_kappa", "estimate"] == pytest.approx(0.7964094, abs=5e-8)
    assert tab.loc["cohen_kappa_weighted", "estimate"] == pytest.approx(0.8921569, abs=5e-8)


def test_empty_values_are_missing_ratings():
    data = load("krippendorff2011.csv")
    dropped = data[data["value"] != ""]
    a = agreement_table(data, **COLS, n_boot=0)
    b = agreement_table(dropped, **COLS, n_boot=0)
    assert np.allclose(a["estimate"], b["estimate"], equal_nan=True)


def test_french_decimal_comma_is_read_as_a_number():
    data = pd.DataFrame({"unit": [1, 1, 2, 2, 3, 3], "rater": ["a", "b"] * 3,
                         "value": ["1,5", "2", "3", "3,5", "5", "4,5"]})
    mat = ratings_matrix(data, **COLS, scale="interval")
    assert mat.to_numpy().tolist() == [[1.5, 2.0], [3.0, 3.5], [5.0, 4.5]]


# ---------------------------------------------------------------------------
# Input errors
# ---------------------------------------------------------------------------


def test_value_outside_declared_levels_names_row_and_column():
    data = load("krippendorff2011.csv")
    with pytest.raises(AgreementInputError) as err:
        agreement_table(data, **COLS, levels=[1, 2, 3], n_boot=0)
    assert err.value.column == "value"
    assert err.value.position == int(np.flatnonzero(data["value"] == "4")[0])
    assert "hors des niveaux déclarés" in str(err.value)


def test_text_on_numeric_scale_is_refused():
    data = pd.DataFrame({"unit": [1, 1], "rater": ["a", "b"], "value": ["3", "trois"]})
    with pytest.raises(AgreementInputError, match="n'est pas un nombre") as err:
        icc(data, **COLS, scale="interval")
    assert err.value.position == 1


def test_text_on_ordinal_scale_requires_levels():
    data = pd.DataFrame({"unit": [1, 1], "rater": ["a", "b"], "value": ["Fort", "Faible"]})
    with pytest.raises(AgreementInputError, match="ordre des niveaux"):
        gwet_ac(data, **COLS)


def test_single_rater_is_refused():
    data = pd.DataFrame({"unit": [1, 2, 3], "rater": ["a", "a", "a"], "value": [1, 2, 3]})
    with pytest.raises(AgreementInputError, match="au moins deux"):
        agreement_table(data, **COLS)


def test_missing_column_and_duplicate_rating():
    data = pd.DataFrame({"unit": [1, 1, 1], "rater": ["a", "b", "a"], "value": [1, 2, 3]})
    with pytest.raises(AgreementInputError, match="colonne absente"):
        agreement_table(data, unit="dossier", rater="rater", value="value")
    with pytest.raises(AgreementInputError, match="plusieurs fois") as err:
        agreement_table(data, **COLS)
    assert err.value.position == 2


def test_alpha_without_krippendorff_package_on_fine_numeric_scales(monkeypatch):
    # With many distinct values krippendorff.alpha would allocate n x q x q; the sparse
    # coincidence path must give the same value (Krippendorff 2011, example C: .849).
    monkeypatch.setattr(ag_coefficients, "_KRIPPENDORFF_MAX_CELLS", 0)
    res = krippendorff_alpha(load("krippendorff2011.csv"), **COLS, scale="interval", n_boot=0)
    assert est(res) == pytest.approx(0.849, abs=5e-4)
    assert "calcul direct" in res["note"].item()


@pytest.mark.parametrize("n", [1, 7, 120, 1001])
def test_bootstrap_resamples_do_not_depend_on_the_chunk_size(n, monkeypatch):
    # Reference: one draw of n units per replicate, replicate after replicate.
    rng = np.random.default_rng(11)
    expected = np.stack([np.bincount(rng.integers(0, n, size=n), minlength=n) for _ in range(37)]).astype(float)
    for cells in (1, 5 * n, 10**7):  # one replicate per chunk, a few, all at once
        monkeypatch.setattr(ag_bootstrap, "_CHUNK_CELLS", cells)
        got = np.concatenate(list(ag_bootstrap.weight_chunks(n, 37, 11)))
        np.testing.assert_array_equal(got, expected)


def test_bootstrap_resamples_kept_for_the_next_statistic_on_the_same_units():
    ag_bootstrap._LAST.chunks = None
    first = list(ag_bootstrap.weight_chunks(50, 37, 11))
    again = list(ag_bootstrap.weight_chunks(50, 37, 11))
    assert len(first) == len(again) and all(a is b for a, b in zip(first, again))  # not drawn again
    assert not any(w.flags.writeable for w in first)  # shared: no statistic may change them
    other = np.concatenate(list(ag_bootstrap.weight_chunks(50, 37, 12)))
    assert not np.array_equal(other, np.concatenate(first))
    ag_bootstrap._LAST.chunks = None  # drawn afresh: the same resamples
    np.testing.assert_array_equal(np.concatenate(list(ag_bootstrap.weight_chunks(50, 37, 11))), np.concatenate(first))
    unseeded = [np.concatenate(list(ag_bootstrap.weight_chunks(50, 37, None))) for _ in range(2)]
    assert not np.array_equal(*unseeded)  # no seed: never kept


@pytest.mark.parametrize("scale", ["nominal", "ordinal", "interval", "ratio"])
def test_alpha_on_the_coincidence_matrix_is_krippendorffs_to_the_last_bits(scale, monkeypatch):
    # Means of 1 to 4 levels over 300 units: a fine scale, as the grid's dimensions give. The
    # library (krippendorff.alpha) is the reference; the sparse path must agree to rounding.
    rng = np.random.default_rng(5)
    quality = rng.normal(1.5, 0.7, 300)
    rows = [(u, r, float(np.clip(np.rint(quality[u] * 4 + rng.normal(0, 2)), 0, 12)) / 4)
            for u in range(300) for r in "abcde" if rng.random() < 0.85]
    data = pd.DataFrame(rows, columns=["unit", "rater", "value"])
    monkeypatch.setattr(ag_coefficients, "_KRIPPENDORFF_MAX_CELLS", 10**9)
    library = krippendorff_alpha(data, **COLS, scale=scale, n_boot=0)
    monkeypatch.setattr(ag_coefficients, "_KRIPPENDORFF_MAX_CELLS", 0)
    sparse_path = krippendorff_alpha(data, **COLS, scale=scale, n_boot=0)
    assert "bibliothèque krippendorff" in library["note"].item() and "calcul direct" in sparse_path["note"].item()
    assert est(sparse_path) == pytest.approx(est(library), rel=1e-12, abs=1e-14)
