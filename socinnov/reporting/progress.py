"""What a report build shows while a long report runs: which reports are running, and for how long.

A build logs one line as each report ends (« [2/6] Accord entre les jurés (jury) : 27,5 s »). A
report can run for minutes on a large cohort: :class:`Ticker` adds, every ten seconds, a line
per report still running (« … Accord entre les jurés (jury) en cours depuis 1 min 20 s »). The
command line turns it on only when its error output is a terminal: logs and tests get the end
lines only. Elapsed time rather than cells done: the kernels run in other processes, and the
time is what the person waiting wants to know.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Self

from socinnov import fr

TICK_SECONDS = 10.0


def duration(seconds: float, decimals: int = 1) -> str:
    """``27.46`` -> ``27,5 s``; from a minute on, ``80`` -> ``1 min 20 s`` (French separators)."""
    if round(seconds, decimals) < 60:
        return f"{fr.number(seconds, decimals)} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{fr.number(minutes)} min {rest:02d} s"


class Ticker:
    """Logs, every ``every`` seconds (default :data:`TICK_SECONDS`), each report running for
    ``every`` seconds or more.

    Use as a context manager around the build; wrap each report in :meth:`running`. With
    ``enabled=False`` it logs nothing and starts no thread. Its thread is a daemon: Ctrl-C does
    not wait for it.
    """

    def __init__(self, log: Callable[[str], None], *, enabled: bool = True, every: float | None = None):
        self._log = log
        self._enabled = enabled
        self._every = every or TICK_SECONDS
        self._running: dict[int, tuple[str, float]] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Self:
        if self._enabled:
            self._thread = threading.Thread(target=self._loop, name="socinnov-progression", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    @contextmanager
    def running(self, label: str) -> Iterator[None]:
        """Counts ``label`` (« Titre (public) ») as running while the block runs."""
        token = object()
        with self._lock:
            self._running[id(token)] = (label, time.monotonic())
        try:
            yield
        finally:
            with self._lock:
                del self._running[id(token)]

    def _loop(self) -> None:
        while not self._stop.wait(self._every):
            now = time.monotonic()
            with self._lock:
                running = sorted(self._running.values(), key=lambda r: r[1])
            for label, start in running:
                if now - start >= self._every:
                    self._log(f"      … {label} en cours depuis {duration(now - start, 0)}")
