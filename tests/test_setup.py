"""The project's set-up contracts: dependency lists agree, notebooks are clean and thin."""

import ast
import re
import subprocess
import tomllib

import nbformat
import pytest
import yaml

from tests.conftest import REPO

NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))


def _name(req: str) -> str:
    return re.split(r"[<>=!~ ;\[]", req, maxsplit=1)[0].strip().lower()


def test_environment_yml_lists_the_same_dependencies_as_pyproject():
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pip_deps = project["dependencies"] + project["optional-dependencies"]["dev"]
    env = yaml.safe_load((REPO / "environment.yml").read_text(encoding="utf-8"))
    conda_deps = [d for d in env["dependencies"] if isinstance(d, str) and _name(d) not in {"python", "pip"}]
    assert sorted(d.replace(" ", "") for d in conda_deps) == sorted(d.replace(" ", "") for d in pip_deps)
    assert {"pip": ["-e ."]} in env["dependencies"]


def test_lock_pins_every_dependency():
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lock = (REPO / "requirements.lock").read_text(encoding="utf-8")
    pinned = {m.group(1).lower() for m in re.finditer(r"^([A-Za-z0-9_.-]+)==", lock, re.MULTILINE)}
    for dep in project["dependencies"] + project["optional-dependencies"]["dev"]:
        assert _name(dep).replace("_", "-") in pinned, dep


def test_there_are_report_notebooks():
    assert [p.stem for p in NOTEBOOKS] and "cohorte" in [p.stem for p in NOTEBOOKS]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_a_thin_report(path):
    nb = nbformat.read(path, as_version=4)
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1, "exactly one cell tagged 'parameters'"
    for stmt in ast.parse(params[0].source).body:
        assert isinstance(stmt, ast.AnnAssign), "parameters: `name: type = literal  # comment`"
        ast.literal_eval(stmt.value)  # literal defaults only
    for line in params[0].source.splitlines():
        assert "  # " in line, f"parameter without a comment: {line}"
    for cell in nb.cells:
        if cell.cell_type == "code":
            tree = ast.parse(cell.source)
            assert not [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.Lambda))], \
                "no def, class or lambda in a report notebook: it belongs in the package"


def test_every_notebook_declares_itself_a_report():
    from socinnov.reporting.build import discover_reports

    assert {r.name for r in discover_reports()} == {p.stem for p in NOTEBOOKS}


def test_make_help_lists_the_verbs():
    out = subprocess.run(["make", "-s", "help"], cwd=REPO, capture_output=True, text=True, check=True).stdout
    for verb in ("report", "test", "lab", "clean", "help"):
        assert re.search(rf"make {verb}\s+\S", out), verb
