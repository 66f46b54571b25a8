"""The floor of a notebook build: 10 trivial notebooks (pandas, seaborn, one figure) executed by
papermill, each on a fresh kernel, 2 at a time, and exported to HTML by nbconvert.

This is what any build that starts one kernel per notebook pays before computing anything; run
in the same benchmark as the demo's reports, it makes their ratio hold on any machine.
"""

from __future__ import annotations

import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

CELLS = ("import pandas as pd\nimport seaborn as sns\nimport matplotlib.pyplot as plt",
         "df = pd.DataFrame({'x': range(20), 'y': [i * i for i in range(20)]})\ndf.describe()",
         "ax = sns.lineplot(data=df, x='x', y='y')\nplt.show()")


def _one(folder: Path, i: int) -> None:
    import nbformat
    import papermill as pm
    from nbconvert import HTMLExporter

    source, executed = folder / f"trivial{i}.ipynb", folder / f"trivial{i}.out.ipynb"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, source)
    pm.execute_notebook(str(source), str(executed), kernel_name="python3", progress_bar=False, cwd=str(folder))
    body, _ = HTMLExporter(exclude_input=True).from_notebook_node(nbformat.read(executed, as_version=4))
    (folder / f"trivial{i}.html").write_text(body, encoding="utf-8")


def floor(n: int = 10, jobs: int = 2) -> float:
    """Seconds to execute and export ``n`` trivial notebooks, ``jobs`` at a time."""
    import nbconvert  # noqa: F401 - imported before the clock starts, as the build's imports are
    import papermill  # noqa: F401

    with tempfile.TemporaryDirectory(prefix="socinnov-plancher-") as tmp:
        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            list(pool.map(lambda i: _one(Path(tmp), i), range(n)))
        return time.perf_counter() - start
