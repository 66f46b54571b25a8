"""Reports at the size of a national call (issue 14): 80 jurors, 1 400 funded experiments, 7 000
divergent dossiers, tables of hundreds of rows. Figures keep a bounded size with every label
inside, alternative texts summarise in at most ``scale.ALT_MAX`` characters while giving the
numbers that matter, long lists become a summary, the first rows and the whole list as CSV."""

from __future__ import annotations

import base64
import io
import re
from types import SimpleNamespace

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from socinnov import fr
from socinnov.analysis import followup
from socinnov.call.grids import load_grid
from socinnov.reporting import debate_sheets, display, followup_plots, jury_plots, plots, scale
from socinnov.reporting.kernels import AUDIENCE_ENV
from tests.test_plots import pairwise, rendered

ACC = load_grid("acceptabilite", "2016")
FEAS = load_grid("faisabilite", "2016")
DPI = 110  # display.figure_html's


def severity(n: int, *, seed: int = 0, ids=None) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    effect = rng.normal(0, 0.2, n)
    half = rng.uniform(0.02, 0.15, n)
    return pd.DataFrame({"juror_id": ids or [f"J{j:03d}" for j in range(1, n + 1)], "effect": effect,
                         "ci_low": effect - half, "ci_high": effect + half})


def inside(fig) -> None:
    """Everything the figure draws lies within it (a cut label sticks out of the figure's box)."""
    renderer = rendered(fig)
    box, frame = fig.get_tightbbox(renderer), fig.bbox_inches
    assert box.x0 >= -0.01 and box.y0 >= -0.01, box
    assert box.x1 <= frame.x1 + 0.01 and box.y1 <= frame.y1 + 0.01, (box, frame)


def tick_labels(fig) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.get_yticklabels() if t.get_text()]


