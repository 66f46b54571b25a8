"""Figures and their texts at every size of jury and cohort (issue 14, « Every size »).

The reports meet juries of 3 to 80 jurors, grids of 12 to 15 criteria and cohorts of 20 to
10 000 dossiers. Two rules keep a figure readable at all of these sizes:

- **An alternative text summarises, it does not enumerate.** A screen reader reads the ``alt``
  text in one go and cannot skip through it; the values one by one are in the table shown beside
  the figure. When the list of every value would run past :data:`ALT_MAX` characters, the
  figure's summary (how many, the extremes, the count that matters) stands instead
  (:func:`alt_text`). Below that length the text is the one it always was.
- **A figure with one row per juror wraps into columns** sharing their x axis
  (:func:`row_columns`) instead of growing without bound: 80 jurors at 0,35 in a row made a
  figure 3 212 px tall, which a browser shrinks until nothing is legible.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable

import matplotlib.pyplot as plt
import pandas as pd

ALT_MAX = 300
"""Longest alternative text, in characters (issue 14: « under ~300 characters at any size »)."""

ROW_HEIGHT = 0.35
"""Inches per row of a one-column figure (juror forests): the height those figures always had."""
MAX_ROWS = 25
"""Rows in one column before the figure wraps into another: 25 rows make a figure about 10 in tall."""
MAX_COLUMNS = 3
"""Columns at most (a report page is about 1 000 px wide); past ``MAX_ROWS x MAX_COLUMNS`` rows the
rows get thinner and their labels smaller, so that the height stays at :data:`MAX_HEIGHT`."""
MAX_HEIGHT = 10.0
"""Tallest figure with one row per juror, in inches: 1 100 px at the reports' 110 dpi."""
COLUMN_WIDTH = 3.2
"""Inches per column of a wrapped figure: three make 9,6 in, the width of the follow-up panels."""


def alt_text(full: str, summary: str | Callable[[], str]) -> str:
    """``full`` when it is at most :data:`ALT_MAX` characters long, else ``summary`` (a text, or a
    function that writes it: summaries are only computed when needed).

    A summary longer than the limit (very long criterion labels) is cut at a word, with « … »."""
    if len(full) <= ALT_MAX:
        return full
    short = summary() if callable(summary) else summary
    return short if len(short) <= ALT_MAX else textwrap.shorten(short, ALT_MAX, placeholder=" …")


def label(text: str, width: int = 48) -> str:
    """A label as a summary names it: at most ``width`` characters, cut at a word with « … »
    (the feasibility grid's items run to 150 characters)."""
    return textwrap.shorten(str(text), width, placeholder=" …")


def extremes(values, labels, *, fmt: Callable[[float], str]) -> str:
    """« de 0,41 (label) à 0,62 (label) »: the lowest and highest of ``values``, with their labels
    (the first one in the given order on a tie)."""
    pairs = [(v, t) for v, t in zip(values, labels) if not pd.isna(v)]
    if not pairs:
        return ""
    lo = min(pairs, key=lambda p: p[0])
    hi = max(pairs, key=lambda p: p[0])
    return f"de {fmt(lo[0])} ({label(lo[1])}) à {fmt(hi[0])} ({label(hi[1])})"


def row_columns(n: int, *, width: float = 6.5, margin: float = 1.2):
    """A figure for ``n`` rows (one per juror): one column up to :data:`MAX_ROWS` rows, ``width``
    inches wide and ``ROW_HEIGHT n + margin`` tall as before; more rows fill up to
    :data:`MAX_COLUMNS` columns, sharing their x axis, the height capped at :data:`MAX_HEIGHT`.

    Returns ``(fig, axes, chunks, fontsize)``: ``chunks[i]`` is the ``range`` of row positions
    column ``i`` shows (rows read down the first column, then the next), ``fontsize`` the size in
    points for the row labels of a wrapped figure (``None`` for one column: the theme's size).
    The caller sets the theme (``socinnov.reporting.plots``).
    """
    columns = max(1, min(MAX_COLUMNS, math.ceil(n / MAX_ROWS)))
    per = max(1, math.ceil(n / columns))
    row = min(ROW_HEIGHT, (MAX_HEIGHT - margin) / per)
    size = (width if columns == 1 else COLUMN_WIDTH * columns, row * per + margin)
    fig, axes = plt.subplots(1, columns, figsize=size, sharex=True, layout="constrained", squeeze=False)
    chunks = [range(i * per, min((i + 1) * per, n)) for i in range(columns)]
    # Beside three columns, 9 pt labels (the theme's 11 pt crowd the columns); a label fills at
    # most 70 % of its row's height, when more than 75 rows thin the rows.
    fontsize = None if columns == 1 else min(9.0, round(row * 72 * 0.7, 1))
    return fig, list(axes[0]), chunks, fontsize
