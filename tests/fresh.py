"""Python snippets run in fresh interpreters, all at once.

The import checks (tests/test_imports.py, tests/test_notebook_libs.py) need a fresh interpreter per
case, since the test process has long imported everything. Each interpreter spends one to three
seconds importing and the test process only waits for it: started together, they use every core
(on two cores the checks take half the wall time they took one after the other), and each test
then reads its own case's output.
"""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor


def run_all(snippets: dict[str, str]) -> dict[str, str]:
    """The standard output of each snippet, keyed as given, each run by ``python -c`` in its own
    fresh interpreter, all started before any is waited for (one thread each reads its pipes). A
    snippet that fails raises :class:`subprocess.CalledProcessError`, as ``check=True`` does."""
    with ThreadPoolExecutor(max_workers=max(len(snippets), 1)) as pool:
        runs = {key: pool.submit(subprocess.run, [sys.executable, "-c", code], capture_output=True, text=True,
                                 check=True)
                for key, code in snippets.items()}
        return {key: run.result().stdout for key, run in runs.items()}
