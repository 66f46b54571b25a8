"""``socinnov report COHORT``: run the report notebooks with papermill, export HTML, write an index.

For each report: papermill executes ``notebooks/<name>.ipynb`` on a real kernel with the
cohort's parameters and keeps the executed notebook under ``reports/COHORT/AUDIENCE/notebooks``;
nbconvert writes the HTML without code cells; a provenance section (input hashes, grid versions,
package version, parameters, date) closes it. A failing notebook keeps its executed copy with
the error, the other reports are still built, and the build ends non-zero naming the failure.
A report whose inputs, notebook, parameters and code are unchanged is not rebuilt.

With ``pdf=True`` (``socinnov report COHORT --pdf``) each HTML is also printed to a PDF beside
it by headless Chromium (``socinnov.reporting.pdf``): A4, running header with the report's title, cohort,
public and build date, page numbers. Chromium is looked for before anything is built: where it
is missing, :class:`socinnov.reporting.pdf.ChromiumMissing` says how to install it. A PDF older than its
HTML is never left beside it: rebuilding an HTML deletes its PDF until it is printed again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from socinnov import __version__, config, files, fr
from socinnov.errors import UserError
from socinnov.inputs.ingest import MANIFEST, ensure_ingested, raw_hashes, resolve_cohort
from socinnov.privacy.audiences import IDS as AUDIENCE_IDS
from socinnov.privacy.audiences import JURY, check_audience, definition
from socinnov.privacy.store import declared_tables, raw_files
from socinnov.provenance import code_fingerprint, library_versions
from socinnov.reporting import pdf as pdf_print
from socinnov.reporting.pages import TEMPLATES

# papermill, nbformat and nbconvert are imported where a report is actually rebuilt: importing
# them costs seconds (nbformat's jsonschema builds a grammar at import), and a build in which
# nothing changed should not pay it.

NBCONVERT_TEMPLATES = config.TEMPLATES_DIR / "nbconvert"



class UnknownReport(UserError):
    """A report name (``--only``) that no notebook declares."""


@dataclass(frozen=True)
class ReportSpec:
    """A report notebook, described by its own metadata (``metadata.socinnov``)::

        {"title": "...", "audiences": ["jury", ...], "order": 10,
         "inputs": ["dossiers", "ratings", ...], "compared_cohort": false}

    ``inputs``: the cohort tables the report reads (``socinnov.privacy.store.TABLE_NAMES``); the
    report is rebuilt when one of their raw files changes, and reading any other table fails.
    Without ``inputs``, every table (and any change rebuilds it). ``compared_cohort``: the
    report also reads the cohort named by ``comparer_avec`` in ``appel.yaml``.
    """

    name: str  # notebook stem under notebooks/
    title: str
    audiences: tuple[str, ...]
    order: int = 100
    inputs: tuple[str, ...] | None = None
    compared_cohort: bool = False


def discover_reports() -> tuple[ReportSpec, ...]:
    """Every notebook of ``notebooks/`` that declares itself a report, in its declared order."""
    specs = []
    for path in sorted(config.notebooks_dir().glob("*.ipynb")):
        meta = json.loads(path.read_text(encoding="utf-8")).get("metadata", {}).get("socinnov")
        if not meta:
            continue
        audiences = tuple(meta["audiences"])
        for a in audiences:
            check_audience(a)
        inputs = meta.get("inputs")
        try:
            inputs = None if inputs is None else declared_tables(inputs)
        except ValueError as exc:
            raise UserError(f"{path.name}, métadonnées « socinnov.inputs » : {exc}") from None
        specs.append(ReportSpec(path.stem, meta["title"], audiences, int(meta.get("order", 100)), inputs,
                                bool(meta.get("compared_cohort", False))))
    return tuple(sorted(specs, key=lambda s: (s.order, s.name)))


@dataclass
class Outcome:
    spec: ReportSpec
    html: Path | None
    notebook: Path
    seconds: float
    skipped: bool = False
    error: str | None = None
    parameters: dict = field(default_factory=dict)
    pdf: Path | None = None  # the PDF beside the HTML, when asked for and printed


def report_inputs(spec: ReportSpec, manifest: dict) -> dict[str, str | None]:
    """SHA-256 of each raw file the report is built from (``None``: file absent)."""
    recorded = manifest.get("inputs", {})
    if spec.inputs is None:
        return dict(recorded)
    return {f: recorded.get(f) for f in raw_files(spec.inputs, manifest.get("sources"))}


def compared_inputs(spec: ReportSpec, manifest: dict) -> dict[str, str] | None:
    """The raw files' SHA-256 of the cohort the report compares with, if it does."""
    other = manifest.get("call", {}).get("compare_with") if spec.compared_cohort else None
    if not other:
        return None
    if not config.raw_dir(other).is_dir():
        return {}
    return {f"{other}/{k}": v for k, v in raw_hashes(other).items()}


