"""Assigning jurors to dossiers so that juror severities can be estimated once they have rated.

A design gives each dossier ``K`` jurors, never a juror in declared conflict with it, with
loads as even as possible (max − min ≤ 1 by default, or at most ``max_load`` each); it must be
*connected* (every dossier linked to every other through shared jurors, see
:func:`socinnov.analysis.juror_effects.design_components`), otherwise a dossier's score and its
jurors' severity cannot be told apart; and, in the spirit of a balanced incomplete block design
(jurors as the "treatments", dossiers as blocks of size ``K``), every pair of jurors should sit
together on as nearly the same number of dossiers as the numbers allow, which makes every
juror's severity about equally precise.

Formulation, in two stages:

1. **Feasibility and loads, by a MILP** (``scipy.optimize.milp``, HiGHS). Binary ``x[d, j]``
   (juror ``j`` rates dossier ``d``), fixed to 0 for a declared conflict; ``Σ_j x[d, j] = K``
   for each dossier; ``L_min ≤ Σ_d x[d, j] ≤ L_max`` for each juror, with ``L_min, L_max``
   within ``[⌊nK/m⌋, ⌈nK/m⌉]`` (or ``[0, max_load]``); minimise ``L_max − L_min`` plus seeded
   random costs ``ε·c[d, j]`` (``ε Σ c < 1/2``) that only pick, among the designs of least
   spread, a different starting design for each seed. Without the ``L`` variables this is a
   transportation problem (totally unimodular): HiGHS solves it at the root in a fraction of a second,
   and says so at once when no design exists.
2. **Pair balance, by a seeded local search** (hand-written: no library searches this
   objective under these constraints; a MILP over the ``n·m(m−1)/2`` pair products is three
   orders of magnitude larger and its symmetry makes HiGHS slow). From the stage-1 design,
   random moves that keep every constraint (swap: dossier ``d`` gives juror ``a`` to dossier
   ``e`` and takes ``e``'s juror ``b``; shift: a juror of a dossier replaced by another, loads
   staying within the stage-1 ``[L_min, L_max]``) are accepted when they lower
   ``Σ_{j<j'} P[j, j']²`` (``P``: dossiers rated together), which for a fixed total is least
   when the counts are as even as integers allow; at equal pair cost, when they lower the
   imbalance of the jurors' exposure to the dossiers' innovation types and départements,
   ``Σ_j Σ_c (E[j, c] − load_j·share_c)²``. Moves at equal cost are accepted (a walk on the
   plateau). The search stops after a fixed budget of moves, or sooner once the pair counts
   reach the ideal spread and nothing improved for a while; it draws from
   ``numpy.random.default_rng(seed)``: same data, same seed, same design.
3. **Connectivity.** Neither stage constrains it; a design that falls into separate groups of
   jurors (seen on small juries with conflicts) is repaired by moves across the groups, kept
   when they lower the number of groups (:func:`_connect`); only a design that stays split is
   refused, naming its groups.

The expected precision of the severities is read from the design alone: under the linear model
``y[d, j] = μ + a_j + b_d + e`` with jurors and dossiers as fixed effects, both sum-coded, and
unit residual variance, the covariance of the estimates is ``(X'X)⁻¹`` (``X``: one row per
(dossier, juror) pair); each juror's standard error is read from it, in residual standard
deviations (multiply by the residual standard deviation of the ratings, once known).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse.csgraph import connected_components

from socinnov.analysis.juror_effects import design_components
from socinnov.fr import number

INNOVATION_COLUMNS = {
    "innovation_services_produits": "innovation de services et de produits",
    "innovation_organisationnelle": "innovation organisationnelle",
    "innovation_territoriale": "innovation territoriale",
}
"""The dossiers' boolean innovation-type columns (schema names) and how the summary names them."""


class InfeasibleDesign(ValueError):
    """No design meets the constraints; ``reasons`` say in French what blocks and what to relax."""

    def __init__(self, reasons: list[str]):
        self.reasons = reasons
        super().__init__("\n".join(reasons))


# --------------------------------------------------------------------------------------------
# Profiles of the dossiers (what a juror's exposure is balanced on)


