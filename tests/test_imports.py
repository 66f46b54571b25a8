"""Import-time budget: light commands and modules do not import the heavy libraries.

statsmodels, pingouin, matplotlib, seaborn, papermill and nbconvert each take one to several
seconds to import; `socinnov --help`, `socinnov ingest` and the report build's orchestrator
need none of them, and the analysis modules import them inside the functions that use them
(docs/performance.md, « Budget d'import »). Each case runs in a fresh interpreter, since this
test process has long imported everything.
"""

from __future__ import annotations

import functools
import json

import pytest

from tests import fresh

STATS = ("statsmodels", "pingouin", "sklearn")
PLOTS = ("matplotlib", "seaborn")
NOTEBOOKS = ("papermill", "nbconvert", "nbclient")

CASES = {
    # `socinnov --help` and the parsing of every command line
    "socinnov.cli.main": STATS + PLOTS + NOTEBOOKS + ("scipy", "pandas", "pandera"),
    # `socinnov ingest`
    "socinnov.inputs.ingest": STATS + PLOTS + NOTEBOOKS + ("scipy",),
    # `socinnov report`: the process that orchestrates the notebooks computes nothing itself; it
    # loads the store (socinnov.privacy.store) as every report does
    "socinnov.reporting.build": STATS + PLOTS + ("scipy",),
    # analysis modules import their statistics libraries where a statistic is computed: the
    # committee's analysis (criteria, consistency, discrimination), the follow-up (via payments)
    "socinnov.analysis.committee": STATS + PLOTS + NOTEBOOKS,
    "socinnov.analysis.payments": STATS + PLOTS + NOTEBOOKS,
    # the change model: statsmodels' MixedLM where a model is fitted, on few experiments only
    "socinnov.analysis.change": STATS + PLOTS + NOTEBOOKS,
}


@functools.cache
def _imported_by_every_case() -> dict[str, frozenset[str]]:
    """Top-level packages in ``sys.modules`` after importing each module of :data:`CASES`, each in
    its own fresh interpreter, the interpreters run at once (``tests/fresh.py``)."""
    code = "import json, sys; import {}; print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    outputs = fresh.run_all({module: code.format(module) for module in CASES})
    return {module: frozenset(json.loads(out.strip().splitlines()[-1])) for module, out in outputs.items()}


def imported_packages(module: str) -> frozenset[str]:
    """Top-level packages in ``sys.modules`` after importing ``module`` in a fresh interpreter."""
    return _imported_by_every_case()[module]


@pytest.mark.parametrize("module", list(CASES))
def test_light_module_imports_no_heavy_library(module):
    heavy = imported_packages(module) & set(CASES[module])
    assert not heavy, f"import {module} loads {sorted(heavy)}: import them inside the functions that need them"


def test_budget_sees_what_a_module_imports():
    """The check does see imported packages: ingest needs pandas and pandera."""
    assert {"pandas", "pandera"} <= imported_packages("socinnov.inputs.ingest")
