"""Releasing the public artefacts of a cohort: the open dataset, then a scan of everything under
``reports/COHORT/public`` for identifying values. A file that leaks is removed, and the release
fails naming what leaked: a public artefact that identifies a porteur must not survive."""

from __future__ import annotations

from pathlib import Path

from socinnov import config
from socinnov.leaks import find_leaks, identifying_values
from socinnov.opendata import write_open_dataset
from socinnov.store import load_cohort

SCANNED = {".html", ".csv", ".json", ".ipynb", ".md", ".pdf", ".txt"}


def public_files(cohort: str) -> list[Path]:
    folder = config.reports_dir(cohort) / "public"
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in SCANNED) if folder.exists() else []


def release_public(cohort: str) -> tuple[Path, list[str]]:
    """Write the open dataset and check every public file; returns the dataset folder and the leaks."""
    jury = load_cohort(cohort, audience="jury")
    dataset = write_open_dataset(jury)
    allowed = load_cohort(cohort, audience="public", refresh=False).publishable_texts()
    leaks = find_leaks(public_files(jury.name), identifying_values(jury.tables), allowed=allowed)
    for path in {config.reports_dir(jury.name) / "public" / line.split(" : ")[0] for line in leaks}:
        for p in public_files(jury.name):
            if p.name == path.name:
                p.unlink()
    return dataset, leaks