# ---------------------------------------------------------------------------
# Juror figures at 80 jurors
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("n, wide", [(9, False), (25, False), (80, False), (80, True), (200, False)])
def test_severity_figure_height_is_bounded_and_nothing_is_cut(n, wide):
    """One column up to 25 jurors, then up to three: at 80 jurors 1 100 px tall instead of 3 212,
    every juror still labelled, the axis label and the comité's wide pseudonyms inside."""
    ids = [f"J-{j:010d}" for j in range(n)] if wide else None
    fig = plots.severity_forest(severity(n, ids=ids))
    width, height = fig.get_size_inches() * DPI
    assert height <= scale.MAX_HEIGHT * DPI and width <= 1100
    assert len(fig.axes) == min(3, -(-n // scale.MAX_ROWS))
    assert sorted(tick_labels(fig)) == sorted(ids or [f"J{j:03d}" for j in range(1, n + 1)])
    inside(fig)
    plt.close(fig)


def test_severity_columns_read_from_the_most_lenient_to_the_most_severe():
    d = severity(80, seed=4)
    fig = plots.severity_forest(d)
    order = d.sort_values("effect", ascending=False)["juror_id"].tolist()
    drawn = []
    for ax in fig.axes:  # top to bottom, column after column
        ticks = sorted(zip(ax.get_yticks(), (t.get_text() for t in ax.get_yticklabels())), reverse=True)
        drawn += [t for _, t in ticks]
    assert drawn == order
    plt.close(fig)


def test_severity_alt_text_summarises_80_jurors():
    d = severity(80, seed=1)
    fig = plots.severity_forest(d)
    alt = fig.alt_text
    severe, lenient = d.loc[d["effect"].idxmin()], d.loc[d["effect"].idxmax()]
    apart = int(((d["ci_high"] < 0) | (d["ci_low"] > 0)).sum())
    assert len(alt) <= scale.ALT_MAX
    assert alt.startswith("Sévérité des 80 jurés")
    assert f"{fr.number(severe.effect, 2)} ({severe.juror_id}, le plus sévère)" in alt
    assert f"{fr.number(lenient.effect, 2)} ({lenient.juror_id}, le plus indulgent)" in alt
    assert f"{apart} jurés dont l'intervalle de confiance exclut 0" in alt
    plt.close(fig)
    small = plots.severity_forest(severity(5))  # a small jury's text still gives every juror
    assert all(j in small.alt_text for j in ("J001", "J002", "J003", "J004", "J005"))
    plt.close(small)


def test_pairwise_agreement_at_80_jurors_is_one_labelled_row_per_juror():
    """Chosen design: past HEATMAP_MAX_JURORS, each juror's median agreement with the others and
    its 10th-90th percentiles, the least agreeing juror first, every juror labelled at a legible
    size, instead of an 80 x 80 map labelling one juror in four."""
    pw = pairwise(80, missing=0.1, seed=3)
    pw.loc[pw["juror_a"] == "J042", "agreement"] -= 0.3  # one juror agrees less with everybody
    pw.loc[pw["juror_b"] == "J042", "agreement"] -= 0.3
    fig = plots.pairwise_heatmap(pw)
    assert 80 > jury_plots.HEATMAP_MAX_JURORS
    labels = tick_labels(fig)
    assert sorted(labels) == [f"J{j:03d}" for j in range(1, 81)]  # every juror, once
    first = fig.axes[0]
    top = max(zip(first.get_yticks(), (t.get_text() for t in first.get_yticklabels())))
    assert top[1] == "J042"  # the least agreeing juror reads first
    assert all(t.get_fontsize() >= 8 for ax in fig.axes for t in ax.get_yticklabels())
    assert fig.get_size_inches()[1] * DPI <= scale.MAX_HEIGHT * DPI
    median = pw[pw["juror_a"] == "J042"]["agreement"].median()
    assert len(fig.alt_text) <= scale.ALT_MAX
    assert "80 jurés" in fig.alt_text and f"{fr.percent(median)} (J042, le moins en accord)" in fig.alt_text
    assert "la paire la moins en accord : J042" in fig.alt_text
    inside(fig)
    plt.close(fig)


def test_heatmap_up_to_40_jurors_labels_every_juror():
    fig = plots.pairwise_heatmap(pairwise(jury_plots.HEATMAP_MAX_JURORS))
    ax = fig.axes[0]
    assert len([t for t in ax.get_xticklabels() if t.get_text()]) == jury_plots.HEATMAP_MAX_JURORS
    assert len([t for t in ax.get_yticklabels() if t.get_text()]) == jury_plots.HEATMAP_MAX_JURORS
    plt.close(fig)


# ---------------------------------------------------------------------------
# Alternative texts of the other figures at a national size
# ---------------------------------------------------------------------------


def criterion_scores(n_projects: int, grid=ACC, seed: int = 0) -> pd.DataFrame:
    """Re-assessment scores of ``n_projects`` experiments on every criterion of ``grid``."""
    rng = np.random.default_rng(seed)
    waves = np.array([0, 6, 12, 18, 24])
    crits = grid.criteria
    pid = np.repeat(np.arange(n_projects), len(waves) * len(crits))
    wave = np.tile(np.repeat(waves, len(crits)), n_projects)
    crit = np.tile(np.arange(len(crits)), n_projects * len(waves))
    score = np.clip(np.round(1.5 + wave / 24 * 0.5 * (1 + crit / len(crits)) + rng.normal(0, 0.7, len(pid))), 0, 3)
    return pd.DataFrame({"dossier_id": [f"P{i:04d}" for i in pid], "wave_month": wave, "years": wave / 12,
                         "months": wave, "source": "chargé de mission",
                         "group": [crits[c].id for c in crit], "group_label": [crits[c].label for c in crit],
                         "score": score, "n_ratings": 1})


def test_follow_up_alt_texts_at_1400_experiments_name_their_number():
    scores = criterion_scores(1400)
    fig = followup_plots.trajectories(scores, followup.wave_means(scores), levels=ACC.level_labels)
    n = fr.number(1400)
    assert len(fig.alt_text) <= scale.ALT_MAX, fig.alt_text
    assert f"la dispersion des {n} expérimentations" in fig.alt_text and "12 dimensions ou critères" in fig.alt_text
    assert "de 0 à 24 mois" in fig.alt_text
    plt.close(fig)
    rng = np.random.default_rng(1)
    long = pd.DataFrame([(f"P{i:04d}", k, v, w, float(rng.gamma(2, 10)))
                         for i in range(1400) for k, v in followup.INDICATORS.items() for w in (0, 12, 24)],
                        columns=["dossier_id", "indicator", "indicator_label", "wave_month", "value"])
    fig = followup_plots.indicator_lines(long, followup.indicator_summary(long))
    assert len(fig.alt_text) <= scale.ALT_MAX, fig.alt_text
    assert f"la dispersion des {n} expérimentations" in fig.alt_text and "à 24 mois" in fig.alt_text
    plt.close(fig)


def test_grid_figures_summarise_the_fifteen_feasibility_items():
    """The feasibility items' labels run to 150 characters: 1 343 characters listed one by one."""
    items = FEAS.criteria
    k = len(items)
    shares = np.linspace(0.2, 0.8, k)
    dist = pd.DataFrame({"label": [c.label for c in items], "worded_as_risk": False, "if_relevant": False,
                         "relevant_share": np.nan, "share_A": shares, "share_B": (1 - shares) / 2,
                         "share_C": (1 - shares) / 2})
    fig = plots.feasibility_levels_chart(dist)
    assert len(fig.alt_text) <= scale.ALT_MAX and f"({k} items)" in fig.alt_text
    assert "de 20\u00a0% (" in fig.alt_text and "à 80\u00a0% (" in fig.alt_text
    auc = np.linspace(0.6, 0.8, k)
    disc = pd.DataFrame({"criterion_label": [c.label for c in items], "odds_ratio": 2.0, "ci_low": 1.5,
                         "ci_high": 2.5, "discriminates": True, "auc": auc})
    fig2 = plots.odds_ratio_forest(disc, outcome="d'être financé")
    assert len(fig2.alt_text) <= scale.ALT_MAX and f"{k} critère(s) sur {k}" in fig2.alt_text
    assert "de 0,60 (" in fig2.alt_text and "à 0,80 (" in fig2.alt_text
    rows = [("critère", c.label, e) for c, e in zip(ACC.criteria, np.linspace(0.4, 0.7, 12))]
    rows += [("ensemble", "Ensemble de la grille", 0.88)]
    agreement = pd.DataFrame(rows, columns=["level", "group_label", "estimate"]).assign(
        statistic="krippendorff_alpha", statistic_label="Alpha de Krippendorff", ci_low=lambda d: d.estimate - 0.05,
        ci_high=lambda d: d.estimate + 0.05)
    fig3 = plots.agreement_forest(agreement)
    low = int((agreement.query("level == 'critère'")["estimate"] < 0.667).sum())
    assert len(fig3.alt_text) <= scale.ALT_MAX and "(12 critères)" in fig3.alt_text
    assert f"{fr.count(low, 'critère')} sous 0,667" in fig3.alt_text and "Ensemble de la grille 0,88" in fig3.alt_text
    plt.close("all")


def test_alt_text_keeps_the_full_list_while_it_is_short():
    assert scale.alt_text("court", "résumé") == "court"
    assert scale.alt_text("x" * (scale.ALT_MAX + 1), lambda: "résumé") == "résumé"
    cut = scale.alt_text("x" * (scale.ALT_MAX + 1), "mot " * 200)
    assert len(cut) <= scale.ALT_MAX and cut.endswith("…")


# ---------------------------------------------------------------------------
# Long tables
# ---------------------------------------------------------------------------


def ineligible(n: int) -> pd.DataFrame:
    return pd.DataFrame({"Dossier": [f'<a href="x/D{i:05d}.html">D{i:05d}</a>' for i in range(n)],
                         "Motifs": ["Montant « trop » élevé ; siret"] * n, "Part": np.full(n, 0.25)})


def embedded_csv(markup: str) -> pd.DataFrame:
    data = re.search(r'href="data:text/csv;charset=utf-8;base64,([^"]+)"', markup).group(1)
    return pd.read_csv(io.BytesIO(base64.b64decode(data)), sep=";", decimal=",", encoding="utf-8-sig")


def test_long_table_shows_its_first_rows_and_embeds_the_whole_csv():
    markup = display.long_table_html(ineligible(836), name="dossiers-ineligibles")
    assert markup.count("<tr") == 1 + display.SHOWN_ROWS  # the header and the first rows
    assert "… et 816 autres lignes (836 en tout)" in markup
    assert 'download="dossiers-ineligibles.csv"' in markup
    full = embedded_csv(markup)
    assert len(full) == 836 and full["Dossier"].iloc[-1] == "D00835"  # the link's text, not its markup
    assert full["Part"].iloc[0] == 0.25 and full["Motifs"].iloc[0] == "Montant « trop » élevé ; siret"
    assert 'download="dossier-motifs-part.csv"' in display.long_table_html(ineligible(836))


@pytest.mark.parametrize("audience, rows", [("jury", display.SHOWN_ROWS), ("comite", display.SHOWN_ROWS),
                                            ("public", 836)])
def test_table_is_shortened_for_the_row_level_audiences_only(monkeypatch, audience, rows):
    shown = []
    monkeypatch.setattr(display, "display", lambda obj: shown.append(obj.data))
    monkeypatch.setenv(AUDIENCE_ENV, audience)
    display.table(ineligible(836))
    display.table(ineligible(display.LONG_TABLE))  # at the limit: whole
    assert shown[0].count("<tr") - 1 == rows and ("base64" in shown[0]) == (audience != "public")
    assert shown[1].count("<tr") - 1 == display.LONG_TABLE


# ---------------------------------------------------------------------------
# Debate sheets of a national cohort
# ---------------------------------------------------------------------------


def divergent_cohort(n: int, audience: str, name: str = "national") -> SimpleNamespace:
    """``n`` dossiers rated by three jurors; dossier i diverges (Inexistant against Fort) on
    ``i % 4 + 1`` criteria, the others agree."""
    crits = [c.id for c in ACC.criteria[:4]]
    dossier = np.repeat([f"D{i:05d}" for i in range(n)], 3 * len(crits))
    juror = np.tile(np.repeat(["J1", "J2", "J3"], len(crits)), n)
    crit = np.tile(crits, 3 * n)
    k = np.repeat(np.arange(n) % 4 + 1, 3 * len(crits))
    pos = np.tile(np.arange(len(crits)), 3 * n)
    first = np.tile(np.repeat([True, False, False], len(crits)), n)
    level = np.where(first & (pos < k), "Inexistant", "Fort")
    ratings = pd.DataFrame({"dossier_id": dossier, "juror_id": juror, "criterion": crit, "level": level,
                            "comment": None, "grid": "acceptabilite", "grid_version": "2016", "round": "individuel"})
    ratings["level_code"] = ratings["level"].map(ACC.code_of).astype("Int64")
    ids = [f"D{i:05d}" for i in range(n)]
    return SimpleNamespace(grid=lambda: ACC, ratings=ratings, audience=audience, name=name,
                           dossiers=pd.DataFrame({"dossier_id": ids, "title": "Titre", "porteur": "Porteur"}),
                           jurors=pd.DataFrame({"juror_id": ["J1", "J2", "J3"], "name": ["Un", "Deux", "Trois"]}))


def test_debate_list_of_7000_dossiers_is_a_summary_the_top_20_and_a_csv(project):
    """Writes 7 000 sheets (about 5 s)."""
    from socinnov import config

    n = 7000
    table, note = debate_sheets.debate_sheets(divergent_cohort(n, "jury"))
    assert len(table) == debate_sheets.TOP_LISTED
    assert table["Critères divergents"].tolist() == [4] * debate_sheets.TOP_LISTED  # the most divergent first
    assert table["Dossier"].iloc[0] == debate_sheets.sheet_link("D00003")
    assert note.startswith(f"{fr.number(n)} fiches de débat écrites")
    per = fr.number(n // 4)
    assert (f"Nombre de critères divergents par dossier : 1 pour {per} dossiers, 2 pour {per} dossiers, "
            f"3 pour {per} dossiers, 4 pour {per} dossiers.") in note
    assert "[dossiers-divergents.csv](fiches-debat/dossiers-divergents.csv)" in note
    listing = config.reports_dir("national") / "jury" / "fiches-debat" / debate_sheets.LISTING
    full = pd.read_csv(listing, sep=";", encoding="utf-8-sig")
    assert len(full) == n and full.columns.tolist() == ["Dossier", "Critères divergents", "Fiche"]
    assert (listing.parent / full["Fiche"].iloc[-1]).exists()


def test_debate_list_for_the_comite_is_a_summary_and_the_top_20(project):
    table, note = debate_sheets.debate_sheets(divergent_cohort(400, "comite"))
    assert len(table) == debate_sheets.TOP_LISTED and table["Dossier"].iloc[0] == "D00003"
    assert "Nombre de critères divergents par dossier : 1 pour 100 dossiers" in note
    assert "Les 20 dossiers les plus divergents" in note or "les 20 dossiers les plus divergents" in note
    assert ".csv" not in note and "réservées au jury" in note


def test_a_short_debate_list_stays_whole(project):
    table, note = debate_sheets.debate_sheets(divergent_cohort(debate_sheets.MAX_LISTED, "jury", name="petit"))
    assert len(table) == debate_sheets.MAX_LISTED and "par dossier" not in note and ".csv" not in note
