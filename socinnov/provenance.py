"""What a result was built from: input file hashes, code fingerprint, versions, date."""

from __future__ import annotations

import hashlib
import re
from functools import cache
from importlib.metadata import PackageNotFoundError, requires, version

from socinnov import config


@cache
def code_fingerprint() -> str:
    """Hash of the package's code, data files and templates: a change to any invalidates cached results.

    The package version alone is not enough while a user works from an editable install.
    """
    h = hashlib.sha256()
    for path in sorted(config.PACKAGE_DIR.rglob("*")):
        if path.is_file() and path.suffix in {".py", ".yaml", ".j2", ".json"}:
            h.update(str(path.relative_to(config.PACKAGE_DIR)).encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:16]


@cache
def library_versions() -> dict[str, str]:
    """Installed version of each library the package requires (not the development extras):
    an upgrade may change a statistic, a figure or a page, so it invalidates what was built."""
    try:
        wanted = [r for r in requires("socinnov") or [] if "extra ==" not in r]
    except PackageNotFoundError:  # run from a source tree that is not installed
        wanted = []
    out = {}
    for requirement in wanted:
        name = re.match(r"[A-Za-z0-9_.\-]+", requirement).group(0)
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "absent"
    return out
