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
is missing, :class:`socinnov.reporting.pdf.ChromiumMissing` says how to install it. A report rebuilt
without ``--pdf`` (``--force``, or changed inputs) keeps its PDF: the index marks a PDF older than
its HTML (« PDF antérieur à la dernière construction ») and the build says so, until ``--pdf``
prints it again. A report that fails loses both, as it loses its HTML.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from socinnov import __version__, config, files, fr
from socinnov.call import report_plans
from socinnov.errors import UserError
from socinnov.inputs.ingest import MANIFEST, ensure_ingested, raw_hashes, resolve_cohort
from socinnov.privacy import snapshot
from socinnov.privacy.audiences import JURY, PUBLIC, check_audience, definition
from socinnov.privacy.store import declared_tables, load_cohort, raw_files
from socinnov.provenance import code_fingerprint, library_versions
from socinnov.reporting import kernels, notebook_libs
from socinnov.reporting import pdf as pdf_print
from socinnov.reporting import progress as build_progress
from socinnov.reporting.index import fresh_pdf, index_html, listed
from socinnov.reporting.outputs import ReportFiles

# papermill, nbformat and nbconvert are imported where a report is actually rebuilt, after
# notebook_libs.prepare() (which keeps jsonschema from compiling IRI grammars nothing uses):
# importing them still costs about a second, and a build in which nothing changed should not pay it.

NBCONVERT_TEMPLATES = config.TEMPLATES_DIR / "nbconvert"


class UnknownReport(UserError):
    """A report name (``--only``) that no notebook declares."""


@dataclass(frozen=True)
class ReportSpec:
    """A report notebook, described by its own metadata (``metadata.socinnov``)::

        {"title": "...", "audiences": ["jury", ...], "order": 10,
         "inputs": ["dossiers", "ratings", ...], "compared_cohort": false,
         "external": ["departements-alpc.geojson"]}

    ``inputs``: the cohort tables the report reads (``socinnov.privacy.store.TABLE_NAMES``); the
    report is rebuilt when one of their raw files changes, and reading any other table fails.
    Without ``inputs``, every table (and any change rebuilds it). ``compared_cohort``: the
    report also reads the cohort named by ``comparer_avec`` in ``appel.yaml``. ``external``: the
    files of ``data/external`` the report reads (the départements' outlines of the map); without
    it, every file there but its README (a new outline rebuilds the report, never a stale map).
    """

    name: str  # notebook stem under notebooks/
    title: str
    audiences: tuple[str, ...]
    order: int = 100
    inputs: tuple[str, ...] | None = None
    compared_cohort: bool = False
    external: tuple[str, ...] | None = None


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
        external = meta.get("external")
        specs.append(ReportSpec(path.stem, meta["title"], audiences, int(meta.get("order", 100)), inputs,
                                bool(meta.get("compared_cohort", False)),
                                None if external is None else tuple(external)))
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


def external_inputs(spec: ReportSpec) -> dict[str, str | None]:
    """SHA-256 of each file of ``data/external`` the report reads (``None``: file absent)."""
    folder = config.external_dir()
    if spec.external is not None:
        names = spec.external
    else:
        names = sorted(p.name for p in folder.glob("*") if p.is_file() and not p.name.startswith(("README", ".")))
    return {n: hashlib.sha256((folder / n).read_bytes()).hexdigest() if (folder / n).is_file() else None
            for n in names}


def _key(spec: ReportSpec, parameters: dict, manifest: dict) -> str:
    """What a report is built from: the notebook, its parameters, the raw files of the tables
    it declares (and of the compared cohort), the external files it reads, the package's code
    and its libraries' versions."""
    h = hashlib.sha256()
    h.update((config.notebooks_dir() / f"{spec.name}.ipynb").read_bytes())
    h.update(json.dumps([parameters, report_inputs(spec, manifest), compared_inputs(spec, manifest),
                         external_inputs(spec), code_fingerprint(), library_versions()],
                        sort_keys=True).encode())
    return h.hexdigest()


