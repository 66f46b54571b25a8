"""What a report notebook shows: figures with alternative text, tables in French number format.

Figures are displayed as an HTML ``<figure>`` with the PNG embedded (the report opens offline)
and the figure's ``alt_text`` as the image's ``alt`` and caption: nbconvert's image template
has no place for alternative text. Numeric tick labels left to matplotlib's default formatter
are rewritten the French way (``12 500``, ``0,25``) when the figure is drawn.

Tables are written as HTML with header cells (``<th scope="col">``, ``<th scope="row">`` for
index labels: pandas' table template extended in ``templates/pandas``), French numbers
(``12 500``, ``3,14``), dates (``5 septembre 2016``) and ``oui``/``non``. A row-level table longer
than :data:`LONG_TABLE` rows (the ineligible dossiers of a national cohort: 836) shows its first
:data:`SHOWN_ROWS` rows, « … et 816 autres lignes », and the whole table as a CSV file embedded
in the report (:func:`long_table_html`). Other HTML shown in a
report (the laureates' cards) comes from the templates of ``templates/fragments``.

A section whose data are absent is replaced by one French sentence saying what is missing and
which file brings it: a notebook guards the code cells of a section with :func:`section` (its
first cell: shows the sentence) and :func:`has` (the cells after it), the section being named
by its heading in ``socinnov.call.report_plans.REPORT_PLANS``.
"""

from __future__ import annotations

import base64
import html
import io
import math
import os
import re
import weakref

import jinja2
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import HTML, display
from markupsafe import Markup
from matplotlib.ticker import Formatter, ScalarFormatter
from pandas.io.formats.style import Styler

from socinnov import config, fr
from socinnov.call import report_plans
from socinnov.fr import NNBSP
from socinnov.privacy import audiences
from socinnov.reporting.kernels import AUDIENCE_ENV

__all__ = ["AccessibleStyler", "FrenchTicks", "csv_name", "csv_text", "drawn_texts", "figure_html",
           "french_ticks", "has", "laureate_cards", "laureate_cards_html", "long_table_html", "markdown",
           "note", "section", "show", "table", "table_html"]


class AccessibleStyler(Styler):
    """pandas' Styler whose header cells say what they head, for screen readers.

    Its table template (``templates/pandas/accessible_table.tpl``) extends pandas' own
    ``html_table.tpl``, as ``Styler.from_custom_template`` does; the environment is declared
    here rather than by that method so that it keeps pandas' ``trim_blocks`` (same markup as
    pandas writes, apart from the ``scope`` attributes).
    """

    loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader(config.TEMPLATES_DIR / "pandas"), Styler.loader])
    env = jinja2.Environment(loader=loader, trim_blocks=True)
    template_html = env.get_template("html.tpl")
    template_html_table = env.get_template("accessible_table.tpl")
    template_html_style = env.get_template("html_style.tpl")


def _escape(value) -> Markup:
    """Escape a value as :func:`html.escape` does (``&#x27;``), like the tables and figures of the
    reports, rather than as markupsafe does (``&#39;``): same text, same bytes in the notebooks."""
    return value if isinstance(value, Markup) else Markup(html.escape(str(value)))


# HTML fragments shown in a report's outputs; every value escaped.
FRAGMENTS = jinja2.Environment(loader=jinja2.FileSystemLoader(config.TEMPLATES_DIR / "fragments"),
                               autoescape=True, finalize=_escape)


class FrenchTicks(Formatter):
    """Tick labels with French separators and as many decimals as the ticks need."""

    decimals = 0

    def set_locs(self, locs) -> None:
        super().set_locs(locs)
        finite = [v for v in locs if math.isfinite(v)]
        self.decimals = next((d for d in range(7) if all(
            abs(v * 10 ** d - round(v * 10 ** d)) < 1e-6 * max(1.0, abs(v * 10 ** d)) for v in finite)), 6)

    def __call__(self, x, pos=None) -> str:
        if round(x, self.decimals) == 0:
            x = 0.0  # no "-0"
        return fr.number(x, self.decimals).replace("-", "\u2212")


def french_ticks(fig) -> None:
    """Give every axis still on matplotlib's default number format French tick labels."""
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if type(axis.get_major_formatter()) is ScalarFormatter:
                axis.set_major_formatter(FrenchTicks())


FIGURE_DPI = 110
"""Resolution of the reports' PNG figures (:func:`figure_html`)."""


def figure_html(fig, *, dpi: int = FIGURE_DPI) -> str:
    """The figure as a PNG with its alternative text as caption. Every text the figure draws
    (titles, axis and tick labels, legends, annotations) is also written, as drawn, in the
    ``data-textes`` attribute: a PNG hides its text from the leak scan, which reads attributes
    (``socinnov.privacy.leaks``), so a name drawn in a public figure is caught like a written one."""
    buf = io.BytesIO()
    french_ticks(fig)
    fig.savefig(buf, format="png", dpi=dpi)
    drawn = drawn_texts(fig)  # after drawing: tick labels are set when the figure is drawn
    plt.close(fig)
    return png_html(buf.getvalue(), getattr(fig, "alt_text", ""), drawn)


