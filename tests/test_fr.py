"""What readers see, in French and for every reader: numbers, amounts, dates, tables, figures.

French formatting (``12 500 €``, ``5 septembre 2016``, decimal comma) in ``socinnov.fr``, in the
tables of ``socinnov.reporting.display`` (with header cells for screen readers) and in the figures' tick
labels; the figures' colours stay distinguishable for readers with a colour-vision deficiency
(protanopia, deuteranopia, tritanopia simulated with Machado, Oliveira & Fernandes 2009).
"""

from __future__ import annotations

import datetime as dt
import itertools
import re

import matplotlib.colors as mcolors
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import seaborn as sns
from bs4 import BeautifulSoup

from socinnov import fr
from socinnov.call import vocabulary
from socinnov.reporting import display, plots

NNBSP, NBSP = "\u202f", "\u00a0"


# -- socinnov.fr -------------------------------------------------------------------------------

@pytest.mark.parametrize("value, decimals, expected", [
    (12500, 0, f"12{NNBSP}500"), (12500.5, 1, f"12{NNBSP}500,5"), (0.25, 2, "0,25"),
    (1234567, 0, f"1{NNBSP}234{NNBSP}567"), (float("nan"), 0, "–"), (None, 0, "–"),
])
def test_number(value, decimals, expected):
    assert fr.number(value, decimals) == expected


def test_amounts_shares_dates():
    assert fr.euros(12500) == f"12{NNBSP}500{NBSP}€"
    assert fr.euros(40000.0) == f"40{NNBSP}000{NBSP}€" and fr.euros(None) == "–"
    assert fr.percent(0.125, 1) == f"12,5{NBSP}%" and fr.percent(1) == f"100{NBSP}%"
    assert fr.date("2016-09-05") == "5 septembre 2016"
    assert fr.date(dt.date(2016, 10, 1)) == "1er octobre 2016"
    assert fr.date(pd.Timestamp("2016-08-29")) == "29 août 2016" and fr.date(pd.NaT) == "–"
    assert fr.date_time(dt.datetime(2016, 9, 29, 14, 5)) == f"29 septembre 2016 à 14{NBSP}h{NBSP}05"


# -- tables ------------------------------------------------------------------------------------

def test_tables_are_french_with_header_cells():
    df = pd.DataFrame({"Dossier": ["D-001", "D-002"], "Aide accordée": [12500.0, None], "Dossiers": [1200, 3],
                       "Jury": pd.to_datetime(["2016-09-29", "2016-10-01"]), "Validé": [True, False],
                       "Part": [fr.percent(0.5), fr.percent(1)]})
    soup = BeautifulSoup(display.table_html(df, caption="Décisions"), "html.parser")
    headers = soup.find("thead").find_all("th")
    assert [th.get_text() for th in headers] == list(df.columns)
    assert all(th.get("scope") == "col" for th in headers)
    assert soup.find("caption").get_text() == "Décisions"
    rows = [[td.get_text() for td in tr.find_all("td")] for tr in soup.find("tbody").find_all("tr")]
    assert rows == [["D-001", f"12{NNBSP}500,00", f"1{NNBSP}200", "29 septembre 2016", "oui", f"50{NBSP}%"],
                    ["D-002", "–", "3", "1er octobre 2016", "non", f"100{NBSP}%"]]
    style = soup.find("style").get_text()  # words left-aligned, numbers (even pre-formatted) right
    assert "th.col0" in style and "th.col5" not in style and "th.col1" not in style


def test_crosstab_row_labels_are_row_header_cells():
    t = pd.crosstab(pd.Series(["association", "entreprise", "association"], name="Statut juridique"),
                    pd.Series(["retenu - financé", "non retenu", "non retenu"], name=None))
    soup = BeautifulSoup(display.table_html(t, index=True), "html.parser")
    row_headers = soup.find("tbody").find_all("th")
    assert [th.get_text() for th in row_headers] == ["association", "entreprise"]
    assert all(th.get("scope") == "row" for th in row_headers)


# -- figures: French tick labels ---------------------------------------------------------------

def tick_labels(fig) -> list[str]:
    fig.canvas.draw()
    return [t.get_text() for ax in fig.axes for t in ax.get_xticklabels() + ax.get_yticklabels() if t.get_text()]


def test_default_tick_labels_become_french():
    fig, ax = plt.subplots()
    ax.plot([0, 0.5, 1.5], [0, 12500, 30000])
    display.french_ticks(fig)
    labels = tick_labels(fig)
    assert "0,2" in labels and "1,4" in labels and f"10{NNBSP}000" in labels and "0" in labels
    assert not any(re.search(r"\d\.\d", t) for t in labels), labels
    plt.close(fig)


