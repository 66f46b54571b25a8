"""The build's notebook machinery is imported without ``rfc3987_syntax`` (``socinnov.reporting.notebook_libs``),
and notebooks are validated as before. Each import case runs in a fresh interpreter."""

from __future__ import annotations

import json
import subprocess
import sys

from socinnov import config

# What the build imports where it rebuilds a report (socinnov/reporting/build.py), after prepare().
BUILD_IMPORTS = ("import nbformat, papermill; from nbconvert import HTMLExporter; "
                 "from nbclient.exceptions import DeadKernelError; from papermill.execute import raise_for_execution_errors")


def _modules(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", f"{code}\nimport json, sys; print(json.dumps(sorted(sys.modules)))"],
                         capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_the_build_imports_its_notebook_machinery_without_the_iri_grammars():
    loaded = _modules(f"from socinnov.reporting import build, notebook_libs\nnotebook_libs.prepare()\n{BUILD_IMPORTS}")
    assert {"nbformat", "papermill", "nbconvert", "jsonschema"} <= loaded
    assert "rfc3987_syntax" not in loaded


def test_the_build_loads_what_its_threads_import_before_starting_them():
    """``load()`` (called before the workers start) leaves nothing of the machinery for the
    threads to import, and still no IRI grammar."""
    loaded = _modules("from socinnov.reporting import notebook_libs\nnotebook_libs.load()")
    after = _modules(f"from socinnov.reporting import notebook_libs\nnotebook_libs.load()\n{BUILD_IMPORTS}\n"
                     "from socinnov.reporting import kernels\nimport jupyter_client.blocking, jupyter_client.manager, "
                     "jupyter_client.session, jupyter_core.utils")
    assert after - loaded == {"socinnov.reporting.kernels"}
    assert "rfc3987_syntax" not in loaded


def test_the_test_suite_imports_nbformat_without_the_iri_grammars():
    assert "rfc3987_syntax" not in _modules("import tests.conftest\nimport nbformat, papermill")


def test_without_prepare_the_grammars_would_load():
    """The check can fail: importing the same libraries without prepare() does load them."""
    assert "rfc3987_syntax" in _modules(BUILD_IMPORTS)


def test_a_later_explicit_import_still_works():
    assert "rfc3987_syntax" in _modules("from socinnov.reporting import notebook_libs\nnotebook_libs.prepare()\n"
                                        "import nbformat\nimport rfc3987_syntax")


def test_notebooks_are_validated_as_before():
    """Same verdicts with and without the grammars: the report notebooks are valid, and broken
    copies (a code cell without ``outputs``, a cell of an unknown type) are refused with the same
    errors."""
    paths = [str(config.notebooks_dir() / f"{name}.ipynb") for name in ("cohorte", "criteres")]
    code = ("import json, nbformat\nfrom nbformat.validator import iter_validate\nverdicts = []\n"
            f"for path in {paths!r}:\n"
            "    nb = nbformat.read(path, as_version=4)\n"
            "    broken = json.loads(nbformat.writes(nb))\n"
            "    next(c for c in broken['cells'] if c['cell_type'] == 'code').pop('outputs')\n"
            "    broken['cells'][0]['cell_type'] = 'inconnu'\n"
            "    verdicts.append([nbformat.validate(nb), sorted(str(e.message) for e in iter_validate(broken))])\n"
            "print(json.dumps(verdicts))")
    with_grammars = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    without = subprocess.run([sys.executable, "-c", "import tests.conftest\n" + code], capture_output=True, text=True,
                             check=True).stdout
    verdicts = json.loads(without.strip().splitlines()[-1])
    assert len(verdicts) == 2 and all(valid is None and errors for valid, errors in verdicts)
    assert without == with_grammars
