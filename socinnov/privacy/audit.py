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

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from socinnov.privacy.attacker import (
    CHANGES,
    P_COUNT,
    InfeasibleRelease,
    StarModel,
    changes,
    check,
    count_quantities,
    required_margin,
)
from socinnov.privacy.disclosure import MIN_COUNT, SECRET
from socinnov.privacy.ledger import (
    file_sha256,
    hashed_ids,
    hashed_like,
    read_ledger,
    record_release,
    truth_from_json,
)
from socinnov.privacy.published import (
    ANY_FUNDED,
    DEPARTEMENTS,
    PENDING,
    Release,
    dossier_types,
    read_release,
)

P_AMOUNT = 0.15
__all__ = ["InfeasibleRelease", "audit", "audit_cohort", "dossier_types", "release_gate"]

# ---------------------------------------------------------------------------------------------
# The audit


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


def audit(current: Release, truth: pd.DataFrame, *, earlier: list[tuple[Release, pd.DataFrame]] = (),
          min_count: int = MIN_COUNT, p_count: float = P_COUNT, p_amount: float = P_AMOUNT,
          all_intervals: bool = False) -> AuditResult:
    """Intervals of every sensitive suppressed or implied quantity of ``current``, given itself
    and the earlier release (``earlier``: the release as published and the truth at that time,
    under the same dossier ids as ``truth``; the model of both together holds everything the
    current one alone says, and what their difference tells of the dossiers that left, see
    :func:`attacker.changes`). Non-sensitive quantities (secondary suppressions) carry no requirement:
    their interval is computed only with ``all_intervals``."""
    findings: list[Finding] = []
    unrecognised = list(current.unrecognised)
    contexts = list(earlier[-1:]) or [None]
    for ctx in contexts:
        rels = [("courante", current)] if ctx is None else [("antérieure", ctx[0]), ("courante", current)]
        # the star form of the attacker's programme (attacker.StarModel): the full universe's
        # intervals, one release or two, on some two thousand unknowns instead of 20 000 to 90 000
        model = StarModel(rels)
        quantities = count_quantities(model, current, truth, min_count)
        if ctx is not None:
            quantities += changes(model, ctx[1], truth)
        for label, source, expr, v, sensitive in quantities:
            if not sensitive and not all_intervals:
                findings.append(Finding(label, source, v, math.nan, math.nan, False, True))
                continue
            change = source == CHANGES
            low, high, safe = check(model, expr, v, sensitive, p_count, withdrawn=change)
            findings.append(Finding(label if ctx is None or change else f"{label} (avec la diffusion antérieure)",
                                    source, v, low, high, sensitive, safe))
    findings += _audit_amounts(current, truth, min_count=min_count, p=p_amount)
    findings += _audit_ratings(current, min_count=min_count, p=p_count)
    return AuditResult(findings, unrecognised, current.files)


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
    from socinnov.call.grids import ACCEPTABILITY, load_grid
    from socinnov.call.vocabulary import INDIVIDUAL

    r = rel.ratings[(rel.ratings["grille"] == ACCEPTABILITY) & (rel.ratings["tour"] == INDIVIDUAL)]
    r = r[r["niveau"] != ""]
    version = r["version_grille"].iloc[0] if len(r) and "version_grille" in r else None
    labels = {}
    if version:
        grid = load_grid(ACCEPTABILITY, version)
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
    latest differing release of the ledger (the two-release programme, see
    docs/confidentiality.md); with ``record``, a passing release is added to the ledger."""
    from socinnov import config
    from socinnov.privacy.store import load_cohort

    public = config.reports_dir(cohort) / "public"
    jury = load_cohort(cohort, audience="jury")
    truth = dossier_types(jury.tables, validated_only=validated_only)
    current = read_release(public) if public.exists() else Release()
    own = {str(p.relative_to(public)): file_sha256(p) for p in public.rglob("*") if p.is_file()} \
        if public.exists() else {}
    entries = [e for e in read_ledger(jury.name) if against_ledger and e["fichiers"] != own]
    # only the latest differing release is compared in full (each release was audited against its own past)
    earlier = [(Release.from_json(e["publie"]), truth_from_json(e["types"])) for e in entries[-1:]]
    now = hashed_like(truth, earlier[0][1]) if earlier else hashed_ids(truth)
    result = audit(current, now, earlier=earlier, min_count=min_count, all_intervals=all_intervals)
    if record and result.ok and public.exists():
        record_release(jury.name, public, current, truth)
    return result


WITHHELD = "non-publie"


def release_gate(cohort: str, *, min_count: int = MIN_COUNT) -> list[str]:
    """The last step of a public release: audit it; on failure nothing stays published (the
    whole ``public/`` folder is moved to ``reports/COHORT/non-publie/`` for the data holder to
    inspect) and the French lines naming each unprotected cell are returned; on success the
    release enters the ledger and nothing is returned."""
    import shutil

    from socinnov import config

    try:
        # read together with the cohort's latest differing release (a withdrawal, a correction)
        result = audit_cohort(cohort, min_count=min_count, record=True, against_ledger=True)
        if result.ok:
            return []
        lines = [f"audit de confidentialité : {f.fr()}" for f in result.failures]
    except InfeasibleRelease as exc:  # the files contradict each other: nothing can be proven
        lines = [f"audit de confidentialité impossible : {exc}"]
    folder = config.reports_dir(cohort)
    target = folder / WITHHELD
    if target.exists():
        shutil.rmtree(target)
    if (folder / "public").exists():
        (folder / "public").rename(target)
    return lines + [f"audit de confidentialité : rien n'est publié, les fichiers sont retenus dans {target}"]