def png_html(png: bytes, alt: str, drawn: list[str]) -> str:
    """A PNG already drawn as :func:`figure_html` writes a figure: its alternative text as caption,
    the texts it draws in ``data-textes``."""
    alt = html.escape(alt or "Figure sans description", quote=True)
    data = base64.b64encode(png).decode("ascii")
    texts = html.escape(" | ".join(drawn), quote=True)
    return (f'<figure class="socinnov-figure" data-textes="{texts}"><img src="data:image/png;base64,{data}" '
            f'alt="{alt}" style="max-width:100%"><figcaption>{alt}</figcaption></figure>')


def drawn_texts(fig) -> list[str]:
    """The visible, non-empty texts of a drawn figure, once each, in drawing order."""
    from matplotlib.text import Text

    seen: dict[str, None] = {}
    for t in fig.findobj(Text):
        text = t.get_text().strip()
        if text and t.get_visible():
            seen.setdefault(text, None)
    return list(seen)


def show(fig) -> None:
    """Display a figure with its alternative text (nothing for ``None``: a figure with nothing to
    draw is not an image of « aucun… », the report says so in a sentence)."""
    if fig is not None:
        display(HTML(figure_html(fig)))


EMPTY_TABLE = "Aucune ligne à montrer pour le moment."
"""What stands for a table with no rows when its caller gave no sentence of its own."""

LONG_TABLE = 100
"""Rows above which a table is a list no one reads in a report: past it, the report shows the
first :data:`SHOWN_ROWS` rows and links the whole table as CSV. The reports' tables stay under it
up to 2 000 dossiers, but for the ineligible dossiers; the debate sheets' list says it itself
(``socinnov.reporting.debate_sheets``)."""
SHOWN_ROWS = 20
"""Rows of a long table shown in the report (:data:`LONG_TABLE`)."""


def table(df: pd.DataFrame, *, precision: int = 2, index: bool = False, caption: str | None = None,
          empty: str | None = None, limit: int | None = LONG_TABLE, name: str | None = None):
    """A table for the reader: French decimal comma and thousands separator, header cells.

    A table with no rows is never drawn as its headers alone: ``empty`` (the French sentence that
    says why, « Aucun dossier inéligible. ») stands for it; ``""`` when a sentence shown before
    already says so. A table of more than ``limit`` rows (``None``: no limit) shows its first
    rows, how many follow and the whole table as ``NAME.csv`` (:func:`long_table_html`; by default
    named after the caption, else the columns), in the jury's and the comité's reports; a public
    report's tables are aggregates, shown whole."""
    if not len(df):
        markdown(EMPTY_TABLE if empty is None else empty)
        return
    if limit is not None and len(df) > limit and _row_level_kernel():
        display(HTML(long_table_html(df, shown=min(SHOWN_ROWS, limit), name=name, precision=precision,
                                     index=index, caption=caption)))
        return
    display(HTML(table_html(df, precision=precision, index=index, caption=caption)))


def _row_level_kernel() -> bool:
    """Whether this kernel runs a report of a row-level audience (jury, comité), or runs outside
    the build (a data holder's own session). A public report never embeds a file: the leak scan
    (``socinnov.privacy.leaks``) reads a report's text, not a base64 attachment."""
    audience = os.environ.get(AUDIENCE_ENV)
    return audience is None or audiences.definition(audience).row_level


def long_table_html(df: pd.DataFrame, *, shown: int = SHOWN_ROWS, name: str | None = None, **options) -> str:
    """The first ``shown`` rows of ``df`` as :func:`table_html`, then « … et N autres lignes » and
    a link that saves the whole table as ``NAME.csv``.

    The CSV is embedded in the link (a ``data:`` URL): the report stays one file that opens
    offline, and no file outlives the report that wrote it. It is written for French
    spreadsheets, as the kit reads its own inputs: ``;`` between fields, decimal comma, UTF-8
    with a byte-order mark; a link in a cell (« D-001 » to its sheet) is written as its text."""
    rest = len(df) - shown
    name = name or csv_name(df, options.get("caption"))
    data = base64.b64encode(csv_text(df, index=options.get("index", False)).encode("utf-8-sig")).decode("ascii")
    more = fr.count(rest, "autre ligne", "autres lignes")
    return (table_html(df.head(shown), **options)
            + f'<p class="socinnov-suite">… et {more} ({fr.number(len(df))} en tout) : '
            f'<a download="{html.escape(name)}.csv" href="data:text/csv;charset=utf-8;base64,{data}">'
            f"tableau complet ({html.escape(name)}.csv)</a>, à ouvrir dans un tableur.</p>")


_TAG = re.compile(r"<[^>]+>")


