"""What a report notebook shows: figures with alternative text, tables in French number format.

Figures are displayed as an HTML ``<figure>`` with the PNG embedded (the report opens offline)
and the figure's ``alt_text`` as the image's ``alt`` and caption: nbconvert's image template
has no place for alternative text.
"""

from __future__ import annotations

import base64
import html
import io

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import HTML, display

from socinnov.fr import NNBSP


def figure_html(fig, *, dpi: int = 110) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    plt.close(fig)
    alt = html.escape(getattr(fig, "alt_text", "") or "Figure sans description", quote=True)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return (f'<figure class="socinnov-figure"><img src="data:image/png;base64,{data}" alt="{alt}" '
            f'style="max-width:100%"><figcaption>{alt}</figcaption></figure>')


def show(fig) -> None:
    """Display a figure with its alternative text."""
    display(HTML(figure_html(fig)))


def table(df: pd.DataFrame, *, precision: int = 2, index: bool = False, caption: str | None = None):
    """A table for the reader: French decimal comma and thousands separator, header cells."""
    styler = df.style.format(precision=precision, decimal=",", thousands=NNBSP, na_rep="–")
    styler = styler.format_index(precision=precision, decimal=",", thousands=NNBSP)
    text = [c for c in df.columns if df[c].dtype == object or pd.api.types.is_string_dtype(df[c])]
    if text:
        styler = styler.set_properties(subset=text, **{"text-align": "left"})
    if not index:
        styler = styler.hide(axis="index")
    if caption:
        styler = styler.set_caption(caption)
    display(styler)


def markdown(text: str | None) -> None:
    """A sentence computed by the package, shown as prose (nothing when ``text`` is empty)."""
    from IPython.display import Markdown

    if text:
        display(Markdown(text))