def _key(spec: ReportSpec, parameters: dict, manifest: dict) -> str:
    """What a report is built from: the notebook, its parameters, the raw files of the tables
    it declares (and of the compared cohort), the package's code and its libraries' versions."""
    h = hashlib.sha256()
    h.update((config.notebooks_dir() / f"{spec.name}.ipynb").read_bytes())
    h.update(json.dumps([parameters, report_inputs(spec, manifest), compared_inputs(spec, manifest),
                         code_fingerprint(), library_versions()], sort_keys=True).encode())
    return h.hexdigest()


def _provenance(parameters: dict, inputs: dict[str, str | None], manifest: dict, seconds: float) -> dict:
    """What the provenance block of a report says (``nbconvert/socinnov/provenance.html.j2``)."""
    return {
        "built": fr.date_time(dt.datetime.now()), "version": __version__, "code": code_fingerprint(),
        "seconds": f"{seconds:.1f}", "call": manifest["call"]["id"],
        "grids": ", ".join(f"{k} {v}" for k, v in manifest["call"]["grid_versions"].items()),
        "parameters": ", ".join(f"{k} = {v!r}" for k, v in parameters.items() if k != "inputs"),
        "inputs": [(name, sha[:16]) for name, sha in sorted(inputs.items()) if sha],
    }


def _masthead(cohort: str, audience: str) -> dict:
    """What the line above the report says (``nbconvert/socinnov/masthead.html.j2``; screen only:
    the PDF's running header says the same)."""
    return {"cohort": cohort, "audience": definition(audience).label, "built": fr.date(dt.date.today())}


def _export_html(executed: Path, target: Path, title: str, *, provenance: dict, masthead: dict | None = None) -> None:
    """The HTML of an executed notebook, without code, with the kit's masthead and provenance
    (template ``nbconvert/socinnov``, which reads them from ``resources["socinnov"]``)."""
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(executed, as_version=4)
    exporter = HTMLExporter(template_name="socinnov", extra_template_basedirs=[str(NBCONVERT_TEMPLATES)],
                            exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
                            language_code="fr")
    body, _ = exporter.from_notebook_node(nb, resources={
        "metadata": {"name": title}, "socinnov": {"masthead": masthead, "provenance": provenance}})
    files.write_text(target, body)


