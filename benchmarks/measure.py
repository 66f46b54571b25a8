"""Whole-process measurements with the standard library: wall time, CPU time, peak memory.

Each benchmark step runs in its own process (``python -m benchmarks.worker STEP …`` or a
command such as ``socinnov report``), so that its peak memory is its own and imports are paid
the same way every time. Peak memory is measured twice:

* ``peak_rss``: the largest resident set of the process tree at any moment, summed over the
  process and its descendants (a report build runs one Jupyter kernel per notebook, at the same
  time), sampled from ``/proc`` every 50 ms;
* ``max_rss``: the kernel's own high-water mark for the largest single process (``wait4``'s
  ``ru_maxrss``), which the sampling cannot miss.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

RESULT_PREFIX = "BENCH-RESULT "
REPO = Path(__file__).resolve().parent.parent


@dataclass
class Run:
    """What one measured process did."""

    command: list[str]
    returncode: int | None
    wall: float
    cpu: float  # user + system CPU seconds of the process and its waited-for children
    peak_rss: int  # bytes, process tree, sampled
    max_rss: int  # bytes, largest single process
    stdout: str
    stderr: str
    timed_out: bool = False
    result: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
        kids.setdefault(ppid, []).append(int(entry.name))
    return kids


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, IndexError, ValueError):
        return 0


def tree_rss(pid: int) -> int:
    """Resident memory of ``pid`` and all its descendants, in bytes."""
    kids = _children()
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += _rss(p)
        todo.extend(kids.get(p, ()))
    return total


def run(command: list[str], *, env: dict | None = None, cwd: Path | None = None, timeout: float | None = None,
        interval: float = 0.05) -> Run:
    """Run ``command`` to its end (or ``timeout``), sampling its process tree's memory."""
    start = time.perf_counter()
    proc = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    peak = 0
    stop = threading.Event()

    def sample():
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, tree_rss(proc.pid))
            stop.wait(interval)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out_chunks: list[str] = []
    err_chunks: list[str] = []
    readers = [threading.Thread(target=lambda s=s, c=c: c.append(s.read()), daemon=True)
               for s, c in ((proc.stdout, out_chunks), (proc.stderr, err_chunks))]
    for r in readers:
        r.start()
    timed_out = False
    deadline = None if timeout is None else start + timeout
    rusage = None
    while True:
        pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            break
        if deadline is not None and time.perf_counter() > deadline:
            timed_out = True
            os.killpg(proc.pid, signal.SIGKILL)  # the group this call started (new session), and only it
            _, status, rusage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
            break
        time.sleep(0.02)
    wall = time.perf_counter() - start
    stop.set()
    sampler.join()
    for r in readers:
        r.join(timeout=5)
    stdout, stderr = "".join(out_chunks), "".join(err_chunks)
    result = {}
    for line in stdout.splitlines():
        if line.startswith(RESULT_PREFIX):
            result = json.loads(line[len(RESULT_PREFIX):])
    return Run(command=command, returncode=proc.returncode, wall=wall,
               cpu=(rusage.ru_utime + rusage.ru_stime) if rusage else float("nan"),
               peak_rss=peak, max_rss=(rusage.ru_maxrss * 1024) if rusage else 0,
               stdout=stdout, stderr=stderr, timed_out=timed_out, result=result)


def worker(step: str, *args: str, root: Path, timeout: float | None = None, extra_env: dict | None = None,
           cwd: Path | None = None) -> Run:
    """Run ``python -m benchmarks.worker STEP ARGS`` against the project folder ``root``.

    ``cwd`` (default: the repository) comes first on ``sys.path``: to time another copy of the
    package, run from elsewhere with that copy first on ``PYTHONPATH``.
    """
    env = dict(os.environ, SOCINNOV_ROOT=str(root), SOCINNOV_KEY_FILE=str(root / "cle-pseudonymes"),
               MPLBACKEND="Agg", PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.update(extra_env or {})
    return run([sys.executable, "-m", "benchmarks.worker", step, *args], env=env, cwd=cwd or REPO, timeout=timeout)


def emit(result: dict) -> None:
    """What a worker prints last: its measurements, one JSON line."""
    print(RESULT_PREFIX + json.dumps(result, default=float), flush=True)