def exposure_profiles(dossiers: pd.DataFrame) -> pd.DataFrame:
    """One 0/1 column per innovation type and per département, one row per dossier (index: id).

    Columns absent from ``dossiers`` are left out: a frame of identifiers only gives no column.
    """
    out = pd.DataFrame(index=pd.Index(dossiers["dossier_id"], name="dossier_id"))
    for column in INNOVATION_COLUMNS:
        if column in dossiers.columns:
            out[column] = dossiers[column].fillna(False).astype(bool).to_numpy().astype(float)
    if "departement" in dossiers.columns:
        for dep in sorted(dossiers["departement"].dropna().unique()):
            out[f"departement_{dep}"] = (dossiers["departement"] == dep).to_numpy().astype(float)
    return out


# --------------------------------------------------------------------------------------------
# The design


def _bounds(n: int, m: int, k: int, max_load: int | None) -> tuple[int, int]:
    if max_load is None:
        return (n * k) // m, -(-(n * k) // m)
    return 0, int(max_load)


def _barred(dossier_ids: Sequence[str], juror_ids: Sequence[str], conflicts: pd.DataFrame | None) -> np.ndarray:
    """``allowed[d, j]``: False where a conflict of interest is declared."""
    allowed = np.ones((len(dossier_ids), len(juror_ids)), dtype=bool)
    if conflicts is None or conflicts.empty:
        return allowed
    d_pos = {d: i for i, d in enumerate(dossier_ids)}
    j_pos = {j: i for i, j in enumerate(juror_ids)}
    for j, d in zip(conflicts["juror_id"], conflicts["dossier_id"]):
        if d in d_pos and j in j_pos:
            allowed[d_pos[d], j_pos[j]] = False
    return allowed


def _blockers(dossier_ids, juror_ids, allowed: np.ndarray, k: int, max_load: int | None) -> list[str]:
    """What makes the request impossible, each with what to relax (empty: no obvious blocker)."""
    n, m = allowed.shape
    reasons = []
    if m == 0:
        return ["aucun juré dans jures.csv : ajouter les membres du jury"]
    if k < 2:
        reasons.append(f"{k} juré par dossier : la sévérité d'un juré ne se distingue alors pas de la qualité des "
                       "dossiers qu'il note (plan non connexe) ; demander --jures-par-dossier 2 au moins")
    if k > m:
        reasons.append(f"{k} jurés par dossier demandés pour un jury de {m} : réduire --jures-par-dossier à {m} au "
                       "plus, ou ajouter des jurés dans jures.csv")
        return reasons
    free = allowed.sum(axis=1)
    short = [(dossier_ids[i], int(free[i])) for i in np.flatnonzero(free < k)]
    if short:
        listed = ", ".join(f"{d} ({c} juré{'s' if c > 1 else ''} sans conflit)" for d, c in short)
        reasons.append(f"dossier(s) sans {k} jurés libres de conflit d'intérêts : {listed} ; réduire "
                       f"--jures-par-dossier à {min(c for _, c in short)}, ajouter des jurés, ou revoir "
                       "conflits_interets.csv")
    lo, hi = _bounds(n, m, k, max_load)
    if max_load is not None and n * k > m * hi:
        # Fewer than two jurors per dossier is refused above: suggest it only when it stays at 2 or more.
        fewer = (m * hi) // n
        relax = f"réduire --jures-par-dossier à {fewer}" if fewer >= 2 else "ajouter des jurés dans jures.csv"
        reasons.append(f"{n} dossiers × {k} jurés = {n * k} affectations, mais {m} jurés × charge maximale {hi} "
                       f"= {m * hi} : relever --charge-max à {-(-(n * k) // m)} au moins, ou {relax}")
    if max_load is None and not short:
        capacity = allowed.sum(axis=0)
        low = [(juror_ids[j], int(capacity[j])) for j in np.flatnonzero(capacity < lo)]
        if low:
            listed = ", ".join(f"{j} ({c} dossier{'s' if c > 1 else ''} sans conflit)" for j, c in low)
            reasons.append(f"charges équilibrées impossibles : chaque juré doit noter {lo} dossiers au moins, "
                           f"mais {listed} ; donner --charge-max {hi} (charges inégales permises) ou réduire "
                           "--jures-par-dossier")
    return reasons


