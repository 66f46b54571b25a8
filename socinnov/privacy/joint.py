"""Joint suppression: every table a public release shows, protected together and proven so.

Table by table, secondary suppression (``disclosure.protect_linked``) leaves no line of a table
with a single suppressed cell. That is not enough once the tables are read together: the
laureate list names the funded dossiers, the funnel gives the retained ones, and their
difference bounds the re-oriented ones from above, however the profiles are suppressed. An
attacker reading every table at once is the audit's integer programme
(``socinnov.privacy.attacker``); here it runs on the tables *before* they are shown, and while
some sensitive suppressed quantity is not protected (its interval does not reach the margin
around its value, ``attacker.check``), one more published cell is suppressed: among the cells
whose equations hold the violated end of the interval (non-zero dual values of the linear
programme), the smallest count. Removing an equation only widens every interval, so the loop
ends, after at most one step per published cell.

This is the audit-and-repair loop of cell suppression over linked tables (Hundepool et al.
2012, *Statistical Disclosure Control*, §4.4.3 "linked tables" and §4.2.4 "audit"), greedy
rather than optimal: τ-ARGUS's optimal method needs a commercial solver and reads its own table
formats, sdcTable is R; neither protects a table against a name list published beside it.
The laureate list and the number of dossiers filed are never suppressed (the region publishes
them). The release gate audits the files as written, open dataset included, whatever this did.
"""

from __future__ import annotations

import pandas as pd

from socinnov.privacy.attacker import (
    Model,
    StarModel,
    changes,
    check,
    count_quantities,
    required_margin,
)
from socinnov.privacy.published import Cell, Release

MAX_STEPS = 200
"""A safety net: each step suppresses one more published cell, a public release has fewer."""


def extra_suppressions(cells: list[Cell], truth: pd.DataFrame, *, min_count: int,
                       fixed: frozenset[str] = frozenset(),
                       earlier: tuple[Release, pd.DataFrame] | None = None) -> list[Cell]:
    """The published cells to suppress on top of ``cells`` (the public tables as the audit reads
    them, ``value`` ``None`` where already suppressed) so that every sensitive quantity is
    protected against all of them together. Cells of a source in ``fixed`` and the grand total
    stay published. A quantity that only fixed cells bound is left as is: the release gate will
    then withhold the release, naming it.

    ``earlier``: the cohort's latest release in the ledger (what it published, each dossier's
    type then, under the ledger's hashed ids, ``truth`` hashed alike): read together with it,
    the dossiers that left since (withdrawn, or changed) must not be pinned down either
    (``attacker.changes``); only this release's cells can still be suppressed."""
    extra: list[Cell] = []
    hidden: set[int] = set()
    for _ in range(MAX_STEPS):
        current = [c if id(c) not in hidden else _suppressed(c) for c in cells]
        release = Release(cells=current)
        model = StarModel(release) if earlier is None else StarModel([("antérieure", earlier[0]),
                                                                     ("courante", release)])
        step = _next_suppression(model, release, truth, min_count, fixed, earlier)
        if step is None:
            return extra
        original = next(c for c in cells if c is step or (c.source, c.label) == (step.source, step.label))
        hidden.add(id(original))
        extra.append(original)
    return extra


def _suppressed(cell: Cell) -> Cell:
    return Cell(cell.source, cell.label, cell.pred, None, cell.domain, cell.kind, at=cell.at)


def _next_suppression(model: Model, release: Release, truth: pd.DataFrame, min_count: int,
                      fixed: frozenset[str], earlier) -> Cell | None:
    """The cell to suppress next, or ``None`` when every sensitive quantity is protected (or
    when what bounds the unprotected ones cannot be suppressed)."""
    quantities = [(q, False) for q in count_quantities(model, release, truth, min_count)]
    if earlier is not None:
        quantities += [(q, True) for q in changes(model, earlier[1], truth)]
    for (_label, _source, expr, v, sensitive), withdrawn in quantities:
        if not sensitive:
            continue
        low, high, safe = check(model, expr, v, sensitive, withdrawn=withdrawn)
        if safe:
            continue
        m = required_margin(v)
        if withdrawn:  # the attacker must be unable to prove that all of them held the value
            ends = [False]
        else:  # the ends that fall short; both when only the integer check failed
            ends = [e for e, short in ((True, high < v + m), (False, low > v - m)) if short] or [True, False]
        candidates = [cell for upper in ends for tag, cell in model.binding(expr, upper=upper)
                      if tag == "courante" and cell.pred and cell.at and cell.source not in fixed]
        if candidates:
            return min(candidates, key=lambda c: (c.value, c.source, c.label))
    return None
