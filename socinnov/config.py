"""Every path of the kit, derived from one root (cookiecutter-data-science's ``config.py``).

Nothing else in the package builds a data, report or notebook path by hand. The root is the
project folder (the one holding ``data/`` and ``notebooks/``); it can be moved with the
``SOCINNOV_ROOT`` environment variable, which the tests use to work in a temporary copy.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
GRIDS_DIR = PACKAGE_DIR / "data" / "grids"
TEMPLATES_DIR = PACKAGE_DIR / "reporting" / "templates"


def project_root() -> Path:
    """The project folder: ``$SOCINNOV_ROOT`` if set; else the source tree the package was
    installed from (editable install, the usual case); else the current directory."""
    env = os.environ.get("SOCINNOV_ROOT")
    if env:
        return Path(env).resolve()
    if (PACKAGE_DIR.parent / "notebooks").is_dir():
        return PACKAGE_DIR.parent
    return Path.cwd()


def raw_dir(cohort: str | None = None) -> Path:
    base = project_root() / "data" / "raw"
    return base / cohort if cohort else base


def processed_dir(cohort: str | None = None) -> Path:
    base = project_root() / "data" / "processed"
    return base / cohort if cohort else base


def external_dir() -> Path:
    return project_root() / "data" / "external"


def reports_dir(cohort: str | None = None) -> Path:
    base = project_root() / "reports"
    return base / cohort if cohort else base


def notebooks_dir() -> Path:
    return project_root() / "notebooks"


def departements_geojson() -> Path:
    return external_dir() / "departements-alpc.geojson"


def call_text() -> Path:
    """The 2016 call, the domain's specification (see data/external/README.md)."""
    return external_dir() / "ami-innovation-sociale-alpc-2016.txt"
