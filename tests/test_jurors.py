"""Juror effects on designs whose answer is known."""

import numpy as np
import pandas as pd
import pytest

from socinnov.analysis.juror_effects import (
    DisconnectedDesignWarning,
    decision_changes,
    design_components,
    juror_effects,
)


def simulated(seed=1, n_dossiers=120, n_jurors=9, per_dossier=4):
    rng = np.random.default_rng(seed)
    severity = rng.normal(0, 0.4, n_jurors)
    severity -= severity.mean()
    quality = rng.normal(1.5, 0.6, n_dossiers)
    rows = [(f"D{d:03d}", f"J{j}", quality[d] + severity[j] + rng.normal(0, 0.5))
            for d in range(n_dossiers) for j in rng.choice(n_jurors, per_dossier, replace=False) for _ in range(12)]
    return pd.DataFrame(rows, columns=["dossier_id", "juror_id", "level_code"]), severity, quality


def test_known_severities_are_recovered_within_their_uncertainty():
    data, severity, _ = simulated()
    fit = juror_effects(data)
    est = fit.severity.set_index("juror_id").loc[[f"J{j}" for j in range(9)]]
    assert est["effect"].sum() == pytest.approx(0, abs=1e-9)  # sum-to-zero coding
    z = (est["effect"].to_numpy() - severity) / est["se"].to_numpy()
    assert np.all(np.abs(z) < 3.5)
    assert np.all((est["ci_low"] < est["effect"]) & (est["effect"] < est["ci_high"]))
    assert fit.n_components == 1


def test_adjusted_scores_remove_the_jurors_severity():
    data, _, quality = simulated(seed=3)
    fit = juror_effects(data)
    adj = fit.adjusted.set_index("dossier_id").loc[[f"D{d:03d}" for d in range(120)]]
    err_raw = np.abs(adj["raw_score"] - quality - (adj["raw_score"] - quality).mean())
    err_adj = np.abs(adj["adjusted_score"] - quality - (adj["adjusted_score"] - quality).mean())
    assert err_adj.mean() < 0.7 * err_raw.mean()


def test_disconnected_design_is_detected_and_warned():
    a, _, _ = simulated(seed=4, n_dossiers=20, n_jurors=4, per_dossier=2)
    b = a.assign(dossier_id="E" + a["dossier_id"], juror_id="K" + a["juror_id"])
    both = pd.concat([a, b])
    assert design_components(both).nunique() == 2
    with pytest.warns(DisconnectedDesignWarning, match="2 groupes de jurés et de dossiers sans juré commun"):
        fit = juror_effects(both)
    assert fit.n_components == 2


def test_decision_changes_lists_who_enters_and_who_leaves():
    adjusted = pd.DataFrame({"dossier_id": ["A", "B", "C", "D"], "raw_score": [3.0, 2.0, 1.9, 1.0],
                             "adjusted_score": [3.0, 1.8, 2.1, 1.0]})
    out = decision_changes(adjusted, n_selected=2)
    assert out.to_dict("records") == [
        {"dossier_id": "C", "raw_rank": 3, "adjusted_rank": 2, "change": "entre"},
        {"dossier_id": "B", "raw_rank": 2, "adjusted_rank": 3, "change": "sort"},
    ]
    assert decision_changes(adjusted.assign(adjusted_score=adjusted["raw_score"]), n_selected=2).empty


@pytest.mark.parametrize("seed, n_dossiers, n_jurors, per_dossier", [(5, 60, 6, 3), (6, 40, 8, 2)])
def test_closed_form_fit_is_statsmodels_mixedlm(seed, n_dossiers, n_jurors, per_dossier):
    # The closed-form REML fit must give what statsmodels' MixedLM gives on the same model:
    # dossier random intercepts, sum-coded juror fixed effects, REML.
    import statsmodels.api as sm

    data, _, _ = simulated(seed=seed, n_dossiers=n_dossiers, n_jurors=n_jurors, per_dossier=per_dossier)
    data = data.sample(frac=0.9, random_state=seed)  # some (dossier, juror) pairs rated on fewer criteria
    fit = juror_effects(data)
    dj = data.groupby(["dossier_id", "juror_id"], as_index=False)["level_code"].mean()
    jurors = sorted(dj["juror_id"].unique())
    code = dj["juror_id"].map({j: i for i, j in enumerate(jurors)}).to_numpy()
    k = len(jurors) - 1
    x = np.zeros((len(dj), k + 1))
    x[:, 0] = 1.0
    for i in range(k):
        x[:, 1 + i] = np.where(code == i, 1.0, np.where(code == k, -1.0, 0.0))
    ref = sm.MixedLM(dj["level_code"].to_numpy(), x, groups=dj["dossier_id"].to_numpy()).fit(reml=True)
    contrast = np.vstack([np.eye(k), -np.ones((1, k))])
    effect = contrast @ ref.fe_params[1:]
    se = np.sqrt(np.diag(contrast @ ref.cov_params()[1:k + 1, 1:k + 1] @ contrast.T))
    got = fit.severity.set_index("juror_id").loc[jurors]
    np.testing.assert_allclose(got["effect"], effect, atol=1e-5)
    np.testing.assert_allclose(got["se"], se, rtol=1e-4)
    assert fit.dossier_variance == pytest.approx(float(np.asarray(ref.cov_re)[0, 0]), rel=1e-3)
    assert fit.residual_variance == pytest.approx(float(ref.scale), rel=1e-4)
