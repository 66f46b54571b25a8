"""The demo jury: the ``jurors`` and ``conflicts`` tables, and who rates which dossier.

Nine fictitious members rate each eligible dossier three or four at a time, in a connected
incomplete design that honours the declared conflicts of interest.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from socinnov.demo import content
from socinnov.demo.drawing import pick, typed
from socinnov.demo.profiles import Profile

__all__ = ["N_JURORS", "is_connected", "make_conflicts", "make_design", "make_jurors"]

N_JURORS = 9


def make_jurors(rng: np.random.Generator, n_jurors: int = N_JURORS) -> pd.DataFrame:
    """The ``jurors`` table: fictitious members of the preparatory jury, with their role."""
    all_names = content.JURY["juror_names"]
    names = [all_names[int(i)] for i in rng.permutation(len(all_names))[:n_jurors]]
    rows = [
        {"juror_id": f"J{k + 1:02d}", "name": name, "role": seat["role"], "structure": seat["structure"]}
        for k, (name, seat) in enumerate(zip(names, content.JURY["juror_panel"]))
    ]
    return typed(rows, "jurors")


def make_conflicts(rng: np.random.Generator, profiles: list[Profile], jurors: pd.DataFrame) -> pd.DataFrame:
    """The ``conflicts`` table: about one declared conflict of interest per 15 dossiers (3 to 10)."""
    n_conflicts = int(np.clip(round(len(profiles) / 15), 3, 10))
    eligible = [p.dossier_id for p in profiles if p.eligible]
    juror_ids = list(jurors["juror_id"])
    pairs: set[tuple[str, str]] = set()
    rows = []
    while len(rows) < n_conflicts:
        pair = (pick(rng, juror_ids), pick(rng, eligible))
        if pair in pairs:
            continue
        pairs.add(pair)
        rows.append({"juror_id": pair[0], "dossier_id": pair[1],
                     "reason": pick(rng, content.JURY["conflict_reasons"])})
    rows.sort(key=lambda r: (r["dossier_id"], r["juror_id"]))
    return typed(rows, "conflicts")


def is_connected(design: dict[str, list[str]]) -> bool:
    """Whether the juror-dossier bipartite graph of a design forms a single component.

    Parameters
    ----------
    design : dict of str to list of str
        Juror ids of each dossier id.

    Returns
    -------
    bool
        True when every pair of dossiers is linked through a chain of shared jurors.

    Examples
    --------
    >>> is_connected({"D1": ["J1", "J2"], "D2": ["J2", "J3"]})
    True
    >>> is_connected({"D1": ["J1"], "D2": ["J2"]})
    False
    """
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for dossier, jurors in design.items():
        for juror in jurors:
            parent[find("d:" + dossier)] = find("j:" + juror)
    roots = {find("d:" + d) for d in design}
    return len(roots) <= 1


def make_design(rng: np.random.Generator, dossier_ids: list[str], juror_ids: list[str],
                conflicts: pd.DataFrame) -> dict[str, list[str]]:
    """Assign 3 or 4 jurors to each eligible dossier: balanced loads, conflicts avoided, connected.

    Parameters
    ----------
    rng : numpy.random.Generator
        The cohort's generator.
    dossier_ids : list of str
        The dossiers to rate (the eligible ones).
    juror_ids : list of str
        The jury.
    conflicts : pandas.DataFrame
        The ``conflicts`` table; a juror never rates a dossier they are in conflict with.

    Returns
    -------
    dict of str to list of str
        Sorted juror ids of each dossier; the design is connected (:func:`is_connected`).
    """
    barred = set(zip(conflicts["juror_id"], conflicts["dossier_id"]))
    for _ in range(100):
        load = dict.fromkeys(juror_ids, 0)
        design: dict[str, list[str]] = {}
        for dossier in dossier_ids:
            k = 4 if rng.random() < 0.4 else 3
            allowed = [j for j in juror_ids if (j, dossier) not in barred]
            jitter = rng.random(len(allowed))
            ranked = sorted(zip(allowed, jitter), key=lambda t: (load[t[0]] + 2.5 * t[1], t[0]))
            chosen = sorted(j for j, _ in ranked[:k])
            for j in chosen:
                load[j] += 1
            design[dossier] = chosen
        if is_connected(design):
            return design
    raise RuntimeError("could not draw a connected rating design")