def test_figure_html_keeps_alt_text_and_embeds_the_png():
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    fig.alt_text = "Une droite « test »"
    markup = display.figure_html(fig)
    assert markup.startswith('<figure class="socinnov-figure" data-textes="')
    assert '<img src="data:image/png;base64,' in markup
    assert 'data-textes="−0,2 | 0,0 | 0,2' in markup  # the drawn tick labels, French decimals
    assert 'alt="Une droite « test »"' in markup and "<figcaption>Une droite « test »</figcaption>" in markup


@pytest.fixture
def report_figures():
    """Each figure of plots.py on small data."""
    funnel = pd.DataFrame({"Étape": ["Dossiers déposés", "Éligibles", "Retenus"], "Dossiers": [3, 2, 1]})
    codes = list(vocabulary.REGION_DEPARTEMENTS)
    counts = pd.DataFrame({"code": codes, "nom": [vocabulary.REGION_DEPARTEMENTS[c] for c in codes],
                           "deposes": [i % 4 for i in range(len(codes))], "finances": [i % 2 for i in range(len(codes))]})
    scores = pd.DataFrame({"dossier_id": [f"D{i}" for i in range(8) for _ in range(2)],
                           "group_label": ["Portage", "Contenu"] * 8, "score": np.linspace(0, 3, 16)})
    decisions = pd.DataFrame({"dossier_id": [f"D{i}" for i in range(8)],
                              "decision": ["non retenu", "retenu - financé", "retenu - réorienté"] * 2 + [None, None]})
    figs = {
        "funnel": plots.funnel_chart(funnel),
        "amounts": plots.amounts_histogram(pd.Series([12000.0, 28000.0, 55000.0]), max_aid=40000),
        "map": plots.departement_map(counts),
        "scores": plots.score_profiles(scores, decisions, levels=("Inexistant", "Faible", "Intermédiaire", "Fort")),
    }
    yield figs
    for f in figs.values():
        plt.close(f)


def test_report_figures_have_french_ticks_and_whole_counts(report_figures):
    for name, fig in report_figures.items():
        display.french_ticks(fig)
        labels = tick_labels(fig)
        assert not any(re.search(r"\d\.\d", t) for t in labels), (name, labels)
        assert fig.alt_text and fig.alt_text != "Figure sans description"
    counts = tick_labels(report_figures["funnel"]) + tick_labels(report_figures["map"])
    assert not any("," in t for t in counts)  # dossiers are counted whole: no "2,5" tick
    amounts = tick_labels(report_figures["amounts"])
    assert f"20{NNBSP}000{NBSP}€" in amounts and "0\u00a0€" in amounts, amounts


# -- figures: colours that colour-blind readers can tell apart ---------------------------------

MACHADO = {  # severity 1.0, applied to linear RGB
    "protanopie": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
    "deutéranopie": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]],
    "tritanopie": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]],
}
MIN_DELTA_E = 10  # CIE76 distance in L*a*b* under which two colours are easily confused


def _lab(rgb, vision=None):
    c = np.asarray(mcolors.to_rgb(rgb))
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    if vision:
        lin = np.clip(np.asarray(MACHADO[vision]) @ lin, 0, 1)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ lin
    t = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(t > (6 / 29) ** 3, np.cbrt(t), t / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def closest_pair(colours) -> float:
    """The smallest colour distance between two of ``colours``, for any reader's vision."""
    return min(np.linalg.norm(_lab(a, v) - _lab(b, v))
               for v in (None, *MACHADO) for a, b in itertools.combinations(colours, 2))


def test_the_palettes_are_colour_blind_safe():
    assert closest_pair(sns.color_palette(plots.PALETTE)[:4]) > MIN_DELTA_E
    assert closest_pair(sns.color_palette("tab10")[:4]) < MIN_DELTA_E  # the check does tell
    assert plots.SEQUENTIAL in ("cividis", "viridis")  # designed for colour-vision deficiencies
    ramp = plt.get_cmap(plots.SEQUENTIAL)(np.linspace(0, 1, 5))  # a map's classes stay ordered
    for vision in (None, *MACHADO):
        lightness = [_lab(c[:3], vision)[0] for c in ramp]
        assert lightness == sorted(lightness), vision


def test_decisions_in_the_score_figure_are_told_apart_by_colour_blind_readers(report_figures):
    ax = report_figures["scores"].axes[0]
    # Boxes, or points for the decisions with fewer than five dossiers (all of them here).
    colours = {tuple(np.round(p.get_facecolor()[:3], 4)) for p in ax.patches}
    colours |= {tuple(np.round(c[:3], 4)) for coll in ax.collections for c in coll.get_facecolors()}
    assert len(colours) == 4  # non retenu, financé, réorienté, sans décision
    assert closest_pair(colours) > MIN_DELTA_E
