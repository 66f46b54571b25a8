"""Trajectory sheets: one HTML page per funded experiment, for its research team and the staff.

A sheet gathers what the follow-up knows of one experiment: its trajectory on the acceptability
grid against the mean of all funded experiments, its indicators wave by wave, its spending
against the 24-month forecast, its payments and reports, and the payment checks of
``socinnov.analysis.followup``. Sheets name the experiment and its porteur, so the package writes them
only when the loaded data are the jury's (``store.Cohort.audience``); for any other audience it
writes none and says so. A report notebook calls :func:`write_sheets` and shows
:func:`sheets_note` whatever its audience: the decision is taken here, not in the notebook.

Every analysis is computed once for the cohort, then each sheet only selects its experiment's
rows, so a sheet costs its template and its small figure.
"""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd
from IPython.display import HTML

from socinnov import config, files, fr
from socinnov.analysis import followup
from socinnov.analysis.payments import payment_checks
from socinnov.privacy import audiences
from socinnov.privacy.store import Cohort
from socinnov.reporting.display import FIGURE_DPI, figure_html, png_html
from socinnov.reporting.followup_plots import TrajectorySeries, project_trajectory
from socinnov.reporting.pages import TEMPLATES, TRAJECTORY_SHEETS, safe_filename

__all__ = ["sheets_dir", "sheets_note", "write_sheets"]

SHEET_AUDIENCES = tuple(a.id for a in audiences.AUDIENCES if a.named)  # the sheets name porteurs
"""Audiences whose data may be written into named, per-experiment sheets."""
SHEETS_FOLDER = TRAJECTORY_SHEETS
INSTALMENTS = {1: "1 — au démarrage", 2: "2 — solde, à la remise du bilan de la deuxième année"}


def sheets_dir(cohort: Cohort) -> Path:
    """Where a cohort's sheets go: beside the audience's reports, ``reports/COHORT/AUDIENCE/fiches-trajectoire``."""
    return config.reports_dir(cohort.name) / cohort.audience / SHEETS_FOLDER


def write_sheets(cohort: Cohort, out_dir: Path | None = None) -> list[Path]:
    """Write one trajectory sheet per funded experiment; return their paths (sorted by dossier).

    Parameters
    ----------
    cohort : the loaded cohort (``store.load_cohort``). Sheets are written only when its
        ``audience`` is in ``SHEET_AUDIENCES`` (the jury's, the only one with names); otherwise
        nothing is written and the list is empty (:func:`sheets_note` says why).
    out_dir : folder of the sheets; by default :func:`sheets_dir`. It is replaced as a whole
        (:func:`socinnov.files.replacing_folder`): a sheet left by an earlier run for an
        experiment no longer funded does not survive, and a reader never sees half of the set.
    """
    if cohort.audience not in SHEET_AUDIENCES:
        return []
    out_dir = Path(out_dir) if out_dir is not None else sheets_dir(cohort)
    context = _cohort_context(cohort)
    template = TEMPLATES.get_template("trajectory_sheet.html.j2")
    written = []
    with files.replacing_folder(out_dir) as new:
        for dossier_id in followup.funded_ids(cohort.tables):
            name = f"{safe_filename(dossier_id)}.html"
            (new / name).write_text(template.render(**_sheet(dossier_id, context)), encoding="utf-8")
            written.append(out_dir / name)
        if len(written) > LISTED:  # the full list on a page of its own, beside the sheets
            (new / INDEX).write_text(f"<!DOCTYPE html><html lang=\"fr\"><meta charset=\"utf-8\"><title>Fiches de "
                                     f"trajectoire — {html.escape(cohort.name)}</title><h1>Fiches de trajectoire "
                                     f"({fr.number(len(written))})</h1><ul>{_items(cohort, written, '')}</ul></html>",
                                     encoding="utf-8")
    return written


LISTED = 30
"""Beyond this many sheets the report lists the first ones and links a page listing them all."""
INDEX = "index.html"


def _items(cohort: Cohort, paths: list[Path], prefix: str) -> str:
    titles = cohort.dossiers.set_index("dossier_id")["title"]
    return "".join(f'<li><a href="{prefix}{html.escape(p.name)}">{html.escape(p.stem)}</a> — '
                   f"{html.escape(str(titles.get(p.stem, '')))}</li>" for p in paths)


