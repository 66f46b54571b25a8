"""The attacker shipped with the kit: every public file of a release read together, and every
suppressed quantity bounded by integer programming.

What the audit reads (what a reader of ``reports/COHORT/public`` sees):

* the **executed public notebooks** (``public/**/*.ipynb``): every table they display
  (``text/html`` outputs, parsed with BeautifulSoup) and the text of every figure (its
  ``<figcaption>``, which carries the figure's values, e.g. the map's count per département);
  the HTML reports are nbconvert exports of these very outputs;
* the **open dataset** (``dossiers.csv``: one record per dossier with its quasi-identifiers,
  ``notations.csv``: one row per rating);
* the **ledger** of the cohort's earlier releases (``socinnov.privacy.ledger``), whose published
  tables and records are added as a second release of the same dossiers.

Tables are recognised by their headers (funnel, profiles by decision, innovation types, amounts,
laureates, map captions, level distribution); a table the audit does not recognise is listed as
such. Each published count becomes a linear equation over the unknown counts of a universe of
dossier types (legal group x stage x département x decision x eligibility x innovation types);
each record of ``dossiers.csv`` is one dossier whose type is known up to its « secret » values.
For every suppressed quantity, ``scipy.optimize.milp`` (HiGHS) gives the smallest and largest
values compatible with everything published: the interval an attacker reading every file
together can be sure of. That is τ-ARGUS's audit (Hundepool et al., *τ-ARGUS user's manual*
4.2, §4.2.4 "Audit"), written out because τ-ARGUS is a Java desktop program that reads its own
table formats and has no Python interface.

The protection rule (docs/confidentiality.md): a sensitive count ``v`` (between 1 and
``min_count - 1``) is protected when its interval reaches ``v - m`` below and ``v + m`` above,
``m = max(1, ceil(p v))`` with ``p = 30 %`` (τ-ARGUS's symmetric protection levels; ESSnet
*Handbook on Statistical Disclosure Control* 2010, §4.2.3). Sensitive quantities are the
primary-suppressed cells of every table and the categories no table shows but which the tables
imply (dossiers from outside the region, funded dossiers whose decision the comité d'élu-e-s has
not validated yet). An amount (aid granted) must stay uncertain over ``±p_amount`` of its value.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from socinnov.call import vocabulary as voc
from socinnov.privacy.disclosure import MIN_COUNT, SECRET

P_COUNT = 0.30
P_AMOUNT = 0.15
# PublicCohort counts only validated decisions (issue 16): the audit reads the tables by that
# convention (False: a release built when pending decisions were counted as funded).
VALIDATED_ONLY = True
TIME_LIMIT = 30  # seconds per bound; beyond it HiGHS's proven bound is used
from socinnov.privacy.ledger import file_sha256, read_ledger, record_release, truth_from_json
from socinnov.privacy.published import (
    ANY_FUNDED,
    ATTR_LABELS,
    ATTRS,
    DEPARTEMENTS,
    DOMAINS,
    FORMER_REGIONS,
    FUNDED,
    OUT_OF_REGION,
    PENDING,
    TYPE_COLUMNS,
    TYPE_NAMES,
    Release,
    pred,
    read_release,
)

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
                    rows_i.append(r)
                    rows_j.append(len(var_u))
                    rows_v.append(1.0)
                    var_u.append(where[c])
                    var_tag.append(tag)
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
        for tag, rel in releases:
            for cell in rel.cells:
                if cell.domain == "dossiers" and cell.kind == "count" and cell.value is not None:
                    r = len(rhs)
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

    def bounds(self, objective: np.ndarray) -> tuple[int, int]:
        """The interval of ``objective`` over the LP relaxation, rounded inwards (τ-ARGUS's
        audit solves the same LPs); the integer interval lies inside it, see :meth:`reaches`.
        ``self.integral`` records, for each end, whether the LP optimum found is an integer
        point (then it is the integer optimum too)."""
        from scipy.optimize import linprog

        out, self.integral = [], []
        for sign in (1, -1):
            lp = linprog(sign * objective, A_eq=self.eq.A, b_eq=self.eq.lb,
                         A_ub=None if self.ineq is None else self.ineq.A,
                         b_ub=None if self.ineq is None else np.zeros(self.ineq.A.shape[0]), bounds=(0, None),
                         method="highs")
            if lp.status != 0:
                raise InfeasibleRelease(f"programme linéaire sans solution ({lp.message}) : les fichiers publiés "
                                        "se contredisent, ou un tableau est mal lu")
            out.append(sign * lp.fun)
            self.integral.append(bool(np.allclose(lp.x, np.round(lp.x), atol=1e-7)))
        return math.ceil(out[0] - 1e-6), math.floor(out[1] + 1e-6)

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
    return out


class InfeasibleRelease(RuntimeError):
    pass


# ---------------------------------------------------------------------------------------------
# Truth (the data holder's side) and the audit


def dossier_types(tables, *, validated_only: bool | None = None) -> pd.DataFrame:
    """Each dossier's universe cell, from the jury-level tables.

    ``validated_only`` (default :data:`VALIDATED_ONLY`): the public aggregates count only the
    decisions the comité d'élu-e-s validated, so a pending decision is published as « sans
    décision » and that is its type for the audit; otherwise a pending funded dossier is its
    own type (counted as funded by the tables, absent from the laureate list)."""
    validated_only = VALIDATED_ONLY if validated_only is None else validated_only
    from socinnov.analysis import overview
    from socinnov.privacy.aggregates import legal_group

    d = overview.with_decision(tables)
    validated = tables["decisions"].set_index("dossier_id")["validated"]
    labels = {"non retenu": "non retenu", "retenu - financé": FUNDED, "retenu - réorienté": "réorienté",
              "inéligible": "inéligible", "sans décision": "sans décision"}
    dec = d["decision"].map(labels).fillna(d["decision"])
    pending = (dec == FUNDED) & ~d["dossier_id"].map(validated).fillna(False).astype(bool)
    types = sum(d[c].fillna(False).astype(bool).astype(int) * (1 << i) for i, c in enumerate(TYPE_COLUMNS))
    return pd.DataFrame({
        "dossier_id": d["dossier_id"], "grp": d["legal_category"].map(legal_group), "stage": d["stage"],
        "dep": d["departement"].where(d["departement"].isin(list(voc.REGION_DEPARTEMENTS)), OUT_OF_REGION),
        "dec": dec.mask(pending, "sans décision" if validated_only else PENDING), "elig": d["eligible"].fillna(False).astype(bool), "types": types,
        "granted": d["dossier_id"].map(tables["decisions"].set_index("dossier_id")["granted_amount"]).fillna(0.0),
    })


def true_count(truth: pd.DataFrame, p: tuple) -> int:
    mask = np.ones(len(truth), bool)
    for a, vals in p:
        mask &= truth[a].isin(list(vals)).to_numpy()
    return int(mask.sum())


def required_margin(v: float, p: float = P_COUNT) -> float:
    return max(1, math.ceil(p * v - 1e-9))


@dataclass
class Finding:
    label: str
    source: str
    true: float
    low: float
    high: float
    sensitive: bool
    safe: bool

    def fr(self) -> str:
        if math.isnan(self.low):
            return f"{self.source} : {self.label} — masquage secondaire, sans exigence propre"
        state = "protégée" if self.safe else "NON PROTÉGÉE"
        return (f"{self.source} : {self.label} (vraie valeur {self.true:g}) — intervalle déductible "
                f"[{self.low:g} ; {self.high:g}] — {state}")


@dataclass
class AuditResult:
    findings: list[Finding]
    unrecognised: list[str]
    files: list[str]

    @property
    def ok(self) -> bool:
        return all(f.safe for f in self.findings)

    @property
    def failures(self) -> list[Finding]:
        return [f for f in self.findings if not f.safe]

    def report(self) -> str:
        lines = [f"Audit de confidentialité : {len(self.files)} fichiers lus, {len(self.findings)} quantités "
                 f"masquées ou implicites examinées, {len(self.failures)} non protégées."]
        lines += ["  " + f.fr() for f in self.failures]
        lines += [f"  non modélisé : {u}" for u in self.unrecognised]
        return "\n".join(lines)


def _is_protected(v: float, low: float, high: float, sensitive: bool, p: float) -> bool:
    if not sensitive:
        return True
    m = required_margin(v, p)
    return low <= v - m and high >= v + m


def hidden_quantities(truth: pd.DataFrame, min_count: int) -> list[tuple[str, tuple]]:
    """Categories no table shows but which the tables imply, when their count is sensitive."""
    out = []
    for label, p in (("dossiers hors région", pred(dep={OUT_OF_REGION})),
                     ("dossiers financés en attente de validation par le comité d'élu-e-s", pred(dec={PENDING}))):
        if 0 < true_count(truth, p) < min_count:
            out.append((label, p))
    return out


def audit(current: Release, truth: pd.DataFrame, *, earlier: list[tuple[Release, pd.DataFrame]] = (),
          min_count: int = MIN_COUNT, p_count: float = P_COUNT, p_amount: float = P_AMOUNT,
          all_intervals: bool = False) -> AuditResult:
    """Intervals of every sensitive suppressed or implied quantity of ``current``, given itself
    and the earlier release (``earlier``: the release as published and the truth at that time;
    the model of both together holds everything the current one alone says). Non-sensitive
    quantities (secondary suppressions) carry no requirement: their interval is computed only
    with ``all_intervals``."""
    findings: list[Finding] = []
    unrecognised = list(current.unrecognised)
    contexts = list(earlier[-1:]) or [None]
    for ctx in contexts:
        rels = [("courante", current)] if ctx is None else [("antérieure", ctx[0]), ("courante", current)]
        model = Model(rels)
        quantities = []
        unlisted = truth[truth["dec"] != FUNDED]  # the laureate list names the validated funded ones
        for cell in current.cells:
            if cell.domain == "dossiers" and cell.kind == "count" and cell.value is None:
                v = true_count(truth, cell.pred)
                sensitive = 0 < v < min_count and true_count(unlisted, cell.pred) > 0
                quantities.append((cell.label, cell.source, model.expr("courante", cell.pred), v, sensitive))
        for label, p in hidden_quantities(truth, min_count):
            quantities.append((label, "(implicite)", model.expr("courante", p), true_count(truth, p), True))
        if ctx is not None:
            quantities += _changes(model, ctx[1], truth, min_count)
        seen = set()
        for label, source, expr, v, sensitive in quantities:
            key = (label, source)
            if key in seen:
                continue
            seen.add(key)
            if not sensitive and not all_intervals:
                findings.append(Finding(label, source, v, math.nan, math.nan, False, True))
                continue
            low, high = model.bounds(expr)
            if ctx is not None and label.startswith("retrait"):
                # the attacker must not be sure the withdrawn dossiers had this value
                need_low, need_high = v - 1, -math.inf
            elif sensitive:
                m = required_margin(v, p_count)
                need_low, need_high = v - m, v + m
            else:
                need_low, need_high = math.inf, -math.inf
            safe = low <= need_low and high >= need_high
            if safe and need_low != math.inf:  # the LP interval is wide enough: is the integer one?
                low_ok, high_ok = model.integral  # an integral LP optimum is an integer point
                safe = (low_ok or model.reaches(expr, need_low, below=True)) and (
                    need_high == -math.inf or high_ok or model.reaches(expr, need_high, below=False))
            findings.append(Finding(label if ctx is None or label.startswith("retrait")
                                    else f"{label} (avec la diffusion antérieure)",
                                    source, v, low, high, sensitive, safe))
    findings += _audit_amounts(current, truth, min_count=min_count, p=p_amount)
    findings += _audit_ratings(current, min_count=min_count, p=p_count)
    return AuditResult(findings, unrecognised, current.files)


def _changes(model: Model, before: pd.DataFrame, now: pd.DataFrame, min_count: int):
    """The withdrawn dossiers' attributes: each value they hold, one attribute at a time."""
    key = list(ATTRS)
    merged = before.merge(now[["dossier_id", *key]], on=["dossier_id", *key], how="left", indicator=True)
    gone = merged[merged["_merge"] == "left_only"]
    out = []
    for a in ATTRS:
        for v in gone[a].unique():
            p = pred(**{a: {v}})
            out.append((f"retrait : {ATTR_LABELS[a]} = {v}", "(différence entre diffusions)",
                        model.withdrawn_expr("antérieure", p), int((gone[a] == v).sum()), True))
    return out


