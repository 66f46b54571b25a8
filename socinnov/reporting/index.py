"""The reports' index, ``reports/COHORT/index.html``: every report of the cohort on disk, by audience.

A build lists what it just built (a link, or the failure and the kept notebook) and, for every
other report a notebook declares, the HTML already on disk: a run for one audience or with
``--only`` does not drop the other reports from the index.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace

from socinnov import __version__, config, fr
from socinnov.privacy.audiences import IDS as AUDIENCE_IDS
from socinnov.privacy.audiences import definition
from socinnov.reporting.pages import TEMPLATES


def fresh_pdf(html_path: Path) -> Path | None:
    """The PDF beside ``html_path`` if it was printed from this HTML (not older than it)."""
    target = html_path.with_suffix(".pdf")
    try:
        return target if target.stat().st_mtime >= html_path.stat().st_mtime else None
    except FileNotFoundError:
        return None


def listed(cohort: str, outcomes: list, reports, waiting: dict[str, str] | None = None) -> dict[str, list]:
    """Per audience (in the audiences' order), each report in the notebooks' order: this run's
    outcome, else what it waits for (``waiting``: report name -> French reason, for a report with
    nothing to show yet), else its HTML on disk, else nothing. ``outcomes``/``reports``: the
    build's ``Outcome`` and ``ReportSpec`` objects."""
    fresh = {(o.parameters["audience"], o.spec.name): o for o in outcomes}
    waiting = waiting or {}
    out: dict[str, list] = {}
    for audience in AUDIENCE_IDS:
        for spec in reports:
            if audience not in spec.audiences:
                continue
            o = fresh.get((audience, spec.name))
            if o is None and spec.name in waiting:
                o = SimpleNamespace(spec=spec, html=None, waiting=waiting[spec.name])
            elif o is None:
                html = config.reports_dir(cohort) / audience / f"{spec.name}.html"
                if not html.exists():
                    continue
                o = SimpleNamespace(spec=spec, html=html, error=None,
                                    notebook=html.parent / "notebooks" / f"{spec.name}.ipynb")
            out.setdefault(audience, []).append(o)
    return out


def index_html(cohort: str, outcomes_by_audience: dict[str, list]) -> str:
    """The reports' index (``reports_index.html.j2``): per audience, a link to each report and to
    its PDF (said older than the HTML when the report was rebuilt since it was printed), or the
    failure and the kept notebook."""
    root = config.reports_dir(cohort)
    sections = []
    for audience, outcomes in outcomes_by_audience.items():
        entries = []
        for o in outcomes:
            if getattr(o, "waiting", None):
                entries.append({"title": o.spec.title, "waiting": o.waiting})
            elif o.html:
                rel = o.html.relative_to(root).as_posix()
                printed = o.html.with_suffix(".pdf").exists()
                entries.append({"title": o.spec.title, "href": rel,
                                "pdf": Path(rel).with_suffix(".pdf").as_posix() if printed else None,
                                "pdf_stale": printed and fresh_pdf(o.html) is None})
            else:
                entries.append({"title": o.spec.title, "error": o.error or "",
                                "notebook": o.notebook.relative_to(root).as_posix()})
        sections.append({"label": definition(audience).label, "recipients": definition(audience).recipients,
                         "entries": entries})
    return TEMPLATES.get_template("reports_index.html.j2").render(
        cohort=cohort, sections=sections, built=fr.date_time(dt.datetime.now()), version=__version__) + "\n"