def sheets_note(cohort: Cohort, paths: list[Path]) -> HTML:
    """What the report says about the sheets: links to them, or why there are none."""
    if cohort.audience not in SHEET_AUDIENCES:
        return HTML(f"<p>Les fiches de trajectoire nomment les expérimentations et leurs porteurs : elles ne sont écrites "
                    f"que pour le jury. Ce rapport est construit pour le public « {html.escape(cohort.audience)} » : "
                    "aucune fiche n'a été écrite.</p>")
    if not paths:
        return HTML("<p>Aucune expérimentation financée : aucune fiche de trajectoire.</p>")
    shown = paths[:LISTED] if len(paths) > LISTED else paths
    more = (f'<p>… et {fr.number(len(paths) - len(shown))} autres : <a href="{SHEETS_FOLDER}/{INDEX}">la liste '
            "complète des fiches</a>.</p>") if len(shown) < len(paths) else ""
    return HTML(f"<p>{fr.count(len(paths), 'fiche de trajectoire', 'fiches de trajectoire')}, une par expérimentation "
                f"financée (confidentielles) :</p><ul>{_items(cohort, shown, SHEETS_FOLDER + '/')}</ul>{more}")


def _cohort_context(cohort: Cohort) -> dict:
    """Every analysis the sheets show, computed once for the cohort and split by experiment."""
    t = cohort.tables
    grid = cohort.grid()
    scores = followup.reassessment_scores(t, grid)
    lines = followup.project_lines(scores)
    means = followup.wave_means(scores)
    partners = t["partners"]
    research = partners[partners["partner_type"] == "équipe de recherche"]

    def by_dossier(df: pd.DataFrame) -> dict[str, pd.DataFrame]:
        return dict(tuple(df.groupby("dossier_id", sort=False)))

    return {
        "cohort": cohort,
        "call": cohort.call,
        "levels": grid.level_labels,
        "means": means,
        "all_lines": lines,
        "position": (position := _shared_layout(lines, means, grid.level_labels)),
        "series": None if position is None else TrajectorySeries(lines, means, levels=grid.level_labels,
                                                                 position=position, dpi=FIGURE_DPI),
        "scores_wide": _wide_by_dossier(lines, ["group", "group_label"], "score"),
        "comments": by_dossier(t["reassessments"].dropna(subset=["comment"])),
        "criteria": {c.id: c.label for c in grid.criteria},
        "waves": by_dossier(followup.waves(t)),
        "indicators_wide": _wide_by_dossier(followup.indicators_long(t), ["indicator_label"], "value"),
        "execution": by_dossier(followup.spending_execution(t)),
        "payments": by_dossier(t["payments"].sort_values(["dossier_id", "instalment"])),
        "reports": by_dossier(t["activity_reports"].sort_values(["dossier_id", "received_on"])),
        "checks": by_dossier(payment_checks(t, cohort.call)),
        "dossiers": t["dossiers"].set_index("dossier_id"),
        "granted": t["decisions"].set_index("dossier_id")["granted_amount"],
        "research": research.groupby("dossier_id")["partner"].agg(list).to_dict(),
    }


def _wide_by_dossier(df: pd.DataFrame, index: list[str], values: str) -> dict[str, pd.DataFrame]:
    """Each experiment's table of ``values`` by wave (``pivot_table(index=index,
    columns="wave_month", values=values, sort=False)`` of its own rows), cut from one pivot of the
    whole table (a pivot per sheet cost 1 400 pivots): its waves with a value, in the order of the
    months (an experiment's own pivot followed its rows' order: 0, 12, 18, 24, 6 when the 6-month
    indicators came last in the file)."""
    if df.empty:
        return {}
    wide = df.pivot_table(index=["dossier_id", *index], columns="wave_month", values=values, sort=False)
    out = {}
    for dossier_id, own in wide.groupby(level=0, sort=False):
        own = own.droplevel(0).dropna(axis=1, how="all")
        out[dossier_id] = own[sorted(own.columns)]
    return out


def _shared_layout(lines: pd.DataFrame, means: pd.DataFrame, levels: tuple[str, ...]):
    """Where every sheet's figure places its axes: the constrained layout of the first, saved as
    each sheet's figure is (:func:`figure_html`). The figures differ only by what is drawn inside
    the axes (lines, legend), so the layout is the same for all, and a constrained layout costs a
    full extra drawing at each save: 1 400 sheets at a national call. None without any line."""
    if lines.empty:
        return None
    probe = project_trajectory(lines, means, lines["dossier_id"].iloc[0], levels=levels)
    figure_html(probe)
    return probe.axes[0].get_position()