def _stage_one(allowed: np.ndarray, k: int, lo: int, hi: int, rng: np.random.Generator) -> np.ndarray | None:
    """A design of least load spread (``members`` as an n × m 0/1 array), or None if none exists."""
    n, m = allowed.shape
    nx = n * m
    # Variables: x[d, j] at d * m + j, then L_min, L_max.
    eps = 0.5 / (n * k + 1)
    cost = np.concatenate([eps * rng.random(nx), [-1.0, 1.0]])
    rows_d = sparse.kron(sparse.eye(n), np.ones((1, m)))  # Σ_j x[d, j]
    rows_j = sparse.kron(np.ones((1, n)), sparse.eye(m))  # Σ_d x[d, j]
    ones = np.ones((m, 1))
    a = sparse.vstack([
        sparse.hstack([rows_d, sparse.csr_matrix((n, 2))]),
        sparse.hstack([rows_j, -ones, sparse.csr_matrix((m, 1))]),  # load - L_min >= 0
        sparse.hstack([rows_j, sparse.csr_matrix((m, 1)), -ones]),  # load - L_max <= 0
    ]).tocsr()
    constraints = LinearConstraint(a, np.concatenate([np.full(n, k), np.zeros(m), np.full(m, -np.inf)]),
                                   np.concatenate([np.full(n, k), np.full(m, np.inf), np.zeros(m)]))
    upper = np.concatenate([allowed.ravel().astype(float), [hi, hi]])
    lower = np.concatenate([np.zeros(nx), [lo, lo]])
    res = milp(cost, integrality=np.concatenate([np.ones(nx), [1, 1]]), bounds=Bounds(lower, upper),
               constraints=constraints, options={"time_limit": 60})
    if res.x is None:
        return None
    return (res.x[:nx].reshape(n, m) > 0.5).astype(np.int8)


def _pair_counts(x: np.ndarray) -> np.ndarray:
    """``P[j, j']``: dossiers that jurors ``j`` and ``j'`` rate together (diagonal: loads)."""
    x = x.astype(np.int64)
    return x.T @ x


def _local_search(x: np.ndarray, allowed: np.ndarray, profiles: np.ndarray, rng: np.random.Generator,
                  budget: int) -> np.ndarray:
    """Stage 2 (see the module's docstring): even out pair counts, then exposures, keeping every constraint."""
    x = x.copy()
    n, m = x.shape
    members = [list(np.flatnonzero(row)) for row in x]
    load = x.sum(axis=0).astype(np.int64)
    lo, hi = int(load.min()), int(load.max())
    pairs = _pair_counts(x)
    np.fill_diagonal(pairs, 0)
    share = profiles.mean(axis=0) if profiles.shape[1] else np.zeros(0)
    exposure = x.T.astype(float) @ profiles  # m × C

    def exp_cost(e_row: np.ndarray, l_j: int) -> float:
        diff = e_row - l_j * share
        return float(diff @ diff)

    total = n * len(members[0]) * (len(members[0]) - 1) // 2
    mean = total / (m * (m - 1) / 2)
    ideal = int(np.ceil(mean)) - int(np.floor(mean))
    upper = np.triu_indices(m, 1)
    quiet, since_better = max(2000, 20 * n), 0
    for _ in range(budget):
        since_better += 1
        if since_better > quiet:
            spread = pairs[upper].max() - pairs[upper].min()
            if spread <= ideal:
                break
        d = int(rng.integers(n))
        pos = int(rng.integers(len(members[d])))
        a = members[d][pos]
        others_d = [o for o in members[d] if o != a]
        if hi > lo and rng.random() < 0.3:  # shift: a leaves d, b joins it
            b = int(rng.integers(m))
            if x[d, b] or not allowed[d, b] or load[a] - 1 < lo or load[b] + 1 > hi:
                continue
            od = np.array(others_d, dtype=np.int64)
            d_pair = int(2 * (pairs[b, od] - pairs[a, od] + 1).sum())
            if d_pair > 0:
                continue
            ea, eb = exposure[a] - profiles[d], exposure[b] + profiles[d]
            d_exp = (exp_cost(ea, load[a] - 1) + exp_cost(eb, load[b] + 1)
                     - exp_cost(exposure[a], load[a]) - exp_cost(exposure[b], load[b]))
            if d_pair == 0 and d_exp > 1e-12:
                continue
            pairs[a, od] -= 1
            pairs[od, a] -= 1
            pairs[b, od] += 1
            pairs[od, b] += 1
            exposure[a], exposure[b] = ea, eb
            load[a] -= 1
            load[b] += 1
            x[d, a], x[d, b] = 0, 1
            members[d][pos] = b
        else:  # swap: d gives a to e, e gives b to d
            e = int(rng.integers(n))
            if e == d:
                continue
            pos_e = int(rng.integers(len(members[e])))
            b = members[e][pos_e]
            if x[d, b] or x[e, a] or not allowed[d, b] or not allowed[e, a]:
                continue
            set_d, set_e = set(others_d), {o for o in members[e] if o != b}
            only_d = np.array(sorted(set_d - set_e), dtype=np.int64)
            only_e = np.array(sorted(set_e - set_d), dtype=np.int64)
            d_pair = int(2 * (pairs[b, only_d] - pairs[a, only_d] + 1).sum()
                         + 2 * (pairs[a, only_e] - pairs[b, only_e] + 1).sum())
            if d_pair > 0:
                continue
            delta = profiles[e] - profiles[d]
            ea, eb = exposure[a] + delta, exposure[b] - delta
            d_exp = (exp_cost(ea, load[a]) + exp_cost(eb, load[b])
                     - exp_cost(exposure[a], load[a]) - exp_cost(exposure[b], load[b]))
            if d_pair == 0 and d_exp > 1e-12:
                continue
            for o_set, lose, gain in ((only_d, a, b), (only_e, b, a)):
                pairs[lose, o_set] -= 1
                pairs[o_set, lose] -= 1
                pairs[gain, o_set] += 1
                pairs[o_set, gain] += 1
            exposure[a], exposure[b] = ea, eb
            x[d, a], x[d, b], x[e, b], x[e, a] = 0, 1, 0, 1
            members[d][pos], members[e][pos_e] = b, a
        if d_pair < 0 or d_exp < -1e-9:
            since_better = 0
    return x