def _provenance(parameters: dict, inputs: dict[str, str | None], manifest: dict, seconds: float) -> dict:
    """What the provenance block of a report says (``nbconvert/socinnov/provenance.html.j2``)."""
    return {
        "built": fr.date_time(dt.datetime.now()), "version": __version__, "code": code_fingerprint(),
        "seconds": fr.number(seconds, 1), "call": manifest["call"]["id"],
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
    notebook_libs.prepare()
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(executed, as_version=4)
    exporter = HTMLExporter(template_name="socinnov", extra_template_basedirs=[str(NBCONVERT_TEMPLATES)],
                            exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
                            language_code="fr")
    body, _ = exporter.from_notebook_node(nb, resources={
        "metadata": {"name": title}, "socinnov": {"masthead": masthead, "provenance": provenance}})
    files.write_text(target, body)


@dataclass
class _Job:
    """A report to (re)build: where it goes and what it is built from."""

    spec: ReportSpec
    cohort: str
    audience: str
    parameters: dict
    key: str
    manifest: dict

    @property
    def out(self) -> ReportFiles:
        return ReportFiles(self.cohort, self.audience, self.spec.name)

    @property
    def executed(self) -> Path:
        return self.out.executed

    @property
    def target(self) -> Path:
        return self.out.html

    @property
    def stamp(self) -> Path:
        return self.out.stamp


def notebook_cohort(cohort: str | Path) -> str:
    """The notebooks' ``cohort`` parameter for a cohort given as ``socinnov ingest`` takes it (a
    name, or a folder's path: :func:`~socinnov.inputs.ingest.resolve_cohort`).

    A notebook loads its cohort with ``load_cohort(cohort)``, which finds the raw files again
    (to ingest them if they changed). A cohort of ``data/raw`` is passed by its name; a folder
    elsewhere by its path relative to the notebooks' folder, where the kernels run: the same
    folder always gives the same parameter (and so the same report key), and no absolute path
    (a user name, a server's layout) gets into the executed notebook.
    """
    name, folder = resolve_cohort(cohort)
    if folder.resolve() == config.raw_dir(name).resolve():
        return name
    try:
        return Path(os.path.relpath(folder, config.notebooks_dir())).as_posix()
    except ValueError:  # another drive (Windows): no relative path exists
        return str(folder)


def _plan(spec: ReportSpec, cohort: str, audience: str, manifest: dict, *, force: bool,
          source: str | None = None) -> _Job | Outcome:
    """The job that rebuilds a report, or its « unchanged » outcome when its key matches.
    ``source``: the notebooks' ``cohort`` parameter (:func:`notebook_cohort`; default the name)."""
    parameters = {"cohort": source or cohort, "audience": audience}
    if spec.inputs is not None:  # the notebook passes them to load_cohort(tables=...)
        parameters["inputs"] = list(spec.inputs)
    job = _Job(spec, cohort, audience, parameters, _key(spec, parameters, manifest), manifest)
    if (not force and job.target.exists() and job.executed.exists() and job.stamp.exists()
            and job.stamp.read_text() == job.key):
        return Outcome(spec, job.target, job.executed, 0.0, skipped=True, parameters=parameters)
    return job


def _execute(job: _Job, kernel) -> Outcome:
    """Run the notebook, keep the executed copy, export the HTML, write the stamp — in that order.

    papermill writes the executed notebook to a unique temporary path, moved into place once it
    stops (complete, or with the failing cell marked); the stamp is removed first and written
    last, after the HTML, so a run cut anywhere is rebuilt by the next build.
    """
    notebook_libs.prepare()
    import papermill as pm
    from nbclient.exceptions import DeadKernelError

    if kernel.audience != job.audience:  # never: kernels are per audience
        raise RuntimeError(f"noyau du public {kernel.audience} pour un rapport du public {job.audience}")
    job.executed.parent.mkdir(parents=True, exist_ok=True)
    job.stamp.unlink(missing_ok=True)
    source = config.notebooks_dir() / f"{job.spec.name}.ipynb"
    start = time.perf_counter()
    failure = None
    sheets = job.out.sheets_id()  # the sheets folder before the run (outputs.py)
    with files.replacing(job.executed, suffix=".ipynb") as tmp:
        try:
            # Always a kernel of the pool, started in its audience's folder (papermill's cwd= would
            # chdir the whole building process, shared by its threads): a public notebook never
            # runs elsewhere.
            notebook_libs.execute_notebook(source, tmp, parameters=job.parameters, km=kernel.km)
        except pm.PapermillExecutionError as exc:
            if exc.ename == "KeyboardInterrupt":
                # Ctrl-C reaches the kernel with the build (one process group): an interrupted
                # notebook is not a failing one to keep; the complete previous copy stays.
                raise KeyboardInterrupt from None
            failure = exc
        except DeadKernelError:
            if kernel.stopping:
                # The build stopped this kernel (Ctrl-C reached the building process first, which
                # shuts its kernels down): the run was cut, the complete previous copy stays.
                raise KeyboardInterrupt from None
            failure = notebook_libs.mark_dead_cell(tmp)
        notebook_libs.relative_paths(tmp, job.executed)
    seconds = time.perf_counter() - start
    job.out.drop_unwritten_sheets(sheets)  # their section has nothing to show any more
    if failure is not None:
        job.target.unlink(missing_ok=True)  # never leave a stale report beside a failed run
        job.out.pdf.unlink(missing_ok=True)
        kept = job.executed
        if job.audience == PUBLIC:  # kept for the data holder, never in the published folder
            kept = config.reports_dir(job.cohort) / FAILED_PUBLIC / job.executed.name
            kept.parent.mkdir(parents=True, exist_ok=True)
            os.replace(job.executed, kept)
        return Outcome(job.spec, None, kept, seconds, error=f"{failure.ename}: {failure.evalue}",
                       parameters=job.parameters)
    # The PDF stays (printed again with --pdf); the index says when it is older than the HTML.
    _export_html(job.executed, job.target, job.spec.title, masthead=_masthead(job.cohort, job.audience),
                 provenance=_provenance(job.parameters, report_inputs(job.spec, job.manifest), job.manifest,
                                        seconds))
    files.write_text(job.stamp, job.key)
    return Outcome(job.spec, job.target, job.executed, seconds, parameters=job.parameters)


FAILED_PUBLIC = "public-en-echec"
"""Where a failed public notebook is kept (``reports/COHORT/public-en-echec``): outside ``public/``."""
def build_reports(cohort: str, *, audiences: tuple[str, ...] = (JURY,), only: tuple[str, ...] = (),
                  force: bool = False, pdf: bool = False, jobs: int | None = None,
                  log=print, progress: bool = False) -> tuple[Path, list[Outcome]]:
    """Build every report of ``cohort`` for each audience; return the index path and the outcomes.

    Reports run ``jobs`` at a time (default: one per core) on warm kernels, each kernel running
    the notebooks of one audience only (``socinnov.reporting.kernels``). One build of a cohort
    at a time: a second one waits for the first (:func:`build_lock`), then finds its reports
    unchanged. The index lists this run's reports and those of other audiences already on disk.

    With ``pdf``, also print each report to a PDF beside its HTML; raises
    :class:`socinnov.reporting.pdf.ChromiumMissing` before building anything when Chromium is missing.
    With ``progress``, also log every ten seconds the reports still running and for how long
    (:mod:`socinnov.reporting.progress`; the command line asks for it on a terminal only).
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
    with build_lock(name, log=log):
        manifest = json.loads((config.processed_dir(name) / MANIFEST).read_text(encoding="utf-8"))
        blocked = _waiting(name, reports, specs, log=log)
        todo = [(a, s) for a in audiences for s in specs if a in s.audiences and s.name not in blocked]
        outcomes = _run(name, todo, manifest, force=force, jobs=jobs, log=log, source=notebook_cohort(cohort),
                        progress=progress)
        if chromium:
            _print_pdfs(chromium, name, outcomes, force=force, log=log)
        _say_stale_pdfs(outcomes, log=log)
        index = config.reports_dir(name) / "index.html"
        files.write_text(index, index_html(name, listed(name, outcomes, reports, blocked)))
    return index, outcomes


def _waiting(cohort: str, reports, specs, *, log) -> dict[str, str]:
    """What each report can show now (``socinnov.call.report_plans``): a report with nothing to show yet
    (« Évolution » before any follow-up) is not built, and the log says what it waits for. What
    an earlier build left of it, for any audience, is removed: it showed data the cohort no
    longer has (``outputs.py``). Returns report name -> what it waits for."""
    tables = load_cohort(cohort, audience=JURY, refresh=False).tables  # just ingested
    have = report_plans.available(tables)
    waiting = {s.name: why for s in reports if s.name in report_plans.REPORT_PLANS
               and (why := report_plans.report_contents(have, s.name).blocked)}
    from socinnov.privacy import release  # the audit (scipy) only when a build runs

    too_small = release.too_small(len(tables["dossiers"]))
    if too_small:  # a report for the public alone: nothing of it could be shown
        waiting |= {s.name: too_small for s in reports if s.audiences == (PUBLIC,) and s.name not in waiting}
    for s in reports:
        if s.name not in waiting:
            continue
        if s in specs:
            log(f"« {s.title} » pas encore construit : {waiting[s.name]}")
        for audience in s.audiences:
            if ReportFiles(cohort, audience, s.name).remove():
                log(f"« {s.title} » ({audience}) : version précédente supprimée, plus rien à montrer")
    return waiting


def _run(cohort: str, todo: list[tuple[str, ReportSpec]], manifest: dict, *, force: bool, jobs: int | None,
         log, source: str | None = None, progress: bool = False) -> list[Outcome]:
    """Plan every report, then run those to rebuild on warm kernels, one pool per audience."""
    planned = [_plan(spec, cohort, audience, manifest, force=force, source=source) for audience, spec in todo]
    jobs = max(1, min(jobs or kernels.usable_cores(), len(todo) or 1))
    log(f"{len(todo)} rapport(s) à construire, {jobs} à la fois…")
    count = iter(range(1, len(todo) + 1))

    def report(o: Outcome) -> None:
        state = "inchangé" if o.skipped else ("ÉCHEC : " + o.error if o.error else build_progress.duration(o.seconds))
        log(f"[{next(count)}/{len(todo)}] {o.spec.title} ({o.parameters['audience']}) : {state}")

    for o in planned:
        if isinstance(o, Outcome):
            report(o)
    rebuild = [(i, p) for i, p in enumerate(planned) if isinstance(p, _Job)]
    if rebuild:
        notebook_libs.load()  # before any thread: see its docstring

        notebooks = config.notebooks_dir()
        warm = {a: kernels.import_lines(notebooks / f"{p.spec.name}.ipynb" for _, p in rebuild if p.audience == a)
                for a in {p.audience for _, p in rebuild}}
        public = [p for _, p in rebuild if p.audience == PUBLIC]
        # Public notebooks run on the release's own root, which holds no jury-level table
        # (socinnov.privacy.snapshot); their kernels start there. The root is written by a thread
        # of this process while the other audiences' kernels start and run (it was 2 s of serial
        # work before any kernel started); a public kernel waits for it.
        pool = ThreadPoolExecutor(1, thread_name_prefix="publication")
        root = pool.submit(_public_root, cohort, public) if public else None

        threads = kernels.thread_limits(min(jobs, len(rebuild)))  # as many kernels as workers

        def start(audience: str):
            if audience != PUBLIC:
                return kernels.AudienceKernel(audience, notebooks, warm[audience], env=threads)
            folder = root.result()
            return kernels.AudienceKernel(audience, folder, warm[audience], env=threads | {
                "SOCINNOV_ROOT": str(folder), snapshot.PUBLIC_ROOT_ENV: "1"})

        try:
            with build_progress.Ticker(log, enabled=progress) as ticker:

                def execute(kernel, job: _Job) -> Outcome:
                    with ticker.running(f"{job.spec.title} ({job.audience})"):
                        return _execute(job, kernel)

                results = kernels.run_by_audience([(p.audience, p) for _, p in rebuild], execute, jobs=jobs,
                                                  start=start, on_done=lambda _i, o: report(o),
                                                  kind=lambda job: job.spec.name)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)  # a root being written is written, then removed
            if root is not None and not root.cancelled() and root.exception() is None:
                snapshot.remove_root(root.result())
        for (i, _), o in zip(rebuild, results, strict=True):
            planned[i] = o
    return planned


def _public_root(cohort: str, public: list[_Job]) -> Path:
    """The release's root for the public notebooks ``public`` (:func:`snapshot.write_root`)."""
    return snapshot.write_root(load_cohort(cohort, audience=PUBLIC, refresh=False),
                               agreements=_agreement_parameters(public))


def _agreement_parameters(jobs: list[_Job]) -> list[dict]:
    """The bootstrap parameters (``n_boot``, ``seed``) the public notebooks will run with: their
    own defaults (papermill reads the parameters cell), overridden by the build's."""
    import ast

    notebook_libs.prepare()
    import papermill as pm

    out = []
    for job in jobs:
        defaults = pm.inspect_notebook(str(config.notebooks_dir() / f"{job.spec.name}.ipynb"))
        values = {k: ast.literal_eval(v["default"]) for k, v in defaults.items() if k in ("n_boot", "seed")}
        values |= {k: v for k, v in job.parameters.items() if k in ("n_boot", "seed")}
        if len(values) == 2 and values not in out:
            out.append(values)
    return out


@contextmanager
def build_lock(cohort: str, *, log=print) -> Iterator[None]:
    """One build of a cohort's reports at a time, across processes: a second build waits, saying
    so, until the first ends (then finds what it built unchanged).

    The lock is held on the cohort's report folder itself (``flock``, released when the process
    ends, even killed): nothing is left behind. Where ``fcntl`` is missing (Windows), no lock.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on the platforms CI runs
        yield
        return
    folder = config.reports_dir(cohort)
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log(f"Une autre construction des rapports de « {cohort} » est en cours : attente de sa fin…")
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _print_pdfs(chromium: str, cohort: str, outcomes: list[Outcome], *, force: bool, log) -> None:
    """Print every built report whose PDF is missing or older than its HTML, in one Chromium."""
    todo = []
    for o in outcomes:
        if o.html is None:
            continue
        o.pdf = None if force else fresh_pdf(o.html)
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


def _say_stale_pdfs(outcomes: list[Outcome], *, log) -> None:
    """One line per report whose PDF is older than its HTML (kept, but no longer what the HTML says)."""
    for o in outcomes:
        if o.html is not None and o.html.with_suffix(".pdf").exists() and fresh_pdf(o.html) is None:
            log(f"PDF antérieur à la dernière construction : « {o.spec.title} » ({o.parameters['audience']}) ; "
                "`--pdf` l'imprime de nouveau")


def main_log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
