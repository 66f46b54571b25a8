"""The order in which the warm kernels take their audience's reports (``kernels.run_by_audience``),
on stand-in kernels: a worker never runs another audience's task, and the jury's and the comité's
copies of a report do not run side by side when another report is waiting (the second copy reads
the statistics the first stored in the cache). And each kernel's share of the cores."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import pytest

from socinnov.reporting import kernels


@dataclass(eq=False)  # hashable by identity, as a real kernel
class _Kernel:
    audience: str
    stopped: bool = False
    runs: list = field(default_factory=list)

    def alive(self) -> bool:
        return not self.stopped

    def prepare(self, audience: str) -> None:
        assert audience == self.audience

    def reset(self) -> None:
        pass

    def shutdown(self) -> None:
        self.stopped = True


def _schedule(tasks, *, jobs=2, seconds=None, kind=lambda item: item[1]):
    """Run ``tasks`` (audience, report) on stand-in kernels; each takes ``seconds[report]``
    (0.25 s by default). Each task's item names its audience, as a real report's parameters do,
    and every run checks it against its kernel's. Returns the (audience, report, kernel, start,
    end) of each run."""
    seconds = seconds or {}
    log, lock, t0 = [], threading.Lock(), time.monotonic()
    foreign = []

    def run(kernel, item):
        audience, name = item
        if audience != kernel.audience:
            foreign.append((kernel.audience, item))
        start = time.monotonic() - t0
        time.sleep(seconds.get(name, 0.25))
        with lock:
            log.append((audience, name, kernel, start, time.monotonic() - t0))  # kept alive: ids stay unique
        return item

    items = [(audience, (audience, name)) for audience, name in tasks]
    results = kernels.run_by_audience(items, run, jobs=jobs, start=_Kernel, on_done=lambda i, r: None,
                                      kind=kind)
    assert foreign == []  # no kernel ran another audience's report
    assert results == [item for _, item in items]
    return log


def _side_by_side(log):
    """The runs that started while the other audience's copy of the same report was running."""
    return [(a, n, s) for a, n, _, s, _ in log
            for b, m, _, s2, e2 in log if m == n and b != a and s2 <= s < e2 - 0.02]


@pytest.mark.parametrize("seconds", [
    {},  # all alike
    {"cohorte": 0.1, "accord": 0.15, "evolution": 0.3, "criteres": 0.35},  # as on the demo
    {"cohorte": 0.35, "accord": 0.1, "evolution": 0.15, "criteres": 0.3},
])
def test_the_two_copies_of_a_report_run_side_by_side_only_when_nothing_else_is_left(seconds):
    """With two workers only one other report runs at a time, so a worker takes the report the
    other is running only when it is the last of its audience; and that happens at most once
    (the other's copy started earlier, hence was not its own last start)."""
    reports = ["cohorte", "accord", "evolution", "criteres"]
    tasks = [("jury", r) for r in reports] + [("comite", r) for r in reports]
    log = _schedule(tasks, seconds=seconds)
    last = {a: max(s for b, _, _, s, _ in log if b == a) for a in ("jury", "comite")}
    clashes = _side_by_side(log)
    assert all(s == last[a] for a, _, s in clashes), sorted((r[0], r[1], r[3], r[4]) for r in log)
    assert len(clashes) <= 1


def test_in_one_order_both_audiences_would_run_every_report_side_by_side():
    """What the order above avoids (and what this test would see without ``kind``)."""
    reports = ["cohorte", "accord", "evolution", "criteres"]
    tasks = [("jury", r) for r in reports] + [("comite", r) for r in reports]
    assert len(_side_by_side(_schedule(tasks, kind=None))) == 4


def test_without_kinds_each_audience_keeps_its_order():
    tasks = [("jury", "a"), ("jury", "b"), ("comite", "a"), ("comite", "b")]
    log = _schedule(tasks, kind=None)
    for audience in ("jury", "comite"):
        assert [n for a, n, *_ in sorted(log, key=lambda r: r[3]) if a == audience] == ["a", "b"]


@pytest.mark.parametrize("jobs", [1, 2, 3])
def test_a_kernel_only_ever_runs_its_own_audience(jobs):
    tasks = [(a, r) for a in ("jury", "comite", "public") for r in ("x", "y", "z")]
    log = _schedule(tasks, jobs=jobs, seconds={"x": 0.05, "y": 0.1, "z": 0.05})
    assert all(kernel.audience == audience for audience, _, kernel, _, _ in log)
    assert sorted((a, n) for a, n, *_ in log) == sorted(tasks)
    assert len({id(k) for *_, k, _, _ in log}) >= 3  # one kernel per audience at least


@pytest.mark.parametrize(("cores", "jobs", "share"), [(2, 2, "1"), (2, 1, "2"), (8, 3, "2"), (1, 4, "1")])
def test_each_kernel_gets_its_share_of_the_cores_for_linear_algebra(monkeypatch, cores, jobs, share):
    for name in kernels.THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(kernels, "usable_cores", lambda: cores)
    assert kernels.thread_limits(jobs) == dict.fromkeys(kernels.THREAD_VARIABLES, share)


def test_a_thread_count_the_user_set_is_kept(monkeypatch):
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "4")
    assert "OPENBLAS_NUM_THREADS" not in kernels.thread_limits(2)


def test_the_cores_counted_are_those_the_process_may_use(monkeypatch):
    """A container pinned to 2 of a host's 64 cores: 2 workers get one thread each, not 32."""
    monkeypatch.setattr(kernels.os, "sched_getaffinity", lambda pid: {3, 7}, raising=False)
    monkeypatch.setattr(kernels.os, "cpu_count", lambda: 64)
    for name in kernels.THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    assert kernels.usable_cores() == 2
    assert kernels.thread_limits(2) == dict.fromkeys(kernels.THREAD_VARIABLES, "1")
