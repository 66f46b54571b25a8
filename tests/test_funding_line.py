"""The funding line and the D-study as the reports show them, at the sizes a call meets.

The statistics themselves (expected ranks, grey zone, G- and D-study) are tested against
published values in ``test_ranking.py`` and ``test_reliability.py``; here: the sections' tables
and sentences on the hand-written 8-dossier cohort of ``tests/cohorts.py`` (7 eligible dossiers
rated by 3 jurors, one conflict of interest), and their French caveats.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from socinnov.analysis import ranking_tables, reliability
from socinnov.analysis.ranking import ABOVE, BELOW, GREY
from socinnov.call.grids import load_grid
from socinnov.reporting import plots
from tests.cohorts import cohort_tables

GRID = load_grid("acceptabilite", "2016")


def small(stage: str = "decisions"):
    t = cohort_tables(stage)
    codes = {lv.label: lv.code for lv in GRID.levels}
    r = t["ratings"]
    r = r[r["grid"] == GRID.id].assign(level_code=lambda d: d["level"].map(codes).astype("Int64"))
    return r, t.get("decisions"), t["dossiers"]


def test_small_cohort_gets_its_line_with_a_caveat():
    ratings, decisions, dossiers = small()
    line = ranking_tables.funding_line(ratings, GRID, decisions, dossiers=dossiers, seed=1)
    z = line.zone
    assert (line.n_dossiers, line.n_jurors) == (7, 3)
    assert z.attrs["n_fundable"] == 3  # D01, D02, D05 funded (tests/cohorts.py)
    assert set(z["group"]) <= {ABOVE, GREY, BELOW} and len(z) == 7
    text = ranking_tables.ranking_summary_fr(line)
    assert text.startswith("Classement de 7 dossiers notés par 3 jurés (2,9 par dossier en moyenne)")
    assert "Ligne de financement : 3 dossiers financés par le jury" in text
    assert "Peu de données : 7 dossiers, 3 jurés" in text and "trop étroits" in text
    table = ranking_tables.ranking_table_fr(line, decisions)
    assert table.columns.tolist() == ["Dossier", "Jurés", "Niveau moyen (brut)", "Rang attendu",
                                      "Rangs probables (50 %)", "Rangs possibles (90 %)",
                                      "Probabilité d'être financé", "Position", "Décision du jury"]
    assert table.set_index("Dossier").loc["D03", "Jurés"] == 2  # J2 declared a conflict on D03
    fig = plots.caterpillar(z)
    assert fig.alt_text.startswith("Rang attendu de 7 dossiers") and "ligne de financement au rang attendu" in fig.alt_text
    assert sorted(t.get_text() for t in fig.axes[0].get_yticklabels()) == sorted(z["dossier_id"])
    plt.close(fig)


def test_before_the_decisions_the_ranks_come_without_a_line():
    ratings, _, dossiers = small("notation_individuelle")
    line = ranking_tables.funding_line(ratings, GRID, None, dossiers=dossiers, seed=1)
    assert line.zone is not None and np.isnan(line.zone.attrs["funding_line"])
    assert "Pas encore de dossier financé ni d'enveloppe déclarée" in ranking_tables.ranking_summary_fr(line)
    assert "Position" not in ranking_tables.ranking_table_fr(line).columns
    # With the call's envelope, the line is where the aid requested fills it.
    line = ranking_tables.funding_line(ratings, GRID, None, dossiers=dossiers, envelope=60000.0, seed=1)
    assert line.zone.attrs["n_fundable"] >= 1
    assert "enveloppe de 60\u202f000\u00a0€" in ranking_tables.ranking_summary_fr(line)
    plt.close(plots.caterpillar(line.zone))


def test_too_few_ratings_say_so_instead_of_failing():
    ratings, decisions, _ = small()
    one_juror = ratings[ratings["juror_id"] == "J1"]
    line = ranking_tables.funding_line(one_juror, GRID, decisions)
    assert line.zone is None
    assert ranking_tables.ranking_summary_fr(line).startswith("Classement non estimé : 7 dossiers notés")
    assert ranking_tables.ranking_table_fr(line).empty
    plan = reliability.reliability_plan(one_juror, GRID)
    assert plan.g is None and plan.table.empty and plan.summary.startswith("Étude de généralisabilité non faite")


def test_d_study_section_on_the_small_cohort():
    ratings, _, _ = small()
    plan = reliability.reliability_plan(ratings, GRID)
    g = plan.g
    assert (g.n_dossiers, g.n_jurors, g.n_criteria) == (7, 3, 12)
    assert plan.table["n_jurors"].tolist() == list(range(1, 9))
    # Φ grows with the jurors and never passes Eρ² (its error adds the criteria's difficulty).
    assert plan.table["phi"].is_monotonic_increasing and (plan.table["phi"] <= plan.table["erho2"] + 1e-12).all()
    assert plan.summary.startswith("Avec 2,9 jurés par dossier en moyenne et 12 critères, comme dans cet appel "
                                   "(7 dossiers, 3 jurés)")
    assert "Peu de données : 7 dossiers, 3 jurés" in plan.summary
    table = reliability.d_study_fr(plan.table)
    assert table.columns.tolist() == ["Jurés par dossier", "Critères", "Eρ² (classer les dossiers)",
                                      "Φ (situer un dossier sur l'échelle)"]
    assert len(reliability.g_study_fr(g)) == 7
    fig = plots.d_study_chart(plan.table, current=g.jurors_per_dossier)
    assert fig.alt_text.startswith("Fiabilité du score moyen d'un dossier selon le nombre de jurés, de 1 à 8")
    plt.close(fig)


def test_negative_component_and_jurors_needed_are_told():
    # Brennan (2001) synthetic data set 1 (p x i; see test_reliability.py) has no negative
    # component; a planted one is simulated here: no dossier x juror interaction, few dossiers.
    comps = pd.DataFrame({"effect": ["p", "r", "i", "pr", "pi", "ri", "pri,e"],
                          "variance": [0.20, 0.04, 0.04, -0.02, 0.22, 0.001, 0.22]})
    comps["share"] = comps["variance"].clip(lower=0) / comps["variance"].clip(lower=0).sum()
    g = reliability.GStudy(components=comps, n_dossiers=110, n_jurors=9, n_criteria=12, n_ratings=4400,
                           jurors_per_dossier=3.4)
    text = reliability.d_study_summary_fr(g)
    assert "Composante(s) estimée(s) négative(s) : dossier × juré (-0,020)" in text
    assert "comptée pour zéro dans l'étude de décision (Brennan 2001, § 3.4)" in text
    assert f"Φ ≥ 0,80 à partir de {reliability.jurors_needed(g)} juré" in text
    none = reliability.GStudy(components=comps.assign(variance=[0.0, 0.04, 0.04, 0.0, 0.22, 0.0, 0.22]),
                              n_dossiers=110, n_jurors=9, n_criteria=12, n_ratings=4400, jurors_per_dossier=3.4)
    assert reliability.d_study_summary_fr(none).startswith("La variance entre dossiers est estimée nulle")


@pytest.mark.parametrize("n", [30, 200])
def test_caterpillar_reads_at_every_size(n):
    rng = np.random.default_rng(n)
    er = np.sort(rng.uniform(1, n, n))
    zone = pd.DataFrame({"dossier_id": [f"D{i:04d}" for i in range(n)], "expected_rank": er,
                         "rank_low": er - 2, "rank_high": er + 2, "rank_low_outer": er - 5, "rank_high_outer": er + 5})
    k = n // 6
    zone["group"] = np.where(np.arange(n) < k - 2, ABOVE, np.where(np.arange(n) < k + 3, GREY, BELOW))
    zone.attrs.update(funding_line=float(er[k - 1]), n_fundable=k)
    fig = plots.caterpillar(zone)
    assert fig.get_size_inches()[1] <= 16
    if n > plots.CATERPILLAR_MAX:
        assert "seuls les" in fig.alt_text and "autour de la ligne" in fig.alt_text
    plt.close(fig)


def test_jury_and_committee_copies_get_the_same_ranks():
    # The committee's copy: same rows, dossiers under pseudonyms that sort in another order.
    ratings, decisions, _ = small()
    alias = {d: f"P-{9 - int(d[1:]):02d}" for d in ratings["dossier_id"].unique()}
    named = ranking_tables.funding_line(ratings, GRID, decisions, seed=4).zone
    pseudo = ranking_tables.funding_line(ratings.assign(dossier_id=ratings["dossier_id"].map(alias)), GRID,
                                         decisions.assign(dossier_id=decisions["dossier_id"].map(alias)), seed=4).zone
    assert pseudo["dossier_id"].tolist() == named["dossier_id"].map(alias).tolist()
    for column in ("expected_rank", "rank_low_outer", "rank_high_outer", "p_funded", "group"):
        assert pseudo[column].tolist() == named[column].tolist(), column
