"""The ordinal facets model: the cumulative logit against published estimates, the facets by simulation."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from socinnov.analysis.juror_effects import juror_effects
from socinnov.analysis.ordinal import cumulative_logit, rater_model, severity_comparison

DATA = Path(__file__).parent / "data" / "ordinal"


def test_cumulative_logit_ucla_published_estimates():
    data = pd.read_csv(DATA / "ologit_ucla.csv")
    y = data["apply"].map({"unlikely": 0, "somewhat likely": 1, "very likely": 2}).to_numpy()
    fit = cumulative_logit(y, data[["pared", "public", "gpa"]].to_numpy())
    # MASS::polr on the UCLA IDRE ordinal logistic regression example (see tests/data/ordinal/README.md);
    # polr's quasi-Newton estimates are within 3e-4 of the exact maximum.
    assert fit.coefficients[0] == pytest.approx(1.04769, abs=3e-4)  # pared
    assert fit.coefficients[1] == pytest.approx(-0.05879, abs=3e-4)  # public
    assert fit.coefficients[2] == pytest.approx(0.61594, abs=3e-4)  # gpa
    assert fit.thresholds[0] == pytest.approx(2.2039, abs=7e-4)  # unlikely | somewhat likely
    assert fit.thresholds[1] == pytest.approx(4.2994, abs=7e-4)  # somewhat likely | very likely
    assert fit.coefficient_se == pytest.approx([0.2658, 0.2979, 0.2606], abs=1e-4)  # polr's Std. Error
    assert fit.loglike == pytest.approx(-358.5124, abs=1e-4)  # residual deviance 717.0249 / -2


def simulate(rng, n_dossiers=80, n_jurors=8, per_dossier=3, n_criteria=12, erratic=None, flat=None):
    theta = rng.normal(0, 1.2, n_dossiers)
    severity = rng.normal(0, 0.6, n_jurors)
    severity -= severity.mean()
    difficulty = rng.normal(0, 0.5, n_criteria)
    difficulty -= difficulty.mean()
    tau = np.array([-2.0, 0.0, 2.0])
    jurors = np.argsort(rng.random((n_dossiers, n_jurors)), axis=1)[:, :per_dossier].ravel()
    d = np.repeat(np.repeat(np.arange(n_dossiers), per_dossier), n_criteria)
    j = np.repeat(jurors, n_criteria)
    c = np.tile(np.arange(n_criteria), n_dossiers * per_dossier)
    y = np.searchsorted(tau, theta[d] - severity[j] - difficulty[c] + rng.logistic(size=len(d)))
    if erratic is not None:  # a juror whose levels do not follow the dossiers
        y = np.where(j == erratic, rng.integers(0, 4, len(y)), y)
    if flat is not None:  # a juror who gives the middle levels to everything, by the dossier's side only
        y = np.where(j == flat, np.where(theta[d] > 0, 2, 1), y)
    table = pd.DataFrame({"dossier_id": [f"D{k:03d}" for k in d], "juror_id": [f"J{k}" for k in j],
                          "criterion": [f"C{k:02d}" for k in c], "level_code": y})
    return table, theta, severity, difficulty


def test_known_severities_are_recovered_on_the_logit_scale():
    rng = np.random.default_rng(1989)
    table, theta, severity, difficulty = simulate(rng)
    model = rater_model(table)
    m = model.measures.set_index(["facet", "element"])["measure"]
    se = model.measures.set_index(["facet", "element"])["se"]
    jurors = [("juror", f"J{k}") for k in range(8)]
    z = (m[jurors].to_numpy() - severity) / se[jurors].to_numpy()
    assert np.all(np.abs(z) < 3.5)
    assert m[jurors].sum() == pytest.approx(0, abs=1e-9)  # each facet sums to zero
    crit = [("criterion", f"C{k:02d}") for k in range(12)]
    assert np.corrcoef(m[crit], difficulty)[0, 1] > 0.9
    kept = model.measures[model.measures["facet"] == "dossier"].set_index("element")["measure"]
    truth = pd.Series(theta, index=[f"D{k:03d}" for k in range(80)]).reindex(kept.index)
    assert np.corrcoef(kept, truth)[0, 1] > 0.9
    assert list(model.thresholds["between_levels"]) == ["0|1", "1|2", "2|3"]


def test_fit_statistics_flag_erratic_and_flat_jurors():
    rng = np.random.default_rng(1982)
    table, *_ = simulate(rng, erratic=0, flat=1)
    fit = rater_model(table).measures.query("facet == 'juror'").set_index("element")
    others = fit.drop(["J0", "J1"])
    assert others["infit"].between(0.8, 1.2).all() and others["outfit"].between(0.75, 1.3).all()
    assert fit.loc["J0", "infit"] > 1.3 and fit.loc["J0", "outfit"] > 1.3  # noisier than the model
    assert fit.loc["J1", "infit"] < 0.8  # more predictable than the model


def test_extreme_dossiers_are_set_aside_and_reported():
    rng = np.random.default_rng(7)
    table, *_ = simulate(rng, n_dossiers=30)
    table.loc[table["dossier_id"] == "D000", "level_code"] = 3  # « Fort » on every criterion, by every juror
    table.loc[table["dossier_id"] == "D001", "level_code"] = 0
    model = rater_model(table)
    assert {("dossier", "D000", "maximum"), ("dossier", "D001", "minimum")} <= set(
        model.extreme.itertuples(index=False, name=None))
    assert not model.measures["element"].isin(["D000", "D001"]).any()
    assert np.isfinite(model.measures["measure"]).all()


def test_ordinal_and_linear_severities_agree_in_order():
    rng = np.random.default_rng(11)
    table, *_ = simulate(rng)
    comparison = severity_comparison(rater_model(table), juror_effects(table).severity)
    assert len(comparison) == 8 and comparison["effect_levels"].notna().all()
    assert comparison.attrs["spearman"] > 0.8


def test_one_round_only():
    rng = np.random.default_rng(3)
    table, *_ = simulate(rng, n_dossiers=10)
    with pytest.raises(ValueError, match="une grille et un tour"):
        rater_model(table.assign(round=np.where(np.arange(len(table)) % 2, "individuel", "après débat")))


def test_cumulative_logit_wine_published_estimates():
    # Bitterness of wine (Randall 1989), 72 ratings on 5 levels by 9 judges, as printed in Table 1 of
    # Christensen, R. H. B., "A Tutorial on fitting Cumulative Link Models with the ordinal Package"
    # (ordinal package vignette), fitted there as clm(rating ~ temp + contact) (section 2, summary(fm1)).
    data = pd.read_csv(DATA / "christensen_wine.csv")
    x = np.column_stack([data["temp"].eq("warm"), data["contact"].eq("yes")]).astype(float)
    fit = cumulative_logit(data["rating"].to_numpy() - 1, x)
    assert fit.coefficients == pytest.approx([2.5031, 1.5278], abs=5e-5)  # tempwarm, contactyes
    assert fit.coefficient_se == pytest.approx([0.5287, 0.4766], abs=5e-5)  # their Std. Error
    assert fit.thresholds == pytest.approx([-1.3444, 1.2508, 3.4669, 5.0064], abs=5e-5)  # 1|2 .. 4|5
    assert np.sqrt(np.diag(fit.cov))[:4] == pytest.approx([0.5171, 0.4379, 0.5978, 0.7309], abs=5e-5)
    assert fit.loglike == pytest.approx(-86.49, abs=5e-3)  # logLik -86.49 (AIC 184.98)


def test_facets_model_reproduces_the_published_wine_fit_through_its_facets():
    # The same published fit (Christensen's tutorial, clm(rating ~ temp + contact), section 2), read
    # through the facets layer: temperature as the "dossier" facet, skin contact as the "juror" facet
    # (contact "yes" rates higher: a lenient juror). With two elements and sum-to-zero facets, each
    # measure is half the published treatment contrast, and its standard error half the published one.
    data = pd.read_csv(DATA / "christensen_wine.csv")
    table = pd.DataFrame({"dossier_id": data["temp"], "juror_id": data["contact"], "level_code": data["rating"] - 1})
    model = rater_model(table)
    m = model.measures.set_index(["facet", "element"])
    assert m.at[("dossier", "warm"), "measure"] == pytest.approx(2.5031 / 2, abs=5e-5)  # tempwarm 2.5031
    assert m.at[("dossier", "warm"), "se"] == pytest.approx(0.5287 / 2, abs=5e-5)  # its Std. Error 0.5287
    assert m.at[("juror", "yes"), "measure"] == pytest.approx(-1.5278 / 2, abs=5e-5)  # contactyes 1.5278
    assert m.at[("juror", "no"), "se"] == pytest.approx(0.4766 / 2, abs=5e-5)  # its Std. Error 0.4766
    # Thresholds move by the mean of the two treated cells' shifts: tau_k - (2.5031 + 1.5278) / 2.
    shift = (2.5031 + 1.5278) / 2
    assert model.thresholds["tau"].to_numpy() == pytest.approx(
        np.array([-1.3444, 1.2508, 3.4669, 5.0064]) - shift, abs=1e-4)
    assert model.loglike == pytest.approx(-86.49, abs=5e-3)  # logLik -86.49
    assert list(model.thresholds["between_levels"]) == ["0|1", "1|2", "2|3", "3|4"]