def _n_components(x: np.ndarray) -> tuple[int, np.ndarray]:
    """Groups of dossiers linked through shared jurors (a juror without dossier is no group), and
    each dossier's group label."""
    n = x.shape[0]
    graph = sparse.bmat([[None, sparse.csr_matrix(x)], [sparse.csr_matrix(x.T), None]])
    labels = connected_components(graph, directed=False)[1][:n]
    return len(np.unique(labels)), labels


def _moves_across(x: np.ndarray, allowed: np.ndarray, labels: np.ndarray, lo: int, hi: int,
                  rng: np.random.Generator):
    """Moves that may join two groups, in a seeded order, as lists of ``(dossier, juror, 0 or 1)``:
    swaps (``d`` gives juror ``a`` to ``e`` of another group, takes its juror ``b``; loads
    unchanged), then shifts (juror ``b`` of another group, or without dossier, replaces ``a`` on
    ``d``; loads kept within ``[lo, hi]``)."""
    n, m = x.shape
    load = x.sum(axis=0)
    juror_group = [set(labels[np.flatnonzero(x[:, j])]) for j in range(m)]
    for d, e in rng.permutation([(d, e) for d in range(n) for e in range(n) if labels[d] < labels[e]]):
        for a in rng.permutation(np.flatnonzero(x[d])):
            for b in rng.permutation(np.flatnonzero(x[e])):
                if not (x[d, b] or x[e, a]) and allowed[d, b] and allowed[e, a]:
                    yield [(d, a, 0), (d, b, 1), (e, b, 0), (e, a, 1)]
    for d in rng.permutation(n):
        for a in rng.permutation(np.flatnonzero(x[d])):
            for b in rng.permutation(m):
                if (not x[d, b] and allowed[d, b] and load[a] - 1 >= lo and load[b] + 1 <= hi
                        and juror_group[b] != {labels[d]}):
                    yield [(d, a, 0), (d, b, 1)]


