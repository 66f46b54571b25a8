"""The report build on warm kernels: one pool per audience, a reset between notebooks, a dying
kernel, the index after a partial build, two builds at once, a build killed mid-way.

Trivial notebooks (a few lines, no data) stand beside the real ones, so these tests measure the
build's machinery, not the reports (``tests/test_report.py`` builds the real ones).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from socinnov import config
from socinnov.cli.main import main
from socinnov.reporting import kernels
from socinnov.reporting.build import build_reports

pytestmark = pytest.mark.slow

PARAMETERS = 'cohort: str = "demo"\naudience: str = "jury"\ninputs: list = None'


def _notebook(name: str, audiences: list[str], *cells: str, order: int = 90) -> None:
    """A report notebook of a few code cells under the project's notebooks/."""
    params = nbformat.v4.new_code_cell(PARAMETERS)
    params.metadata["tags"] = ["parameters"]
    nb = nbformat.v4.new_notebook(cells=[params, *(nbformat.v4.new_code_cell(c) for c in cells)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["socinnov"] = {"title": f"Essai {name}", "audiences": audiences, "order": order, "inputs": []}
    nbformat.write(nb, config.notebooks_dir() / f"{name}.ipynb")


# Each notebook appends, from inside its kernel, the kernel's pid, the audience it was asked for,
# the audience the kernel was started for and its share of the cores for linear algebra.
# (SOCINNOV_TRACE, not the project root: a public kernel runs on the release's own root)
TRACE = ('import os, pathlib\n'
         'with open(pathlib.Path(os.environ["SOCINNOV_TRACE"]), "a") as fh:\n'
         '    fh.write(f"{os.getpid()} {audience} {os.environ[\'SOCINNOV_KERNEL_AUDIENCE\']} "\n'
         '             f"{os.environ.get(\'OPENBLAS_NUM_THREADS\')}\\n")')


def _outputs(nb_path) -> list[str]:
    nb = nbformat.read(nb_path, as_version=4)
    return ["".join(o.get("text", "")) + "".join(o.get("data", {}).get("text/plain", ""))
            for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]


def test_a_kernel_runs_only_its_own_audience_and_is_reset_between_notebooks(tiny_cohort, monkeypatch):
    monkeypatch.setenv("SOCINNOV_TRACE", str(config.project_root() / "trace.txt"))
    _notebook("essai_a", ["jury", "comite"], TRACE,
              "secret = 'donnée du carnet précédent'\nimport matplotlib.pyplot as plt\nfig = plt.figure()\n"
              "plt.rcParams['lines.linewidth'] = 9", order=91)
    _notebook("essai_b", ["jury", "comite"], TRACE,
              "import matplotlib.pyplot as plt\n"
              "print('secret' in dir(), 'fig' in dir(), plt.get_fignums(), plt.rcParams['lines.linewidth'])",
              order=92)
    _notebook("essai_c", ["jury", "comite", "public"], TRACE, order=93)
    _, outcomes = build_reports("tiny", audiences=("jury", "comite", "public"),
                                only=("essai_a", "essai_b", "essai_c"), jobs=2, log=lambda m: None)
    assert [o.error for o in outcomes] == [None] * 7
    lines = [line.split() for line in (config.project_root() / "trace.txt").read_text().splitlines()]
    assert len(lines) == 7
    by_pid: dict[str, set[str]] = {}
    share = os.environ.get("OPENBLAS_NUM_THREADS") or str(max(1, kernels.usable_cores() // 2))
    for pid, asked, started_for, threads in lines:
        assert asked == started_for
        assert threads == share  # two kernels at once: each its half of the cores
        by_pid.setdefault(pid, set()).add(asked)
    assert all(len(audiences) == 1 for audiences in by_pid.values()), by_pid
    assert len(by_pid) < 7  # kernels were reused within an audience
    for audience in ("jury", "comite"):
        executed = config.reports_dir("tiny") / audience / "notebooks" / "essai_b.ipynb"
        assert _outputs(executed) == ["False False [] 1.5\n"]  # nothing left by essai_a
        counts = [c.execution_count for c in nbformat.read(executed, as_version=4).cells if c.cell_type == "code"]
        assert counts[0] == 1  # numbered as in a fresh kernel


def test_a_kernel_asked_for_another_audience_refuses(tiny_cohort):
    from socinnov.reporting.kernels import AudienceKernel, KernelFailure

    kernel = AudienceKernel("jury", config.notebooks_dir(), [])
    try:
        with pytest.raises(KernelFailure):
            kernel.prepare("comite")
        with pytest.raises(KernelFailure, match="refusé"):  # the kernel's own check
            kernel._execute("from socinnov.reporting import kernels as _k\n_k.begin('public')")
    finally:
        kernel.shutdown()


def test_a_dying_kernel_is_a_failing_report(tiny_cohort, capsys):
    """Issue 17 (7): message, stale HTML removed, index rewritten, the dead cell marked; the next
    report of the audience runs on a new kernel."""
    _notebook("mort", ["jury"], "x = 1", "import os\nos._exit(1)", "y = 2", order=1)
    _notebook("essai_b", ["jury"], "print('vivant')", order=2)
    stale = config.reports_dir("tiny") / "jury" / "mort.html"
    stale.parent.mkdir(parents=True)
    stale.write_text("<html>ancien</html>", encoding="utf-8")
    status = main(["report", "tiny", "--only", "mort", "--only", "essai_b", "--jobs", "1"])
    err = capsys.readouterr().err
    assert status == 1
    assert "Échec du rapport « Essai mort » : DeadKernelError: le noyau s'est arrêté" in err
    assert not stale.exists()
    assert (config.reports_dir("tiny") / "jury" / "essai_b.html").exists()
    index = (config.reports_dir("tiny") / "index.html").read_text(encoding="utf-8")
    assert "échec" in index and "jury/notebooks/mort.ipynb" in index
    kept = nbformat.read(config.reports_dir("tiny") / "jury" / "notebooks" / "mort.ipynb", as_version=4)
    assert kept.metadata.papermill.exception is True
    dead = next(c for c in kept.cells if "os._exit" in c.source)
    assert dead.metadata.papermill.exception is True
    assert [o.ename for o in dead.outputs if o.output_type == "error"] == ["DeadKernelError"]


def test_a_kernel_the_build_stopped_is_an_interrupted_run_not_a_failing_report(tiny_cohort, monkeypatch):
    """Ctrl-C reaching the building process first: it shuts its kernels down, and the notebook
    running there ends on a dead kernel. That run was cut, not failed: the complete previous copy
    stays (under load the CI once kept the dead-kernel copy instead). The kernel's death is
    forced here, the build's stop simulated by the kernel's ``stopping`` flag."""
    from socinnov.reporting import kernels

    _notebook("coupe", ["jury"], "print('début')",
              "import os, pathlib\nif (pathlib.Path(os.environ['SOCINNOV_ROOT']) / 'couper').exists():\n"
              "    os._exit(1)")
    build_reports("tiny", only=("coupe",), log=lambda m: None)
    executed = config.reports_dir("tiny") / "jury" / "notebooks" / "coupe.ipynb"
    before = executed.read_bytes()
    (config.project_root() / "couper").touch()
    monkeypatch.setattr(kernels.AudienceKernel, "stopping", True)
    with pytest.raises(KeyboardInterrupt):
        build_reports("tiny", only=("coupe",), force=True, log=lambda m: None)
    assert executed.read_bytes() == before
    assert not (executed.parent / ".coupe.key").exists()  # rebuilt by the next build


def test_the_index_keeps_reports_of_other_audiences_and_of_other_names(tiny_cohort):
    """Issue 17 (8): a single-audience run or ``--only`` does not drop what is on disk."""
    _notebook("essai_a", ["jury", "comite"], "1", order=91)
    _notebook("essai_b", ["jury"], "2", order=92)
    build_reports("tiny", audiences=("jury", "comite"), only=("essai_a",), log=lambda m: None)
    build_reports("tiny", audiences=("jury",), only=("essai_b",), log=lambda m: None)
    index = (config.reports_dir("tiny") / "index.html").read_text(encoding="utf-8")
    for href in ("jury/essai_a.html", "jury/essai_b.html", "comite/essai_a.html"):
        assert f'href="{href}"' in index
    assert index.index('href="jury/essai_a.html"') < index.index('href="jury/essai_b.html"')


def _leftovers(root) -> list[str]:
    return sorted(p.name for p in root.rglob("*") if ".tmp-" in p.name or ".new-" in p.name or ".old-" in p.name)


def _complete(executed) -> bool:
    nb = json.loads(executed.read_text(encoding="utf-8"))
    return bool(nb["metadata"]["papermill"]["end_time"]) and all(
        c["metadata"].get("papermill", {}).get("status") == "completed" for c in nb["cells"])


def _socinnov(*args: str, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "socinnov.cli.main", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=os.environ.copy(), **kw)


def test_two_builds_at_once_end_with_complete_outputs(tiny_cohort):
    """Issue 17 (6): the second build waits for the first (a French line says so), then finds
    the report unchanged; neither reads a notebook the other is writing."""
    _notebook("lent", ["jury"], "import time\ntime.sleep(3)\nprint('fini')")
    build_reports("tiny", only=("lent",), log=lambda m: None)  # ingested once, before the race
    first = _socinnov("report", "tiny", "--only", "lent", "--force")
    time.sleep(1.5)
    second = _socinnov("report", "tiny", "--only", "lent", "--force")
    results = [p.communicate(timeout=240) for p in (first, second)]
    assert [p.returncode for p in (first, second)] == [0, 0], results
    assert "Traceback" not in results[0][1] + results[1][1]
    assert "attente de sa fin" in results[0][1] + results[1][1]
    executed = config.reports_dir("tiny") / "jury" / "notebooks" / "lent.ipynb"
    assert _complete(executed) and _outputs(executed) == ["fini\n"]
    assert (config.reports_dir("tiny") / "jury" / "lent.html").read_text(encoding="utf-8").rstrip().endswith("</html>")
    assert _leftovers(config.reports_dir("tiny")) == []


def _slow_build(**popen) -> tuple[subprocess.Popen, Path, bytes]:
    """A report « lent » built once (complete), then rebuilt with --force by ``socinnov report`` in
    its own process group, waiting in its second cell: returned once papermill has written the
    half-run notebook, with the kept notebook's path and bytes. ``popen``: for ``subprocess.Popen``."""
    _notebook("lent", ["jury"], "print('début')",
              "import os, pathlib, time\nif (pathlib.Path(os.environ['SOCINNOV_ROOT']) / 'lent').exists():\n"
              "    time.sleep(60)", "print('fin')")
    build_reports("tiny", only=("lent",), log=lambda m: None)
    (config.project_root() / "lent").touch()  # the flag the second cell waits on
    executed = config.reports_dir("tiny") / "jury" / "notebooks" / "lent.ipynb"
    before = executed.read_bytes()
    proc = _socinnov("report", "tiny", "--only", "lent", "--force", start_new_session=True, **popen)
    deadline = time.monotonic() + 120
    while not any(".lent.ipynb.tmp-" in p.name for p in executed.parent.iterdir()):
        assert time.monotonic() < deadline and proc.poll() is None, "the build never started the notebook"
        time.sleep(0.2)
    time.sleep(1)  # papermill has written the half-run notebook
    return proc, executed, before


def test_a_build_killed_mid_way_is_rebuilt_and_cleaned_by_the_next(tiny_cohort):
    """Issue 17 (5) and the kill test: ``kill -9`` of the build's process group while papermill
    writes; the kept notebook is the previous complete one, the next build rebuilds the report
    and removes the killed run's temporary files."""
    proc, executed, before = _slow_build()
    flag = config.project_root() / "lent"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    assert executed.read_bytes() == before  # never a half-run notebook in place
    assert not (executed.parent / ".lent.key").exists()
    assert _leftovers(config.reports_dir("tiny"))  # what the kill left, named as such
    flag.unlink()  # the next run need not wait; the notebook is unchanged, its stamp is gone
    logs: list[str] = []
    _, outcomes = build_reports("tiny", only=("lent",), log=logs.append)
    assert [o.skipped for o in outcomes] == [False]
    assert _complete(executed) and _leftovers(config.reports_dir("tiny")) == []


def test_ctrl_c_during_a_build_stops_it_with_one_line_and_no_partial_output(tiny_cohort):
    """Issue 17 (11): SIGINT to the build's process group while a report runs: one French line,
    exit 130, no traceback, the kept notebook the previous complete one, no temporary file left,
    the kernels stopped."""
    # As a terminal starts it: SIGINT not ignored, even if these tests run in a background job.
    proc, executed, before = _slow_build(preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1] == ("Interrompu (Ctrl-C) : les fichiers déjà en place sont complets ; "
                                            "relancer la commande pour terminer.")
    assert executed.read_bytes() == before and not (executed.parent / ".lent.key").exists()
    assert _leftovers(config.reports_dir("tiny")) == []  # was: the half-run notebook's temporary file
    deadline = time.monotonic() + 30
    while True:  # the kernel, in the build's process group, stops with it
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            break
        assert time.monotonic() < deadline, "a kernel outlived the interrupted build"
        time.sleep(0.5)


def _kernels_of(pid: int) -> list[int]:
    """The Jupyter kernels among a process's children (read from /proc)."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry.name}/stat").read_bytes()
            cmdline = Path(f"/proc/{entry.name}/cmdline").read_bytes()
        except OSError:
            continue
        if int(stat[stat.rindex(b")") + 2:].split()[1]) == pid and b"ipykernel" in cmdline:
            found.append(int(entry.name))
    return found


def test_an_interrupted_kernel_is_an_interrupted_build_not_a_failed_report(tiny_cohort):
    """Ctrl-C reaches the kernel with the build; whichever notices first, the interrupted
    notebook must not replace the complete one as a « failed » report (a race seen in CI: the
    kernel's KeyboardInterrupt came back as a failing cell before the build's own). Here only the
    kernel is interrupted, so that path is taken every time."""
    html = config.reports_dir("tiny") / "jury" / "lent.html"
    proc, executed, before = _slow_build()
    before_html = html.read_bytes()  # the build has not replaced it: the notebook is still running
    kernels = _kernels_of(proc.pid)
    assert len(kernels) == 1
    os.kill(kernels[0], signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "Traceback" not in err
    assert any(line.startswith("Interrompu (Ctrl-C)") for line in err.splitlines())
    assert executed.read_bytes() == before and html.read_bytes() == before_html
    assert _leftovers(config.reports_dir("tiny")) == []