def _audit_amounts(rel: Release, truth: pd.DataFrame, *, min_count: int, p: float) -> list[Finding]:
    """Aid granted: each département's amount is the laureates' listed sum plus the unlisted
    funded dossiers' (pending validation); a suppressed cell or the pending total must stay
    uncertain over ``p`` of its value. The unlisted amount of a département lies between 0
    and the call's ceiling times its unlisted dossiers (the attacker's best bounds)."""
    cells = [c for c in rel.cells if c.kind == "amount"]
    if not cells:
        return []
    from scipy.optimize import linprog

    funded = truth[truth["dec"].isin(ANY_FUNDED)]
    pending = truth[truth["dec"] == PENDING]
    deps = list(DEPARTEMENTS)
    ceiling = float(funded["granted"].max() or 0.0) if len(funded) else 0.0
    n_unlisted = {d: int((pending["dep"] == d).sum()) for d in deps}
    listed = rel.laureate_amounts

    def base(d):
        return listed.get(d, 0.0)

    A, b = [], []
    for c in cells:
        if c.value is None:
            continue
        dep_vals = dict(c.pred).get("dep")
        sel = [d in dep_vals for d in deps] if dep_vals else [True] * len(deps)
        A.append([1.0 if s else 0.0 for s in sel])
        b.append(c.value - sum(base(d) for d, s in zip(deps, sel) if s))
    bounds = [(0, ceiling * n_unlisted[d] if listed else None) for d in deps]
    findings = []
    targets = [(c.label, c.source, [d in (dict(c.pred).get("dep") or deps) for d in deps], True)
               for c in cells if c.value is None]
    if len(pending):
        targets.append(("aide accordée aux dossiers en attente de validation", "(implicite)", [True] * len(deps), True))
    for label, source, sel, _ in targets:
        obj = np.array([1.0 if s else 0.0 for s in sel])
        true = float(sum(truth.loc[truth["dep"].isin([d for d, s in zip(deps, sel) if s]) & truth["dec"].isin(
            ANY_FUNDED if "en attente" not in label else {PENDING}), "granted"]))
        offset = 0.0 if "en attente" in label else sum(base(d) for d, s in zip(deps, sel) if s)
        res = [linprog(sign * obj, A_eq=np.array(A) if A else None, b_eq=np.array(b) if b else None, bounds=bounds,
                       method="highs") for sign in (1, -1)]
        if any(r.status == 2 for r in res):  # tables counting pending decisions as funded: no ceiling known
            res = [linprog(sign * obj, A_eq=np.array(A) if A else None, b_eq=np.array(b) if b else None,
                           bounds=(0, None), method="highs") for sign in (1, -1)]
        if any(r.status == 3 for r in res):  # unbounded: no upper bound known
            low = res[0].fun + offset if res[0].status == 0 else 0.0
            high = math.inf
        elif any(r.status != 0 for r in res):
            raise InfeasibleRelease("montants publiés incohérents : " + "; ".join(r.message for r in res))
        else:
            low, high = res[0].fun + offset, -res[1].fun + offset
        in_cell = pending["dep"].isin([d for d, s in zip(deps, sel) if s])
        sensitive = bool(in_cell.any())  # else every dossier of the cell is a listed laureate
        margin = p * true
        safe = not sensitive or (low <= true - margin + 1e-6 and high >= true + margin - 1e-6)
        findings.append(Finding(label, source, true, round(low, 2), round(high, 2), sensitive, safe))
    return findings


