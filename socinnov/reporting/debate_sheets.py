"""Debate sheets: for each dossier, the criteria where jurors diverge, and why.

The call's grid exists "pour guider la lecture collective des projets et susciter l'échange et
le débat entre les évaluateurs": a sheet puts each juror's level beside the descriptor it
stands for and the juror's comment, on the criteria whose levels spread over ``min_spread``
levels or more, so the debate starts where it is needed. Sheets are for the jury only.

A national cohort has thousands of divergent dossiers (7 562 of 10 000): past
:data:`MAX_LISTED`, the report says how many dossiers diverge on 1, 2, 3… criteria and lists the
:data:`TOP_LISTED` most divergent; the whole list is :data:`LISTING` in the sheets' folder.
"""

from __future__ import annotations

import html
import itertools
from pathlib import Path

import pandas as pd

from socinnov import files, fr
from socinnov.call.grids import Grid, grid_ratings
from socinnov.call.vocabulary import INDIVIDUAL
from socinnov.privacy import audiences
from socinnov.reporting import display
from socinnov.reporting.pages import DEBATE_SHEETS, TEMPLATES, safe_filename

__all__ = ["debate_sheets", "divergence_counts", "divergence_summary_fr", "divergences", "sheet_link",
           "write_debate_sheets"]

MAX_LISTED = 30
"""Divergent dossiers the report lists one by one; past it, a summary and the :data:`TOP_LISTED`."""
TOP_LISTED = 20
"""Most divergent dossiers listed when there are more than :data:`MAX_LISTED`."""
LISTING = "dossiers-divergents.csv"
"""The whole list, beside the sheets (jury), when the report shows only the most divergent."""


def divergences(ratings: pd.DataFrame, grid: Grid, *, round: str = INDIVIDUAL, min_spread: int = 2) -> pd.DataFrame:
    """One row per (dossier, divergent criterion, juror), with the level's descriptor.

    A criterion diverges on a dossier when its highest and lowest levels are ``min_spread`` or
    more levels apart. Columns: ``dossier_id, dimension_label, criterion, criterion_label,
    spread, juror_id, level, level_code, descriptor, comment``.
    """
    r = grid_ratings(ratings, grid, round).dropna(subset=["level_code"])
    levels = r.groupby(["dossier_id", "criterion"])["level_code"]
    spread = (levels.max() - levels.min()).astype("Int64")
    spread = spread[spread >= min_spread].rename("spread").reset_index()
    out = r.merge(spread, on=["dossier_id", "criterion"])
    crit = grid.criteria_frame()[["criterion", "criterion_label", "dimension_label", "order", "dimension"]]
    out = out.merge(crit, on="criterion")
    descriptors = {(c.id, lv): text for c in grid.criteria for lv, text in c.descriptors.items()}
    out["descriptor"] = [descriptors.get(key, "") for key in zip(out["criterion"], out["level"])]
    dim_order = {d.id: i for i, d in enumerate(grid.dimensions)}
    out["_d"] = out["dimension"].map(dim_order)
    out = out.sort_values(["dossier_id", "_d", "order", "level_code", "juror_id"], ignore_index=True)
    cols = ["dossier_id", "dimension_label", "criterion", "criterion_label", "spread", "juror_id", "level",
            "level_code", "descriptor"] + (["comment"] if "comment" in out.columns else [])
    return out[cols]


def divergence_counts(div: pd.DataFrame, dossier_ids) -> pd.DataFrame:
    """Divergent criteria per dossier (zeros included), most divergent first."""
    n = div.groupby("dossier_id")["criterion"].nunique()
    out = pd.DataFrame({"dossier_id": list(dossier_ids)})
    out["divergent_criteria"] = out["dossier_id"].map(n).fillna(0).astype(int)
    return out.sort_values(["divergent_criteria", "dossier_id"], ascending=[False, True], ignore_index=True)


def write_debate_sheets(div: pd.DataFrame, dossiers: pd.DataFrame, jurors: pd.DataFrame, grid: Grid,
                        out_dir: Path, *, cohort: str, min_spread: int,
                        listing: pd.DataFrame | None = None) -> list[Path]:
    """One HTML sheet per dossier with at least one divergent criterion; returns their paths.
    ``listing``, if given, is written beside them as :data:`LISTING` (a CSV for French spreadsheets).

    ``dossiers`` and ``jurors`` must be the jury audience's tables (titles and names). ``out_dir``
    is replaced as a whole (:func:`socinnov.files.replacing_folder`): the sheet of a dossier
    whose divergence is gone does not survive a rebuild (it names jurors and quotes them), and
    a reader never sees half of the new set.
    """
    out_dir = Path(out_dir)
    names = dict(zip(jurors["juror_id"], jurors["name"]))
    titles = dossiers.set_index("dossier_id")[["title", "porteur"]].to_dict("index")
    template = TEMPLATES.get_template("debate_sheet.html.j2")
    written = []
    # Plain records grouped in Python: two nested pandas groupbys cost ~8 ms per dossier, a
    # minute for a national cohort. Same order: dossiers sorted, criteria and jurors as they come.
    columns = ["dossier_id", "criterion", "dimension_label", "criterion_label", "spread", "juror_id", "level",
               "descriptor", "comment"]
    records = div.sort_values("dossier_id", kind="stable").reindex(columns=columns)
    # Column by column (missing values as None): DataFrame.to_dict boxes each of the 10⁶ cells.
    values = [records[c].astype(object).where(records[c].notna(), None).tolist() for c in columns]
    records = [dict(zip(columns, row)) for row in zip(*values)]
    with files.replacing_folder(out_dir) as new:
        for dossier_id, rows in itertools.groupby(records, key=lambda r: r["dossier_id"]):
            page = template.render(cohort=cohort, dossier_id=dossier_id, grid=grid, min_spread=min_spread,
                                   title=titles.get(dossier_id, {}).get("title", ""),
                                   porteur=titles.get(dossier_id, {}).get("porteur", ""),
                                   criteria=_criteria(rows, names))
            name = f"{safe_filename(dossier_id)}.html"
            (new / name).write_text(page, encoding="utf-8")  # the folder is swapped in whole
            written.append(out_dir / name)
        if listing is not None:
            (new / LISTING).write_text(display.csv_text(listing), encoding="utf-8-sig")
    return written


