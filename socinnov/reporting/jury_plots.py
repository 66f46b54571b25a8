"""The jury's figures drawn one row per juror: severity, agreement between jurors (accord report).

Their size is bounded whatever the jury (issue 14): up to ``scale.MAX_ROWS`` jurors one column,
then up to three columns sharing their axis; the pairwise heat map keeps a label on every juror
up to :data:`HEATMAP_MAX_JURORS` jurors, past which each juror's agreement with the others is
drawn as a row instead (:func:`juror_agreement_chart`). ``socinnov.reporting.plots`` exports
them to the notebooks with the other figures.
"""

from __future__ import annotations

import pandas as pd
import seaborn as sns

from socinnov import fr
from socinnov.reporting import scale, theme


def _row_forest(axes, chunks, fontsize, d: pd.DataFrame, *, label: str, x: str, low: str, high: str):
    """Draw one row per line of ``d`` (in that order, down each column): the point ``x`` and the
    interval from ``low`` to ``high``, labelled with column ``label``."""
    c = sns.color_palette(theme.PALETTE)[0]
    per = len(chunks[0])
    for ax, rows in zip(axes, chunks):
        part = d.iloc[rows.start:rows.stop]
        y = [per - 1 - i for i in range(len(part))]  # the chunk's first row at the top
        for yi, lo, hi, v in zip(y, part[low], part[high], part[x]):
            ax.plot([lo, hi], [yi, yi], color=c, linewidth=2)
            ax.plot(v, yi, "o", color=c)
        ax.set_yticks(y, part[label].astype(str))
        if fontsize is not None:
            ax.set_ylim(-0.6, per - 0.4)  # rows aligned across columns, the last one shorter
            ax.tick_params(axis="y", labelsize=fontsize)
            ax.tick_params(axis="x", labelsize=fontsize)


def severity_forest(severity: pd.DataFrame):
    """Each juror's severity (negative) or leniency (positive), in levels, with its interval.

    The most lenient juror at the top, the most severe at the bottom; a jury of more than
    ``scale.MAX_ROWS`` jurors reads down up to three columns sharing their axis (at 80 jurors:
    1 056 x 1 100 px instead of one column 3 212 px tall).
    """
    d = severity.sort_values("effect").reset_index(drop=True).iloc[::-1]  # ties as the bottom-up order had them
    fig, axes, chunks, fontsize = theme.rows(len(d))
    _row_forest(axes, chunks, fontsize, d, label="juror_id", x="effect", low="ci_low", high="ci_high")
    for ax in axes:
        ax.axvline(0, color="black", linewidth=1)
        ax.xaxis.set_major_formatter(lambda v, _: fr.number(v, 2))
        ax.set(ylabel="")
    # On two lines: on one, the label ran past the figure's right edge (more so beside the
    # comité's juror pseudonyms, « J-7AQZ3XG5SK », wider than « J01 »).
    xlabel = "Écart au juré moyen (niveaux de la grille)\n< 0 plus sévère, > 0 plus indulgent"
    if len(axes) == 1:
        axes[0].set(xlabel=xlabel)
    else:
        fig.supxlabel(xlabel, fontsize=10)
    fig.alt_text = scale.alt_text(
        "Sévérité des jurés (écart au juré moyen, en niveaux) : " + ", ".join(
            f"{r.juror_id} {fr.number(r.effect, 2)}" for r in d.iloc[::-1].itertuples()),
        lambda: _severity_summary_fr(d))
    return fig


def _severity_summary_fr(d: pd.DataFrame) -> str:
    """The extremes, the median and how many jurors' intervals leave out zero."""
    severe, lenient = d.iloc[-1], d.iloc[0]
    apart = int(((d["ci_high"] < 0) | (d["ci_low"] > 0)).sum())
    return (f"Sévérité des {fr.number(len(d))} jurés (écart au juré moyen, en niveaux) : de "
            f"{fr.number(severe.effect, 2)} ({severe.juror_id}, le plus sévère) à {fr.number(lenient.effect, 2)} "
            f"({lenient.juror_id}, le plus indulgent), médiane {fr.number(d['effect'].median(), 2)} ; "
            f"{fr.count(apart, 'juré')} dont l'intervalle de confiance exclut 0.")


# Jurors up to which each cell of the pairwise heat map is annotated with its value. Past about
# twenty jurors the numbers no longer fit their cells at a readable size, and the m² text objects
# are what made the figure slow (80 jurors: up to 6 320 labels, 15 to 21 s to build and render as PNG).
ANNOTATE_MAX_JURORS = 20
# Jurors up to which the pairs are drawn as a heat map, every juror labelled. Past forty, a label
# in each row no longer fits (80 jurors: one label in four was shown, 6 px cells): each juror's
# agreement with the others is drawn instead, one row per juror (:func:`juror_agreement_chart`).
HEATMAP_MAX_JURORS = 40


