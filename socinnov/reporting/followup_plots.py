"""Figures of the follow-up of funded experiments (see ``socinnov.analysis.followup``).

As in ``socinnov.reporting.plots``: each function returns a matplotlib ``Figure`` with a French
``fig.alt_text``, colour-blind-safe palettes, French labels and number formats. Each one also
draws an explicit "no data" figure when the cohort has no follow-up yet, so that a report on a
young cohort still runs top to bottom.
"""

from __future__ import annotations

import io
import math

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from socinnov import fr
from socinnov.analysis.followup import project_lines
from socinnov.reporting import scale
from socinnov.reporting.display import drawn_texts, french_ticks
from socinnov.reporting.theme import PALETTE
from socinnov.reporting.theme import figure as _figure

__all__ = ["attrition_curve", "execution_chart", "indicator_lines", "project_trajectory", "trajectories"]

PROJECT_GREY = "#9a9a9a"
MAX_LINES = 150
"""Above this many experiments, a panel shows their spread by wave (grey bands: 10th-90th and
25th-75th percentiles) instead of one grey line each: 1 400 lines are an unreadable mass (issue 14)."""


def _panels(n: int, *, ncols: int = 3, width: float = 3.2, height: float = 2.8, sharey: bool = True):
    """A grid of ``n`` axes in the house theme; unused axes are hidden."""
    sns.set_theme(style="whitegrid", palette=PALETTE)
    ncols = max(1, min(n, ncols))
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(width * ncols, height * nrows), layout="constrained",
                             sharey=sharey, squeeze=False)
    flat = axes.ravel()
    for ax in flat[n:]:
        ax.set_visible(False)
    return fig, list(flat[:n])


def _months_axis(axes) -> None:
    """The time label once, under the lowest panel of each column."""
    lowest = {}
    for ax in axes:
        lowest[ax.get_subplotspec().colspan.start] = ax
    for ax in lowest.values():
        ax.set_xlabel("Mois depuis le démarrage")


def _colours(n: int) -> list:
    """One colour per panel while the palette has enough distinct ones; else a single colour."""
    palette = sns.color_palette(PALETTE)
    return palette[:n] if n <= len(palette) else [palette[0]] * n


def _empty(message: str):
    fig, ax = _figure(6, 1.6)
    ax.set_axis_off()
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=11)
    fig.alt_text = message
    return fig


def _level_axis(ax, levels: tuple[str, ...]) -> None:
    ax.set_ylim(-0.15, len(levels) - 0.85)
    ax.set_yticks(range(len(levels)), levels)


def _panel_title(ax, label: str) -> None:
    """A panel's title, at the top of the axes.

    ``y=1.0`` is where matplotlib's automatic placement puts it anyway (nothing is drawn above
    these axes: no top ticks, no offset text); set explicitly, it spares that placement, which
    measures every panel's y axis at each layout pass and each drawing (a good part of the
    saving time of the twelve-panel criteria figure). The images are the same.
    """
    ax.set_title(label, fontsize=10, y=1.0)


def _grey_lines(df: pd.DataFrame, panel: str, x: str, y: str) -> dict:
    """Each panel's experiment lines, ``{panel: [(n, 2) array of (x, y) per experiment]}``, the
    experiments in ``dossier_id`` order and each line's points in the frame's row order: what a
    ``groupby("dossier_id")`` of the panel's rows would plot, split once for all panels."""
    out: dict = {}
    for (key, _), own in df.groupby([panel, "dossier_id"], sort=True):
        out.setdefault(key, []).append(np.column_stack([own[x].to_numpy(float), own[y].to_numpy(float)]))
    return out