def _audit_ratings(rel: Release, *, min_count: int, p: float) -> list[Finding]:
    """The level distribution against the ratings of ``notations.csv`` (acceptability grid,
    individual round): rows with a known level are counted; « secret » levels and ratings of
    dossiers left out of the file are the only freedom left."""
    cells = [c for c in rel.cells if c.domain == "notations"]
    if not cells or rel.ratings is None:
        return []
    from socinnov.call.grids import load_grid

    r = rel.ratings[(rel.ratings["grille"] == "acceptabilite") & (rel.ratings["tour"] == "individuel")]
    r = r[r["niveau"] != ""]
    version = r["version_grille"].iloc[0] if len(r) and "version_grille" in r else None
    labels = {}
    if version:
        grid = load_grid("acceptabilite", version)
        labels = {c.id: c.label for c in grid.criteria}
    r = r.assign(crit=r["critere"].map(labels).fillna(r["critere"]))
    known = r[r["niveau"] != SECRET].groupby(["crit", "niveau"]).size()
    secret = r[r["niveau"] == SECRET].groupby("crit").size()
    findings = []
    for c in cells:
        if c.value is not None:
            continue
        p_ = dict(c.pred)
        crit, level = next(iter(p_.get("crit", {None}))), next(iter(p_.get("level", {None})))
        if crit is None or level is None:
            continue
        low = float(known.get((crit, level), 0))
        row_total = next((x.value for x in cells if dict(x.pred) == {"crit": frozenset({crit})} and x.value), None)
        high = low + float(secret.get(crit, 0))
        if row_total is not None:
            high = max(low, row_total - float(known.get(crit, pd.Series(dtype=float)).sum())
                       if crit in known.index.get_level_values(0) else row_total)
        # the true value is what the table would have shown; the file's count is the reader's floor
        true = float(r[(r["crit"] == crit) & (r["niveau"] == level)].shape[0]) if SECRET not in r["niveau"].values \
            else low
        sensitive = 0 < true < min_count
        findings.append(Finding(c.label, c.source, true, low, high, sensitive,
                                _is_protected(true, low, high, sensitive, p)))
    return findings


