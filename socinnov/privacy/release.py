"""Releasing the public artefacts of a cohort: the open dataset, then a scan of everything under
``reports/COHORT/public`` for identifying values. A file that leaks is removed, and the release
fails naming what leaked: a public artefact that identifies a porteur must not survive.

The release is skipped when neither the inputs, the code nor any public file changed since the
last clean release (a stamp records them).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from socinnov import config, files
from socinnov.privacy.audiences import JURY, PUBLIC
from socinnov.privacy.audit import release_gate
from socinnov.privacy.leaks import find_leaks, identifying_values
from socinnov.privacy.opendata import write_open_dataset
from socinnov.privacy.store import load_cohort
from socinnov.provenance import code_fingerprint

SCANNED = {".html", ".csv", ".json", ".ipynb", ".md", ".pdf", ".txt"}
STAMP = ".publication"


def public_files(cohort: str) -> list[Path]:
    folder = config.reports_dir(cohort) / PUBLIC
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in SCANNED) if folder.exists() else []


def _state(cohort: str, manifest: dict) -> str:
    files = {str(p.relative_to(config.reports_dir(cohort))): p.stat().st_mtime_ns for p in public_files(cohort)}
    blob = json.dumps([manifest.get("inputs"), code_fingerprint(), files], sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def release_public(cohort: str, *, force: bool = False) -> tuple[Path, list[str]]:
    """Write the open dataset and check every public file; returns the dataset folder and the leaks."""
    jury = load_cohort(cohort, audience=JURY)
    stamp = config.reports_dir(jury.name) / PUBLIC / STAMP
    dataset = config.reports_dir(jury.name) / PUBLIC / "donnees-ouvertes"
    if not force and dataset.exists() and stamp.exists() and stamp.read_text() == _state(jury.name, jury.manifest):
        return dataset, []
    dataset = write_open_dataset(jury)
    allowed = load_cohort(cohort, audience=PUBLIC, refresh=False).publishable_texts()
    leaks = find_leaks(public_files(jury.name), identifying_values(jury.tables), allowed=allowed)
    leaking = {line.split(" : ")[0] for line in leaks}
    for p in public_files(jury.name):
        if p.name in leaking:
            p.unlink()
    if leaks:
        stamp.unlink(missing_ok=True)
    else:
        files.write_text(stamp, _state(jury.name, jury.manifest))
    leaks += release_gate(jury.name)  # last step: every public file audited together; failing, none stays
    return dataset, leaks
