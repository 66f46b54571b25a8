"""The ordinal severities in the reports: a French table beside the linear model, or a sentence saying why not."""

import numpy as np
import pytest

from socinnov.analysis import ordinal_tables
from socinnov.analysis.juror_effects import juror_effects
from socinnov.analysis.ordinal_tables import ordinal_severity
from tests.test_ordinal import simulate


def test_severities_in_logits_beside_levels_with_their_reading():
    rng = np.random.default_rng(1982)
    table, *_ = simulate(rng, erratic=0)
    view = ordinal_severity(table, juror_effects(table).severity)
    t = view.table.set_index("Juré")
    assert len(t) == 8 and t["Sévérité (logits)"].is_monotonic_decreasing
    assert t["Sévérité (logits)"].sum() == pytest.approx(0, abs=0.05)  # shown to two decimals
    # The linear model's effect is positive for a lenient juror: shown as a severity, sign turned.
    linear = juror_effects(table).severity.set_index("juror_id")["effect"]
    assert np.allclose(t["Sévérité (niveaux, modèle linéaire)"], -linear[t.index], atol=0.005)
    assert t.loc["J0", "Lecture"].startswith("notes peu prévisibles")
    assert "1 juré aux notes peu prévisibles" in view.summary and "Peu de données" not in view.summary


def test_few_dossiers_get_a_caveat():
    rng = np.random.default_rng(5)
    table, *_ = simulate(rng, n_dossiers=12)
    view = ordinal_severity(table, juror_effects(table).severity)
    assert len(view.table) == 8 and "Peu de données : 12 dossiers" in view.summary


def test_a_cohort_too_large_is_not_fitted(monkeypatch):
    rng = np.random.default_rng(5)
    table, *_ = simulate(rng, n_dossiers=12)
    monkeypatch.setattr(ordinal_tables, "MAX_DOSSIERS", 10)
    view = ordinal_severity(table, juror_effects(table).severity)
    assert view.table.empty and view.summary.startswith("Modèle ordinal non estimé : 12 dossiers notés")


def test_ratings_all_at_one_level_give_a_sentence():
    rng = np.random.default_rng(5)
    table, *_ = simulate(rng, n_dossiers=12)
    table["level_code"] = 2
    view = ordinal_severity(table, juror_effects(table).severity)
    assert view.table.empty and view.summary.startswith("Modèle ordinal non estimé : les notes")


def test_jurors_in_separate_groups_give_a_sentence():
    rng = np.random.default_rng(5)
    table, *_ = simulate(rng, n_dossiers=20, n_jurors=6, per_dossier=3)
    # Dossiers D000-D009 keep jurors J0-J2 only, the others J3-J5: two groups without a common juror.
    first = table["dossier_id"] < "D010"
    table = table[(first & table["juror_id"].isin(["J0", "J1", "J2"]))
                  | (~first & table["juror_id"].isin(["J3", "J4", "J5"]))]
    view = ordinal_severity(table, juror_effects(table).severity)
    assert view.table.empty and "sans juré commun" in view.summary
