"""Evaluating agreement statistics with their unit-bootstrap intervals.

A statistic is a :class:`Stat`: its point estimate, notes, and a *kernel* that evaluates it on a
chunk of bootstrap replicates (each a vector of unit multiplicities, see the package docstring).
:func:`evaluate` draws the resamples once for every statistic asked for and returns the tidy table
``statistic, estimate, ci_low, ci_high, note``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from socinnov.analysis.agreement.ratings import AgreementInputError, Ratings, forget_products

__all__ = [
    "Stat",
    "evaluate",
    "lazy",
    "nan_stat",
    "weight_chunks",
]

_COLUMNS = ["statistic", "estimate", "ci_low", "ci_high", "note"]
# Bootstrap chunks hold at most this many unit weights (b x n floats, ~20 MB).
_CHUNK_CELLS = 2_500_000


# The last resamples drawn, kept when they hold at most this many weights (80 MB): the criteria
# of a grid have the same units and seed, hence the same resamples, drawn once instead of once
# per criterion (a third of an agreement table's time at 10 000 dossiers).
_KEPT_CELLS = 10_000_000
_LAST = threading.local()


def weight_chunks(n: int, n_boot: int, seed, width: int = 1) -> Iterator[np.ndarray]:
    """Bootstrap resamples of units as multiplicity vectors, in chunks (b x n), read-only.

    ``width`` is the largest number of cells a kernel computes per replicate (q^2 for
    the coincidence matrix); chunks are sized so that b * max(n, width) stays bounded.
    The resamples do not depend on the chunk size.
    """
    chunk = max(1, min(n_boot, _CHUNK_CELLS // max(n, width, 1)))
    key = (n, n_boot, chunk, seed if isinstance(seed, int | None) else None)
    kept = getattr(_LAST, "chunks", None)
    if key[3] is not None and kept is not None and kept[0] == key:
        yield from kept[1]
        return
    chunks = []
    for w in _draw_chunks(n, n_boot, seed, chunk):
        w.flags.writeable = False  # shared by the next statistics on the same units
        if key[3] is not None and n * n_boot <= _KEPT_CELLS:
            chunks.append(w)
        yield w
    _LAST.chunks = (key, chunks) if chunks else None


def _draw_chunks(n: int, n_boot: int, seed, chunk: int) -> Iterator[np.ndarray]:
    rng = np.random.default_rng(seed)
    done = 0
    while done < n_boot:
        b = min(chunk, n_boot - done)
        # One draw of b x n: numpy's Generator gives the same stream as b draws of n, so the
        # resamples still do not depend on the chunk size (tests/test_agreement.py checks it).
        idx = rng.integers(0, n, size=(b, n))
        idx += (np.arange(b) * n)[:, None]
        yield np.bincount(idx.ravel(), minlength=b * n).reshape(b, n).astype(float)
        done += b


@dataclass
class Stat:
    """One or several statistics sharing a kernel (internal)."""

    names: tuple
    estimate: np.ndarray
    notes: list
    kernel: Callable[[np.ndarray], np.ndarray] | None = None  # (b x n) -> (b x len(names))
    ci: np.ndarray | None = None  # analytic CI (len(names) x 2), e.g. exact ICC intervals
    ci_note: str | None = None


def evaluate(stats: list[Stat], rt: Ratings, n_boot: int, seed, confidence: float) -> pd.DataFrame:
    if not 0 < confidence < 1:
        raise AgreementInputError("le niveau de confiance doit être strictement entre 0 et 1")
    if n_boot < 0:
        raise AgreementInputError("le nombre de rééchantillonnages bootstrap doit être positif")
    boot = [s for s in stats if s.kernel is not None and s.ci is None
            and np.any(np.isfinite(s.estimate))]
    reps = {id(s): [] for s in boot}
    if n_boot > 0 and boot:
        with np.errstate(divide="ignore", invalid="ignore"):
            for w in weight_chunks(rt.n, n_boot, seed, width=rt.q * rt.q):
                for s in boot:
                    reps[id(s)].append(np.asarray(s.kernel(w)).reshape(len(w), -1))
            forget_products()  # the last chunk's products are not kept
    alpha = (1 - confidence) / 2
    pct = f"{confidence * 100:g}".replace(".", ",")
    rows = []
    for s in stats:
        low = np.full(len(s.names), np.nan)
        high = np.full(len(s.names), np.nan)
        ci_note = None
        if s.ci is not None:
            low, high = s.ci[:, 0], s.ci[:, 1]
            ci_note = s.ci_note
        elif id(s) in reps and reps[id(s)]:
            r = np.concatenate(reps[id(s)], axis=0)
            ok = np.isfinite(r)
            for j in range(r.shape[1]):
                if ok[:, j].sum() >= 2:
                    low[j], high[j] = np.quantile(r[ok[:, j], j], [alpha, 1 - alpha])
            ci_note = (f"IC {pct} % bootstrap percentile ({n_boot} rééchantillonnages des unités, "
                       f"graine {seed})")
            if (~ok).any():
                ci_note += f", {int((~ok).any(axis=1).sum())} répliques non calculables écartées"
        for j, name in enumerate(s.names):
            est = float(s.estimate[j])
            note = [s.notes[j]] if s.notes[j] else []
            if not np.isfinite(est) and s.kernel is not None:
                note.append("non calculable sur ces données (dénominateur nul : notes sans "
                            "variation)")
            if np.isfinite(est):
                if ci_note:
                    note.append(ci_note)
                elif n_boot == 0 and s.kernel is not None:
                    note.append("sans IC (bootstrap non demandé)")
            rows.append({"statistic": name, "estimate": est if np.isfinite(est) else np.nan,
                         "ci_low": low[j] if np.isfinite(est) else np.nan,
                         "ci_high": high[j] if np.isfinite(est) else np.nan,
                         "note": " ; ".join(note)})
    return pd.DataFrame(rows, columns=_COLUMNS)


def lazy(build: Callable[[], Callable[[np.ndarray], np.ndarray]]) -> Callable[[np.ndarray], np.ndarray]:
    """A kernel built on its first call: its per-unit matrices cost nothing when the estimate
    comes from a library and no bootstrap is asked for."""
    built: list = []

    def kernel(w: np.ndarray) -> np.ndarray:
        if not built:
            built.append(build())
        return built[0](w)

    return kernel


def nan_stat(names, reason) -> Stat:
    names = tuple(names)
    return Stat(names, np.full(len(names), np.nan), [reason] * len(names))
