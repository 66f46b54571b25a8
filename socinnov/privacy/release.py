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
from socinnov.privacy.disclosure import MIN_COUNT
from socinnov.privacy.leaks import find_leaks, identifying_values
from socinnov.privacy.leaks import public_files as leaks_public_files
from socinnov.privacy.store import load_cohort
from socinnov.provenance import code_fingerprint

STAMP = ".publication"


def too_small(n_dossiers: int, min_count: int = MIN_COUNT) -> str | None:
    """Why nothing can be released for the public yet (fewer dossiers than the threshold: every
    count, the number filed included, would be « secret »), or ``None``."""
    if n_dossiers < min_count:
        return (f"{n_dossiers} dossier(s) déposé(s), moins que le seuil de {min_count} : tout compte serait "
                "masqué, rien n'est diffusé au public")
    return None


def public_files(cohort: str) -> list[Path]:
    """Every file under ``reports/COHORT/public``, whatever its suffix (``leaks.public_files``)."""
    return leaks_public_files(config.reports_dir(cohort) / PUBLIC)


def _state(cohort: str, manifest: dict) -> str:
    files = {str(p.relative_to(config.reports_dir(cohort))): p.stat().st_mtime_ns for p in public_files(cohort)
             if p.name != STAMP}  # the stamp itself is written after the state is taken
    blob = json.dumps([manifest.get("inputs"), code_fingerprint(), files], sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def release_public(cohort: str, *, force: bool = False) -> tuple[Path | None, list[str]]:
    """Write the open dataset and check every public file; returns the dataset folder and the leaks.
    A cohort too small to publish anything (:func:`too_small`) gets no open dataset (``None``), and
    whatever an earlier build published for it is withdrawn."""
    jury = load_cohort(cohort, audience=JURY)
    if too_small(len(jury.tables["dossiers"])):
        import shutil

        shutil.rmtree(config.reports_dir(jury.name) / PUBLIC, ignore_errors=True)
        return None, []
    stamp = config.reports_dir(jury.name) / PUBLIC / STAMP
    dataset = config.reports_dir(jury.name) / PUBLIC / "donnees-ouvertes"
    if not force and dataset.exists() and stamp.exists() and stamp.read_text() == _state(jury.name, jury.manifest):
        return dataset, []
    # Imported here: the audit imports scipy, and a build in which nothing changed stops above.
    from socinnov.privacy.audit import release_gate
    from socinnov.privacy.opendata import write_open_dataset

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
