"""The ledger of a cohort's public releases (``reports/COHORT/registre-diffusions.json``):
what each release published, when, with the SHA-256 of every file, and the dossiers' types under
hashed ids, so that a new release can be audited against the earlier ones (``socinnov.privacy.audit``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from socinnov import files
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


def _hash(dossier_id) -> str:
    import hashlib

    return hashlib.sha256(str(dossier_id).encode()).hexdigest()[:16]


def hashed_ids(truth: pd.DataFrame) -> pd.DataFrame:
    """``truth`` with its dossier ids hashed: the ledger only needs to know who stayed."""
    return truth.assign(dossier_id=[_hash(i) for i in truth["dossier_id"]])


def hashed_like(truth: pd.DataFrame, before: pd.DataFrame) -> pd.DataFrame:
    """``truth`` (plain ids) with its ids hashed as the ledger's ``before`` holds them: once, or
    twice for an entry recorded by the kit before December 2026, which hashed hashed ids (no id
    then matched, and every dossier looked withdrawn)."""
    once = hashed_ids(truth)
    twice = hashed_ids(once)
    ids = set(before["dossier_id"])
    return twice if ids & set(twice["dossier_id"]) and not ids & set(once["dossier_id"]) else once


def _truth_json(truth: pd.DataFrame) -> dict:
    return hashed_ids(truth).to_dict(orient="list")


def truth_from_json(blob: dict) -> pd.DataFrame:
    t = pd.DataFrame(blob)
    t["elig"] = t["elig"].map(eligible_value)
    t["types"] = t["types"].astype(int)
    return t


def record_release(cohort: str, public: Path, release: Release, truth: pd.DataFrame) -> dict:
    """Append this release to the ledger: when, every public file with its SHA-256, the cells
    and records published, and the dossiers' types at that time (``truth`` with plain ids, hashed
    here). Written as every output is (``socinnov.files``: the old ledger stays until the new one is
    complete)."""
    import datetime

    entry = {"date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
             "fichiers": {str(p.relative_to(public)): file_sha256(p) for p in sorted(public.rglob("*")) if p.is_file()},
             "publie": release.to_json(), "types": _truth_json(truth)}
    entries = read_ledger(cohort)
    if entries and entries[-1]["fichiers"] == entry["fichiers"]:
        return entries[-1]  # the same files again: not a new release
    entries.append(entry)
    files.write_text(ledger_path(cohort), json.dumps(entries, ensure_ascii=False))
    return entry
