"""The follow-up of the funded demo experiments: waves, payments, re-assessments, indicators,
spending and activity reports.

Two experiments are abandoned (one in a small cohort), one spreads (reaches « essaimage »); of
the others, one hands in its year-two report late with an expense after the 24 months, and one
under-spends.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from socinnov.call import grids
from socinnov.call import vocabulary as voc
from socinnov.call.schemas import REPORT_KINDS
from socinnov.demo import content
from socinnov.demo.decisions import FUNDED
from socinnov.demo.drawing import add_months, pick, rating_grid, round_to, typed
from socinnov.demo.profiles import Profile
from socinnov.demo.ratings import ACCEPTABILITY_CUTS, criterion_effect

__all__ = [
    "FOLLOWUP_WAVES", "followup_plan", "make_activity_reports", "make_followup", "make_indicators",
    "make_payments", "make_reassessments", "make_spending",
]

FOLLOWUP_WAVES = (0, 6, 12, 18, 24)
ONGOING, FINISHED, ABANDONED = voc.FOLLOWUP_STATUSES
FIRST_REPORT, SECOND_REPORT = REPORT_KINDS

# Latent change per year of each acceptability dimension during the experiment (on the rating
# scale of the jury's latent quality, where one level is about 1.5 units wide).
DIMENSION_SLOPES = {"portage": 0.45, "contenu": 0.3, "contexte": 0.15}
SELF_ASSESSMENT_BIAS = 0.35  # porteurs rate their own project higher
START_GAP = -0.7  # the project as it starts falls short of the dossier the jury read


def _stage_path(rng: np.random.Generator, start_stage: str, n_waves: int, spreads: bool) -> list[str]:
    """The stage observed at each wave: slow progress; ``spreads`` reaches "essaimage"."""
    stages = list(voc.STAGES)
    k = stages.index(start_stage)
    path = []
    for w in range(n_waves):
        if w > 0 and k == 0 and rng.random() < 0.3:
            k = 1
        if spreads and w >= 3 and k < 2:
            k = min(2, k + 1)
        path.append(stages[k])
    if spreads and stages.index(path[-1]) < 2:
        path[-1] = "essaimage"
    return path


def followup_plan(rng: np.random.Generator, funded: list[str],
                  profiles: dict[str, Profile]) -> tuple[dict[str, int], str | None]:
    """Which funded experiments are abandoned (at which wave) and which one spreads."""
    n_abandoned = 2 if len(funded) >= 10 else 1
    drawn = rng.choice(len(funded), size=min(n_abandoned, len(funded)), replace=False)
    abandoned = {d: int(rng.choice([12, 18])) for d in sorted(funded[int(i)] for i in drawn)}
    early = ("amorçage", "développement")
    candidates = [d for d in funded if d not in abandoned and profiles[d].stage in early]
    spreading = pick(rng, candidates) if candidates else None
    return abandoned, spreading


def make_followup(rng: np.random.Generator, profiles: dict[str, Profile], funded: list[str],
                  abandoned: dict[str, int], spreading: str | None) -> pd.DataFrame:
    """The ``followup`` table: waves at months 0, 6, 12, 18 and 24 of each funded experiment."""
    rows = []
    for d in funded:
        p = profiles[d]
        waves = [m for m in FOLLOWUP_WAVES if m <= abandoned.get(d, max(FOLLOWUP_WAVES))]
        path = _stage_path(rng, p.stage, len(waves), d == spreading)
        for month, stage in zip(waves, path):
            observed = p.extra["start"] if month == 0 else (
                add_months(p.extra["start"], month) + pd.Timedelta(days=int(rng.integers(0, 21))))
            if d in abandoned and month == abandoned[d]:
                status = ABANDONED
            elif month == max(FOLLOWUP_WAVES) or observed > p.extra["end"]:
                status = FINISHED
            else:
                status = ONGOING
            source = "chargé de mission" if month == 0 else (
                "équipe de recherche" if p.research and rng.random() < 0.5 else
                pick(rng, ("porteur", "porteur", "chargé de mission")))
            rows.append({"dossier_id": d, "wave_month": month, "observed_on": observed,
                         "source": source, "status": status, "stage": stage})
    return typed(rows, "followup")


def make_payments(rng: np.random.Generator, profiles: dict[str, Profile], decisions: pd.DataFrame,
                  abandoned: dict[str, int]) -> pd.DataFrame:
    """The ``payments`` table: an advance at start, the balance after the year-two report."""
    funded = decisions[decisions["decision"] == FUNDED]
    candidates = [d for d in funded["dossier_id"] if d not in abandoned]
    late = pick(rng, candidates) if candidates else None
    underspent = pick(rng, [d for d in candidates if d != late]) if len(candidates) > 1 else None
    for d, key in ((late, "late_report"), (underspent, "underspent")):
        if d is not None:
            profiles[d].extra[key] = True
    rows = []
    for d, granted, validated_on in zip(funded["dossier_id"], funded["granted_amount"], funded["validated_on"]):
        start = profiles[d].extra["start"]
        first = round_to(granted * rng.uniform(0.5, 0.7), 100)
        ready = max(start, validated_on + pd.Timedelta(days=14))
        paid_on = ready + pd.Timedelta(days=int(rng.integers(3, 25)))
        rows.append({"dossier_id": d, "instalment": 1, "paid_on": paid_on, "amount": first})
        if d in abandoned:
            continue
        months = 31 if d == late else int(rng.integers(24, 27))
        balance = granted - first
        if d == underspent:
            balance = round_to(balance * 0.8, 10)
        rows.append({"dossier_id": d, "instalment": 2,
                     "paid_on": add_months(start, months) + pd.Timedelta(days=int(rng.integers(0, 20))),
                     "amount": balance})
    return typed(rows, "payments")


def _wave_sources(rng: np.random.Generator, p: Profile, month: int, wave_source: str) -> list[str]:
    """Who re-assesses the experiment at a wave: the wave's source; at 12 and 24 months the porteur
    (self-assessment) and, when there is one, the research team."""
    sources = [wave_source]
    if month in (12, 24):
        if rng.random() < 0.8:
            sources.append("porteur")
        if p.research:
            sources.append("équipe de recherche")
    return [s for s in voc.FOLLOWUP_SOURCES if s in sources]


def make_reassessments(rng: np.random.Generator, profiles: dict[str, Profile], followup: pd.DataFrame,
                       abandoned: dict[str, int], spreading: str | None) -> pd.DataFrame:
    """The ``reassessments`` table: the acceptability grid again, at each wave, by each source.

    Each experiment's latent quality on a dimension moves by ``DIMENSION_SLOPES`` per year plus
    its own deviation, from ``START_GAP`` below the dossier the jury read; the spreading
    experiment gains on Portage and Contexte; an experiment heading for abandonment declines.
    Porteurs rate themselves ``SELF_ASSESSMENT_BIAS`` higher.
    """
    acceptability = rating_grid(grids.ACCEPTABILITY)
    dimension_of = {c.id: c.dimension for c in acceptability.criteria}
    labels = np.array(acceptability.level_labels, dtype=object)
    rows = []
    for d, waves in followup.groupby("dossier_id", sort=True):
        p = profiles[d]
        own = {dim: slope + rng.normal(0, 0.2) for dim, slope in DIMENSION_SLOPES.items()}
        if d == spreading:
            own["portage"] += 0.4
            own["contexte"] += 0.5
        if d in abandoned:
            own = dict.fromkeys(own, -0.5)
        for month, source in zip(waves["wave_month"], waves["source"]):
            years = month / 12
            for who in _wave_sources(rng, p, int(month), source):
                bias = SELF_ASSESSMENT_BIAS if who == "porteur" else 0.0
                for criterion, dim in dimension_of.items():
                    latent = (p.quality[dim] + START_GAP + own[dim] * years + criterion_effect(p, criterion)
                              + bias + rng.normal(0, 0.45))
                    code = int(np.digitize(latent, ACCEPTABILITY_CUTS))
                    level = None if rng.random() < 0.02 else labels[code]
                    comment = None
                    if who != "porteur" and month > 0 and rng.random() < 0.04:
                        options = content.FOLLOWUP["reassessment_comments"][dim]
                        comment = options["decline"] if own[dim] < 0 else pick(rng, options["progress"])
                    rows.append({"dossier_id": d, "wave_month": int(month), "source": who,
                                 "criterion": criterion, "level": level, "comment": comment})
    return typed(rows, "reassessments")


def make_indicators(rng: np.random.Generator, profiles: dict[str, Profile], followup: pd.DataFrame,
                    abandoned: dict[str, int], spreading: str | None) -> pd.DataFrame:
    """The ``indicators`` table: what each experiment reaches, wave by wave.

    Beneficiaries grow with time, the collective gains a partner now and then, the spreading
    experiment's reach and collective jump once it spreads; an abandoned one stalls. A few
    values are left unreported.
    """
    rows = []
    for d, waves in followup.groupby("dossier_id", sort=True):
        p = profiles[d]
        reach = float(rng.lognormal(np.log(120), 0.6))
        partners = float(p.n_partners)
        fte = round_to(rng.uniform(0.5, 2.0), 0.1)
        volunteers = float(rng.integers(3, 30))
        cofunding_target = max(0.0, p.extra["total"] - p.extra["requested"]) * rng.uniform(0.4, 0.9)
        end_month = abandoned.get(d, 24)
        for month, stage in zip(waves["wave_month"], waves["stage"]):
            share = min(month, end_month) / 24
            spread = d == spreading and stage in ("essaimage", "changement d'échelle")
            if month > 0:
                partners += float(rng.poisson(0.4)) + (3.0 if spread and month >= 18 else 0.0)
                fte = max(0.0, round_to(fte + rng.normal(0.15, 0.2), 0.1))
                volunteers = max(0.0, volunteers + float(rng.integers(-2, 5)))
            values = {
                "beneficiaries": float(round(reach * share ** 0.8 * (2.5 if spread else 1.0))),
                "partners": partners,
                "jobs_fte": fte,
                "volunteers": volunteers,
                "cofunding": round_to(cofunding_target * share, 100),
            }
            if month > 0:
                for key in values:
                    if rng.random() < 0.04:
                        values[key] = None
            rows.append({"dossier_id": d, "wave_month": int(month), **values})
    return typed(rows, "indicators")


def _semesters(m_from: int, m_to: int, last: int) -> list[tuple[int, int]]:
    """(semester end month, months of the line in it) for a budget line spent up to ``last``."""
    out = []
    for end in range(6, 25, 6):
        months = max(0, min(m_to, end, last) - max(m_from, end - 5) + 1)
        if months:
            out.append((end, months))
    return out


def make_spending(rng: np.random.Generator, profiles: dict[str, Profile], funded: list[str],
                  budget: pd.DataFrame, abandoned: dict[str, int]) -> pd.DataFrame:
    """The ``spending`` table: each funded experiment's expenses, per budget line and semester.

    Most experiments spend 85 to 105 % of their forecast; the under-spending one about 60 %;
    an abandoned one stops at its last wave; the late one pays a last invoice after month 24.
    """
    rows = []
    for d in funded:
        p = profiles[d]
        rate = 0.6 if p.extra.get("underspent") else float(np.clip(rng.normal(0.95, 0.06), 0.85, 1.05))
        last = abandoned.get(d, 24)
        lines = budget[budget["dossier_id"] == d]
        for cat, label, amount, m_from, m_to in zip(lines["category"], lines["label"], lines["amount"],
                                                    lines["month_from"], lines["month_to"]):
            parts = _semesters(int(m_from), int(m_to), last)
            total_months = int(m_to) - int(m_from) + 1
            for end, months in parts:
                value = round_to(amount * rate * months / total_months * rng.uniform(0.9, 1.1), 10)
                spent_on = add_months(p.extra["start"], end) - pd.Timedelta(days=int(rng.integers(1, 20)))
                rows.append({"dossier_id": d, "category": cat, "label": label, "amount": value,
                             "spent_on": spent_on})
        if p.extra.get("late_report"):
            rows.append({"dossier_id": d, "category": "frais de mission", "label": content.FOLLOWUP["late_spending_label"],
                         "amount": round_to(rng.uniform(900, 2_000), 10),
                         "spent_on": add_months(p.extra["start"], 25) + pd.Timedelta(days=int(rng.integers(0, 20)))})
    return typed(rows, "spending")


def make_activity_reports(rng: np.random.Generator, profiles: dict[str, Profile], funded: list[str],
                          payments: pd.DataFrame, abandoned: dict[str, int]) -> pd.DataFrame:
    """The ``activity_reports`` table: the year-one report, and the year-two report shortly before
    the second payment (so the late experiment's report is late too)."""
    balance = payments[payments["instalment"] == 2].set_index("dossier_id")["paid_on"]
    rows = []
    for d in funded:
        start = profiles[d].extra["start"]
        if abandoned.get(d, 24) > 12:
            rows.append({"dossier_id": d, "report": FIRST_REPORT,
                         "received_on": add_months(start, 12) + pd.Timedelta(days=int(rng.integers(5, 60)))})
        if d in balance.index:
            rows.append({"dossier_id": d, "report": SECOND_REPORT,
                         "received_on": balance[d] - pd.Timedelta(days=int(rng.integers(10, 40)))})
    return typed(rows, "activity_reports")
