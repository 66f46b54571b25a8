"""What a result was built from: input file hashes, code fingerprint, versions, date."""

from __future__ import annotations

import hashlib
from functools import cache

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
