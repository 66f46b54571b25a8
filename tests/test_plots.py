"""Figures of socinnov.reporting.plots: what they show, at the jury sizes the reports meet."""

from __future__ import annotations

import io
import itertools

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from socinnov.reporting import display, plots


def pairwise(n_jurors: int, *, seed: int = 0, missing: float = 0.0) -> pd.DataFrame:
    """Like ``jury.pairwise_agreement``: both orders of each pair, no diagonal."""
    rng = np.random.default_rng(seed)
    ids = [f"J{j:03d}" for j in range(1, n_jurors + 1)]
    rows = []
    for a, b in itertools.combinations(ids, 2):
        if rng.random() < missing:  # the two jurors share no dossier: blank cell
            continue
        v = float(rng.uniform(0.4, 0.9))
        rows += [(a, b, v), (b, a, v)]
    return pd.DataFrame(rows, columns=["juror_a", "juror_b", "agreement"])


def rendered(fig):
    """The figure drawn as ``display.show`` draws it; the renderer, to measure the texts."""
    display.french_ticks(fig)
    fig.savefig(io.BytesIO(), format="png", dpi=110)
    return fig.canvas.get_renderer()


def tick_texts(ax):
    return [t for t in ax.get_xticklabels() + ax.get_yticklabels() if t.get_text()]


def test_small_jury_heatmap_shows_each_value_with_a_decimal_comma():
    pw = pairwise(9)
    pw.loc[(pw.juror_a.isin(["J003", "J007"])) & (pw.juror_b.isin(["J003", "J007"])), "agreement"] = 0.125
    fig = plots.pairwise_heatmap(pw)
    ax = fig.axes[0]
    values = [t.get_text() for t in ax.texts]
    assert len(values) == 9 * 8  # every pair, not the diagonal
    assert "0,12" in values or "0,13" in values
    assert all("," in v and "." not in v for v in values)
    assert len(tick_texts(ax)) == 18  # every juror on both axes
    assert "la paire la moins en accord : J003 et J007 (12\u00a0%)" in fig.alt_text
    assert "autre" not in fig.alt_text and "selon les paires" not in fig.alt_text
    plt.close(fig)


def test_larger_jury_heatmap_has_no_cell_text_and_labels_every_juror():
    n = 30
    fig = plots.pairwise_heatmap(pairwise(n, missing=0.1))
    ax = fig.axes[0]
    assert plots.ANNOTATE_MAX_JURORS < n <= plots.HEATMAP_MAX_JURORS
    assert not ax.texts
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert labels == [f"J{j:03d}" for j in range(1, n + 1)]
    assert len([t for t in ax.get_xticklabels() if t.get_text()]) == n
    assert tuple(fig.get_size_inches()) <= (8.5, 7.5)
    assert "selon les paires" in fig.alt_text
    plt.close(fig)


@pytest.mark.parametrize("n_jurors", [9, plots.ANNOTATE_MAX_JURORS, plots.HEATMAP_MAX_JURORS, 80])
def test_heatmap_labels_stay_inside_the_figure(n_jurors):
    fig = plots.pairwise_heatmap(pairwise(n_jurors))
    renderer = rendered(fig)
    width = fig.bbox.width
    for t in tick_texts(fig.axes[0]):
        box = t.get_window_extent(renderer)
        assert box.x0 >= 0 and box.x1 <= width, (t.get_text(), box)
    plt.close(fig)


def test_heatmap_alt_text_names_the_least_agreeing_pair_and_its_ties():
    pw = pairwise(30, seed=2)
    lowest = pw["agreement"].min() - 0.1
    for a, b in (("J021", "J004"), ("J017", "J030")):
        pw.loc[((pw.juror_a == a) & (pw.juror_b == b)) | ((pw.juror_a == b) & (pw.juror_b == a)), "agreement"] = lowest
    fig = plots.pairwise_heatmap(pw)
    assert "la paire la moins en accord : J004 et J021" in fig.alt_text  # first in juror order, named once
    assert "à égalité avec 1 autre paire ;" in fig.alt_text
    unordered = pw[pw.juror_a < pw.juror_b]["agreement"]
    assert f"{len(unordered)} paires" in fig.alt_text.replace("\u202f", "")
    plt.close(fig)


def test_heatmap_alt_text_without_pairs():
    fig = plots.pairwise_heatmap(pd.DataFrame({"juror_a": ["J001"], "juror_b": ["J002"], "agreement": [np.nan]}))
    assert fig.alt_text == "Carte de chaleur de l'accord entre paires de jurés"
    plt.close(fig)


def test_score_profiles_draw_small_groups_as_points():
    from matplotlib.collections import PathCollection

    rng = np.random.default_rng(3)
    ids = [f"D{i:02d}" for i in range(24)]
    scores = pd.DataFrame([(d, g, float(rng.uniform(0, 3))) for d in ids for g in ("Portage", "Contenu")],
                          columns=["dossier_id", "group_label", "score"])
    # 20 not retained (boxes), 4 funded (points: a box on 4 dossiers draws quartiles that do not exist).
    decisions = pd.DataFrame({"dossier_id": ids, "decision": ["non retenu"] * 20 + ["retenu - financé"] * 4})
    fig = plots.score_profiles(scores, decisions, levels=("Inexistant", "Faible", "Intermédiaire", "Fort"))
    ax = fig.axes[0]
    points = [c for c in ax.collections if isinstance(c, PathCollection) and len(c.get_offsets())]
    assert sum(len(c.get_offsets()) for c in points) == 4 * 2  # the four funded dossiers, in both dimensions
    assert len(ax.patches) >= 2  # one box per dimension for the 20 others
    assert "retenu - financé : 4 dossiers" in fig.alt_text and "moins de 5 dossiers dessinés point par point" in fig.alt_text
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["non retenu (n = 20)", "retenu - financé (n = 4)"]
    plt.close(fig)
