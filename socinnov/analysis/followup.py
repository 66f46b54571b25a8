"""Follow-up of the funded experiments: trajectories, indicators, spending, attrition.

The call funds experiments for at most 24 months, pays the aid « en deux fois : au démarrage et
à la remise du bilan de la deuxième année », and has research teams follow and evaluate them.
This module reads the follow-up tables of a cohort (``followup`` waves, ``reassessments`` on the
acceptability grid, ``indicators``, ``spending``, ``payments``, ``activity_reports``) and returns
tidy long frames with English column names; the ``*_fr`` functions turn them into what a
report shows, with French headers and French number formats. The payment checks are in
``socinnov.analysis.payments``, the model of change over time in ``socinnov.analysis.change``.

Time is measured from each experiment's start date to the date of each wave (``years``,
``months``), not from the planned wave month, so a wave held late counts as late.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from socinnov import fr
from socinnov.analysis.scores import dossier_scores
from socinnov.call import vocabulary as voc
from socinnov.call.grids import Grid
from socinnov.call.schemas import TABLES_BY_NAME, YEAR_TWO_REPORT, french_headers

__all__ = [
    "DAYS_PER_MONTH",
    "DAYS_PER_YEAR",
    "FUNDED",
    "INDICATORS",
    "UNDERSPEND",
    "attrition",
    "attrition_reading",
    "execution_by_dossier",
    "execution_table_fr",
    "funded_ids",
    "indicator_summary",
    "indicator_table_fr",
    "indicators_long",
    "last_waves",
    "overview_table_fr",
    "project_lines",
    "reassessment_scores",
    "spending_execution",
    "stage_reading",
    "stage_transitions",
    "underspend_table_fr",
    "wave_means",
    "wave_means_table_fr",
    "waves",
]

FUNDED = voc.FUNDED
DAYS_PER_YEAR = 365.25
DAYS_PER_MONTH = DAYS_PER_YEAR / 12

INDICATORS = {k: v for k, v in french_headers(TABLES_BY_NAME["indicators"].model).items()
              if k not in ("dossier_id", "wave_month")}
"""Indicator column -> its French label (the header users fill)."""

UNDERSPEND = 0.8
"""Below this share of the forecast, an experiment's spending is flagged as an under-spend."""

# --------------------------------------------------------------------------------------------
# Waves
# --------------------------------------------------------------------------------------------

def funded_ids(tables: dict[str, pd.DataFrame]) -> list[str]:
    """Identifiers of the funded experiments (decision « retenu - financé »), sorted."""
    dec = tables["decisions"]
    return sorted(dec.loc[dec["decision"] == FUNDED, "dossier_id"])


def _since_start(tables: dict[str, pd.DataFrame], df: pd.DataFrame, date: str) -> pd.DataFrame:
    start = tables["dossiers"].set_index("dossier_id")["start_date"]
    # to_datetime: an empty table (no follow-up yet) holds object columns, not dates
    days = (pd.to_datetime(df[date]) - pd.to_datetime(df["dossier_id"].map(start))).dt.days.astype(float)
    return df.assign(months=days / DAYS_PER_MONTH, years=days / DAYS_PER_YEAR)


