"""The ledger of a cohort's public releases (``reports/COHORT/registre-diffusions.json``):
what each release published, when, with the SHA-256 of every file, and the dossiers' types under
hashed ids, so that a new release can be audited against the earlier ones (``socinnov.privacy.audit``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from socinnov.privacy.published import Release, eligible_value

LEDGER = "registre-diffusions.json"


def ledger_path(cohort: str) -> Path:
    """Beside the cohort's reports, never under ``public/``: it holds, for each release, the
    dossiers' types (quasi-identifiers, no name), as confidential as the jury's reports."""
    from socinnov import config

    return config.reports_dir(cohort) / LEDGER


def read_ledger(cohort: str) -> list[dict]:
    path = ledger_path(cohort)
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else []


def file_sha256(path: Path) -> str:
    import hashlib

    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _truth_json(truth: pd.DataFrame) -> dict:
    import hashlib

    t = truth.copy()  # dossier ids hashed: the ledger only needs to know who stayed
    t["dossier_id"] = [hashlib.sha256(str(i).encode()).hexdigest()[:16] for i in t["dossier_id"]]
    return t.to_dict(orient="list")


def truth_from_json(blob: dict) -> pd.DataFrame:
    t = pd.DataFrame(blob)
    t["elig"] = t["elig"].map(eligible_value)
    t["types"] = t["types"].astype(int)
    return t


def record_release(cohort: str, public: Path, release: Release, truth: pd.DataFrame) -> dict:
    """Append this release to the ledger: when, every public file with its SHA-256, the cells
    and records published, and the dossiers' types at that time. Written atomically."""
    import datetime
    import os
    import tempfile

    entry = {"date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
             "fichiers": {str(p.relative_to(public)): file_sha256(p) for p in sorted(public.rglob("*")) if p.is_file()},
             "publie": release.to_json(), "types": _truth_json(truth)}
    entries = read_ledger(cohort)
    if entries and entries[-1]["fichiers"] == entry["fichiers"]:
        return entries[-1]  # the same files again: not a new release
    entries.append(entry)
    path = ledger_path(cohort)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".registre-")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(entries, fh, ensure_ascii=False)
    os.replace(tmp, path)
    return entry