def _add_grey(ax, segments: list | None) -> None:
    """The experiments' grey lines of a panel, as one ``LineCollection``.

    Dozens of ``Line2D`` (one per experiment and panel: 200 on the criteria figure) cost more to
    make, lay out and draw than the rest of the figure; a single collection draws the same
    strokes: same width, colour and alpha (each line still blended on its own, so crossings
    darken as before), the caps and joins of ``Line2D``'s solid lines, and the same z-order (drawn
    where the first line was).
    """
    if not segments:
        return
    ax.add_collection(LineCollection(
        segments, colors=PROJECT_GREY, linewidths=0.8, alpha=0.45,
        capstyle=plt.rcParams["lines.solid_capstyle"], joinstyle=plt.rcParams["lines.solid_joinstyle"]))


def _spread(df: pd.DataFrame, panel: str, y: str) -> dict:
    """Per panel, the 10th, 25th, 75th and 90th percentiles of ``y`` by wave: ``{panel: frame}``."""
    q = df.groupby([panel, "wave_month"], sort=True)[y].quantile([0.1, 0.25, 0.75, 0.9]).unstack()
    return {key: own.droplevel(0) for key, own in q.groupby(level=0, sort=False)}


def _add_spread(ax, q: pd.DataFrame | None) -> None:
    """The experiments' spread of a panel as two grey bands (10-90 and 25-75 percentiles)."""
    if q is None:
        return
    x = q.index.to_numpy(float)
    ax.fill_between(x, q[0.1], q[0.9], color=PROJECT_GREY, alpha=0.25, linewidth=0)
    ax.fill_between(x, q[0.25], q[0.75], color=PROJECT_GREY, alpha=0.4, linewidth=0)


def _background(df: pd.DataFrame, panel: str, x: str, y: str):
    """What goes behind each panel's summary line: every experiment's line, or their spread when
    there are more than ``MAX_LINES``; returns ``(draw(ax, key), what it is in French)``."""
    if df["dossier_id"].nunique() > MAX_LINES:
        spread = _spread(df, panel, y)
        return (lambda ax, key: _add_spread(ax, spread.get(key)),
                f"en gris, {_SPREAD_FR.format(n=fr.number(df['dossier_id'].nunique()))} "
                "(du 10e au 90e centile, et du 25e au 75e plus foncé)")
    grey = _grey_lines(df, panel, x, y)
    return (lambda ax, key: _add_grey(ax, grey.get(key)), None)


_SPREAD_FR = "la dispersion des {n} expérimentations"


def _change_fr(summary: list[tuple[str, float, float]], first: int, last: int, *, decimals: int = 2) -> str:
    """« de 0 à 24 mois, de +0,37 (label) à +0,85 (label) »: the panels' smallest and largest change
    of their summary line between the first and last waves (an alternative text's summary)."""
    def signed(v: float) -> str:
        return ("+" if v > 0 else "") + fr.number(v, decimals)

    return (f"de {first} à {last} mois, évolution " +
            scale.extremes([b - a for _, a, b in summary], [g for g, _, _ in summary], fmt=signed))


