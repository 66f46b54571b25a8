"""Standalone HTML pages (per-dossier sheets) rendered from the package's Jinja2 templates."""

from __future__ import annotations

import jinja2

from socinnov import config

DEBATE_SHEETS = "fiches-debat"
"""Folder of the debate sheets, beside the jury's reports (``socinnov.reporting.debate_sheets``)."""
TRAJECTORY_SHEETS = "fiches-trajectoire"
"""Folder of the trajectory sheets, beside the jury's reports (``socinnov.reporting.trajectory_sheets``)."""

TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(config.TEMPLATES_DIR), autoescape=True, trim_blocks=True, lstrip_blocks=True)


def safe_filename(name: str) -> str:
    """A file name from an identifier: letters, digits, ``-``, ``_`` and ``.`` kept, the rest ``_``."""
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in str(name))