def waves(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The follow-up waves, one row per experiment and wave, in time order.

    Columns: ``dossier_id, wave_month, observed_on, months, years, source, status, stage``;
    ``months`` and ``years`` run from the experiment's start date to the wave's date.
    """
    fu = tables["followup"].sort_values(["dossier_id", "wave_month"], ignore_index=True)
    out = _since_start(tables, fu, "observed_on")
    return out[["dossier_id", "wave_month", "observed_on", "months", "years", "source", "status", "stage"]]


def last_waves(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Each followed experiment's latest wave (its current status and stage)."""
    return waves(tables).groupby("dossier_id", sort=True).tail(1).reset_index(drop=True)


def overview_table_fr(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Key figures of the follow-up, in French."""
    funded = funded_ids(tables)
    w = waves(tables)
    last = last_waves(tables)
    status = last["status"].value_counts()
    rows = [
        ("Expérimentations financées", fr.number(len(funded))),
        ("Expérimentations suivies (au moins une vague)", fr.number(w["dossier_id"].nunique())),
        ("Vagues de suivi enregistrées", fr.number(len(w))),
        *((f"Statut à la dernière vague : {s}", fr.number(int(status.get(s, 0)))) for s in voc.FOLLOWUP_STATUSES),
        ("Réévaluations sur la grille (lignes)", fr.number(len(tables["reassessments"]))),
        ("Bilans de la deuxième année remis",
         fr.number(int((tables["activity_reports"]["report"] == YEAR_TWO_REPORT).sum()))),
    ]
    return pd.DataFrame(rows, columns=["Indicateur", "Valeur"])


# --------------------------------------------------------------------------------------------
# Trajectories on the acceptability grid
# --------------------------------------------------------------------------------------------

def reassessment_scores(tables: dict[str, pd.DataFrame], grid: Grid, *, by: str = "dimension") -> pd.DataFrame:
    """Score of each experiment at each wave and source, by criterion, dimension or generic criterion.

    The score is that of ``scores.dossier_scores`` (mean level code over the group's criteria,
    0 = lowest level), computed on each wave's re-assessment by each source.

    Returns
    -------
    DataFrame with columns ``dossier_id, wave_month, source, months, years, group, group_label,
    score, n_ratings``.
    """
    cols = ["dossier_id", "wave_month", "source", "months", "years", "group", "group_label", "score", "n_ratings"]
    keys = ["dossier_id", "wave_month", "source"]
    r = tables["reassessments"].dropna(subset=keys)
    if r.empty:
        return pd.DataFrame({c: pd.Series(dtype=float if c in ("months", "years", "score") else object)
                             for c in cols})
    # One call of dossier_scores for all waves and sources, not one per (wave, source): each
    # re-assessment (experiment, wave, source) stands in as a "dossier" numbered by its key, so
    # its means are over exactly the rows a per-(wave, source) call would average; the key is
    # put back and the rows sorted below, as before.
    unit = r.groupby(keys, sort=False).ngroup()
    unit_keys = r[keys].assign(unit=unit).drop_duplicates("unit").set_index("unit")
    as_ratings = r.assign(dossier_id=unit, grid=grid.id, grid_version=grid.version, round=voc.ROUNDS[0])
    per_unit = dossier_scores(as_ratings, grid, by=by)
    own_keys = unit_keys.loc[per_unit["dossier_id"]].reset_index(drop=True)
    scores = pd.concat([own_keys, per_unit.drop(columns="dossier_id")], axis=1)
    dated = waves(tables)[["dossier_id", "wave_month", "months", "years"]]
    scores = scores.merge(dated, on=["dossier_id", "wave_month"], how="left")
    column = {"criterion": "criterion", "dimension": "dimension", "generic": "generic"}[by]
    order = {g: i for i, g in enumerate(grid.criteria_frame()[column].drop_duplicates())}
    scores = scores.sort_values(["group", "dossier_id", "wave_month", "source"], ignore_index=True,
                                key=lambda s: s.map(order) if s.name == "group" else s)
    return scores[cols]


def project_lines(scores: pd.DataFrame) -> pd.DataFrame:
    """Each experiment's score per group and wave, averaged over the sources that re-assessed it."""
    return (scores.groupby(["dossier_id", "group", "group_label", "wave_month"], sort=False, as_index=False)
            .agg(score=("score", "mean"), years=("years", "mean"), n_sources=("source", "nunique")))


def wave_means(scores: pd.DataFrame, *, confidence: float = 0.95) -> pd.DataFrame:
    """Mean score per group and wave over experiments, with a Student-t confidence interval.

    Each experiment counts once per wave (its sources averaged, see ``project_lines``).
    Columns: ``group, group_label, wave_month, n, mean, sd, ci_low, ci_high``; the interval is
    missing where fewer than two experiments were re-assessed.
    """
    lines = project_lines(scores)
    g = lines.groupby(["group", "group_label", "wave_month"], sort=False)["score"]
    out = g.agg(n="count", mean="mean", sd="std").reset_index()
    half = stats.t.ppf(0.5 + confidence / 2, out["n"] - 1) * out["sd"] / np.sqrt(out["n"])
    out["ci_low"] = out["mean"] - half
    out["ci_high"] = out["mean"] + half
    return out.sort_values(["group", "wave_month"], key=_group_order(out), ignore_index=True)


def _group_order(df: pd.DataFrame):
    order = {g: i for i, g in enumerate(df["group"].drop_duplicates())}
    return lambda s: s.map(order) if s.name == "group" else s


def wave_means_table_fr(means: pd.DataFrame) -> pd.DataFrame:
    """Means by wave, one row per group and wave, French headers."""
    conf = f"IC 95{fr.NBSP}%"
    return pd.DataFrame({
        "Dimension ou critère": means["group_label"],
        "Vague (mois)": means["wave_month"],
        "Expérimentations": means["n"],
        "Score moyen": means["mean"],
        f"{conf}, bas": means["ci_low"],
        f"{conf}, haut": means["ci_high"],
    })


# --------------------------------------------------------------------------------------------
# Indicators
# --------------------------------------------------------------------------------------------

def indicators_long(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Indicators as a long frame: ``dossier_id, wave_month, months, indicator, indicator_label, value``
    (values not reported are left out)."""
    ind = tables["indicators"]
    long = ind.melt(id_vars=["dossier_id", "wave_month"], value_vars=list(INDICATORS), var_name="indicator",
                    value_name="value").dropna(subset=["value"])
    dated = waves(tables)[["dossier_id", "wave_month", "months"]]
    long = long.merge(dated, on=["dossier_id", "wave_month"], how="left")
    long["indicator_label"] = long["indicator"].map(INDICATORS)
    order = {k: i for i, k in enumerate(INDICATORS)}
    long = long.sort_values(["indicator", "dossier_id", "wave_month"], key=lambda s: s.map(order)
                            if s.name == "indicator" else s, ignore_index=True)
    return long[["dossier_id", "wave_month", "months", "indicator", "indicator_label", "value"]]


def indicator_summary(long: pd.DataFrame) -> pd.DataFrame:
    """Per indicator and wave: experiments reporting, median and total."""
    g = long.groupby(["indicator", "indicator_label", "wave_month"], sort=False)["value"]
    out = g.agg(n="count", median="median", total="sum").reset_index()
    order = {k: i for i, k in enumerate(INDICATORS)}
    return out.sort_values(["indicator", "wave_month"], key=lambda s: s.map(order) if s.name == "indicator" else s,
                           ignore_index=True)


def indicator_table_fr(summary: pd.DataFrame) -> pd.DataFrame:
    """Medians by wave, one row per indicator, one column per wave (French headers)."""
    if summary.empty:
        return pd.DataFrame({"Indicateur": pd.Series(dtype=object)})
    wide = summary.pivot(index="indicator_label", columns="wave_month", values="median")
    wide = wide.reindex([v for v in INDICATORS.values() if v in wide.index])
    wide.columns = [f"médiane à {m} mois" for m in wide.columns]
    return wide.rename_axis("Indicateur").reset_index()


# --------------------------------------------------------------------------------------------
# Spending against the 24-month forecast
# --------------------------------------------------------------------------------------------

def spending_execution(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Forecast (``budget``) and actual spending (``spending``) per funded experiment and category.

    Columns: ``dossier_id, category, forecast, spent, execution`` (spent / forecast; missing when
    nothing was forecast in the category). Categories with neither are left out.
    """
    funded = funded_ids(tables)
    key = ["dossier_id", "category"]
    forecast = tables["budget"][tables["budget"]["dossier_id"].isin(funded)].groupby(key)["amount"].sum()
    spent = tables["spending"][tables["spending"]["dossier_id"].isin(funded)].groupby(key)["amount"].sum()
    out = pd.concat([forecast.rename("forecast"), spent.rename("spent")], axis=1).fillna(0.0).reset_index()
    order = {c: i for i, c in enumerate(voc.EXPENSE_CATEGORIES)}
    out = out.sort_values(key, key=lambda s: s.map(order) if s.name == "category" else s, ignore_index=True)
    out["execution"] = (out["spent"] / out["forecast"]).where(out["forecast"] > 0)
    return out[["dossier_id", "category", "forecast", "spent", "execution"]]


def execution_by_dossier(execution: pd.DataFrame, tables: dict[str, pd.DataFrame], *,
                         threshold: float = UNDERSPEND) -> pd.DataFrame:
    """Per funded experiment: forecast, spent, execution and its status at the last wave.

    ``underspend`` is true when the experiment spent less than ``threshold`` of its forecast.
    """
    g = execution.groupby("dossier_id", as_index=False)[["forecast", "spent"]].sum()
    g["execution"] = (g["spent"] / g["forecast"]).where(g["forecast"] > 0)
    g["underspend"] = g["execution"] < threshold
    status = last_waves(tables).set_index("dossier_id")["status"]
    g["status"] = g["dossier_id"].map(status)
    return g


def execution_table_fr(execution: pd.DataFrame) -> pd.DataFrame:
    """Spending against forecast per expense category, over the funded experiments (French)."""
    g = execution.groupby("category", sort=False)[["forecast", "spent"]].sum()
    total = g.sum()
    g.loc["Total"] = total
    rate = g["spent"] / g["forecast"].where(g["forecast"] > 0)
    return pd.DataFrame({"Catégorie de dépense": g.index, "Prévu (EUR)": g["forecast"].values,
                         "Réalisé (EUR)": g["spent"].values, "Taux de réalisation": [fr.percent(x) for x in rate]})


def underspend_table_fr(by_dossier: pd.DataFrame) -> pd.DataFrame:
    """Experiments that spent less than the threshold of their forecast (French)."""
    d = by_dossier[by_dossier["underspend"]]
    return pd.DataFrame({"Dossier": d["dossier_id"].values, "Prévu (EUR)": d["forecast"].values,
                         "Réalisé (EUR)": d["spent"].values,
                         "Taux de réalisation": [fr.percent(x) for x in d["execution"]],
                         "Statut à la dernière vague": d["status"].fillna("non suivi").values})


# --------------------------------------------------------------------------------------------
# Stages and attrition
# --------------------------------------------------------------------------------------------

def stage_transitions(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Counts of stage changes between consecutive waves of the same experiment.

    Rows: stage at a wave; columns: stage at the next wave; all four stages of the call, zeros
    included. The diagonal counts experiments that stayed at their stage.
    """
    w = waves(tables)
    nxt = w.groupby("dossier_id")["stage"].shift(-1)
    pairs = pd.DataFrame({"from": w["stage"], "to": nxt}).dropna()
    stages = list(voc.STAGES)
    m = pd.crosstab(pd.Categorical(pairs["from"], stages), pd.Categorical(pairs["to"], stages), dropna=False)
    m = m.reindex(index=stages, columns=stages, fill_value=0)
    m.index.name = "Stade à une vague"
    m.columns.name = "Stade à la vague suivante"
    return m


def stage_reading(tables: dict[str, pd.DataFrame]) -> str:
    """Stages at the last wave against the stage declared in the dossier, in French."""
    last = last_waves(tables)
    if last.empty:
        return "Aucune vague de suivi enregistrée."
    declared = tables["dossiers"].set_index("dossier_id")["stage"]
    rank = {s: i for i, s in enumerate(voc.STAGES)}
    moved = last["stage"].map(rank) - last["dossier_id"].map(declared).map(rank)
    n = len(last)
    spread = int(last["stage"].isin(voc.STAGES[2:]).sum())
    return (f"À la dernière vague, {int((moved > 0).sum())} expérimentation(s) sur {n} ont franchi au moins un stade "
            f"depuis leur dossier, {int((moved == 0).sum())} en sont au même stade ; {spread} en sont à "
            "l'essaimage ou au changement d'échelle.")


def attrition(tables: dict[str, pd.DataFrame], *, confidence: float = 0.95) -> pd.DataFrame:
    """Kaplan-Meier estimate of the share of experiments still running (not abandoned) over time.

    The event is a wave whose status is « abandonné », at the months since the start to that
    wave; other experiments are censored at their latest wave. The pointwise interval uses the
    log(-log) transform of the survival, with Greenwood's variance (statsmodels ``SurvfuncRight``).

    Returns ``months, at_risk, events, survival, ci_low, ci_high``, from month 0 to the end of
    the follow-up (a last row without event carries the curve to the latest wave).

    References
    ----------
    Kaplan, E. L. & Meier, P. (1958). Nonparametric estimation from incomplete observations.
    Journal of the American Statistical Association, 53(282), 457-481.
    Kalbfleisch, J. D. & Prentice, R. L. (2002). The Statistical Analysis of Failure Time Data
    (2nd ed.), section 1.4. Wiley.
    """
    # Imported here, not at module level: statsmodels takes seconds to import, and most reports
    # that import this module never draw a survival curve.
    from statsmodels.duration.survfunc import SurvfuncRight

    cols = ["months", "at_risk", "events", "survival", "ci_low", "ci_high"]
    w = waves(tables)
    if w.empty:
        return pd.DataFrame(columns=cols, dtype=float)
    ab = w[w["status"] == "abandonné"].groupby("dossier_id")["months"].min()
    last = w.groupby("dossier_id")["months"].max()
    time = ab.reindex(last.index).fillna(last)
    event = last.index.isin(ab.index).astype(int)
    start = pd.DataFrame({"months": [0.0], "at_risk": [len(last)], "events": [0], "survival": [1.0],
                          "ci_low": [1.0], "ci_high": [1.0]})
    if event.sum() == 0:
        return start[cols]
    sf = SurvfuncRight(time.to_numpy(float), event)
    s, se = sf.surv_prob, sf.surv_prob_se
    z = stats.norm.ppf(0.5 + confidence / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        ll_se = se / (s * np.abs(np.log(s)))
        low = s ** np.exp(z * ll_se)
        high = s ** np.exp(-z * ll_se)
    low = np.where(s > 0, np.where(s < 1, low, 1.0), 0.0)
    high = np.where(s > 0, np.where(s < 1, high, 1.0), 0.0)
    km = pd.DataFrame({"months": sf.surv_times, "at_risk": sf.n_risk, "events": sf.n_events.astype(int),
                       "survival": s, "ci_low": low, "ci_high": high})
    end = float(time.max())
    if end > km["months"].iloc[-1]:
        tail = km.iloc[[-1]].assign(months=end, at_risk=int((time >= end).sum()), events=0)
        km = pd.concat([km, tail], ignore_index=True)
    return pd.concat([start, km], ignore_index=True)[cols]


def attrition_reading(km: pd.DataFrame, tables: dict[str, pd.DataFrame]) -> str:
    """The attrition in one French sentence."""
    w = waves(tables)
    n = w["dossier_id"].nunique()
    if not n:
        return "Aucune vague de suivi enregistrée."
    events = int(km["events"].sum())
    if not events:
        return f"Aucune des {n} expérimentations suivies n'a été abandonnée."
    last = km.iloc[-1]
    return (f"{events} expérimentation(s) sur {n} abandonnée(s) ; part estimée encore en cours à la fin du suivi "
            f"({fr.number(last['months'])} mois après le démarrage) : {fr.percent(last['survival'])} "
            f"(IC 95{fr.NBSP}% : {fr.percent(last['ci_low'])} à {fr.percent(last['ci_high'])}).")