def trajectories(scores: pd.DataFrame, means: pd.DataFrame, *, levels: tuple[str, ...]):
    """One panel per dimension (or criterion): each experiment's line in grey, the mean by wave
    with its confidence interval in colour."""
    if means.empty:  # the report says what is missing in a sentence, not in an image
        return None
    lines = project_lines(scores)
    groups = list(means[["group", "group_label"]].drop_duplicates().itertuples(index=False))
    fig, axes = _panels(len(groups))
    colours = _colours(len(groups))
    background, spread_text = _background(lines, "group", "wave_month", "score")
    # The panels share their y axis (limits, ticks, labels): set once, it holds for every panel;
    # setting it again on each panel only made tick objects that drawing makes anyway.
    _level_axis(axes[0], levels)
    summary, changes = [], []
    for ax, (group, label), colour in zip(axes, groups, colours):
        background(ax, group)
        m = means[means["group"] == group]
        ax.fill_between(m["wave_month"], m["ci_low"], m["ci_high"], color=colour, alpha=0.25, linewidth=0)
        ax.plot(m["wave_month"], m["mean"], "o-", color=colour, linewidth=2.2, label="moyenne (IC 95 %)")
        _panel_title(ax, label)
        ax.set_xticks(sorted(m["wave_month"].unique()))
        summary.append(f"{label} {fr.number(m['mean'].iloc[0], 2)} à {m['wave_month'].iloc[0]} mois, "
                       f"{fr.number(m['mean'].iloc[-1], 2)} à {m['wave_month'].iloc[-1]} mois")
        changes.append((label, m["mean"].iloc[0], m["mean"].iloc[-1]))
    _months_axis(axes)
    axes[0].legend(loc="lower right", fontsize=8)
    grey_text = spread_text or "trajectoire de chaque expérimentation en gris"
    n = lines["dossier_id"].nunique()
    months = sorted(means["wave_month"].unique())
    fig.alt_text = scale.alt_text(
        f"Score de réévaluation sur la grille d'acceptabilité à chaque vague : {grey_text}, "
        "moyenne avec son intervalle de confiance à 95 % en couleur ; moyennes : " + " ; ".join(summary),
        lambda: (f"Score moyen de réévaluation (grille d'acceptabilité) de {len(groups)} dimensions ou critères, "
                 f"avec son IC à 95 % ; en gris, "
                 + (_SPREAD_FR.format(n=fr.number(n)) if spread_text else f"les {fr.number(n)} expérimentations")
                 + " ; " + _change_fr(changes, months[0], months[-1])))
    return fig


def indicator_lines(long: pd.DataFrame, summary: pd.DataFrame):
    """One panel per indicator: each experiment in grey, the median by wave in colour."""
    if summary.empty:
        return None
    indicators = list(summary[["indicator", "indicator_label"]].drop_duplicates().itertuples(index=False))
    fig, axes = _panels(len(indicators), sharey=False)
    colours = _colours(len(indicators))
    background, spread_text = _background(long, "indicator", "wave_month", "value")
    text, changes = [], []
    for ax, (ind, label), colour in zip(axes, indicators, colours):
        background(ax, ind)
        s = summary[summary["indicator"] == ind]
        ax.plot(s["wave_month"], s["median"], "o-", color=colour, linewidth=2.2, label="médiane")
        _panel_title(ax, label)
        ax.set_xticks(sorted(s["wave_month"].unique()))
        ax.yaxis.set_major_formatter(lambda v, _: fr.number(v, 0 if float(v).is_integer() else 1))
        text.append(f"{label} : médiane {fr.number(s['median'].iloc[-1], 1)} à {s['wave_month'].iloc[-1]} mois")
        changes.append(f"{scale.label(label, 32)} {fr.number(s['median'].iloc[-1], 1)}")
    _months_axis(axes)
    axes[0].legend(loc="upper left", fontsize=8)
    what = f"Indicateurs à chaque vague ({spread_text})" if spread_text else \
        "Indicateurs de chaque expérimentation à chaque vague (en gris)"
    n = long["dossier_id"].nunique()
    last = int(summary["wave_month"].max())
    fig.alt_text = scale.alt_text(
        f"{what} et leur médiane ; " + " ; ".join(text),
        lambda: (f"Médiane de {len(indicators)} indicateurs à chaque vague ; en gris, "
                 + (_SPREAD_FR.format(n=fr.number(n)) if spread_text else f"les {fr.number(n)} expérimentations")
                 + f" ; à {last} mois : " + " ; ".join(changes)))
    return fig