def _connect(x: np.ndarray, allowed: np.ndarray, lo: int, hi: int, rng: np.random.Generator,
             tries: int = 20000) -> np.ndarray:
    """A connected design from a disconnected one, by moves across its groups (:func:`_moves_across`).

    Neither stage looks at connectivity: stage 1 only counts, and the pair-balance search may, on
    a small jury with conflicts, settle on a design in separate groups when connected designs
    exist. A move is kept when it lowers the number of groups; at most ``tries`` moves are tried.
    Returns the design as it stands when no move helps (the caller then reports the groups).
    """
    x = x.copy()
    count, labels = _n_components(x)
    while count > 1 and tries > 0:
        for move in _moves_across(x, allowed, labels, lo, hi, rng):
            tries -= 1
            before = [(d, j, x[d, j]) for d, j, _ in move]
            for d, j, v in move:
                x[d, j] = v
            after, new_labels = _n_components(x)
            if after < count:
                count, labels = after, new_labels
                break
            for d, j, v in before:
                x[d, j] = v
            if tries <= 0:
                return x
        else:
            return x
    return x


def assign_jurors(dossier_ids: Sequence[str], juror_ids: Sequence[str], conflicts: pd.DataFrame | None, *,
                  per_dossier: int, max_load: int | None = None, seed: int = 0,
                  profiles: pd.DataFrame | None = None, budget: int | None = None) -> pd.DataFrame:
    """A connected design giving each dossier ``per_dossier`` jurors (see the module's docstring).

    Parameters
    ----------
    dossier_ids : sequence of str
        The dossiers to rate (the eligible ones).
    juror_ids : sequence of str
        The jury.
    conflicts : pandas.DataFrame, optional
        Declared conflicts of interest (``juror_id``, ``dossier_id``).
    per_dossier : int
        Jurors per dossier (``K``).
    max_load : int, optional
        Most dossiers a juror rates; loads may then differ by more than one. Default: loads
        balanced (max − min ≤ 1).
    seed : int
        Seed of the random draws: same inputs, same seed, same design.
    profiles : pandas.DataFrame, optional
        0/1 columns per dossier (index: dossier id) whose exposure is balanced across jurors
        (:func:`exposure_profiles`); at equal pair balance only.
    budget : int, optional
        Moves tried by the local search (default ``200·n·K``).

    Returns
    -------
    pandas.DataFrame
        ``dossier_id, juror_id``, one row per pair, sorted.

    Raises
    ------
    InfeasibleDesign
        No design meets the constraints; its ``reasons`` name the dossiers or jurors that block.
    """
    dossier_ids, juror_ids = list(dossier_ids), list(juror_ids)
    n, m, k = len(dossier_ids), len(juror_ids), int(per_dossier)
    allowed = _barred(dossier_ids, juror_ids, conflicts)
    reasons = _blockers(dossier_ids, juror_ids, allowed, k, max_load)
    if reasons:
        raise InfeasibleDesign(reasons)
    if n == 0:
        return pd.DataFrame({"dossier_id": pd.Series(dtype=object), "juror_id": pd.Series(dtype=object)})
    rng = np.random.default_rng(seed)
    lo, hi = _bounds(n, m, k, max_load)
    x = _stage_one(allowed, k, lo, hi, rng)
    if x is None:
        raise InfeasibleDesign([
            f"aucune affectation ne respecte à la fois les {int((~allowed).sum())} conflits d'intérêts déclarés et "
            f"des charges comprises entre {lo} et {hi} dossiers par juré ; donner --charge-max (charges inégales "
            "permises), réduire --jures-par-dossier, ou ajouter des jurés"])
    prof = np.zeros((n, 0))
    if profiles is not None and profiles.shape[1]:
        prof = profiles.reindex(dossier_ids).fillna(0).to_numpy(dtype=float)
    x = _local_search(x, allowed, prof, rng, budget if budget is not None else 200 * n * k)
    if _n_components(x)[0] > 1:
        x = _connect(x, allowed, lo, hi, rng)
    d_idx, j_idx = np.nonzero(x)
    out = pd.DataFrame({"dossier_id": np.array(dossier_ids, dtype=object)[d_idx],
                        "juror_id": np.array(juror_ids, dtype=object)[j_idx]})
    components = design_components(out)
    if components.nunique() > 1:
        groups = [", ".join(sorted(out.loc[out["dossier_id"].isin(components.index[components == c]), "juror_id"]
                                   .unique())) for c in sorted(components.unique())]
        raise InfeasibleDesign([
            f"le plan se divise en {components.nunique()} groupes de jurés sans dossier commun ("
            + " | ".join(groups) + ") : la sévérité des jurés ne serait pas comparable d'un groupe à l'autre ; "
            "augmenter --jures-par-dossier, ou revoir les conflits d'intérêts qui isolent ces jurés"])
    return out.sort_values(["dossier_id", "juror_id"], ignore_index=True)