def pairwise_heatmap(pairwise: pd.DataFrame):
    """Share of identical levels for each pair of jurors (blank where they share no dossier).

    Each cell shows its value up to :data:`ANNOTATE_MAX_JURORS` jurors; up to
    :data:`HEATMAP_MAX_JURORS`, colours only, every juror labelled. The figure grows with the
    jury up to 8.5 x 7.5 in (20 jurors). A larger jury gets :func:`juror_agreement_chart`. The
    alternative text names the least-agreeing pair and, when the cells show no value, the range
    of the pairs' agreement.
    """
    m = pairwise.pivot(index="juror_a", columns="juror_b", values="agreement")
    n_jurors = max(m.shape)
    if n_jurors > HEATMAP_MAX_JURORS:
        return juror_agreement_chart(pairwise)
    annotate = n_jurors <= ANNOTATE_MAX_JURORS
    width = 6.5 + 0.2 * min(max(n_jurors - 10, 0), 10)  # room for the values of up to 20 x 20 cells
    fig, ax = theme.figure(width, width - 1)
    sns.heatmap(m, annot=annotate, fmt=".2f", cmap=theme.SEQUENTIAL, vmin=0, vmax=1, square=True, ax=ax,
                xticklabels=1, yticklabels=1, cbar_kws={"label": "Part de niveaux identiques"},
                annot_kws={"fontsize": 8})
    for t in ax.texts:
        t.set_text(t.get_text().replace(".", ","))
    # Square cells are anchored left: centred, the constrained layout pushed the juror labels
    # past the figure's left edge.
    ax.set_anchor("W")
    ax.grid(False)  # the theme's grid showed through the blank cells
    if n_jurors > 12:  # twelve labels or more: the theme's size made them touch; 7 pt past 30 rows
        ax.tick_params(labelsize=8 if n_jurors <= 30 else 7)
    ax.set(xlabel="", ylabel="")
    fig.alt_text = "Carte de chaleur de l'accord entre paires de jurés" + _pairwise_summary_fr(pairwise, annotate)
    return fig


def juror_agreement_chart(pairwise: pd.DataFrame):
    """Each juror's agreement with the others, one row per juror: the median of the juror's pairs
    (point) and their 10th to 90th percentiles (line), the least agreeing juror first.

    What a heat map of a large jury shows by its light rows, said with a label on each row: at 80
    jurors, 80 rows in three columns instead of 6 320 cells of 6 px with one label in four.
    """
    d = pairwise.dropna(subset=["agreement"])
    per = (d.groupby(d["juror_a"].astype(str))["agreement"].quantile([0.1, 0.5, 0.9]).unstack()
           .rename(columns={0.1: "low", 0.5: "median", 0.9: "high"}).rename_axis("juror").reset_index()
           .sort_values(["median", "juror"], kind="stable", ignore_index=True))
    fig, axes, chunks, fontsize = theme.rows(max(len(per), 1))
    _row_forest(axes, chunks, fontsize, per, label="juror", x="median", low="low", high="high")
    for ax in axes:
        ax.set_xlim(0, 1)
        ax.xaxis.set_major_formatter(lambda v, _: fr.percent(v))
        ax.set(ylabel="")
    fig.supxlabel("Part de niveaux identiques avec chacun des autres jurés\n"
                  "point : médiane des paires du juré, trait : du 10e au 90e centile", fontsize=10)
    text = f"Accord de chacun des {fr.number(len(per))} jurés avec les autres (part de niveaux identiques)"
    if len(per):
        lo, hi = per.iloc[0], per.iloc[-1]
        text += (f" : médiane par juré de {fr.percent(lo['median'])} ({lo.juror}, le moins en accord) "
                 f"à {fr.percent(hi['median'])} ({hi.juror})")
    fig.alt_text = scale.alt_text(text + _pairwise_summary_fr(pairwise, True), text)
    return fig


def _pairwise_summary_fr(pairwise: pd.DataFrame, annotated: bool) -> str:
    """The least-agreeing pair (and how many pairs tie with it); the range when cells show no value."""
    d = pairwise.dropna(subset=["agreement"])
    # One row per pair: the frame has both orders (a, b) and (b, a), with the same agreement.
    a, b = d["juror_a"].astype(str), d["juror_b"].astype(str)
    pairs = (d.assign(first=a.where(a <= b, b), second=b.where(a <= b, a))
             .drop_duplicates(["first", "second"])
             .sort_values(["agreement", "first", "second"], kind="stable"))
    if pairs.empty:
        return ""
    low = pairs.iloc[0]
    ties = int((pairs["agreement"] == low.agreement).sum()) - 1
    text = (f" ; la paire la moins en accord : {low['first']} et {low['second']} ({fr.percent(low.agreement)})"
            + (f", à égalité avec {ties} autre{'s' if ties > 1 else ''} paire{'s' if ties > 1 else ''}"
               if ties else ""))
    if not annotated:
        text += (f" ; accord de {fr.percent(pairs['agreement'].min())} à {fr.percent(pairs['agreement'].max())} "
                 f"selon les paires (médiane {fr.percent(pairs['agreement'].median())}, {fr.number(len(pairs))} paires)")
    return text
