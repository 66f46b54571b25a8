"""Standalone HTML pages (per-dossier sheets) rendered from the package's Jinja2 templates."""

from __future__ import annotations

import jinja2

from socinnov import config

TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(config.TEMPLATES_DIR), autoescape=True, trim_blocks=True, lstrip_blocks=True)


def safe_filename(name: str) -> str:
    """A file name from an identifier: letters, digits, ``-``, ``_`` and ``.`` kept, the rest ``_``."""
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in str(name))
