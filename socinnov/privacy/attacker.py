"""The attacker's integer programme: every dossier of a release is an unknown of the universe
of dossier types (``socinnov.privacy.published``), every published count a linear equation, and
a suppressed quantity's interval is what linear (then integer) programming proves of it.

Used by the audit of the files a release published (``socinnov.privacy.audit``) and, before
anything is written, by the joint suppression of the public tables (``socinnov.privacy.joint``).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from socinnov.privacy.disclosure import SECRET
from socinnov.privacy.published import (
    ATTR_LABELS,
    ATTRS,
    DEPARTEMENTS,
    DOMAINS,
    FORMER_REGIONS,
    FUNDED,
    OUT_OF_REGION,
    PENDING,
    TYPE_NAMES,
    Release,
    pred,
)

P_COUNT = 0.30
TIME_LIMIT = 30  # seconds per bound; beyond it HiGHS's proven bound is used

# ---------------------------------------------------------------------------------------------
# The universe and the records


def _allowed_of_record(row: dict) -> dict[str, set]:
    """What a record of ``dossiers.csv`` says of its dossier (a « secret » value allows all)."""
    out: dict[str, set] = {}
    region = row.get("ancienne_region", SECRET)
    if region != SECRET:
        out["dep"] = FORMER_REGIONS.get(region, set(DEPARTEMENTS))
    if row.get("categorie_porteur", SECRET) != SECRET:
        out["grp"] = {row["categorie_porteur"]}
    if row.get("stade", SECRET) != SECRET:
        out["stage"] = {row["stade"]}
    types = row.get("types_innovation", SECRET)
    if types != SECRET:
        names = {t.strip() for t in types.split("+") if t.strip()}
        out["types"] = {sum(1 << i for i, n in enumerate(TYPE_NAMES) if n in names)}
    if row.get("eligible", SECRET) not in (SECRET, ""):
        out["elig"] = {str(row["eligible"]) == "True"}
    issue = row.get("issue", SECRET)
    if issue != SECRET:
        # a funded dossier awaiting the comité's vote is published « sans décision » (opendata);
        # earlier releases published it « financé »: both readings are left to the attacker
        out["dec"] = {FUNDED, PENDING} if issue == FUNDED else (
            {"sans décision", PENDING} if issue == "sans décision" else {issue})
    return out


def _published_total(rel: Release) -> float | None:
    return next((c.value for c in rel.cells if c.domain == "dossiers" and c.kind == "count" and not c.pred
                 and c.value is not None), None)


def _cells_of(allowed: dict[str, set]) -> list[tuple]:
    return list(itertools.product(*[[v for v in DOMAINS[a] if a not in allowed or v in allowed[a]] for a in ATTRS]))


def _match(cell: tuple, p: tuple) -> bool:
    return all(cell[ATTRS.index(a)] in vals for a, vals in p)


# ---------------------------------------------------------------------------------------------
# The integer programme


class Model:
    """The attacker's unknowns, as an integer programme.

    Each release's dossiers are split into *patterns*: the records of ``dossiers.csv`` that read
    alike (their « secret » values allowing several types), plus, when the file holds fewer
    records than the release counts dossiers, one pattern of unseen dossiers of any type.
    ``x[p, c]`` is the number of dossiers of pattern ``p`` whose type is universe cell ``c``;
    a published count is the sum of ``x`` over the cells its table row and column describe.

    With two releases (``releases``: ``[(tag, Release), …]``, earlier first), open-data
    pseudonyms do not link records, so ``k[c]`` counts the dossiers of type ``c`` kept from one
    to the next (at most what each release holds there); the rest were withdrawn (earlier
    release) or added (current one). A dossier whose type changed is one of each."""

    def __init__(self, releases: list[tuple[str, Release]]):
        self.releases = releases
        self.patterns: dict[str, list[tuple[dict, int]]] = {tag: _patterns(rel) for tag, rel in releases}
        union: set[tuple] = set()
        for pats in self.patterns.values():
            for allowed, _size in pats:
                union.update(_cells_of(allowed))
        self.universe = sorted(union, key=str)
        self.codes = {a: np.array([c[i] for c in self.universe], dtype=object) for i, a in enumerate(ATTRS)}
        where = {c: i for i, c in enumerate(self.universe)}
        var_u, var_tag = [], []
        rows_i, rows_j, rows_v, rhs = [], [], [], []
        for tag, pats in self.patterns.items():
            for allowed, size in pats:
                r = len(rhs)
                for c in _cells_of(allowed):
                    if size is not None:  # a pattern of unknown size has no equation of its own
                        rows_i.append(r)
                        rows_j.append(len(var_u))
                        rows_v.append(1.0)
                    var_u.append(where[c])
                    var_tag.append(tag)
                if size is not None:
                    rhs.append(float(size))
        self.var_u = np.array(var_u)
        self.var_tag = np.array(var_tag, dtype=object)
        self.n_x = len(var_u)
        self.n = self.n_x + (len(self.universe) if len(releases) > 1 else 0)
        if len(releases) > 1:  # k[c] <= sum of x[., c] in each release
            n_u = len(self.universe)
            parts_i, parts_j, parts_v = [], [], []
            for r, (tag, _rel) in enumerate(releases):
                js = np.flatnonzero(self.var_tag == tag)
                parts_i += [r * n_u + self.var_u[js], r * n_u + np.arange(n_u)]
                parts_j += [js, self.n_x + np.arange(n_u)]
                parts_v += [-np.ones(len(js)), np.ones(n_u)]
            A = sparse.csr_matrix((np.concatenate(parts_v), (np.concatenate(parts_i), np.concatenate(parts_j))),
                                  shape=(len(releases) * n_u, self.n))
            self.ineq = LinearConstraint(A, -np.inf, 0)
        else:
            self.ineq = None
        self.row_cells: dict[int, tuple[str, object]] = {}  # equation row -> (release tag, Cell)
        for tag, rel in releases:
            for cell in rel.cells:
                if cell.domain == "dossiers" and cell.kind == "count" and cell.value is not None:
                    r = len(rhs)
                    self.row_cells[r] = (tag, cell)
                    for j in np.flatnonzero(self._vars(tag, cell.pred)):
                        rows_i.append(r)
                        rows_j.append(int(j))
                        rows_v.append(1.0)
                    rhs.append(float(cell.value))
        A = sparse.csr_matrix((rows_v, (rows_i, rows_j)), shape=(len(rhs), self.n))
        self.eq = LinearConstraint(A, np.array(rhs), np.array(rhs))

    def _mask(self, p: tuple) -> np.ndarray:
        mask = np.ones(len(self.universe), bool)
        for a, vals in p:
            mask &= np.isin(self.codes[a], list(vals))
        return mask

    def _vars(self, tag: str, p: tuple) -> np.ndarray:
        return self._mask(p)[self.var_u] & (self.var_tag == tag)

    def expr(self, tag: str, p: tuple) -> np.ndarray:
        """Objective vector: the count of dossiers of release ``tag`` satisfying ``p``."""
        c = np.zeros(self.n)
        c[: self.n_x][self._vars(tag, p)] = 1.0
        return c

    def withdrawn_expr(self, tag: str, p: tuple) -> np.ndarray:
        """Dossiers of the earlier release ``tag`` satisfying ``p`` and not kept in the next."""
        c = self.expr(tag, p)
        c[self.n_x:][self._mask(p)] = -1.0
        return c

    def _lp(self, objective: np.ndarray, sign: int):
        from scipy.optimize import linprog

        lp = linprog(sign * objective, A_eq=self.eq.A, b_eq=self.eq.lb,
                     A_ub=None if self.ineq is None else self.ineq.A,
                     b_ub=None if self.ineq is None else np.zeros(self.ineq.A.shape[0]), bounds=(0, None),
                     method="highs")
        if lp.status == 3:  # unbounded: nothing published bounds this end
            return None
        if lp.status != 0:
            raise InfeasibleRelease(f"programme linéaire sans solution ({lp.message}) : les fichiers publiés "
                                    "se contredisent, ou un tableau est mal lu")
        return lp

    def bounds(self, objective: np.ndarray) -> tuple[int, int]:
        """The interval of ``objective`` over the LP relaxation, rounded inwards (τ-ARGUS's
        audit solves the same LPs); the integer interval lies inside it, see :meth:`reaches`.
        ``self.integral`` records, for each end, whether the LP optimum found is an integer
        point (then it is the integer optimum too)."""
        out, self.integral = [], []
        for sign in (1, -1):
            lp = self._lp(objective, sign)
            if lp is None:  # only the upper end can be unbounded (every unknown is >= 0)
                out.append(math.inf)
                self.integral.append(True)
                continue
            out.append(sign * lp.fun)
            self.integral.append(bool(np.allclose(lp.x, np.round(lp.x), atol=1e-7)))
        return math.ceil(out[0] - 1e-6), out[1] if out[1] == math.inf else math.floor(out[1] + 1e-6)

    def binding(self, objective: np.ndarray, *, upper: bool) -> list:
        """The published cells whose equations hold the optimum of ``objective`` (its maximum
        with ``upper``, else its minimum): those with a non-zero dual value in the LP solution.
        Removing one of them (suppressing that cell too) is what can widen the interval."""
        lp = self._lp(objective, -1 if upper else 1)
        if lp is None:
            return []
        duals = lp.eqlin.marginals
        return [self.row_cells[r] for r in np.flatnonzero(np.abs(duals) > 1e-9) if r in self.row_cells]

    def reaches(self, objective: np.ndarray, target: float, *, below: bool) -> bool:
        """Whether some integer point has ``objective <= target`` (``below``) or ``>= target``:
        a feasibility problem (HiGHS stops at the first point found). Not proven within the
        time limit counts as not reached: a doubt fails the audit, never passes it."""
        row = LinearConstraint(sparse.csr_matrix(objective[None, :]), -np.inf if below else target,
                               target if below else np.inf)
        cons = [self.eq, row] + ([self.ineq] if self.ineq is not None else [])
        res = milp(np.zeros(self.n), constraints=cons, integrality=np.ones(self.n), bounds=Bounds(0, np.inf),
                   options={"time_limit": TIME_LIMIT})
        return res.status == 0 or (res.status == 1 and res.x is not None)


class StarModel(Model):
    """The same attacker, one release or two, in a form some ten to a hundred times smaller.

    Every published count is about one attribute and the decision at most (a profile, a map, the
    funnel, the laureate list). The unknowns are *groups* of dossiers whose values lie in one
    product set: with one release, each pattern of records (:class:`Model`); with two (earlier
    ``t0``, current ``t1``), the dossiers withdrawn from each pattern ``p`` of ``t0`` (``W_p``),
    added to each pattern ``q`` of ``t1`` (``N_q``), and kept from ``p`` to ``q`` (``K_pq``, values
    in both patterns' sets; a pair whose sets do not meet has no group). Within a group the
    unknowns need not be the dossiers of each universe cell, only, per attribute, the dossiers of
    each value and decision, ``y[g, a, v, d]``, tied by the group's number of dossiers of each
    decision (the same whatever the attribute counted); a pattern's size is the sum of its
    groups' sizes, a release's published count the sum over the groups it holds.

    Exactness (same intervals, integer checks and integer points as :class:`Model`):

    * star -> universe: any integer two-way tables of a group agreeing on the decision counts are
      the margins of some list of dossiers (pair the dossiers of each decision value by value,
      attribute by attribute), real ones of some real table (their conditional product); each
      value lies in the group's product set, so in its patterns'. Releasing ``W_p`` and ``K_pq``
      as ``t0``'s pattern ``p``, ``N_q`` and ``K_pq`` as ``t1``'s pattern ``q`` and the kept lists
      as ``k`` gives a point of :class:`Model` (``k[c]`` is at most each release's count of ``c``,
      the kept dossiers being in both) with the same published counts and objective: a kept
      dossier keeps all its attributes at once because it is one dossier of one list.
    * universe -> star: split each ``k[c]`` among the pattern pairs (a transportation problem:
      at most ``sum_p x[p, c]`` leaves ``t0`` and at most ``sum_q x[q, c]`` reaches ``t1``, so a
      greedy split exists, integral when ``k`` is), the rest of ``x[p, c]`` is ``W_p``'s, of
      ``x[q, c]`` ``N_q``'s; every group's margins are a star point.

    The withdrawn dossiers of ``t0`` (:meth:`withdrawn_expr`, the universe's ``x - k``) are the
    ``W`` groups. A count over two attributes besides the decision is refused.
    ``tests/test_joint.py`` compares both forms bound for bound, one release and two."""

    HUB = "dec"

    def __init__(self, release: Release | list[tuple[str, Release]]):
        self.releases = [("courante", release)] if isinstance(release, Release) else list(release)
        if len(self.releases) > 2:
            raise ValueError("au plus deux diffusions")
        self.attrs = tuple(a for a in ATTRS if a != self.HUB)
        self.patterns = {tag: _patterns(rel) for tag, rel in self.releases}
        self.groups = _groups(self.patterns)
        keys = []  # (group, attribute, value, decision)
        for g, (_members, allowed) in enumerate(self.groups):
            for a in self.attrs:
                keys += [(g, a, v, d) for v in DOMAINS[a] if v in allowed[a]
                         for d in DOMAINS[self.HUB] if d in allowed[self.HUB]]  # the domains' order, not a set's
        self.var_group = np.array([k[0] for k in keys], dtype=int)
        self.var_attr = np.array([k[1] for k in keys], dtype=object)
        self.var_value = np.array([k[2] for k in keys], dtype=object)
        self.var_dec = np.array([k[3] for k in keys], dtype=object)
        self.n = self.n_x = len(keys)
        rows: list[tuple[np.ndarray, np.ndarray | None]] = []  # (column indices, coefficients)
        rhs: list[float] = []
        first = self.var_attr == self.attrs[0]
        for g in range(len(self.groups)):
            mine = self.var_group == g
            for d in dict.fromkeys(self.var_dec[mine]):  # each attribute counts the group's dossiers of d
                base = np.flatnonzero(mine & first & (self.var_dec == d))
                for a in self.attrs[1:]:
                    other = np.flatnonzero(mine & (self.var_attr == a) & (self.var_dec == d))
                    rows.append((np.concatenate([other, base]),
                                 np.concatenate([np.ones(len(other)), -np.ones(len(base))])))
                    rhs.append(0.0)
        for tag, pats in self.patterns.items():
            for i, (_allowed, size) in enumerate(pats):
                if size is not None:  # a pattern of unknown size has no equation of its own
                    gs = [g for g, (members, _a) in enumerate(self.groups) if members.get(tag) == i]
                    rows.append((np.flatnonzero(first & np.isin(self.var_group, gs)), None))
                    rhs.append(float(size))
        self.row_cells = {}
        for tag, rel in self.releases:
            for cell in rel.cells:
                if cell.domain == "dossiers" and cell.kind == "count" and cell.value is not None:
                    self.row_cells[len(rows)] = (tag, cell)
                    rows.append((np.flatnonzero(self.expr(tag, cell.pred)), None))
                    rhs.append(float(cell.value))
        i = np.concatenate([np.full(len(cols), r) for r, (cols, _) in enumerate(rows)]) if rows else np.zeros(0, int)
        j = np.concatenate([cols for cols, _ in rows]) if rows else np.zeros(0, int)
        v = np.concatenate([np.ones(len(cols)) if c is None else c for cols, c in rows]) if rows else np.zeros(0)
        A = sparse.csr_matrix((v, (i, j)), shape=(len(rows), self.n))
        self.eq = LinearConstraint(A, np.array(rhs), np.array(rhs))
        self.ineq = None

    def _count(self, groups: list[int], p: tuple) -> np.ndarray:
        allowed = dict(p)
        others = [a for a in allowed if a != self.HUB]
        if len(others) > 1:
            raise ValueError(f"compte sur plusieurs attributs hors décision : {sorted(others)}")
        attr = others[0] if others else self.attrs[0]
        mask = (self.var_attr == attr) & np.isin(self.var_group, groups)
        if others:
            mask &= np.isin(self.var_value, list(allowed[attr]))
        if self.HUB in allowed:
            mask &= np.isin(self.var_dec, list(allowed[self.HUB]))
        return mask.astype(float)

    def expr(self, tag: str, p: tuple) -> np.ndarray:
        return self._count([g for g, (members, _a) in enumerate(self.groups) if tag in members], p)

    def withdrawn_expr(self, tag: str, p: tuple) -> np.ndarray:
        return self._count([g for g, (members, _a) in enumerate(self.groups) if set(members) == {tag}], p)


def _groups(patterns: dict[str, list[tuple[dict, int]]]) -> list[tuple[dict, dict]]:
    """:class:`StarModel`'s groups: ``(members, allowed)``, members mapping each release the
    group's dossiers are in to their pattern there, allowed each attribute's possible values."""
    def meet(*alloweds: dict) -> dict:
        return {a: set.intersection(set(DOMAINS[a]), *(set(x.get(a, DOMAINS[a])) for x in alloweds)) for a in ATTRS}

    tags = list(patterns)
    out = [({tag: i}, meet(allowed)) for tag in tags for i, (allowed, _size) in enumerate(patterns[tag])]
    if len(tags) == 2:
        for (i, (a0, _s0)), (j, (a1, _s1)) in itertools.product(enumerate(patterns[tags[0]]),
                                                               enumerate(patterns[tags[1]])):
            both = meet(a0, a1)
            if all(both.values()):
                out.append(({tags[0]: i, tags[1]: j}, both))
    return out


def _patterns(rel: Release) -> list[tuple[dict, int]]:
    """Groups of alike records, and the dossiers of the release no record shows."""
    counts: dict[tuple, int] = {}
    n = 0
    if rel.records is not None:
        for row in rel.records.to_dict(orient="records"):
            key = tuple(sorted((k, frozenset(v)) for k, v in _allowed_of_record(row).items()))
            counts[key] = counts.get(key, 0) + 1
            n += 1
    out = [({k: set(v) for k, v in key}, size) for key, size in counts.items()]
    total = _published_total(rel)
    if total is not None and total > n:
        out.append(({}, int(total) - n))
    elif total is None and n == 0:  # tables alone, the number of dossiers secret
        out.append(({}, None))
    return out


class InfeasibleRelease(RuntimeError):
    pass




def true_count(truth: pd.DataFrame, p: tuple) -> int:
    mask = np.ones(len(truth), bool)
    for a, vals in p:
        mask &= truth[a].isin(list(vals)).to_numpy()
    return int(mask.sum())


def required_margin(v: float, p: float = P_COUNT) -> float:
    return max(1, math.ceil(p * v - 1e-9))


# ---------------------------------------------------------------------------------------------
# What the attacker must not pin down


def hidden_quantities(truth: pd.DataFrame, min_count: int) -> list[tuple[str, tuple]]:
    """Categories no table shows but which the tables imply, when their count is sensitive."""
    out = []
    for label, p in (("dossiers hors région", pred(dep={OUT_OF_REGION})),
                     ("dossiers financés en attente de validation par le comité d'élu-e-s", pred(dec={PENDING}))):
        if 0 < true_count(truth, p) < min_count:
            out.append((label, p))
    return out


def count_quantities(model: Model, current: Release, truth: pd.DataFrame, min_count: int) -> list[tuple]:
    """The counts of dossiers ``current`` suppressed or implies, each once: ``(label, source,
    objective, true value, sensitive)``. A suppressed cell is sensitive when its true count is
    small and not all its dossiers are named by the laureate list."""
    out, seen = [], set()
    unlisted = truth[truth["dec"] != FUNDED]  # the laureate list names the validated funded ones
    for cell in current.cells:
        if cell.domain == "dossiers" and cell.kind == "count" and cell.value is None:
            if (cell.label, cell.source) in seen:
                continue
            seen.add((cell.label, cell.source))
            v = true_count(truth, cell.pred)
            sensitive = 0 < v < min_count and true_count(unlisted, cell.pred) > 0
            out.append((cell.label, cell.source, model.expr("courante", cell.pred), v, sensitive))
    for label, p in hidden_quantities(truth, min_count):
        out.append((label, "(implicite)", model.expr("courante", p), true_count(truth, p), True))
    return out


def check(model: Model, expr: np.ndarray, v: float, sensitive: bool, p_count: float = P_COUNT, *,
          withdrawn: bool = False) -> tuple[float, float, bool]:
    """The attacker's interval of ``expr`` and whether it protects the true value ``v``: it must
    reach ``v - m`` and ``v + m`` (:func:`required_margin`), proven on the integer points; the
    dossiers that left between two releases (``withdrawn``: withdrawn or changed) need only a
    doubt that they all held that value (the interval reaches ``v - 1``)."""
    low, high = model.bounds(expr)
    if withdrawn:  # the attacker must not be sure the withdrawn dossiers had this value
        need_low, need_high = v - 1, -math.inf
    elif sensitive:
        m = required_margin(v, p_count)
        need_low, need_high = v - m, v + m
    else:
        return low, high, True
    safe = low <= need_low and high >= need_high
    if safe:  # the LP interval is wide enough: is the integer one?
        low_ok, high_ok = model.integral  # an integral LP optimum is an integer point
        safe = (low_ok or model.reaches(expr, need_low, below=True)) and (
            need_high == -math.inf or high_ok or model.reaches(expr, need_high, below=False))
    return low, high, safe


CHANGES = "(différence entre diffusions)"


def changes(model: StarModel, before: pd.DataFrame, now: pd.DataFrame) -> list[tuple]:
    """What the difference of two releases tells of the dossiers that left the earlier one.

    ``before`` and ``now``: each dossier's type at the earlier release and now, under the same
    (hashed) ids. A dossier gone from ``now`` was withdrawn; one whose type differs was changed
    (a decision taken, a correction). Either is, for the attacker, a dossier of the earlier
    release not kept as it was: his programme counts them together
    (``StarModel.withdrawn_expr``, earlier dossiers minus kept ones). For each value such a
    dossier kept from the earlier release — every attribute of a withdrawn dossier, the
    unchanged attributes of a changed one — the attacker must not be sure how many of the
    departing dossiers held it (``attacker.check``, ``withdrawn``): the quantity's true value
    counts every departing dossier holding it, a changed dossier's former value of its changed
    attribute included, and its label says which kind of departure holds it (« retrait »,
    « modification », both). A changed attribute's former value alone makes no quantity: the
    two releases' margins publish the change (a decision taken is the news), each audited on its
    own; what must stay uncertain is which dossier, by its other attributes, changed. A value every
    dossier of the earlier release held makes no quantity either: the attacker knew it of each."""
    key = list(ATTRS)
    merged = before[["dossier_id", *key]].merge(now[["dossier_id", *key]], on="dossier_id", how="left",
                                               suffixes=("", " now"), indicator=True)
    gone = (merged["_merge"] == "left_only").to_numpy()
    same = {a: (merged[a] == merged[f"{a} now"]).to_numpy() & ~gone for a in key}
    changed = ~gone & ~np.logical_and.reduce([same[a] for a in key])
    out = []
    for a in key:
        for v in pd.unique(merged.loc[gone | changed, a]):
            held = (merged[a] == v).to_numpy()
            if not (held & (gone | (changed & same[a]))).any():
                continue  # only the attribute that changed held it
            if held.all():  # every dossier held it: proving it of one who left tells nothing new
                continue
            leaving = held & (gone | changed)
            kinds = " ou ".join(k for k, m in (("retrait", gone), ("modification", changed)) if (leaving & m).any())
            out.append((f"{kinds} : {CHANGE_LABELS.get(a, ATTR_LABELS[a])} = {_value_fr(a, v)}", CHANGES,
                        model.withdrawn_expr("antérieure", pred(**{a: {v}})), int(leaving.sum()), True))
    return out


CHANGE_LABELS = {"types": "types d'innovation"}


def _value_fr(attr: str, value) -> str:
    if attr == "elig":
        return "oui" if value else "non"
    if attr == "types":
        return " + ".join(n for i, n in enumerate(TYPE_NAMES) if int(value) & (1 << i)) or "aucun"
    return str(value)
