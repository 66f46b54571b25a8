"""The jury's decisions on the demo cohort: the ``decisions`` table.

The jury retains the dossiers with the best acceptability scores, funds the retained ones with
the best feasibility within the envelope, points the other retained ones to a support, and
gives each decision a rationale; the comité d'élu-e-s validates them in one of two sittings.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from socinnov.call import grids
from socinnov.call import vocabulary as voc
from socinnov.demo import content
from socinnov.demo.drawing import eur, rating_grid, round_to, the_call, typed
from socinnov.demo.profiles import Profile
from socinnov.demo.ratings import mean_scores

__all__ = ["ENVELOPE", "FUNDED", "make_decisions", "retained_ids"]

ENVELOPE = 700_000.0
"""The demo cohort's envelope (EUR), written to its ``appel.yaml``; the call fixes none."""

JURY_DATES = (pd.Timestamp("2016-09-27"), pd.Timestamp("2016-09-28"))
COMMITTEE_DATES = (pd.Timestamp("2016-10-20"), pd.Timestamp("2016-11-17"))
NOT_RETAINED, FUNDED, REORIENTED = voc.DECISIONS

_TEXTS = content.DECISIONS


def retained_ids(acceptability_scores: pd.Series, share: float = 0.42) -> list[str]:
    """The dossiers the jury recognises as social innovation: the best acceptability scores."""
    n_retained = max(1, round(share * len(acceptability_scores)))
    ranked = acceptability_scores.sort_values(ascending=False, kind="stable")
    return sorted(ranked.index[:n_retained])


def _grant(rng: np.random.Generator, p: Profile, modify_base: bool) -> tuple[float, float]:
    """Granted amount and eligible base (assiette) of a funded dossier."""
    requested, total = p.extra["requested"], p.extra["total"]
    if not modify_base:
        return min(requested, the_call().max_aid), total
    base = round_to(total * rng.uniform(0.6, 0.85), 100)
    granted = min(requested, the_call().max_aid, round_to(requested * base / total, 100))
    return granted, base


def _funded_ids(retained: list[str], acc: pd.Series, feas: pd.Series, target: int,
                profiles: dict[str, Profile]) -> list[str]:
    """Retained dossiers with the best feasibility, funded in turn within the envelope."""
    order = sorted(retained, key=lambda d: (-feas.get(d, 0.0), -acc[d], d))
    funded, spent = [], 0.0
    for d in order:
        cost = min(profiles[d].extra["requested"], the_call().max_aid)
        if len(funded) < target and spent + cost <= ENVELOPE:
            funded.append(d)
            spent += cost
    return funded


def _reorientation(p: Profile, feas_low_finance: bool) -> str:
    """The support a retained but unfunded project is pointed to."""
    targets = _TEXTS["reorientation_targets"]
    if feas_low_finance:
        return targets["france_active"]
    if p.stage == "amorçage" and p.legal_category == "entreprise":
        return targets["incubateur"]
    if p.legal_category == "association":
        return targets["dla"] if p.stage != "amorçage" else targets["incubateur"]
    return targets["aap_ess"]


def _weakest_dimension(dossier: str, long: pd.DataFrame) -> str:
    """The acceptability dimension a dossier was rated lowest on after debate."""
    dim = {c.id: c.dimension for c in rating_grid(grids.ACCEPTABILITY).criteria}
    rows = long[(long["dossier_id"] == dossier) & (long["round"] == voc.ROUNDS[1]) & (long["code"] >= 0)]
    means = rows.groupby(rows["criterion"].map(dim))["code"].mean()
    return str(means.idxmin()) if len(means) else "portage"


def make_decisions(rng: np.random.Generator, profiles: dict[str, Profile], acc_long: pd.DataFrame,
                   feas_long: pd.DataFrame, retained: list[str], target_funded: int) -> pd.DataFrame:
    """The ``decisions`` table: one decision per rated dossier, validated by the comité d'élu-e-s."""
    rationales = _TEXTS["rationales"]
    acc, feas = mean_scores(acc_long), mean_scores(feas_long)
    funded = set(_funded_ids(retained, acc, feas, target_funded, profiles))
    n_modified = min(len(funded), max(1, round(len(funded) / 6)))
    modified = set(rng.choice(sorted(funded), size=n_modified, replace=False)) if funded else set()
    deferred = set(rng.choice(sorted(acc.index), size=min(3, len(acc)), replace=False))
    finance = feas_long[(feas_long["criterion"] == "plan_financement") & (feas_long["code"] >= 0)]
    finance_mean = finance.groupby("dossier_id")["code"].mean()
    rows = []
    for i, d in enumerate(sorted(acc.index)):
        p = profiles[d]
        row = {"dossier_id": d, "granted_amount": None, "eligible_base": None, "reoriented_to": None,
               "jury_date": JURY_DATES[0] if i < len(acc) / 2 else JURY_DATES[1], "validated": True,
               "validated_on": COMMITTEE_DATES[1] if d in deferred else COMMITTEE_DATES[0]}
        if d in funded:
            granted, base = _grant(rng, p, d in modified)
            rationale = rationales["funded"]
            if d in modified:
                rationale += " " + rationales["reduced_base"].format(base=eur(base))
            row |= {"decision": FUNDED, "granted_amount": granted, "eligible_base": base, "rationale": rationale}
        elif d in retained:
            target = _reorientation(p, finance_mean.get(d, 2.0) < 1.0)
            row |= {"decision": REORIENTED, "reoriented_to": target,
                    "rationale": rationales["reoriented"].format(target=target)}
        else:
            reason = _TEXTS["not_retained_reasons"][_weakest_dimension(d, acc_long)]
            row |= {"decision": NOT_RETAINED, "rationale": rationales["not_retained"].format(reason=reason)}
        rows.append(row)
    return typed(rows, "decisions")
