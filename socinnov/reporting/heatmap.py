"""An annotated heatmap drawn as ``seaborn.heatmap`` draws it, without its extra drawing.

``seaborn.heatmap`` draws the whole figure once (``fig.canvas.draw()``, constrained layout
included) before annotating, only to find whether its own tick labels overlap and should be
turned; the report figures then replace those labels with their own, turned as they choose.
That drawing was a third of the time of each heatmap of the criteria report (three per report,
two audiences). :func:`annotated_heatmap` makes the same artists in the same order (a
``pcolormesh`` on hidden spines, the colorbar without outline, the values written in each cell
in dark grey or white after the cell's luminance) and sets the tick labels it is given; the
saved images are the same, byte for byte (``tests/test_report_heatmap.py``).
"""

from __future__ import annotations

import matplotlib as mpl
import numpy as np
import pandas as pd

__all__ = ["annotated_heatmap", "relative_luminance"]


def relative_luminance(colours) -> np.ndarray:
    """W3C relative luminance of RGBA colours (WCAG 2.0, « relative luminance »), as seaborn
    chooses the colour of a cell's value: dark grey above 0,408, white below."""
    rgb = mpl.colors.to_rgba_array(colours)[:, :3]
    rgb = np.where(rgb <= 0.03928, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    return rgb.dot([0.2126, 0.7152, 0.0722])


def annotated_heatmap(ax, data: pd.DataFrame, *, cmap: str, vmin: float, vmax: float, fmt: str = ".2f",
                      mask: np.ndarray | None = None, square: bool = False, xticklabels=None, yticklabels=None,
                      cbar_kws: dict | None = None, annot_kws: dict | None = None):
    """``data`` as coloured cells with their value written in each, on ``ax``; returns the colorbar.

    Cells where ``mask`` is true or the value is missing are left blank. Tick labels are the
    columns and index of ``data`` unless given; ``cmap`` is taken as is (``vmin`` and ``vmax``
    symmetric around the centre of a diverging map, as the reports use them).
    """
    values = data.to_numpy(dtype=float)
    hidden = np.isnan(values) if mask is None else (np.asarray(mask, dtype=bool) | np.isnan(values))
    plot_data = np.ma.masked_where(hidden, values)
    for spine in ax.spines.values():
        spine.set_visible(False)
    if square:
        ax.set_aspect("equal")
    mesh = ax.pcolormesh(plot_data, cmap=mpl.colormaps[cmap], vmin=vmin, vmax=vmax, linewidths=0,
                         edgecolor="white")
    ax.set(xlim=(0, values.shape[1]), ylim=(0, values.shape[0]))
    ax.invert_yaxis()
    cbar = ax.figure.colorbar(mesh, None, ax, **(cbar_kws or {}))
    cbar.outline.set_linewidth(0)
    ax.set(xticks=np.arange(values.shape[1]) + 0.5, yticks=np.arange(values.shape[0]) + 0.5)
    ax.set_xticklabels(list(data.columns) if xticklabels is None else xticklabels)
    for label in ax.set_yticklabels(list(data.index) if yticklabels is None else yticklabels, rotation="vertical"):
        label.set_va("center")
    ax.set(xlabel="", ylabel="")
    _place(ax.figure)
    mesh.update_scalarmappable()
    dark = relative_luminance(mesh.get_facecolors()) > 0.408
    ys, xs = np.meshgrid(np.arange(values.shape[0]) + 0.5, np.arange(values.shape[1]) + 0.5, indexing="ij")
    for x, y, m, is_dark, v in zip(xs.flat, ys.flat, np.ma.getmaskarray(plot_data).flat, dark, values.flat):
        if not m:
            ax.text(x, y, format(v, fmt), **({"color": ".15" if is_dark else "w", "ha": "center", "va": "center"}
                                             | (annot_kws or {})))
    return cbar


def _place(fig) -> None:
    """Lay the figure out at this point, as seaborn's drawing did (its constrained layout starts
    the final one from these positions: without it the axes move by a few pixels)."""
    engine = fig.get_layout_engine()
    if engine is not None:
        engine.execute(fig)
