"""Warm Jupyter kernels, one pool per audience: a report notebook never shares a process with
another audience's data.

A fresh kernel per notebook costs about 3 s on the development machine (start, then importing
pandas, matplotlib, seaborn and the package) before the first line of the report runs. Here a
kernel is started for one audience, warmed (the import lines of the notebooks it will run are
executed, no data is loaded), and then runs that audience's notebooks one after the other,
reset between two of them.

**Separation of audiences** (see ``docs/decisions.md``):

- a kernel is created for one audience (:class:`AudienceKernel`, its ``audience`` fixed at
  start and written into its environment as ``SOCINNOV_KERNEL_AUDIENCE``) and never changes;
- :func:`run_by_audience` hands a kernel only the tasks of its own audience: a worker whose
  audience has no task left shuts its kernel down and starts a new one for the next audience;
- before each notebook the kernel itself checks that the audience it is asked to run is the
  one it was started for (:func:`begin`, run inside the kernel), so a scheduling error fails
  the report instead of mixing data.

**Reset between notebooks** (:func:`reset`, run inside the kernel): figures closed, the user
namespace and the output history cleared (``%reset -f``) and a new history session begun (the
execution counter back at 1), matplotlib's settings, the warning filters and the working
folder put back as they were after the warm-up. A report thus runs as it would in a fresh kernel, with its libraries
already imported; the executed notebooks are the same.

papermill runs a notebook on an existing kernel through ``km=`` (nbclient then leaves the
kernel running). A kernel that dies is replaced before the next notebook.
"""

from __future__ import annotations

import os
import queue
import shutil
import tempfile
import threading
from collections import Counter, deque
from collections.abc import Callable, Hashable, Iterable
from pathlib import Path

AUDIENCE_ENV = "SOCINNOV_KERNEL_AUDIENCE"

# ---------------------------------------------------------------------------------------------
# Inside the kernel. The pool runs these through short code cells (notebooks hold no ``def``).

_STATE: dict = {}


def warm() -> None:
    """Record the state a fresh kernel has once its libraries are imported (called after the
    warm-up imports): :func:`reset` puts it back after each notebook."""
    import warnings

    import matplotlib

    rc = {k: v for k, v in matplotlib.rcParams.items() if k != "backend"}  # the inline backend stays
    _STATE.update(rc=rc, filters=list(warnings.filters), cwd=os.getcwd())


def begin(audience: str) -> None:
    """Refuse to run a notebook of another audience than the kernel's own."""
    own = os.environ.get(AUDIENCE_ENV)
    if audience != own:
        raise RuntimeError(f"noyau du public « {own} » sollicité pour le public « {audience} » : refusé")


def reset() -> None:
    """Clear what the last notebook left: figures, variables, outputs, settings."""
    import warnings

    import matplotlib
    import matplotlib.pyplot as plt
    from IPython import get_ipython

    plt.close("all")
    shell = get_ipython()
    shell.reset(new_session=True)  # ``%reset -f``, and a new history session: numbering from 1
    if _STATE:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # deprecated keys come back as they were
            matplotlib.rcParams.update(_STATE["rc"])
        warnings.filters[:] = _STATE["filters"]
        os.chdir(_STATE["cwd"])
    import gc

    gc.collect()


# ---------------------------------------------------------------------------------------------
# In the building process.


class KernelFailure(RuntimeError):
    """A kernel that did not start or refused its warm-up or reset."""


def import_lines(notebooks: Iterable[Path]) -> list[str]:
    """The top-level ``import``/``from … import`` lines of the notebooks' code cells, in order,
    without repeats: what a warm-up imports (the notebooks' own lines, so nothing to keep in step)."""
    import json

    lines: list[str] = []
    for path in notebooks:
        for cell in json.loads(Path(path).read_text(encoding="utf-8")).get("cells", []):
            if cell.get("cell_type") != "code":
                continue
            source = "".join(cell.get("source", []))
            for line in source.splitlines():
                whole = line.startswith(("import ", "from ")) and not line.rstrip().endswith(("(", "\\"))
                if whole and line not in lines:
                    lines.append(line)
    return lines


THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def usable_cores() -> int:
    """The cores this process may run on: in a container pinned to a few of the host's cores,
    ``os.cpu_count()`` gives the host's count, ``sched_getaffinity`` the container's (what
    ``os.process_cpu_count()`` does from Python 3.13; the kit supports 3.11)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1  # pragma: no cover - macOS and Windows


def thread_limits(jobs: int) -> dict[str, str]:
    """The environment that gives each of ``jobs`` kernels its share of the cores for numpy's
    linear algebra (OpenBLAS, or MKL and OpenMP where numpy was built with them).

    Left alone, each kernel's OpenBLAS starts a thread per core: two kernels on two cores ran
    four threads, which spin while they wait for each other. With other work on the machine, a
    cold build of the demo took 60–72 s with them and 37–58 s with one thread per kernel; on a
    quiet machine the gain is small (``docs/performance.md``). The reports are the same. A
    variable the user has set is kept."""
    share = str(max(1, usable_cores() // max(1, jobs)))
    return {name: share for name in THREAD_VARIABLES if name not in os.environ}


class AudienceKernel:
    """A kernel started for one audience, warmed, reset between notebooks."""

    def __init__(self, audience: str, cwd: Path, warm_imports: list[str], *, startup_timeout: float = 120,
                 env: dict[str, str] | None = None):
        # An asynchronous manager, as nbclient creates for itself: its clients poll without
        # blocking, so nbclient notices a kernel that dies mid-cell (a blocking one waits forever).
        from jupyter_client.blocking import BlockingKernelClient
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_client.session import Session
        from jupyter_core.utils import run_sync

        self._sync = run_sync
        self.audience = audience
        env = dict(os.environ) | (env or {})  # ``env``: what this audience's kernels see differently
        env[AUDIENCE_ENV] = audience
        # IPC (Unix sockets in a folder only the user can open) rather than TCP on localhost: no
        # other local user can reach the kernel, and ipykernel has no reason to warn about
        # unencrypted TCP. The socket path is absolute: the kernel runs in the notebooks' folder.
        self._sockets = tempfile.mkdtemp(prefix="socinnov-noyau-") if os.name == "posix" else None
        self.km = AsyncKernelManager(kernel_name="python3", **(
            {"transport": "ipc", "ip": os.path.join(self._sockets, "ipc")} if self._sockets else {}))
        # History in memory, as nbclient starts its kernels: builds never share IPython's history file.
        run_sync(self.km.start_kernel)(cwd=str(cwd), env=env,
                                       extra_arguments=["--HistoryManager.hist_file=:memory:"])
        # The pool's own client has its own session: a socket's identity is its session's id, and
        # the clients papermill creates (one per notebook, left connected) share the manager's.
        info = self.km.get_connection_info(session=True)
        info["session"] = Session(key=self.km.session.key, signature_scheme=self.km.session.signature_scheme)
        self._kc = BlockingKernelClient(parent=self.km, connection_file=self.km.connection_file, **info)
        self._kc.start_channels()
        try:
            self._kc.wait_for_ready(timeout=startup_timeout)
            # Imports that fail here are left to the notebook, which reports them in its own cell.
            code = "\n".join(f"try:\n    {line}\nexcept Exception:\n    pass" for line in warm_imports)
            self._execute(code + "\nfrom socinnov.reporting import kernels as _k\n_k.warm()\ndel _k")
            self._execute("from socinnov.reporting import kernels as _k\n_k.reset()")
        except BaseException:
            self.shutdown()
            raise

    @property
    def pid(self) -> int | None:
        provisioner = getattr(self.km, "provisioner", None)
        process = getattr(provisioner, "process", None)
        return getattr(process, "pid", None)

    def _execute(self, code: str, timeout: float = 120) -> None:
        reply = self._kc.execute_interactive(code, silent=True, store_history=False, timeout=timeout,
                                             output_hook=lambda msg: None)
        content = reply["content"]
        if content.get("status") != "ok":
            raise KernelFailure(f"{content.get('ename')}: {content.get('evalue')}")

    def alive(self) -> bool:
        return bool(self._sync(self.km.is_alive)())

    def prepare(self, audience: str) -> None:
        """Before a notebook: the kernel checks it is asked for its own audience."""
        if audience != self.audience:  # never reached through run_by_audience; kept as a guard
            raise KernelFailure(f"noyau du public « {self.audience} » sollicité pour « {audience} »")
        self._execute(f"from socinnov.reporting import kernels as _k\n_k.begin({audience!r})\ndel _k")

    def reset(self) -> None:
        self._execute("from socinnov.reporting import kernels as _k\n_k.reset()")

    stopping = False
    """Set when the build stops the kernel: a notebook it was running was interrupted, not failed."""

    def shutdown(self) -> None:
        self.stopping = True
        try:
            self._kc.stop_channels()
        finally:
            if self.km.has_kernel:
                self._sync(self.km.shutdown_kernel)(now=True)
            if self._sockets:
                shutil.rmtree(self._sockets, ignore_errors=True)


def run_by_audience(tasks: list[tuple[str, object]], run: Callable[[AudienceKernel, object], object], *,
                    jobs: int, start: Callable[[str], AudienceKernel], on_done: Callable[[int, object], None],
                    kind: Callable[[object], Hashable] | None = None):
    """Run ``tasks`` (audience, item) on ``jobs`` workers, each holding at most one kernel.

    A worker keeps its kernel while its audience has tasks, resetting it between two; then it
    shuts it down and starts a kernel for the audience with the most tasks left (one nobody
    works on first). ``run(kernel, item)`` executes one task; ``on_done(i, result)`` is called
    in the calling thread as each task ends. Returns the results in the order of ``tasks``.

    Given ``kind``, within its audience a worker takes first a task whose kind (the report) another
    audience has already run, then one no other worker is running, then the next in order: the
    jury's and the comité's copies of a report share their costly statistics through the cache
    (``socinnov.cache``), so the second copy should start once the first has computed them, not
    at the same moment (the two audiences used to run the same notebook side by side and both
    computed everything).
    """
    remaining: dict[str, deque] = {}
    for i, (audience, item) in enumerate(tasks):
        remaining.setdefault(audience, deque()).append((i, item))
    order = list(remaining)
    busy: Counter = Counter()
    running: dict[int, tuple[str, Hashable]] = {}  # worker → (audience, kind) it runs
    ran: set[tuple[str, Hashable]] = set()
    lock = threading.Lock()
    live: set[AudienceKernel] = set()  # stopped by the calling thread if it is interrupted
    done: queue.Queue = queue.Queue()
    stop = threading.Event()

    def take(audience: str, worker_id: int):
        queued = remaining[audience]
        pos = 0
        if kind is not None:
            elsewhere = {k for a, k in running.values() if a != audience}
            wanted = (lambda k: any(a != audience and k == r for a, r in ran), lambda k: k not in elsewhere)
            pos = next((p for want in wanted for p, (_, item) in enumerate(queued) if want(kind(item))), 0)
        i, item = queued[pos]
        del queued[pos]
        running[worker_id] = (audience, kind(item) if kind is not None else None)
        return audience, (i, item)

    def next_task(current: str | None, worker_id: int):
        with lock:
            if worker_id in running:
                ran.add(running.pop(worker_id))
            if current is not None and remaining[current]:
                return take(current, worker_id)
            left = [a for a in order if remaining[a]]
            if not left:
                return None
            audience = max(left, key=lambda a: (busy[a] == 0, len(remaining[a]), -order.index(a)))
            if current is not None:
                busy[current] -= 1
            busy[audience] += 1
            return take(audience, worker_id)

    def worker(worker_id: int) -> None:
        kernel: AudienceKernel | None = None
        try:
            while not stop.is_set() and (task := next_task(kernel.audience if kernel else None, worker_id)):
                audience, (i, item) = task
                try:
                    if kernel is not None and (kernel.audience != audience or not kernel.alive()):
                        live.discard(kernel)
                        kernel.shutdown()
                        kernel = None
                    if kernel is None:
                        kernel = start(audience)
                        live.add(kernel)
                    kernel.prepare(audience)
                    result = run(kernel, item)
                    if kernel.alive():
                        kernel.reset()
                    done.put((i, result, None))
                except BaseException as exc:  # noqa: BLE001 - handed to the calling thread
                    done.put((i, None, exc))
                    return
        finally:
            if kernel is not None and kernel in live:
                live.discard(kernel)
                kernel.shutdown()

    threads = [threading.Thread(target=worker, args=(n,), name=f"noyau-{n}", daemon=True)
               for n in range(max(1, min(jobs, len(tasks))))]
    for t in threads:
        t.start()
    results: list = [None] * len(tasks)
    try:
        for _ in range(len(tasks)):
            while True:
                try:
                    i, result, exc = done.get(timeout=0.2)  # a timeout keeps Ctrl-C responsive
                    break
                except queue.Empty:
                    if not any(t.is_alive() for t in threads) and done.empty():
                        raise KernelFailure("les noyaux se sont arrêtés avant la fin") from None
            if exc is not None:
                raise exc
            results[i] = result
            on_done(i, result)
    except BaseException:  # Ctrl-C, a failure: the kernels stop now, not when they notice
        stop.set()
        for kernel in list(live):
            live.discard(kernel)
            try:
                kernel.shutdown()
            except Exception:  # noqa: BLE001, S110 - stopping anyway; the kernel watches its parent
                pass
        raise
    finally:
        stop.set()
    for t in threads:
        t.join()
    return results
