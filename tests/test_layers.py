"""The package's layers, as `make lint` checks them (import-linter contracts in pyproject.toml).

The contracts are only worth something if they fail: each test plants a violation in a copy of the
package and checks that ``lint-imports`` refuses it, naming the import.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"

pytestmark = pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter absent (make install)")


def lint_imports(tree: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(tree)}  # the copy shadows the installed package
    return subprocess.run([str(LINT_IMPORTS), "--no-logo", "--no-cache", str(tree / "pyproject.toml")], check=False,
                          cwd=tree,
                          env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def package_copy(tmp_path):
    shutil.copytree(ROOT / "socinnov", tmp_path / "socinnov", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def plant(tree: Path, module: str, line: str) -> None:
    path = tree / (module.replace(".", "/") + ".py")
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")


def test_the_package_keeps_its_layers():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


def test_an_upward_import_is_refused(package_copy):
    # The call layer (grids) reaching up to the report build: the lowest domain layer would then
    # depend on papermill, the audiences and everything in between.
    plant(package_copy, "socinnov.call.grids", "import socinnov.reporting.build  # noqa")
    result = lint_imports(package_copy)
    assert result.returncode == 1
    assert "BROKEN" in result.stdout
    assert "socinnov.call.grids -> socinnov.reporting.build" in result.stdout


def test_an_import_cycle_within_a_layer_is_refused(package_copy):
    plant(package_copy, "socinnov.analysis.scores", "import socinnov.analysis.criteria  # noqa")
    result = lint_imports(package_copy)
    assert result.returncode == 1
    assert "No cycles are allowed in socinnov.analysis" in result.stdout


def test_the_modules_the_notebooks_use_declare_their_public_names():
    """Each module a report notebook imports has an ``__all__``, and every name the notebooks
    read from it is in it (the module's public face is the notebooks' contract)."""
    import importlib
    import inspect
    import json
    import re

    code = "\n".join("".join(cell["source"]) for nb in sorted((ROOT / "notebooks").glob("*.ipynb"))
                     for cell in json.loads(nb.read_text(encoding="utf-8"))["cells"] if cell["cell_type"] == "code")
    modules = {}
    for package, names in re.findall(r"^from (socinnov[\w.]*) import ([\w, ]+)$", code, flags=re.MULTILINE):
        for name in (n.strip() for n in names.split(",")):
            if not inspect.ismodule(getattr(importlib.import_module(package), name, None)):
                try:
                    importlib.import_module(f"{package}.{name}")
                except ModuleNotFoundError:
                    continue  # a function (``from socinnov.privacy.store import load_cohort``)
            modules[name] = importlib.import_module(f"{package}.{name}")
    assert len(modules) >= 15  # the notebooks import 17 modules of the package today
    for name, module in modules.items():
        assert hasattr(module, "__all__"), f"{module.__name__} has no __all__"
        used = set(re.findall(rf"\b{name}\.([A-Za-z]\w*)", code))
        assert used <= set(module.__all__), f"{module.__name__}: {sorted(used - set(module.__all__))} not in __all__"