def _own(rows: pd.DataFrame | None) -> pd.DataFrame:
    """An experiment's rows of a split table (none: an empty frame)."""
    return rows if rows is not None else pd.DataFrame()


def _figure(dossier_id: str, c: dict) -> str:
    """The experiment's trajectory figure, drawn on the series' figure (:class:`TrajectorySeries`),
    or on its own when the series cannot draw it as its own figure would be drawn."""
    drawn = c["series"].png(dossier_id) if c["series"] is not None else None
    if drawn is not None:
        return png_html(*drawn)
    return figure_html(project_trajectory(c["all_lines"], c["means"], dossier_id, levels=c["levels"],
                                          position=c["position"]))


def _sheet(dossier_id: str, c: dict) -> dict:
    """The template's context for one experiment."""
    d = c["dossiers"].loc[dossier_id]
    call = c["call"]
    waves = _own(c["waves"].get(dossier_id))
    score_waves, score_rows = [], []
    wide = c["scores_wide"].get(dossier_id)
    if wide is not None:
        score_waves = list(wide.columns)
        score_rows = [{"label": label, "cells": [fr.number(v, 2) for v in row]}
                      for (_, label), row in wide.iterrows()]
    indicator_waves, indicator_rows = [], []
    wide = c["indicators_wide"].get(dossier_id)
    if wide is not None:
        indicator_waves = list(wide.columns)
        decimals = {followup.INDICATORS["jobs_fte"]: 1}
        indicator_rows = [{"label": label, "cells": [fr.number(v, decimals.get(label, 0)) for v in row]}
                          for label, row in wide.iterrows()]
    ex = _own(c["execution"].get(dossier_id))
    spending = [{"category": r.category, "forecast": fr.euros(r.forecast), "spent": fr.euros(r.spent),
                 "rate": fr.percent(r.execution), "total": False} for r in ex.itertuples()]
    if len(ex):
        forecast, spent = ex["forecast"].sum(), ex["spent"].sum()
        spending.append({"category": "Total", "forecast": fr.euros(forecast), "spent": fr.euros(spent),
                         "rate": fr.percent(spent / forecast if forecast else None), "total": True})
    pay = _own(c["payments"].get(dossier_id))
    payments = [{"label": INSTALMENTS.get(r.instalment, str(r.instalment)), "date": fr.date(r.paid_on),
                 "amount": fr.euros(r.amount)} for r in pay.itertuples()]
    if len(pay):
        payments.append({"label": "Total versé", "date": "", "amount": fr.euros(pay["amount"].sum())})
    comments = [{"wave": r.wave_month, "source": r.source, "criterion": c["criteria"].get(r.criterion, r.criterion),
                 "level": r.level if isinstance(r.level, str) else "–", "comment": r.comment}
                for r in _own(c["comments"].get(dossier_id)).itertuples()]
    last = None
    if len(waves):
        w = waves.iloc[-1]
        last = {"wave": w["wave_month"], "date": fr.date(w["observed_on"]), "source": w["source"],
                "status": w["status"], "stage": w["stage"]}
    start = d["start_date"]
    return {
        "cohort": c["cohort"].name, "dossier_id": dossier_id, "title": d.get("title", ""),
        "porteur": d.get("porteur", ""), "start": fr.date(start), "end": fr.date(d["end_date"]),
        "window_end": fr.date(start + pd.DateOffset(months=call.max_months) - pd.Timedelta(days=1)),
        "max_months": call.max_months, "granted": fr.euros(c["granted"].get(dossier_id)),
        "declared_stage": d["stage"], "research_teams": c["research"].get(dossier_id, []),
        "last": last, "levels": c["levels"], "figure": _figure(dossier_id, c),
        "score_waves": score_waves, "score_rows": score_rows, "comments": comments,
        "indicator_waves": indicator_waves, "indicator_rows": indicator_rows,
        "waves": [{"wave": r.wave_month, "date": fr.date(r.observed_on), "source": r.source, "status": r.status,
                   "stage": r.stage} for r in waves.itertuples()],
        "spending": spending, "payments": payments,
        "reports": [{"report": r.report, "date": fr.date(r.received_on)}
                    for r in _own(c["reports"].get(dossier_id)).itertuples()],
        "checks": _own(c["checks"].get(dossier_id)).to_dict("records"),
    }