def execution_chart(execution: pd.DataFrame):
    """Forecast against actual spending, per expense category, over the funded experiments."""
    if execution.empty:
        return None
    g = execution.groupby("category", sort=False)[["forecast", "spent"]].sum()
    long = g.rename(columns={"forecast": "prévu", "spent": "réalisé"}).reset_index().melt(
        id_vars="category", var_name="Montant", value_name="EUR")
    fig, ax = _figure(7, 3.2)
    sns.barplot(data=long, y="category", x="EUR", hue="Montant", ax=ax, palette=PALETTE)
    ax.xaxis.set_major_locator(MaxNLocator(4))
    ax.xaxis.set_major_formatter(lambda v, _: fr.euros(v))
    ax.set(xlabel="", ylabel="")
    ax.legend(title="", loc="upper right", fontsize=8)
    planned = g[g["forecast"] > 0]
    fig.alt_text = scale.alt_text(
        "Dépenses prévues et réalisées par catégorie : " + " ; ".join(
            f"{c} {fr.euros(r.forecast)} prévus, {fr.euros(r.spent)} réalisés ({fr.percent(r.spent / r.forecast)})"
            for c, r in planned.iterrows()),
        lambda: (f"Dépenses prévues et réalisées, {len(planned)} catégories : {fr.euros(planned['forecast'].sum())} "
                 f"prévus, {fr.euros(planned['spent'].sum())} réalisés "
                 f"({fr.percent(planned['spent'].sum() / planned['forecast'].sum())}) ; taux de réalisation "
                 + scale.extremes(planned["spent"] / planned["forecast"], planned.index, fmt=fr.percent)))
    return fig


def attrition_curve(km: pd.DataFrame):
    """Kaplan-Meier curve of the share of experiments still running, with its interval."""
    if km.empty or km["events"].sum() == 0:  # followup.attrition_reading says so in a sentence
        return None
    fig, ax = _figure(7, 3.2)
    colour = sns.color_palette(PALETTE)[0]
    ax.step(km["months"], km["survival"], where="post", color=colour, linewidth=2, label="encore en cours")
    ax.fill_between(km["months"], km["ci_low"], km["ci_high"], step="post", color=colour, alpha=0.2, linewidth=0,
                    label="IC 95 %")
    ax.set_ylim(0, 1.05)
    ax.set_xlim(0, max(24, float(km["months"].max()) + 1))
    ax.yaxis.set_major_formatter(lambda v, _: fr.percent(v))
    ax.set(xlabel="Mois depuis le démarrage", ylabel="Expérimentations en cours")
    ax.legend(loc="lower left", fontsize=8)
    last = km.iloc[-1]
    fig.alt_text = (f"Courbe de Kaplan-Meier des expérimentations encore en cours : {int(km['events'].sum())} abandon(s), "
                    f"{fr.percent(last['survival'])} encore en cours à la fin du suivi, {fr.number(last['months'])} mois "
                    "après le démarrage")
    return fig


def project_trajectory(lines: pd.DataFrame, means: pd.DataFrame, dossier_id: str, *, levels: tuple[str, ...],
                       position=None):
    """One experiment's score per dimension at each wave (solid) against the mean of all (dashed).

    ``position``: the axes' place, found once for a series of sheets
    (``socinnov.reporting.trajectory_sheets``); by default the figure is laid out on its own.
    :class:`TrajectorySeries` draws the same figure for many experiments at a fraction of the cost."""
    own = lines[lines["dossier_id"] == dossier_id]
    if own.empty:
        return _empty(f"Aucune réévaluation de {dossier_id} enregistrée.")
    fig, ax = _figure(6.5, 3.0, position=position)
    text = []
    for (group, label), colour in _trajectory_groups(means):
        mine = own[own["group"] == group]
        _mean_line(ax, means, group, colour)
        if mine.empty:
            continue
        _own_line(ax, mine["wave_month"], mine["score"], colour, label)
        text.append(_own_text(label, mine["score"].to_numpy(float)))
    _trajectory_axes(ax, means, levels)
    ax.legend(**_TRAJECTORY_LEGEND)
    fig.alt_text = _trajectory_alt(dossier_id, text)
    return fig


_TRAJECTORY_LEGEND = {"loc": "lower right", "fontsize": 8, "title": "en tirets : moyenne", "title_fontsize": 7}


