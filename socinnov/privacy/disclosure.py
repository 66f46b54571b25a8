"""Statistical disclosure control for public outputs: no cell, margin or combination that
singles out a porteur.

Rules (defaults follow the ``min_count`` of the issue, 5; dominance as ACRO's nk-rule):

* **threshold**: a count (or the number of contributors to an amount) between 1 and
  ``min_count - 1`` is suppressed (primary suppression). Zeros are published.
* **dominance**: an amount is suppressed when its ``n`` largest contributions make more than
  ``k`` of it (default n = 2, k = 85 %), since the largest contributor could then deduce the
  others' (or be deduced).
* **secondary suppression**: margins and totals are published, so a line (row or column,
  margins included) with exactly one suppressed cell would give it back by subtraction;
  the smallest other cell of that line is suppressed too, until no line has exactly one.
* **rare combinations**: a dossier whose combination of quasi-identifiers (département,
  category of porteur, stage, decision, amount band) matches fewer than ``min_count``
  dossiers has those attributes suppressed (``"secret"``), one at a time (local suppression,
  a suppressed value matching any value), until every dossier matches ``min_count`` or more.

Why not ACRO (the output checker of trusted research environments): it applies threshold,
nk and p-ratio rules but no secondary suppression, pins pandas <= 2.3 (the kit uses pandas 3)
and brings rdflib and lxml; the rules above are short, and tested here (docs/decisions.md).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SECRET = "secret"
MIN_COUNT = 5
NK_N, NK_K = 2, 0.85


def _protect(values: np.ndarray, sensitive: np.ndarray) -> tuple[np.ndarray, int]:
    """Secondary suppression on a table *with* its margins (last row and last column).

    ``values`` is (R+1, C+1) with margins; ``sensitive`` marks cells to suppress. Returns the
    final mask and the number of secondary suppressions.
    """
    mask = sensitive.copy()
    n_secondary = 0
    changed = True
    while changed:
        changed = False
        for axis in (0, 1):
            lines = mask.shape[axis]
            for i in range(lines):
                line_mask = mask[i, :] if axis == 0 else mask[:, i]
                if line_mask.sum() != 1:
                    continue
                line_vals = values[i, :] if axis == 0 else values[:, i]
                candidates = np.where(~line_mask)[0]
                if len(candidates) == 0:
                    continue
                # prefer interior, non-zero, small cells; margins last
                last = len(line_mask) - 1
                key = [(j == last, line_vals[j] == 0, line_vals[j]) for j in candidates]
                j = candidates[min(range(len(candidates)), key=lambda t: key[t])]
                if axis == 0:
                    mask[i, j] = True
                else:
                    mask[j, i] = True
                n_secondary += 1
                changed = True
    return mask, n_secondary


def protect_counts(table: pd.DataFrame, *, min_count: int = MIN_COUNT, total: str = "Total") -> pd.DataFrame:
    """A two-way (or one-column) count table, margins added, small cells suppressed.

    Returns an object frame where suppressed cells read ``"secret"``; ``attrs`` holds
    ``primary`` and ``secondary`` (numbers of suppressed cells) and ``mask``.
    """
    t = table.astype(int)
    full = t.copy()
    full[total] = t.sum(axis=1)
    full.loc[total] = full.sum(axis=0)
    values = full.to_numpy()
    sensitive = (values > 0) & (values < min_count)
    mask, n_secondary = _protect(values, sensitive)
    out = full.astype(object).mask(mask, SECRET)
    out.attrs.update(primary=int(sensitive.sum()), secondary=n_secondary, mask=mask)
    return out


def crosstab(df: pd.DataFrame, row: str, col: str | None = None, *, min_count: int = MIN_COUNT,
             row_label: str | None = None) -> pd.DataFrame:
    """Counts of dossiers by ``row`` (and ``col``), protected by :func:`protect_counts`."""
    table = (pd.crosstab(df[row], df[col]) if col else df[row].value_counts().sort_index().to_frame("Dossiers"))
    table.columns.name = None
    out = protect_counts(table, min_count=min_count)
    out.index.name = row_label or row
    return out


def dominated(contributions: pd.Series, *, n: int = NK_N, k: float = NK_K) -> bool:
    """nk-rule: the ``n`` largest contributions exceed ``k`` of the total."""
    total = contributions.sum()
    return bool(total > 0 and contributions.nlargest(n).sum() > k * total)


def protect_amounts(df: pd.DataFrame, by: str, value: str, *, min_count: int = MIN_COUNT, n: int = NK_N,
                    k: float = NK_K, total: str = "Total") -> pd.DataFrame:
    """Sum of ``value`` by ``by`` with a total; cells with too few contributors or dominated by
    their largest ones are suppressed, with secondary suppression against the total."""
    groups = df.groupby(by)[value]
    sums = groups.sum()
    counts = groups.size()
    flags = np.array([(0 < counts[g] < min_count) or dominated(groups.get_group(g), n=n, k=k) for g in sums.index])
    values = np.append(sums.to_numpy(), sums.sum())
    sens = np.append(flags, (0 < len(df) < min_count) or dominated(df[value], n=n, k=k))
    mask, _ = _protect(values[:, None].repeat(2, axis=1), np.c_[sens, sens])
    out = pd.DataFrame({value: values}, index=list(sums.index) + [total]).astype(object)
    out[value] = out[value].mask(mask[:, 0], SECRET)
    out.index.name = by
    out.attrs.update(primary=int(sens.sum()), secondary=int(mask[:, 0].sum() - sens.sum()))
    return out


def _compatible_counts(codes: np.ndarray) -> np.ndarray:
    """For each row, how many rows match it on every column, ``-1`` (suppressed) matching anything."""
    n = len(codes)
    out = np.zeros(n, dtype=int)
    for start in range(0, n, 512):  # blocks keep memory at 512 x n x q booleans
        block = codes[start:start + 512, None, :]
        match = (block == codes[None, :, :]) | (block < 0) | (codes[None, :, :] < 0)
        out[start:start + 512] = match.all(axis=2).sum(axis=1)
    return out


def generalise_rare(df: pd.DataFrame, quasi: list[str], *, min_count: int = MIN_COUNT) -> pd.DataFrame:
    """Local suppression until every dossier is indistinguishable from ``min_count - 1`` others.

    A suppressed value (``"secret"``) matches any value, as in sdcMicro's ``localSuppression``
    (Templ, Kowarik & Meindl 2015, *Journal of Statistical Software* 67(4)). While some dossier
    matches fewer than ``min_count`` dossiers on ``quasi``, its next attribute in ``quasi``
    order is suppressed (put the attributes the analyses need most at the end). Dossiers still
    too rare with every attribute suppressed are left out.
    """
    out = df.copy()
    codes = np.column_stack([pd.factorize(out[c])[0] for c in quasi]) if quasi else np.zeros((len(out), 0), int)
    while True:
        rare = _compatible_counts(codes) < min_count
        if not rare.any():
            break
        progressed = False
        for i in np.flatnonzero(rare):
            j = next((j for j in range(codes.shape[1]) if codes[i, j] >= 0), None)
            if j is not None:
                codes[i, j] = -1
                progressed = True
        if not progressed:
            break
    for j, col in enumerate(quasi):
        out[col] = out[col].astype(object).mask(codes[:, j] < 0, SECRET)
    keep = _compatible_counts(codes) >= min_count
    return out[keep]


def unsafe_records(df: pd.DataFrame, quasi: list[str], *, min_count: int = MIN_COUNT) -> pd.DataFrame:
    """Rows that match fewer than ``min_count`` rows on ``quasi`` (``"secret"`` matching anything)."""
    codes = np.column_stack([np.where(df[c].astype(object) == SECRET, -1, pd.factorize(df[c])[0]) for c in quasi])
    return df[_compatible_counts(codes) < min_count]


def rare_combinations(df: pd.DataFrame, quasi: list[str], *, min_count: int = MIN_COUNT) -> pd.DataFrame:
    """Combinations of ``quasi`` shared by fewer than ``min_count`` rows (to check a release)."""
    sizes = df.groupby(quasi, dropna=False).size().rename("n").reset_index()
    return sizes[sizes["n"] < min_count]


def protect_linked(tables: dict[str, pd.DataFrame], *, min_count: int = MIN_COUNT,
                   hidden: dict[str, list] | None = None, total: str = "Total") -> dict[str, pd.DataFrame]:
    """Secondary suppression applied jointly to tables that share margins.

    ``tables`` are count tables (rows x columns, no margins) of the same dossiers: the profiles
    by legal group, stage or département against the decision share their decision totals
    (a column margin of one is a column margin of the others, by label) and every table shares
    the grand total (the funnel's « Dossiers déposés »). Suppressed alone, each table is safe;
    published together, a margin suppressed in one table and shown in another gives the cells
    back. Here a margin cell suppressed in one table is suppressed in every table that shows it,
    and each table's suppression is run again, until nothing changes (the iteration of
    τ-ARGUS's "hypercube" method over linked tables, Hundepool et al. 2012, *Statistical
    Disclosure Control*, §4.4.3 and §4.5).

    ``hidden`` names, per table, rows that are not shown but that a reader derives from the
    grand total (the dossiers from outside the region under a map of the region's
    départements): a small one takes part in the suppression like a suppressed cell, then is
    dropped from the returned table. Returns the tables with margins, « secret » where
    suppressed; ``attrs`` as :func:`protect_counts`."""
    hidden = hidden or {}
    fulls, masks, sensitive = {}, {}, {}
    for name, t in tables.items():
        full = t.astype(int).copy()
        full[total] = full.sum(axis=1)
        full.loc[total] = full.sum(axis=0)
        fulls[name] = full
        values = full.to_numpy()
        sens = (values > 0) & (values < min_count)
        sensitive[name] = sens
        masks[name] = sens.copy()  # a hidden row is protected like a shown one, by its small cells
    while True:
        for name in tables:
            masks[name], _ = _protect(fulls[name].to_numpy(), masks[name])
        shared: dict[str, bool] = {}
        for name, full in fulls.items():
            for j, col in enumerate(full.columns):
                shared[col] = shared.get(col, False) or bool(masks[name][-1, j])
        changed = False
        for name, full in fulls.items():
            for j, col in enumerate(full.columns):
                if shared[col] and not masks[name][-1, j]:
                    masks[name][-1, j] = True
                    changed = True
        if not changed:
            break
    out = {}
    for name, full in fulls.items():
        frame = full.astype(object).mask(masks[name], SECRET)
        keep = [r not in hidden.get(name, ()) for r in full.index]
        frame = frame[keep]
        frame.attrs.update(primary=int(sensitive[name].sum()),
                           secondary=int(masks[name].sum() - sensitive[name].sum()), mask=masks[name][keep])
        out[name] = frame
    return out