def run_report(spec: ReportSpec, cohort: str, audience: str, manifest: dict, *, force: bool = False) -> Outcome:
    out_dir = config.reports_dir(cohort) / audience
    executed = out_dir / "notebooks" / f"{spec.name}.ipynb"
    target = out_dir / f"{spec.name}.html"
    stamp = out_dir / "notebooks" / f".{spec.name}.key"
    parameters = {"cohort": cohort, "audience": audience}
    if spec.inputs is not None:  # the notebook passes them to load_cohort(tables=...)
        parameters["inputs"] = list(spec.inputs)
    key = _key(spec, parameters, manifest)
    if not force and target.exists() and stamp.exists() and stamp.read_text() == key:
        return Outcome(spec, target, executed, 0.0, skipped=True, parameters=parameters)
    import papermill as pm

    executed.parent.mkdir(parents=True, exist_ok=True)
    # The stamp goes first: a run cut short (a kill, Ctrl-C) leaves no stamp beside a half-run
    # notebook, and the next build runs the report again instead of taking it as unchanged.
    stamp.unlink(missing_ok=True)
    start = time.perf_counter()
    try:
        pm.execute_notebook(
            str(config.notebooks_dir() / f"{spec.name}.ipynb"), str(executed), parameters=parameters,
            kernel_name="python3", progress_bar=False, cwd=str(config.notebooks_dir()),
        )
    except pm.PapermillExecutionError as exc:
        stamp.unlink(missing_ok=True)
        target.unlink(missing_ok=True)  # never leave a stale report beside a failed run
        target.with_suffix(".pdf").unlink(missing_ok=True)
        return Outcome(spec, None, executed, time.perf_counter() - start,
                       error=f"{exc.ename}: {exc.evalue}", parameters=parameters)
    seconds = time.perf_counter() - start
    target.with_suffix(".pdf").unlink(missing_ok=True)  # printed again from the new HTML, if asked
    _export_html(executed, target, spec.title, masthead=_masthead(cohort, audience),
                 provenance=_provenance(parameters, report_inputs(spec, manifest), manifest, seconds))
    files.write_text(stamp, key)
    return Outcome(spec, target, executed, seconds, parameters=parameters)


def _index_html(cohort: str, outcomes_by_audience: dict[str, list[Outcome]]) -> str:
    """The reports' index (``reports_index.html.j2``): per audience, a link to each report (and
    its PDF when printed from this HTML), or the failure and the kept notebook."""
    root = config.reports_dir(cohort)
    sections = []
    for audience, outcomes in outcomes_by_audience.items():
        entries = []
        for o in outcomes:
            if o.html:
                rel = o.html.relative_to(root).as_posix()
                pdf = Path(rel).with_suffix(".pdf").as_posix() if _fresh_pdf(o.html) else None
                entries.append({"title": o.spec.title, "href": rel, "pdf": pdf})
            else:
                entries.append({"title": o.spec.title, "error": o.error or "",
                                "notebook": o.notebook.relative_to(root).as_posix()})
        sections.append({"label": definition(audience).label, "entries": entries})
    return TEMPLATES.get_template("reports_index.html.j2").render(
        cohort=cohort, sections=sections, built=fr.date_time(dt.datetime.now()), version=__version__) + "\n"


def build_reports(cohort: str, *, audiences: tuple[str, ...] = (JURY,), only: tuple[str, ...] = (),
                  force: bool = False, pdf: bool = False, jobs: int | None = None,
                  log=print) -> tuple[Path, list[Outcome]]:
    """Build every report of ``cohort`` for each audience; return the index path and the outcomes.

    Reports run ``jobs`` at a time (default: one per core), each on its own kernel.

    With ``pdf``, also print each report to a PDF beside its HTML; raises
    :class:`socinnov.reporting.pdf.ChromiumMissing` before building anything when Chromium is missing.
    """
    for a in audiences:
        check_audience(a)
    chromium = pdf_print.require_chromium() if pdf else None
    reports = discover_reports()
    specs = [s for s in reports if not only or s.name in only]
    unknown = set(only) - {s.name for s in reports}
    if unknown:
        raise UnknownReport(f"rapport(s) inconnu(s) : {', '.join(sorted(unknown))}",
                            hint="rapports : " + ", ".join(s.name for s in reports))
    name, _ = resolve_cohort(cohort)
    ensure_ingested(cohort, log=lambda: log(f"Préparation des données de « {name} »…"))
    manifest = json.loads((config.processed_dir(name) / MANIFEST).read_text(encoding="utf-8"))
    todo = [(a, s) for a in audiences for s in specs if a in s.audiences]
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(todo) or 1))
    log(f"{len(todo)} rapport(s) à construire, {jobs} à la fois…")
    # Each report runs its own kernel (a separate process): threads only wait on them.
    pool = ThreadPoolExecutor(max_workers=jobs)
    try:
        futures = {pool.submit(run_report, spec, name, audience, manifest, force=force): (audience, spec)
                   for audience, spec in todo}
        for i, future in enumerate(as_completed(futures), 1):
            audience, spec = futures[future]
            o = future.result()
            state = "inchangé" if o.skipped else ("ÉCHEC : " + o.error if o.error else f"{o.seconds:.1f} s")
            log(f"[{i}/{len(todo)}] {spec.title} ({audience}) : {state}")
    except BaseException:  # Ctrl-C: reports not started are dropped, the caller is not kept waiting
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    by_audience: dict[str, list[Outcome]] = {}
    for future, (audience, _spec) in futures.items():  # in the order of ``todo``
        by_audience.setdefault(audience, []).append(future.result())
    if chromium:
        _print_pdfs(chromium, name, [o for outs in by_audience.values() for o in outs], force=force, log=log)
    index = config.reports_dir(name) / "index.html"
    existing = _existing_outcomes(name, by_audience, reports)
    files.write_text(index, _index_html(name, existing))
    return index, [o for outs in by_audience.values() for o in outs]