# --------------------------------------------------------------------------------------------
# Properties of a design


def severity_standard_errors(pairs: pd.DataFrame) -> pd.Series:
    """Standard error of each juror's severity, in residual standard deviations, from the design alone.

    Model ``y[d, j] = μ + a_j + b_d + e`` (one observation per pair of ``pairs``), jurors and
    dossiers fixed and sum-coded (``Σ a_j = 0``, ``Σ b_d = 0``), ``Var(e) = 1``: the covariance
    of the estimates is ``(X'X)⁻¹``; the last juror's effect is minus the sum of the others.
    The design must be connected (else ``X'X`` is singular and the errors are infinite).
    """
    jurors = sorted(pairs["juror_id"].unique())
    j_codes = pd.Categorical(pairs["juror_id"], categories=jurors).codes
    d_codes, d_index = pd.factorize(pairs["dossier_id"])
    m, n, rows = len(jurors), len(d_index), len(pairs)
    if m < 2:
        return pd.Series(np.nan, index=pd.Index(jurors, name="juror_id"), name="se")

    def sum_coded(codes: np.ndarray, levels: int) -> np.ndarray:
        block = np.zeros((rows, levels - 1))
        last = codes == levels - 1
        block[np.flatnonzero(~last), codes[~last]] = 1.0
        block[last, :] = -1.0
        return block

    x = np.hstack([np.ones((rows, 1)), sum_coded(j_codes, m), sum_coded(d_codes, n) if n > 1 else np.zeros((rows, 0))])
    xtx = x.T @ x
    if np.linalg.matrix_rank(xtx) < xtx.shape[0]:
        return pd.Series(np.inf, index=pd.Index(jurors, name="juror_id"), name="se")
    cov = np.linalg.inv(xtx)[1:m, 1:m]
    contrast = np.vstack([np.eye(m - 1), -np.ones((1, m - 1))])
    var = np.einsum("ij,jk,ik->i", contrast, cov, contrast)
    return pd.Series(np.sqrt(var), index=pd.Index(jurors, name="juror_id"), name="se")


@dataclass(frozen=True)
class DesignSummary:
    """What ``socinnov assign`` prints about a design (see :func:`describe_design`)."""

    n_dossiers: int
    n_jurors: int
    per_dossier: tuple[int, int]  # fewest and most jurors on a dossier
    loads: pd.Series  # dossiers per juror, by juror id
    n_components: int
    pair_counts: pd.Series  # dossiers rated together, per pair of jurors (index: juror, juror)
    pair_ideal: tuple[int, int]  # the most even counts the numbers allow: ⌊mean⌋, ⌈mean⌉
    conflicts_respected: bool
    severity_se: pd.Series  # by juror id
    exposure: pd.DataFrame  # dossiers of each profile column per juror (jurors × columns)

    @property
    def pairs_never(self) -> int:
        return int((self.pair_counts == 0).sum())


