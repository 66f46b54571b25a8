"""The annotated heatmap of the criteria report draws what ``seaborn.heatmap`` drew, without the
full drawing seaborn makes before annotating (``socinnov.reporting.heatmap``)."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import seaborn as sns

from socinnov.reporting.heatmap import annotated_heatmap, relative_luminance
from socinnov.reporting.theme import figure


def _matrix(n: int = 6, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    m = rng.uniform(-1, 1, size=(n, n - 2))
    m[2, 1] = np.nan  # a missing value is left blank by both
    return pd.DataFrame(m, index=[f"critère {i}" for i in range(n)], columns=[f"F{j}" for j in range(n - 2)])


def _png(draw) -> bytes:
    fig, ax = figure(7, 4)
    draw(ax)
    ax.set_yticks(np.arange(6) + 0.5, [f"libellé {i}" for i in range(6)], rotation=0)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return buf.getvalue()


@pytest.mark.parametrize("cmap, vmin, square, mask", [
    ("vlag", -1, False, None),                                # loadings: diverging map centred on 0
    ("cividis", 0, True, np.triu(np.ones((6, 4), dtype=bool))),  # correlations: lower triangle
])
def test_same_image_as_seaborn(cmap, vmin, square, mask):
    data = _matrix()
    kws = {"cbar_kws": {"label": "valeur", "shrink": 0.7}, "annot_kws": {"fontsize": 7}}
    centre = {"center": 0} if cmap == "vlag" else {}
    ours = _png(lambda ax: annotated_heatmap(ax, data, cmap=cmap, vmin=vmin, vmax=1, mask=mask, square=square, **kws))
    theirs = _png(lambda ax: sns.heatmap(data, annot=True, fmt=".2f", cmap=cmap, vmin=vmin, vmax=1, mask=mask,
                                         square=square, ax=ax, **centre, **kws))
    assert ours == theirs


def test_values_written_in_unmasked_cells_only():
    data = _matrix()
    mask = np.zeros(data.shape, dtype=bool)
    mask[0, 0] = True
    fig, ax = figure(7, 4)
    annotated_heatmap(ax, data, cmap="vlag", vmin=-1, vmax=1, mask=mask)
    written = [t.get_text() for t in ax.texts]
    plt.close(fig)
    assert len(written) == data.size - 2  # the masked cell and the missing value
    assert written[0] == format(data.iloc[0, 1], ".2f")


def test_luminance_of_black_and_white():
    # WCAG 2.0 relative luminance: 0 for black, 1 for white
    assert relative_luminance(["black", "white"]).tolist() == pytest.approx([0.0, 1.0])