def _criteria(rows, names: dict) -> list[dict]:
    """A dossier's divergent criteria, each with its jurors' levels, from its rows of :func:`divergences`."""
    by_criterion: dict[str, list[dict]] = {}
    for r in rows:
        by_criterion.setdefault(r["criterion"], []).append(r)
    return [{"dimension": crows[0]["dimension_label"], "label": crows[0]["criterion_label"],
             "spread": int(crows[0]["spread"]),
             "ratings": [{"juror": f"{r['juror_id']} – {names.get(r['juror_id'], '')}", "level": r["level"],
                          "descriptor": r["descriptor"], "comment": r["comment"] or ""} for r in crows]}
            for crows in by_criterion.values()]


def sheet_link(dossier_id: str) -> str:
    """Relative link from a jury report to a dossier's debate sheet."""
    return f'<a href="{DEBATE_SHEETS}/{html.escape(safe_filename(dossier_id))}.html">{html.escape(dossier_id)}</a>'


def debate_sheets(data, *, min_spread: int = 2, round: str = INDIVIDUAL) -> tuple[pd.DataFrame, str]:
    """Write the debate sheets of a loaded cohort, if its audience may see them.

    ``data`` is a ``socinnov.privacy.store.Cohort``. For the ``jury`` audience, one sheet per dossier
    with divergent criteria is written under ``reports/COHORT/jury/fiches-debat/``; for any
    other audience nothing is written (the sheets carry names and comments). Returns the table
    of dossiers by number of divergent criteria (with a link for the jury) and a French note;
    past :data:`MAX_LISTED` dossiers, the table holds the :data:`TOP_LISTED` most divergent, the
    note the count of dossiers by number of divergent criteria and, for the jury, a link to the
    whole list (:data:`LISTING`).
    """
    from socinnov import config  # local: keeps this module importable without a project tree

    grid = data.grid()
    div = divergences(data.ratings, grid, round=round, min_spread=min_spread)
    rated = data.ratings.loc[data.ratings["grid"] == grid.id, "dossier_id"].unique()
    counts = divergence_counts(div, rated)
    counts = counts[counts["divergent_criteria"] > 0]
    long = len(counts) > MAX_LISTED
    shown = counts.head(TOP_LISTED) if long else counts
    if not audiences.definition(data.audience).named:
        n = len(counts)
        found = ("Aucun dossier ne présente de critère" if n == 0 else
                 f"{fr.count(n, 'dossier')} {'présente' if n == 1 else 'présentent'} au moins un critère")
        note = (f"{found} où les jurés s'écartent de {min_spread} niveaux ou plus."
                + (divergence_summary_fr(counts) if long else "")
                + " Les fiches de débat, nominatives, sont réservées au jury.")
        return shown.rename(columns={"dossier_id": "Dossier", "divergent_criteria": "Critères divergents"}), note
    out_dir = config.reports_dir(data.name) / data.audience / DEBATE_SHEETS
    listing = pd.DataFrame({"Dossier": counts["dossier_id"].to_numpy(),
                            "Critères divergents": counts["divergent_criteria"].to_numpy(),
                            "Fiche": [f"{safe_filename(d)}.html" for d in counts["dossier_id"]]}) if long else None
    paths = write_debate_sheets(div, data.dossiers, data.jurors, grid, out_dir, cohort=data.name,
                                min_spread=min_spread, listing=listing)
    table = pd.DataFrame({"Dossier": [sheet_link(d) for d in shown["dossier_id"]],
                          "Critères divergents": shown["divergent_criteria"].to_numpy()})
    written = fr.count(len(paths), "fiche de débat écrite", "fiches de débat écrites",
                       zero="Aucune fiche de débat écrite")
    note = (f"{written[0].upper() + written[1:]} (un dossier par fiche, critères où les jurés s'écartent de "
            f"{min_spread} niveaux ou plus)." + (divergence_summary_fr(counts) if long else "")
            + (f" Liste complète des {fr.number(len(counts))} dossiers, avec leur fiche : "
               f"[{LISTING}]({DEBATE_SHEETS}/{LISTING})." if long else "")
            + (" Cliquer sur un dossier pour ouvrir sa fiche." if paths else ""))
    return table, note


def divergence_summary_fr(counts: pd.DataFrame) -> str:
    """How many dossiers diverge on 1, 2, 3… criteria, and that the table lists the most divergent."""
    by = counts["divergent_criteria"].value_counts().sort_index()
    parts = [f"{k} pour {fr.count(int(n), 'dossier')}" for k, n in by.items()]
    return (f" Nombre de critères divergents par dossier : {', '.join(parts)}."
            f" Ci-dessous, les {TOP_LISTED} dossiers les plus divergents.")
