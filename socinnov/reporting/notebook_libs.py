"""The build's notebook machinery (nbformat, papermill, nbclient, nbconvert): imported without
the IRI grammars that nothing here uses, and papermill run without saving at every cell.

nbformat validates notebooks with jsonschema, and importing jsonschema imports
``jsonschema._format``, which registers a format checker for each optional library it finds
installed. One of them, ``rfc3987_syntax`` (installed with the Jupyter stack: jupyter-events
asks for ``jsonschema[format-nongpl]``), compiles about 38 lark grammars when it is imported:
2.6 s of the 3.5 s that ``import papermill`` took on the development machine. The checkers it
provides are for the ``iri`` and ``iri-reference`` formats of JSON Schema draft 7 and later.
nbformat never uses them: the notebook schema (``nbformat.v4``) is draft 4 and declares no such
format, and nbformat validates without a format checker (formats are not checked at all).

:func:`prepare` marks ``rfc3987_syntax`` as absent (``sys.modules[name] = None``, which makes its
import raise ``ImportError``) while jsonschema is first imported; jsonschema then does what it
does when that optional library is not installed: it registers no ``iri`` checker. The marker is
removed at once, so a later explicit import of ``rfc3987_syntax`` still works; only jsonschema's
own ``iri`` checker stays unregistered in this process. The notebooks are validated exactly as
before (same schema, same validator: ``tests/test_notebook_libs.py``).

Call :func:`prepare` before importing any of these libraries: the build does it where it
imports them (they are imported only where a report is rebuilt, never on an unchanged build),
and so does the test suite (``tests/conftest.py``).
"""

from __future__ import annotations

import functools
import json
import sys
import threading
from pathlib import Path

from socinnov import config

IRI_GRAMMARS = "rfc3987_syntax"
_LOCK = threading.Lock()  # the build's threads import these libraries concurrently


def prepare() -> None:
    """Import jsonschema (once per process) without letting it load ``rfc3987_syntax``."""
    with _LOCK:
        if "jsonschema" in sys.modules:
            return
        blocked = IRI_GRAMMARS not in sys.modules  # already imported by someone else: nothing to save
        if blocked:
            sys.modules[IRI_GRAMMARS] = None
        try:
            import jsonschema  # noqa: F401 - imported here, under the marker
        finally:
            if blocked and sys.modules.get(IRI_GRAMMARS, False) is None:
                del sys.modules[IRI_GRAMMARS]


def load() -> None:
    """Import the whole notebook machinery in the calling thread (after :func:`prepare`).

    The build's threads each import part of it when they first need it (a worker starting its
    kernel, papermill running a notebook, the public root's thread reading a notebook's
    parameters). Importing one package from two threads at once can fail on the package's own
    circular imports (« cannot import name 'AsyncKernelManager' from partially initialized
    module 'jupyter_client.manager' », seen once in a test): the build calls this before it
    starts any thread."""
    prepare()
    import jupyter_client.blocking
    import jupyter_client.manager  # noqa: F401 - imported for the threads
    import nbconvert  # noqa: F401
    import nbformat  # noqa: F401
    import papermill.execute  # noqa: F401


# ---------------------------------------------------------------------------------------------
# Running a notebook, and the executed notebook's file

ENGINE = "socinnov"
DEAD_KERNEL = "le noyau s'est arrêté pendant cette cellule (mémoire épuisée ou arrêt forcé ?)"


@functools.cache
def _engine() -> str:
    """papermill's own engine (nbclient), saving the executed notebook when it starts and when it
    stops, not at the start and end of every cell.

    papermill writes the whole notebook (JSON of every output so far, images included, after a
    validation) twice per cell, so that a long run can be followed on disk. The build writes it
    to a temporary path that only becomes the report's copy once the run has stopped
    (``files.replacing``), so those intermediate copies were never read; they cost the building
    process about 600 writes for the demo's 10 reports. The final save is papermill's own
    (``notebook_complete``, run whatever happened: complete, failing cell, dead kernel), so the
    executed notebook is the same.
    """
    prepare()
    from papermill.engines import NBClientEngine, papermill_engines

    class SaveWhenStopped(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, **kwargs):
            nb_man.save = lambda **_: None  # this instance only; notebook_complete() runs after
            try:
                return super().execute_managed_notebook(nb_man, kernel_name, **kwargs)
            finally:
                del nb_man.save

    papermill_engines.register(ENGINE, SaveWhenStopped)
    return ENGINE


def execute_notebook(source: Path, target: Path, *, parameters: dict, km) -> None:
    """Run notebook ``source`` with ``parameters`` on the running kernel ``km`` (papermill),
    writing the executed notebook to ``target`` once it stops; raises papermill's
    ``PapermillExecutionError`` for a failing cell, nbclient's ``DeadKernelError`` for a kernel
    that died (``target`` then holds the cells run so far: :func:`mark_dead_cell`)."""
    engine = _engine()
    import papermill as pm

    pm.execute_notebook(str(source), str(target), parameters=parameters, kernel_name="python3",
                        engine_name=engine, progress_bar=False, km=km)


def relative_paths(path: Path, final: Path) -> None:
    """No absolute path in an executed notebook (a user name, a server's layout): papermill's
    record of where it read and wrote becomes relative to the project, and so does any path under
    the project an output printed."""
    prepare()
    import nbformat

    if not path.exists():
        return
    root = config.project_root()
    nb = nbformat.read(path, as_version=4)
    meta = nb.metadata.get("papermill", {})
    for key, where in (("input_path", meta.get("input_path")), ("output_path", str(final))):
        if where and Path(where).is_relative_to(root):
            meta[key] = Path(where).relative_to(root).as_posix()
    text = nbformat.writes(nb).replace(json.dumps(str(root) + "/")[1:-1], "").replace(str(root), ".")
    path.write_text(text, encoding="utf-8")


def mark_dead_cell(executed: Path):
    """A kernel that died mid-cell: papermill saved the notebook with that cell « completed ». The
    cell gets an error output and the notebook papermill's error banner, as for a failing cell;
    returns the :class:`papermill.PapermillExecutionError` that says so."""
    prepare()
    import nbformat
    import papermill as pm
    from papermill.execute import raise_for_execution_errors

    nb = nbformat.read(executed, as_version=4)
    started = [c for c in nb.cells if c.cell_type == "code" and c.metadata.get("papermill", {}).get("start_time")]
    cell = started[-1] if started else next(c for c in nb.cells if c.cell_type == "code")
    cell.setdefault("outputs", []).append(nbformat.v4.new_output(
        "error", ename="DeadKernelError", evalue=DEAD_KERNEL, traceback=[f"DeadKernelError: {DEAD_KERNEL}"]))
    cell.metadata.setdefault("papermill", {}).update(exception=True, status="failed")
    nb.metadata.setdefault("papermill", {})["exception"] = True
    try:
        raise_for_execution_errors(nb, str(executed))
    except pm.PapermillExecutionError as exc:
        return exc
    raise AssertionError("unreachable: the notebook has an error output")