def _trajectory_groups(means: pd.DataFrame) -> list:
    """``[((group, label), colour)]`` in the means' order: one colour per dimension."""
    groups = list(means[["group", "group_label"]].drop_duplicates().itertuples(index=False))
    return list(zip(groups, sns.color_palette(PALETTE, len(groups))))


def _mean_line(ax, means: pd.DataFrame, group: str, colour):
    m = means[means["group"] == group]
    return ax.plot(m["wave_month"], m["mean"], "--", color=colour, linewidth=1.2, alpha=0.8)[0]


def _own_line(ax, x, y, colour, label: str):
    return ax.plot(x, y, "o-", color=colour, linewidth=2, label=label)[0]


def _own_text(label: str, scores: np.ndarray) -> str:
    return f"{label} de {fr.number(scores[0], 2)} à {fr.number(scores[-1], 2)}"


def _trajectory_axes(ax, means: pd.DataFrame, levels: tuple[str, ...]) -> None:
    ax.set_xticks(sorted(means["wave_month"].unique()))
    _level_axis(ax, levels)
    ax.set(xlabel="Mois depuis le démarrage", ylabel="")


def _trajectory_alt(dossier_id: str, text: list[str]) -> str:
    return (f"Trajectoire de {dossier_id} sur la grille d'acceptabilité (moyenne des expérimentations en "
            "tirets) : " + " ; ".join(text))


