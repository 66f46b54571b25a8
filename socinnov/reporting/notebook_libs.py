"""The build's notebook machinery (nbformat, papermill, nbclient, nbconvert), imported without
the IRI grammars that nothing here uses.

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

import sys

IRI_GRAMMARS = "rfc3987_syntax"


def prepare() -> None:
    """Import jsonschema (once per process) without letting it load ``rfc3987_syntax``."""
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
