"""Writing outputs so that a reader never sees half of one: one helper for a file, one for a folder.

**The guarantee** (the same for every output of the kit: processed data, reports, PDFs, sheets,
open dataset, demo cohorts, juror workbooks, cache entries):

- A new version is written under a *unique* temporary name in the same folder as its target
  (two runs writing the same output at once never share a temporary file), flushed to disk,
  and only then moved into place by a rename. Until that rename the old version stays
  untouched; after it the new version is complete. A failure (an exception, Ctrl-C) removes
  the temporary file or folder and leaves the old version in place.
- A file is replaced in one atomic step (``os.replace``). A folder cannot be swapped for a
  non-empty one in one step: the old folder is first renamed aside under a unique name, the
  new one renamed in, and only then the old one deleted; if the second rename fails the old
  folder is renamed back. So at every moment one complete version exists: at the target, or,
  for the instant between the two renames, aside.
- What a killed run leaves (``kill -9``, power cut) is recognisable by its name: a dot, the
  target's name, then ``.tmp-``, ``.new-`` or ``.old-`` and the writing process's id
  (``.demo.new-4242-k3j2x1``). The next write of the same target removes the leftovers of
  processes that no longer run, and puts an old folder back if a kill came between the two
  renames and left the target missing; it prints one line saying what it cleaned.

Libraries considered: ``atomicwrites`` (archived by its author in 2022) and
``python-atomicwrites``/``safer`` cover single files only, not folder swaps nor the cleaning
of a killed run's leftovers; the standard library gives every piece needed here.
"""

from __future__ import annotations

import glob
import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["clean_leftovers", "remove_temporaries", "replacing", "replacing_folder", "write_bytes", "write_text"]

# mkstemp creates files readable by their owner only; outputs get the usual permissions (those a
# plain ``open(path, "w")`` would give), read from the process's umask once, at import.
_UMASK = os.umask(0)
os.umask(_UMASK)
FILE_MODE = 0o666 & ~_UMASK
FOLDER_MODE = 0o777 & ~_UMASK


# The temporary files and folders this process is writing, for Ctrl-C (``remove_temporaries``).
_WRITING: set[Path] = set()
_WRITING_LOCK = threading.Lock()


def _writing(path: Path, live: bool) -> None:
    with _WRITING_LOCK:
        (_WRITING.add if live else _WRITING.discard)(path)


def remove_temporaries() -> list[Path]:
    """Remove the temporary files and folders this process is still writing; return them.

    For Ctrl-C during a build: the command ends at once (``os._exit``) without letting the
    threads that run reports leave their ``with`` blocks, which would have removed them."""
    with _WRITING_LOCK:
        paths = sorted(_WRITING)
        _WRITING.clear()
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    return paths


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _prefix(target: Path, kind: str) -> str:
    """Name prefix of a temporary ``kind`` (tmp, new or old) of ``target`` written by this process."""
    return f".{target.name}.{kind}-{os.getpid()}-"


def _owner_running(pid: int) -> bool:
    """Whether the process that wrote a leftover still runs (on this machine)."""
    if pid == os.getpid():
        return True
    if os.name != "posix":  # os.kill would terminate the process on Windows: keep the leftover
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _leftovers(target: Path) -> list[tuple[str, Path]]:
    """Temporary files and folders of ``target`` left by processes that no longer run."""
    found = []
    for kind in ("tmp", "new", "old"):
        for path in target.parent.glob(f".{glob.escape(target.name)}.{kind}-*"):
            pid = path.name[len(f".{target.name}.{kind}-"):].split("-", 1)[0]
            if pid.isdigit() and not _owner_running(int(pid)):
                found.append((kind, path))
    return sorted(found, key=lambda kp: kp[1].name)


