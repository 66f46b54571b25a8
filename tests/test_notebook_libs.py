"""The build's notebook machinery is imported without ``rfc3987_syntax`` (``socinnov.reporting.notebook_libs``),
and notebooks are validated as before. Each import case runs in a fresh interpreter."""

from __future__ import annotations

import functools
import json

from socinnov import config
from tests import fresh

# What the build imports where it rebuilds a report (socinnov/reporting/build.py), after prepare().
BUILD_IMPORTS = ("import nbformat, papermill; from nbconvert import HTMLExporter; "
                 "from nbclient.exceptions import DeadKernelError; from papermill.execute import raise_for_execution_errors")

# The import cases: each prints the modules it loaded.
PRINT_MODULES = "\nimport json, sys; print(json.dumps(sorted(sys.modules)))"
CASES = {
    "build": f"from socinnov.reporting import build, notebook_libs\nnotebook_libs.prepare()\n{BUILD_IMPORTS}",
    "test suite": "import tests.conftest\nimport nbformat, papermill",
    "without prepare": BUILD_IMPORTS,
    "later import": "from socinnov.reporting import notebook_libs\nnotebook_libs.prepare()\nimport nbformat\n"
                    "import rfc3987_syntax",
    "load": "from socinnov.reporting import notebook_libs\nnotebook_libs.load()",
    "load, then the threads' imports": f"from socinnov.reporting import notebook_libs\nnotebook_libs.load()\n"
                                       f"{BUILD_IMPORTS}\nfrom socinnov.reporting import kernels\n"
                                       "import jupyter_client.blocking, jupyter_client.manager, "
                                       "jupyter_client.session, jupyter_core.utils",
}


def _validation() -> str:
    """A script printing the validator's verdicts on two report notebooks and on broken copies of
    them (a code cell without ``outputs``, a cell of an unknown type)."""
    paths = [str(config.notebooks_dir() / f"{name}.ipynb") for name in ("cohorte", "criteres")]
    return ("import json, nbformat\nfrom nbformat.validator import iter_validate\nverdicts = []\n"
            f"for path in {paths!r}:\n"
            "    nb = nbformat.read(path, as_version=4)\n"
            "    broken = json.loads(nbformat.writes(nb))\n"
            "    next(c for c in broken['cells'] if c['cell_type'] == 'code').pop('outputs')\n"
            "    broken['cells'][0]['cell_type'] = 'inconnu'\n"
            "    verdicts.append([nbformat.validate(nb), sorted(str(e.message) for e in iter_validate(broken))])\n"
            "print(json.dumps(verdicts))")


@functools.cache
def _outputs() -> dict[str, str]:
    """The output of every case of this module, each run in its own fresh interpreter, the
    interpreters run at once (``tests/fresh.py``): the validation with the grammars, and without
    them (the libraries prepared as tests.conftest prepares them)."""
    return fresh.run_all({**{case: code + PRINT_MODULES for case, code in CASES.items()},
                          "validated with grammars": _validation(),
                          "validated without grammars": "import tests.conftest\n" + _validation()})


def _modules(case: str) -> set[str]:
    """The modules that ``CASES[case]`` loaded in its fresh interpreter."""
    return set(json.loads(_outputs()[case].strip().splitlines()[-1]))


def test_the_build_imports_its_notebook_machinery_without_the_iri_grammars():
    loaded = _modules("build")
    assert {"nbformat", "papermill", "nbconvert", "jsonschema"} <= loaded
    assert "rfc3987_syntax" not in loaded


def test_the_build_loads_what_its_threads_import_before_starting_them():
    """``load()`` (called before the workers start) leaves nothing of the machinery for the
    threads to import, and still no IRI grammar."""
    loaded = _modules("load")
    assert _modules("load, then the threads' imports") - loaded == {"socinnov.reporting.kernels"}
    assert "rfc3987_syntax" not in loaded


def test_the_test_suite_imports_nbformat_without_the_iri_grammars():
    assert "rfc3987_syntax" not in _modules("test suite")


def test_without_prepare_the_grammars_would_load():
    """The check can fail: importing the same libraries without prepare() does load them."""
    assert "rfc3987_syntax" in _modules("without prepare")


def test_a_later_explicit_import_still_works():
    assert "rfc3987_syntax" in _modules("later import")


def test_notebooks_are_validated_as_before():
    """Same verdicts with and without the grammars: the report notebooks are valid, and broken
    copies (a code cell without ``outputs``, a cell of an unknown type) are refused with the same
    errors."""
    with_grammars, without = _outputs()["validated with grammars"], _outputs()["validated without grammars"]
    verdicts = json.loads(without.strip().splitlines()[-1])
    assert len(verdicts) == 2 and all(valid is None and errors for valid, errors in verdicts)
    assert without == with_grammars
