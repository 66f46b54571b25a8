"""Generalisability theory against Brennan's (2001) published worked examples, then by simulation."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from socinnov.analysis.reliability import (
    GStudy,
    d_study,
    g_study,
    henderson_components,
    jurors_needed,
)

DATA = Path(__file__).parent / "data" / "gtheory"


def components(table):
    return table.set_index("effect")["variance"]


def test_balanced_p_x_i_brennan_synthetic_data_set_1():
    data = pd.read_csv(DATA / "brennan2001_synthetic1_pxi.csv")
    out = henderson_components(data, ["p", "i"], facets={"p": "p", "i": "i"}, response="score").set_index("effect")
    # T terms and variance components: Brennan (2001), ch. 2, Synthetic Data Set No. 1.
    assert out.at["p", "T"] == pytest.approx(44.75)
    assert out.at["i", "T"] == pytest.approx(47.10)
    assert out.at["residual", "T"] == pytest.approx(67.00)
    assert out.at["p", "variance"] == pytest.approx(0.0574, abs=5e-5)
    assert out.at["i", "variance"] == pytest.approx(0.0754, abs=5e-5)
    assert out.at["residual", "variance"] == pytest.approx(0.1269, abs=5e-5)  # s2(pi,e)


def test_p_x_i_d_study_brennan_synthetic_data_set_1():
    # A p x i design is the jury design with one juror: s2(pi,e) goes to the criterion interaction.
    # Published components (Brennan 2001, ch. 2, Synthetic Data Set No. 1): p .0574, i .0754, pi,e .1269.
    comps = pd.DataFrame({"effect": ["p", "r", "i", "pr", "pi", "ri", "pri,e"],
                          "variance": [0.0574, 0, 0.0754, 0, 0.1269, 0, 0]})
    g = GStudy(components=comps, n_dossiers=10, n_jurors=1, n_criteria=12, n_ratings=120, jurors_per_dossier=1)
    row = d_study(g, n_jurors=[1]).iloc[0]
    assert row["erho2"] == pytest.approx(0.844, abs=5e-4)  # Brennan (2001), ch. 2: E rho^2 = .844, n'_i = 12
    assert row["phi"] == pytest.approx(0.773, abs=5e-4)  # Brennan (2001), ch. 2: Phi = .773, n'_i = 12


def brennan3_as_a_jury():
    # Occasions play the jurors, items the criteria: a fully crossed p x r x i design.
    data = pd.read_csv(DATA / "brennan2001_synthetic3_pxixo.csv")
    return data.rename(columns={"p": "dossier_id", "o": "juror_id", "i": "criterion", "score": "level_code"})


def test_crossed_g_study_brennan_synthetic_data_set_3():
    g = g_study(brennan3_as_a_jury())
    v = components(g.components)
    # Variance components: Brennan (2001), ch. 3, Synthetic Data Set No. 3 (p x i x o).
    assert v["p"] == pytest.approx(0.5528, abs=5e-5)
    assert v["i"] == pytest.approx(0.4417, abs=5e-5)
    assert v["r"] == pytest.approx(0.0074, abs=5e-5)  # s2(o)
    assert v["pi"] == pytest.approx(0.5750, abs=5e-5)
    assert v["pr"] == pytest.approx(0.1009, abs=5e-5)  # s2(po)
    assert v["ri"] == pytest.approx(0.1565, abs=5e-5)  # s2(io)
    assert v["pri,e"] == pytest.approx(0.9352, abs=5e-5)  # s2(pio,e)
    assert (g.n_dossiers, g.n_jurors, g.n_criteria, g.n_ratings) == (10, 2, 4, 80)


def test_crossed_d_study_brennan_synthetic_data_set_3():
    g = g_study(brennan3_as_a_jury())
    row = d_study(g, n_jurors=[2], n_criteria=[4], design="crossed").iloc[0]
    assert row["erho2"] == pytest.approx(0.64, abs=5e-3)  # Brennan (2001), ch. 3-4: E rho^2 = .64 (n'_i 4, n'_o 2)
    assert row["phi"] == pytest.approx(0.55, abs=5e-3)  # Brennan (2001), ch. 3-4: Phi = .55 (n'_i 4, n'_o 2)


def test_unbalanced_nested_design_brennan_chapter_7():
    data = pd.read_csv(DATA / "brennan2001_unbalanced_pxih.csv")
    out = henderson_components(data, ["p", "h", "hi", "ph"], facets={"p": "p", "h": "h", "i": "i"},
                               response="score").set_index("effect")
    # T terms: Brennan (2001), ch. 7, unbalanced p x (i:h) synthetic data (analogous-T method).
    for effect, t in {"p": 1390.0, "h": 1424.0, "hi": 1440.0, "ph": 1564.5, "residual": 1610.0, "mean": 1296.0}.items():
        assert out.at[effect, "T"] == pytest.approx(t)
    # Variance components: Brennan (2001), ch. 7, same example.
    assert out.at["p", "variance"] == pytest.approx(1.2014, abs=5e-5)
    assert out.at["h", "variance"] == pytest.approx(2.9161, abs=5e-5)
    assert out.at["hi", "variance"] == pytest.approx(0.2946, abs=5e-5)  # s2(i:h)
    # Printed .9913; the analogous-T equations, whose T terms are matched exactly above and whose other
    # four components agree to the printed digit, give 0.99143: the printed value differs in its last digit.
    assert out.at["ph", "variance"] == pytest.approx(0.9913, abs=1.5e-4)
    assert out.at["residual", "variance"] == pytest.approx(0.8429, abs=5e-5)  # s2(pi:h,e)


TRUE = {"p": 0.30, "r": 0.10, "i": 0.15, "pr": 0.08, "pi": 0.12, "ri": 0.05, "pri,e": 0.40}


def simulate_jury(rng, n_dossiers=150, n_jurors=12, n_criteria=12, per_dossier=3, missing=0.03):
    """Each dossier rated by ``per_dossier`` of ``n_jurors`` jurors on every criterion, a few ratings missing."""
    sd = {k: np.sqrt(v) for k, v in TRUE.items()}
    p = rng.normal(0, sd["p"], n_dossiers)
    r = rng.normal(0, sd["r"], n_jurors)
    i = rng.normal(0, sd["i"], n_criteria)
    pr = rng.normal(0, sd["pr"], (n_dossiers, n_jurors))
    pi = rng.normal(0, sd["pi"], (n_dossiers, n_criteria))
    ri = rng.normal(0, sd["ri"], (n_jurors, n_criteria))
    dd, jj, cc = [], [], []
    for d in range(n_dossiers):
        for j in rng.choice(n_jurors, per_dossier, replace=False):
            dd += [d] * n_criteria
            jj += [j] * n_criteria
            cc += list(range(n_criteria))
    dd, jj, cc = map(np.asarray, (dd, jj, cc))
    y = 2 + p[dd] + r[jj] + i[cc] + pr[dd, jj] + pi[dd, cc] + ri[jj, cc] + rng.normal(0, sd["pri,e"], len(dd))
    keep = rng.random(len(dd)) > missing
    table = pd.DataFrame({"dossier_id": dd, "juror_id": jj, "criterion": cc, "level_code": y})[keep]
    return table, p, pd.Series(y[keep]).groupby(dd[keep]).mean().to_numpy()


def test_incomplete_design_components_are_recovered_without_bias():
    # Henderson's method is unbiased on unbalanced designs: the mean over replicates is near the truth.
    rng = np.random.default_rng(2001)
    estimates = pd.DataFrame([components(g_study(simulate_jury(rng)[0]).components) for _ in range(25)])
    for effect, value in TRUE.items():
        se = estimates[effect].std() / np.sqrt(len(estimates))
        assert abs(estimates[effect].mean() - value) < 4 * se + 0.01, effect


def test_nested_d_study_predicts_the_observed_reliability():
    # E rho^2 is the expected squared correlation between observed and universe scores (Brennan 2001,
    # §2.3.1): with each dossier rated by its own 3 jurors, the squared correlation of the dossiers'
    # mean scores with their true effects, over many dossiers, must match the nested D-study at n'_r = 3.
    rng = np.random.default_rng(1953)
    table, true_p, means = simulate_jury(rng, n_dossiers=3000, n_jurors=40, missing=0.0)
    g = g_study(table)
    predicted = d_study(g, n_jurors=[3], design="nested").iloc[0]["erho2"]
    observed = np.corrcoef(means, true_p)[0, 1] ** 2
    assert predicted == pytest.approx(observed, abs=0.03)
    exact = TRUE["p"] / (TRUE["p"] + (TRUE["r"] + TRUE["pr"]) / 3 + TRUE["pi"] / 12
                         + (TRUE["ri"] + TRUE["pri,e"]) / 36)
    assert predicted == pytest.approx(exact, abs=0.03)


def test_d_study_shape_and_jurors_needed():
    g = g_study(brennan3_as_a_jury())
    table = d_study(g, n_criteria=[2, 4, 8])
    assert list(table["n_jurors"].unique()) == list(range(1, 9)) and len(table) == 24
    assert (table["phi"] <= table["erho2"]).all()
    assert table.groupby("n_criteria")["phi"].apply(lambda s: s.is_monotonic_increasing).all()
    needed = jurors_needed(g, target=0.6, n_criteria=4, coefficient="erho2", design="crossed")
    crossed = d_study(g, n_jurors=range(1, 20), n_criteria=[4], design="crossed").set_index("n_jurors")["erho2"]
    assert crossed[needed] >= 0.6 > crossed[needed - 1]
    # Phi cannot pass s2p / (s2p + s2i / n'_i + s2pi / n'_i) however many jurors: .5528 / (.5528 + 1.0167 / 4) < .8
    assert jurors_needed(g, target=0.80, n_criteria=4) is None


def test_g_study_refuses_mixed_rounds():
    data = brennan3_as_a_jury().assign(round=lambda d: np.where(d["juror_id"] == 1, "individuel", "après débat"))
    with pytest.raises(ValueError, match="une grille et un tour"):
        g_study(data)