def csv_name(df: pd.DataFrame, caption: str | None = None) -> str:
    """A file name for a table: its caption's words, else its first columns' (« dossier-motifs »),
    without accents, at most 40 characters."""
    import unicodedata

    words = caption or " ".join(str(c) for c in df.columns[:3])
    ascii_words = unicodedata.normalize("NFKD", words).encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_words).strip("-")[:40].strip("-")
    return slug or "tableau"


def csv_text(df: pd.DataFrame, *, index: bool = False) -> str:
    """``df`` as CSV for a French spreadsheet (``;``, decimal comma), HTML in text cells as its text."""
    plain = df.copy()
    for c in plain.columns:
        if plain[c].dtype == object or pd.api.types.is_string_dtype(plain[c]):
            plain[c] = [html.unescape(_TAG.sub("", v)) if isinstance(v, str) and "<" in v else v for v in plain[c]]
    return plain.to_csv(sep=";", decimal=",", index=index, lineterminator="\n")


def table_html(df: pd.DataFrame, *, precision: int = 2, index: bool = False, caption: str | None = None) -> str:
    """The HTML of :func:`table`."""
    styler = AccessibleStyler(df).format(precision=precision, decimal=",", thousands=NNBSP, na_rep="–")
    dates = [c for c in df.columns if pd.api.types.is_datetime64_any_dtype(df[c])]
    if dates:
        styler = styler.format(fr.date, subset=dates)
    flags = [c for c in df.columns if pd.api.types.is_bool_dtype(df[c])]
    if flags:
        styler = styler.format(lambda v: "–" if pd.isna(v) else ("oui" if v else "non"), subset=flags)
    styler = styler.format_index(precision=precision, decimal=",", thousands=NNBSP)
    if isinstance(df.index, pd.DatetimeIndex):
        styler = styler.format_index(fr.date)
    text = [c for c in df.columns if (df[c].dtype == object or pd.api.types.is_string_dtype(df[c]))
            and not _formatted_numbers(df[c])]
    if text:  # words read from the left (header too); numbers, even pre-formatted, align right
        styler = styler.set_properties(subset=text, **{"text-align": "left"})
        styler = styler.set_table_styles({c: [{"selector": "th", "props": "text-align: left"}] for c in text},
                                         overwrite=False)
    if not index:
        styler = styler.hide(axis="index")
    if caption:
        styler = styler.set_caption(caption)
    return styler.to_html()


_NUMBER = re.compile(r"^[−+-]?\d[\d\s\u202f\u00a0]*(,\d+)?[\s\u202f\u00a0]?[%€]?$")


def _formatted_numbers(column: pd.Series) -> bool:
    """A text column that only holds numbers already written out (``12 500 €``, ``92 %``)."""
    values = [str(v).strip() for v in column.dropna() if str(v).strip() not in ("", "–")]
    return bool(values) and all(_NUMBER.match(v) for v in values)


def markdown(text: str | None) -> None:
    """A sentence computed by the package, shown as prose (nothing when ``text`` is empty)."""
    from IPython.display import Markdown

    if text:
        display(Markdown(text))


def note(obj) -> None:
    """Show a rich object computed by the package (an ``IPython.display.HTML`` note), as a cell
    ending with it would."""
    display(obj)


def laureate_cards(details: list[dict], *, laureates: int, consenting: int) -> None:
    """One card per consenting laureate (title, porteur, résumé, objectifs, publics)."""
    display(HTML(laureate_cards_html(details, laureates=laureates, consenting=consenting)))


def laureate_cards_html(details: list[dict], *, laureates: int, consenting: int) -> str:
    """The HTML of :func:`laureate_cards` (``templates/fragments/laureate_cards.html.j2``)."""
    return FRAGMENTS.get_template("laureate_cards.html.j2").render(
        details=details, laureates=laureates, consenting=consenting)


# What a cohort's tables hold (``report_plans.available``), computed once per loaded cohort.
_AVAILABLE: dict[int, tuple[weakref.ref, frozenset[str]]] = {}


def _available(data) -> frozenset[str]:
    key = id(data)
    hit = _AVAILABLE.get(key)
    if hit is not None and hit[0]() is data:
        return hit[1]
    have = data.available() if callable(getattr(type(data), "available", None)) else report_plans.available(data.tables)
    for k in [k for k, (ref, _) in _AVAILABLE.items() if ref() is None]:
        del _AVAILABLE[k]
    _AVAILABLE[key] = (weakref.ref(data), have)
    return have


def has(data, title: str) -> bool:
    """Whether the section headed ``title`` can be drawn from ``data`` (a loaded cohort)."""
    return report_plans.missing(_available(data), *report_plans.section_needs(title)) is None


def section(data, title: str) -> bool:
    """:func:`has`, showing in place of the section the sentence of what is missing when it cannot."""
    why = report_plans.missing(_available(data), *report_plans.section_needs(title))
    if why:
        markdown(report_plans.absent_fr(why))
    return why is None