def _fresh_pdf(html_path: Path) -> Path | None:
    """The PDF beside ``html_path`` if it was printed from this HTML (not older than it)."""
    target = html_path.with_suffix(".pdf")
    try:
        return target if target.stat().st_mtime >= html_path.stat().st_mtime else None
    except FileNotFoundError:
        return None


def _print_pdfs(chromium: str, cohort: str, outcomes: list[Outcome], *, force: bool, log) -> None:
    """Print every built report whose PDF is missing or older than its HTML, in one Chromium."""
    todo = []
    for o in outcomes:
        if o.html is None:
            continue
        o.pdf = None if force else _fresh_pdf(o.html)
        if o.pdf is None:
            todo.append(o)
    if not todo:
        return
    log(f"Impression en PDF de {len(todo)} rapport(s) avec Chromium…")
    try:
        with pdf_print.Chromium(chromium) as browser:
            for o in todo:
                audience = o.parameters.get("audience", o.html.parent.name)
                built = dt.datetime.fromtimestamp(o.html.stat().st_mtime)
                header = pdf_print.PageHeader(
                    title=o.spec.title, context=f"cohorte « {cohort} » · {definition(audience).label}",
                    date=fr.date(built), note=definition(audience).pdf_note)
                target = o.html.with_suffix(".pdf")
                try:
                    pages = pdf_print.print_pdf(browser, o.html, target, header)
                except pdf_print.PdfError as exc:
                    o.error = f"PDF non imprimé : {exc}"
                    log(f"      ÉCHEC du PDF de {o.spec.title} ({audience}) : {exc}")
                    continue
                o.pdf = target
                log(f"      {target} ({pages} page{'s' if pages > 1 else ''})")
    except pdf_print.PdfError as exc:  # Chromium did not start
        for o in todo:
            if o.pdf is None and o.error is None:
                o.error = f"PDF non imprimé : {exc}"
        log(f"      ÉCHEC : {exc}")


def _existing_outcomes(cohort: str, fresh: dict[str, list[Outcome]],
                       reports: tuple[ReportSpec, ...]) -> dict[str, list[Outcome]]:
    """The index lists this run's outcomes plus reports of other audiences already on disk."""
    out = dict(fresh)
    for spec in reports:
        for audience in spec.audiences:
            if audience in out:
                continue
            path = config.reports_dir(cohort) / audience / f"{spec.name}.html"
            if path.exists():
                out.setdefault(audience, []).append(
                    Outcome(spec, path, path.parent / "notebooks" / f"{spec.name}.ipynb", 0.0, skipped=True))
    return dict(sorted(out.items(), key=lambda kv: AUDIENCE_IDS.index(kv[0])))


def main_log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