def audit_cohort(cohort: str, *, min_count: int = MIN_COUNT, record: bool = False,
                 all_intervals: bool = False, validated_only: bool | None = None,
                 against_ledger: bool = False) -> AuditResult:
    """Audit ``reports/COHORT/public`` on its own; with ``against_ledger``, also against the
    latest differing release of the ledger (the two-release model: minutes on a regional cohort,
    so not yet part of every release, see docs/confidentiality.md); with ``record``, a passing
    release is added to the ledger."""
    from socinnov import config
    from socinnov.privacy.store import load_cohort

    public = config.reports_dir(cohort) / "public"
    jury = load_cohort(cohort, audience="jury")
    truth = dossier_types(jury.tables, validated_only=validated_only)
    current = read_release(public) if public.exists() else Release()
    own = {k: file_sha256(public / k) for k in (p.relative_to(public) for p in public.rglob("*") if p.is_file())} \
        if public.exists() else {}
    earlier = [(Release.from_json(e["publie"]), truth_from_json(e["types"])) for e in read_ledger(jury.name)
               if against_ledger and e["fichiers"] != {str(k): v for k, v in own.items()}]
    import hashlib

    hashed = truth.assign(dossier_id=[hashlib.sha256(str(i).encode()).hexdigest()[:16] for i in truth["dossier_id"]])
    # only the latest differing release is compared in full (each release was audited against its own past)
    result = audit(current, hashed, earlier=earlier[-1:], min_count=min_count, all_intervals=all_intervals)
    if record and result.ok and public.exists():
        record_release(jury.name, public, current, hashed)
    return result


WITHHELD = "non-publie"


def release_gate(cohort: str, *, min_count: int = MIN_COUNT) -> list[str]:
    """The last step of a public release: audit it; on failure nothing stays published (the
    whole ``public/`` folder is moved to ``reports/COHORT/non-publie/`` for the data holder to
    inspect) and the French lines naming each unprotected cell are returned; on success the
    release enters the ledger and nothing is returned."""
    import shutil

    from socinnov import config

    result = audit_cohort(cohort, min_count=min_count, record=True)
    if result.ok:
        return []
    folder = config.reports_dir(cohort)
    target = folder / WITHHELD
    if target.exists():
        shutil.rmtree(target)
    if (folder / "public").exists():
        (folder / "public").rename(target)
    return [f"audit de confidentialité : {f.fr()}" for f in result.failures] + [
        f"audit de confidentialité : rien n'est publié, les fichiers sont retenus dans {target}"]