def describe_design(pairs: pd.DataFrame, juror_ids: Sequence[str], conflicts: pd.DataFrame | None = None,
                    profiles: pd.DataFrame | None = None) -> DesignSummary:
    """Loads, connectivity, pair co-occurrences, conflicts and the expected precision of a design."""
    juror_ids = list(juror_ids)
    dossiers = pd.unique(pairs["dossier_id"])
    x = (pd.crosstab(pairs["dossier_id"], pairs["juror_id"]).reindex(index=dossiers, columns=juror_ids, fill_value=0)
         .clip(upper=1))
    together = _pair_counts(x.to_numpy())
    upper = np.triu_indices(len(juror_ids), 1)
    pair_counts = pd.Series(together[upper], index=pd.MultiIndex.from_arrays(
        [np.array(juror_ids, dtype=object)[upper[0]], np.array(juror_ids, dtype=object)[upper[1]]],
        names=["juror_a", "juror_b"]), name="together")
    sizes = x.sum(axis=1)
    total = int((sizes * (sizes - 1) // 2).sum())
    mean = total / max(len(pair_counts), 1)
    respected = True
    if conflicts is not None and not conflicts.empty:
        barred = pd.MultiIndex.from_arrays([conflicts["juror_id"], conflicts["dossier_id"]])
        respected = not pd.MultiIndex.from_arrays([pairs["juror_id"], pairs["dossier_id"]]).isin(barred).any()
    exposure = pd.DataFrame(index=pd.Index(juror_ids, name="juror_id"))
    if profiles is not None and profiles.shape[1]:
        exposure = x.T @ profiles.reindex(dossiers).fillna(0)
    return DesignSummary(
        n_dossiers=len(dossiers), n_jurors=len(juror_ids),
        per_dossier=(int(sizes.min()), int(sizes.max())) if len(sizes) else (0, 0),
        loads=x.sum(axis=0).rename("load"), n_components=int(design_components(pairs).nunique()),
        pair_counts=pair_counts, pair_ideal=(int(np.floor(mean)), int(np.ceil(mean))),
        conflicts_respected=respected, severity_se=severity_standard_errors(pairs), exposure=exposure)


def summary_lines(s: DesignSummary) -> list[str]:
    """The design's properties, in French, as ``socinnov assign`` prints them."""
    loads = s.loads
    spread = int(loads.max() - loads.min())
    lines = [
        f"Plan : {s.n_dossiers} dossiers, {s.n_jurors} jurés, "
        + (f"{s.per_dossier[0]} jurés par dossier." if s.per_dossier[0] == s.per_dossier[1]
           else f"de {s.per_dossier[0]} à {s.per_dossier[1]} jurés par dossier."),
        f"Charges : de {int(loads.min())} à {int(loads.max())} dossiers par juré (écart {spread}) ; "
        + ", ".join(f"{j} {int(v)}" for j, v in loads.items()) + ".",
        "Conflits d'intérêts : tous respectés." if s.conflicts_respected
        else "Conflits d'intérêts : NON respectés.",
        ("Connexité : plan connexe (tous les dossiers reliés par des jurés communs) : sévérités estimables."
         if s.n_components == 1 else
         f"Connexité : plan en {s.n_components} groupes sans juré commun : sévérités non comparables."),
        f"Paires de jurés : notent ensemble de {int(s.pair_counts.min())} à {int(s.pair_counts.max())} dossiers "
        f"(au mieux {s.pair_ideal[0]}" + (f" à {s.pair_ideal[1]}" if s.pair_ideal[1] != s.pair_ideal[0] else "")
        + f") ; {s.pairs_never} paire(s) jamais réunie(s) sur {len(s.pair_counts)}.",
    ]
    se = s.severity_se
    if np.isfinite(se).all():
        lines.append(
            f"Précision attendue des sévérités : erreur type de {number(se.min(), 3)} à {number(se.max(), 3)} "
            "écart-type résiduel (modèle linéaire juré + dossier, effets à somme nulle) ; l'intervalle à 95 % "
            f"d'une sévérité couvre environ ± {number(1.96 * se.max(), 2)} fois l'écart-type résiduel des notes.")
    else:
        lines.append("Précision attendue des sévérités : non estimables (plan non connexe).")
    if s.exposure.shape[1]:
        parts = []
        for col, label in INNOVATION_COLUMNS.items():
            if col in s.exposure.columns:
                parts.append(f"{label} {int(s.exposure[col].min())} à {int(s.exposure[col].max())}")
        deps = [c for c in s.exposure.columns if c.startswith("departement_")]
        if parts:
            lines.append("Exposition aux types d'innovation (dossiers par juré) : " + " ; ".join(parts) + ".")
        if deps:
            gap = int((s.exposure[deps].max() - s.exposure[deps].min()).max())
            lines.append(f"Exposition aux départements : d'un juré à l'autre, au plus {gap} dossier(s) d'écart "
                         f"pour un même département ({len(deps)} départements).")
    return lines
