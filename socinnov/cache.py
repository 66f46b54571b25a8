"""Heavy results (bootstrap tables) kept in ``data/processed/.cache``, keyed by what they were
computed from.

The same agreement table is asked for by several reports: the agreement report of the jury and
of the committee, the criteria report of both, the public dissemination report. With 1 000
bootstrap resamples per criterion it is the costliest part of a build, so it is computed once
and read back from then on.

The key of a result is the SHA-256 of: the function's name, its parameters, the code
fingerprint (any change to the package invalidates everything), the versions of the libraries
the package requires (an upgrade may change a result) and the *content* of the input columns
it reads. Identifier columns enter the key by their pattern, not their values: each
identifier is replaced by its rank of first appearance. The committee's copy of the ratings
(dossiers under keyed pseudonyms, same rows in the same order) thus has the key of the jury's,
which is right because the statistics cached here number units by first appearance
(``pandas.factorize(sort=False)`` in ``socinnov.analysis.agreement``) and name no dossier: both reports
get the same figures, whichever was built first.

Only tables that name no dossier and no porteur may be cached: the cache sits beside the
processed data, under the same confidentiality, but a cached table is handed to every audience
whose data have the same pattern. ``SOCINNOV_NO_CACHE=1`` turns the cache off (benchmarks).

An entry is computed once even when several kernels ask for it at the same moment (the jury's
and the comité's reports built side by side): the first takes an exclusive lock on the entry's
lock file while it computes, the others wait for it and read what it stored.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from socinnov import config, files
from socinnov.provenance import code_fingerprint, library_versions

CACHE_DIR = ".cache"


def folder() -> Path:
    return config.processed_dir() / CACHE_DIR


def enabled() -> bool:
    return os.environ.get("SOCINNOV_NO_CACHE", "") in ("", "0")


def frame_digest(df: pd.DataFrame, columns: Sequence[str], *, identifiers: Sequence[str] = ()) -> str:
    """SHA-256 of ``columns`` of ``df`` (values and order), identifiers by rank of first appearance."""
    h = hashlib.sha256()
    h.update(json.dumps([list(columns), list(identifiers), len(df)]).encode())
    for col in columns:
        s = df[col]
        if col in identifiers:
            s = pd.Series(pd.factorize(s, sort=False)[0], copy=False)
        h.update(col.encode())
        h.update(pd.util.hash_pandas_object(s, index=False).to_numpy().tobytes())
    return h.hexdigest()


def cached(name: str, params: dict, digest: str, compute: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """``compute()``, or its result stored under the key of (name, params, code, input digest).

    The result must be a DataFrame that round-trips through Parquet (checked on the first
    store: a result that does not come back equal is not cached).
    """
    if not enabled():
        return compute()
    key = hashlib.sha256(json.dumps([name, params, code_fingerprint(), library_versions(), digest],
                                    sort_keys=True, default=str).encode()).hexdigest()
    path = folder() / f"{name}-{key[:32]}.parquet"
    stored = _read(path)
    if stored is not None:
        return stored
    with _computing(path):
        stored = _read(path)  # computed by another kernel while this one waited
        if stored is not None:
            return stored
        result = compute()
        _store(path, result)
    return result


def _read(path: Path) -> pd.DataFrame | None:
    if not path.exists():
        return None
    try:
        return pd.read_parquet(path)
    except (OSError, ValueError):  # a damaged entry is recomputed and replaced
        path.unlink(missing_ok=True)
        return None


@contextmanager
def _computing(path: Path) -> Iterator[None]:
    """Hold the entry's lock while it is computed and stored (``flock`` on ``<entry>.calcul``,
    across processes and threads). The lock file is removed before the lock is released: a
    kernel that waited on it then finds the entry stored, and a later one finds the entry
    without touching any lock. A kernel that gets the lock of a file already removed (the one
    before it failed, or stored nothing) takes the lock again on the current file, so that two
    kernels never compute the same entry at once. No cached computation calls another (each
    reads its inputs, then computes), so two kernels cannot wait on each other. Where ``fcntl``
    is missing (Windows), or the folder cannot be written or locked, no lock: at worst both
    compute, and the store's atomic rename keeps one complete entry."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on the platforms CI runs
        yield
        return
    lock = path.with_suffix(".calcul")
    while True:
        try:
            lock.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            yield
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError:  # a file system without locks: nobody else can hold this one
            os.close(fd)
            lock.unlink(missing_ok=True)
            yield
            return
        if _same_file(fd, lock):
            break
        os.close(fd)  # the file was removed while this kernel waited: lock the current one
    try:
        try:
            yield
        finally:
            lock.unlink(missing_ok=True)
    finally:
        os.close(fd)  # releases the lock


def _same_file(fd: int, lock: Path) -> bool:
    try:
        return os.fstat(fd).st_ino == os.stat(lock).st_ino
    except FileNotFoundError:
        return False


class _NotCacheable(Exception):
    """The result does not come back equal from Parquet: it is not stored."""


def _store(path: Path, result: pd.DataFrame) -> None:
    # Several report kernels may compute the same entry at once: each writes its own temporary
    # file (files.replacing), and the last rename wins with identical content.
    try:
        with files.replacing(path) as tmp:
            result.to_parquet(tmp, index=True)
            if not _same(result, pd.read_parquet(tmp)):
                raise _NotCacheable
    except (_NotCacheable, OSError, ValueError, TypeError):
        pass


def _same(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    try:
        pd.testing.assert_frame_equal(a, b)
    except AssertionError:
        return False
    return True


def clear() -> int:
    """Remove every cached result, and the lock files a killed kernel left behind; return how
    many results were removed."""
    if not folder().is_dir():
        return 0
    for p in folder().glob("*.calcul"):
        p.unlink(missing_ok=True)
    results = list(folder().glob("*.parquet"))
    for p in results:
        p.unlink(missing_ok=True)
    return len(results)
