"""Import-time budget: light commands and modules do not import the heavy libraries.

statsmodels, pingouin, matplotlib, seaborn, papermill and nbconvert each take one to several
seconds to import; `socinnov --help`, `socinnov ingest` and the report build's orchestrator
need none of them, and the analysis modules import them inside the functions that use them
(docs/performance.md, « Budget d'import »). Each case runs in a fresh interpreter, since this
test process has long imported everything.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

STATS = ("statsmodels", "pingouin", "sklearn")
PLOTS = ("matplotlib", "seaborn")
NOTEBOOKS = ("papermill", "nbconvert", "nbclient")

CASES = {
    # `socinnov --help` and the parsing of every command line
    "socinnov.cli.main": STATS + PLOTS + NOTEBOOKS + ("scipy", "pandas", "pandera"),
    # `socinnov ingest`
    "socinnov.inputs.ingest": STATS + PLOTS + NOTEBOOKS + ("scipy",),
    # `socinnov report`: the process that orchestrates the notebooks computes nothing itself
    "socinnov.reporting.build": STATS + PLOTS + ("scipy",),
    # a cohort loaded for any report
    "socinnov.privacy.store": STATS + PLOTS + NOTEBOOKS + ("scipy",),
    # analysis modules: their statistics libraries are imported where a statistic is computed
    "socinnov.analysis.criteria": STATS + PLOTS + NOTEBOOKS,
    "socinnov.analysis.committee": STATS + PLOTS + NOTEBOOKS,
    "socinnov.analysis.followup": STATS + PLOTS + NOTEBOOKS,
    "socinnov.analysis.payments": STATS + PLOTS + NOTEBOOKS,
}


def imported_packages(module: str) -> set[str]:
    """Top-level packages in ``sys.modules`` after importing ``module`` in a fresh interpreter."""
    code = f"import json, sys; import {module}; print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("module", list(CASES))
def test_light_module_imports_no_heavy_library(module):
    heavy = imported_packages(module) & set(CASES[module])
    assert not heavy, f"import {module} loads {sorted(heavy)}: import them inside the functions that need them"


def test_budget_detects_a_heavy_import():
    """The check itself sees a heavy library when one is imported (the trajectory figures need matplotlib)."""
    assert {"matplotlib", "seaborn"} <= imported_packages("socinnov.reporting.followup_plots")
