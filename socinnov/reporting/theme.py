"""The house look of the report figures: colour-blind-safe palettes, seaborn's white grid, the
constrained layout (``socinnov.reporting.plots``, ``jury_plots``, ``followup_plots``)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import seaborn as sns

from socinnov.reporting import scale

PALETTE = "colorblind"  # seaborn's Okabe-Ito-like qualitative palette
SEQUENTIAL = "cividis"  # perceptually uniform, readable with colour-vision deficiencies


def figure(width: float = 7.0, height: float = 4.0, *, position=None):
    """A figure and its axes, ``width`` x ``height`` inches, in the house theme.

    ``position`` (a :class:`matplotlib.transforms.Bbox` in figure fractions) places the axes
    there instead of laying them out: for a series of figures of the same shape, the layout
    found once for the first serves them all, and each is drawn once (a constrained layout
    costs a full extra drawing at each save).
    """
    sns.set_theme(style="whitegrid", palette=PALETTE)
    if position is None:
        return plt.subplots(figsize=(width, height), layout="constrained")
    fig, ax = plt.subplots(figsize=(width, height))
    ax.set_position(position)
    return fig, ax


def rows(n: int, *, width: float = 6.5):
    """:func:`socinnov.reporting.scale.row_columns` (one row per juror) in the house theme."""
    sns.set_theme(style="whitegrid", palette=PALETTE)
    return scale.row_columns(n, width=width)