class TrajectorySeries:
    """:func:`project_trajectory` for every experiment of a cohort, drawn on one figure.

    The sheets' figures differ only by the experiment's lines and the legend: the figure, its
    axes, grid, ticks and labels are drawn once, kept as pixels (Agg's ``copy_from_bbox``), and
    each experiment restores them and draws the rest on top (``draw_artist``), in the order a
    full drawing takes: the mean and own lines group by group, then the frame and the legend
    (above the lines, as their z-order puts them). The PNG is written from the canvas as
    ``savefig`` writes it, so :meth:`png` gives the bytes of ``figure_html(project_trajectory(...,
    position=position))`` (``tests/test_trajectory.py`` checks it sheet by sheet).

    An experiment whose points fall outside the waves of the means would have widened the time
    axis of its own figure: :meth:`png` returns ``None`` for it and the caller draws it alone.
    """

    def __init__(self, lines: pd.DataFrame, means: pd.DataFrame, *, levels: tuple[str, ...], position, dpi: int):
        self._own = dict(tuple(lines.groupby("dossier_id", sort=False)))  # split once, not per sheet
        sns.set_theme(style="whitegrid", palette=PALETTE)
        fig = Figure(figsize=(6.5, 3.0), dpi=dpi)  # the PNG's resolution: drawn once, at the saved size
        self.canvas = FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        ax.set_position(position)
        self.figure, self.ax = fig, ax
        self._groups = []  # (group, label, mean line, own line)
        for (group, label), colour in _trajectory_groups(means):
            mean = _mean_line(ax, means, group, colour)
            self._groups.append((group, label, mean, _own_line(ax, [], [], colour, label)))
        finite = means.loc[np.isfinite(means["wave_month"]) & np.isfinite(means["mean"]), "wave_month"]
        self._waves = (finite.min(), finite.max()) if len(finite) else None
        _trajectory_axes(ax, means, levels)
        french_ticks(fig)
        self._legends: dict[tuple, tuple] = {}  # per combination of groups: legend, its pixels, texts
        ax.legend_ = ax.legend(handles=[own for *_, own in self._groups], **_TRAJECTORY_LEGEND)
        self._front = self._foreground()
        self._legend_at = self._front.index(ax.legend_)
        for artist in self._front:
            artist.set_visible(False)
        self.canvas.draw()
        self._background = self.canvas.copy_from_bbox(fig.bbox)
        for artist in self._front:
            artist.set_visible(True)

    def _foreground(self) -> list:
        """The axes' artists from the first data line on, in the order ``Axes.draw`` takes them
        (stable sort by z-order): what each experiment draws over the kept background."""
        artists = sorted((a for a in self.ax.get_children() if a is not self.ax.patch), key=lambda a: a.zorder)
        return artists[artists.index(self._groups[0][2]):]

    def _legend(self, present: tuple) -> tuple:
        """The legend of the experiments that have these groups, made once per combination, with
        the pixels of the region it covers when no experiment line passes there (drawn over the
        background, the mean lines and the frame: what any sheet of these groups shows there when
        its own lines stay clear of it) and the figure's drawn texts (``drawn_texts``)."""
        if present not in self._legends:
            ax = self.ax
            handles = [own for group, _, _, own in self._groups if group in present]
            legend = ax.legend(handles=handles, **_TRAJECTORY_LEGEND)
            self.canvas.restore_region(self._background)
            for artist in self._front:
                if artist not in {own for *_, own in self._groups}:
                    ax.draw_artist(legend if artist is self._front[self._legend_at] else artist)
            # the frame's edge straddles the legend's box, antialiasing adds a pixel: a margin
            box = legend.get_window_extent(self.canvas.get_renderer()).padded(_MARGIN_PX)
            self._legends[present] = (legend, box, self.canvas.copy_from_bbox(box), drawn_texts(self.figure))
        return self._legends[present]

    def _clear_of(self, box, x: np.ndarray, y: np.ndarray) -> bool:
        """Whether a line through these points, with its markers, draws no pixel inside ``box``
        (straight segments stay inside their points' bounding box)."""
        shown = np.isfinite(x) & np.isfinite(y)
        if not shown.any():
            return True
        px = self.ax.transData.transform(np.column_stack([x[shown], y[shown]]))
        line = self._groups[0][3]
        pad = ((line.get_markersize() / 2 + line.get_markeredgewidth() + line.get_linewidth()) / 72 * self.figure.dpi
               + _MARGIN_PX)
        return (px[:, 0].max() + pad < box.x0 or px[:, 0].min() - pad > box.x1
                or px[:, 1].max() + pad < box.y0 or px[:, 1].min() - pad > box.y1)

    def png(self, dossier_id: str) -> tuple[bytes, str, list[str]] | None:
        """The experiment's figure: ``(PNG bytes, alternative text, drawn texts)``; ``None`` when it
        has no line or points outside the means' waves (then drawn alone, see the class)."""
        own = self._own.get(dossier_id)
        if own is None or self._waves is None:
            return None
        x, y = own["wave_month"].to_numpy(float), own["score"].to_numpy(float)
        shown = np.isfinite(x) & np.isfinite(y)
        if shown.any() and (x[shown].min() < self._waves[0] or x[shown].max() > self._waves[1]):
            return None
        groups = own["group"].to_numpy()
        text, present, mine_xy = [], [], []
        for group, label, _, line in self._groups:
            mine = groups == group
            line.set_visible(bool(mine.any()))
            if mine.any():
                line.set_data(x[mine], y[mine])
                text.append(_own_text(label, y[mine]))
                present.append(group)
                mine_xy.append((x[mine], y[mine]))
        legend, box, pixels, texts = self._legend(tuple(present))
        self.ax.legend_ = legend
        self.canvas.restore_region(self._background)
        for i, artist in enumerate(self._front):
            if i != self._legend_at:
                self.ax.draw_artist(artist)
            elif all(self._clear_of(box, *xy) for xy in mine_xy):
                self.canvas.restore_region(pixels)  # the legend over what lies under it in every such sheet
            else:
                self.ax.draw_artist(legend)
        buf = io.BytesIO()
        mpl.image.imsave(buf, self.canvas.buffer_rgba(), format="png", origin="upper", dpi=self.figure.dpi)
        return buf.getvalue(), _trajectory_alt(dossier_id, text), texts


_MARGIN_PX = 3