def clean_leftovers(target: Path, *, log: Callable[[str], None] = _stderr) -> list[Path]:
    """Remove what killed runs left beside ``target``; return what was removed.

    If ``target`` is missing and a killed folder swap left its old version aside, that folder
    is put back first (it was the complete version in place before the run).
    """
    target = Path(target)
    if not target.parent.is_dir():
        return []
    found = _leftovers(target)
    if not found:
        return []
    if not target.exists():
        olds = [p for kind, p in found if kind == "old"]
        if olds:
            os.rename(olds[-1], target)
            log(f"{target} : version précédente remise en place (une exécution interrompue l'avait mise de côté).")
            found = [kp for kp in found if kp[1] != olds[-1]]
    removed = []
    for _kind, path in found:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed.append(path)
    if removed:
        log(f"Restes d'une exécution interrompue supprimés dans {target.parent} : "
            + ", ".join(p.name for p in removed))
    return removed


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def replacing(target: Path, *, overwrite: bool = True, mode: int = FILE_MODE, suffix: str = "",
              log: Callable[[str], None] = _stderr) -> Iterator[Path]:
    """A unique temporary path beside ``target``, moved onto ``target`` when the block ends.

    Write the new version to the yielded path (by any means: ``to_parquet``, ``Workbook.save``,
    ``write_text``). When the block ends normally it is flushed to disk and renamed onto
    ``target`` in one step; if the block raises, it is removed and ``target`` is untouched.

    ``overwrite=False``: create ``target`` only if it does not exist, atomically (a hard link,
    which fails when the name is taken): of two processes creating it at once, one wins and
    the other gets :class:`FileExistsError` (a secret key must not be replaced by another).
    ``mode``: the file's permissions (default: those ``open(path, "w")`` would give).
    ``suffix``: ends the temporary name (for writers that check it, e.g. ``.ipynb`` for papermill).

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> with replacing(folder / "a.txt") as tmp:
    ...     _ = tmp.write_text("bonjour", encoding="utf-8")
    >>> (folder / "a.txt").read_text(encoding="utf-8"), sorted(p.name for p in folder.iterdir())
    ('bonjour', ['a.txt'])
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    clean_leftovers(target, log=log)
    fd, name = tempfile.mkstemp(prefix=_prefix(target, "tmp"), suffix=suffix, dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    _writing(tmp, True)
    try:
        yield tmp
        os.chmod(tmp, mode)
        _fsync(tmp)
        if overwrite:
            os.replace(tmp, target)
        else:
            os.link(tmp, target)  # FileExistsError if another process created it first
            tmp.unlink()
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        _writing(tmp, False)


def write_text(target: Path, text: str, *, encoding: str = "utf-8", newline: str | None = None) -> Path:
    """Write ``text`` to ``target`` through :func:`replacing`."""
    with replacing(target) as tmp, open(tmp, "w", encoding=encoding, newline=newline) as fh:
        fh.write(text)
    return Path(target)


def write_bytes(target: Path, data: bytes) -> Path:
    """Write ``data`` to ``target`` through :func:`replacing`."""
    with replacing(target) as tmp:
        tmp.write_bytes(data)
    return Path(target)


@contextmanager
def replacing_folder(target: Path, *, log: Callable[[str], None] = _stderr) -> Iterator[Path]:
    """A new empty folder beside ``target``, swapped in for ``target`` when the block ends.

    Fill the yielded folder; when the block ends normally, the old ``target`` (if any) is
    renamed aside, the new folder renamed in, and the old one deleted (see the module's
    guarantee). If the block raises, the new folder is removed and ``target`` is untouched.
    Leftovers of killed runs are cleaned first.

    >>> import tempfile, pathlib
    >>> parent = pathlib.Path(tempfile.mkdtemp())
    >>> with replacing_folder(parent / "cohorte") as new:
    ...     _ = (new / "a.csv").write_text("x", encoding="utf-8")
    >>> sorted(p.name for p in parent.iterdir()), (parent / "cohorte" / "a.csv").exists()
    (['cohorte'], True)
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    clean_leftovers(target, log=log)
    new = Path(tempfile.mkdtemp(prefix=_prefix(target, "new"), dir=target.parent))
    _writing(new, True)
    try:
        yield new
        os.chmod(new, FOLDER_MODE)
        _swap(new, target)
    except BaseException:
        shutil.rmtree(new, ignore_errors=True)
        raise
    finally:
        _writing(new, False)


def _swap(new: Path, target: Path) -> None:
    """Rename ``new`` to ``target``, the old ``target`` kept aside until then, deleted after."""
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=_prefix(target, "old"), dir=target.parent))
        old.rmdir()  # a unique name, free again for the rename
        os.rename(target, old)
    try:
        os.rename(new, target)
    except OSError:
        if not target.is_dir():
            if old is not None:
                os.rename(old, target)
            raise
        # Another run swapped its own complete version in between our two renames: it stays.
        shutil.rmtree(new, ignore_errors=True)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
