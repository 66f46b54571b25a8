"""Stable keyed pseudonyms: a dossier keeps its pseudonym across reports, and without the key
no pseudonym can be traced back to its dossier.

A pseudonym is ``P-`` followed by 10 characters of the base-32 HMAC-SHA-256 of the cohort and
the identifier, under a secret key of 32 random bytes. The key lives outside the repository and
the reports: ``$SOCINNOV_KEY_FILE`` if set, else ``~/.config/socinnov/cle-pseudonymes``. It is
created on first use, with a message saying where it is and that it must be kept (losing it
changes every pseudonym; sharing it lets anyone re-identify the dossiers).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import sys
from functools import cache
from pathlib import Path

import pandas as pd

from socinnov import files
from socinnov.errors import UserError, os_reason

KEY_BYTES = 32
MIN_DISTINCT_BYTES = 16
"""32 random bytes hold 30 distinct values on average (256 x (1 - (255/256)^32)); fewer than 16
is no chance draw (the fewest in 200 000 draws: 23), it is a made-up key."""


class KeyFileError(UserError, ValueError):
    """A pseudonymisation key file that cannot be used."""

    hint = ("remettre la clé conservée (elle donne les pseudonymes déjà publiés), ou, pour une première "
            "utilisation, supprimer ce fichier : une nouvelle clé sera créée")


def key_path() -> Path:
    env = os.environ.get("SOCINNOV_KEY_FILE")
    return Path(env) if env else Path.home() / ".config" / "socinnov" / "cle-pseudonymes"


def _create_key(path: Path) -> bool:
    """Write a new key to ``path``, whole or not at all; False if another process created it
    first (of two at once, one key wins and both use it)."""
    try:
        with files.replacing(path, overwrite=False, mode=0o600) as tmp:
            tmp.write_bytes(secrets.token_bytes(KEY_BYTES))
    except OSError as exc:
        if isinstance(exc, FileExistsError) and path.is_file():
            return False
        raise KeyFileError(f"clé de pseudonymisation impossible à créer dans {path} : {os_reason(exc)}",
                           hint="indiquer un emplacement où écrire dans la variable SOCINNOV_KEY_FILE") from None
    return True


@cache
def _key(path: Path) -> bytes:
    _check_place(path)
    if not path.exists() and _create_key(path):
        print(f"socinnov : clé de pseudonymisation créée dans {path}. Conservez-la hors du dépôt et des "
              "rapports : la perdre change tous les pseudonymes, la divulguer permet de ré-identifier les dossiers.",
              file=sys.stderr)
    key = path.read_bytes()
    if len(key) < KEY_BYTES:
        raise KeyFileError(f"clé de pseudonymisation trop courte dans {path} : {len(key)} octets, {KEY_BYTES} attendus")
    if len(set(key)) < MIN_DISTINCT_BYTES:
        raise KeyFileError(f"clé de pseudonymisation trop faible dans {path} : {len(set(key))} octets différents "
                           f"sur {len(key)} (une clé tirée au hasard en a presque autant que d'octets)")
    if os.name == "posix" and path.stat().st_mode & 0o077:
        raise KeyFileError(f"clé de pseudonymisation lisible par d'autres utilisateurs : {path} "
                           f"(droits {oct(path.stat().st_mode & 0o777)})",
                           hint=f"la réserver à son propriétaire : chmod 600 {path}")
    return key


def _check_place(path: Path) -> None:
    """The key never sits where the kit writes what it shares or keeps data: ``data/`` and
    ``reports/`` of the project (a public folder would publish it, a cohort archive carry it)."""
    from socinnov import config

    resolved = path.expanduser().resolve()
    for folder in (config.project_root() / "data", config.project_root() / "reports"):
        if resolved.is_relative_to(folder.resolve()):
            raise KeyFileError(f"clé de pseudonymisation dans le dossier du projet {folder} : {path}",
                               hint="la placer hors du projet (par défaut ~/.config/socinnov/cle-pseudonymes) "
                                    "et indiquer son chemin dans SOCINNOV_KEY_FILE")


def pseudonym(identifier: str, *, cohort: str, prefix: str = "P") -> str:
    """The pseudonym of ``identifier`` in ``cohort`` (same inputs, same key: same pseudonym)."""
    digest = hmac.new(_key(key_path()), f"{cohort}\x1f{identifier}".encode(), hashlib.sha256).digest()
    return f"{prefix}-{base64.b32encode(digest).decode()[:10]}"


def pseudonymise(values: pd.Series, *, cohort: str, prefix: str = "P") -> pd.Series:
    """Vectorised over distinct values."""
    mapping = {v: pseudonym(str(v), cohort=cohort, prefix=prefix) for v in values.dropna().unique()}
    return values.map(mapping)
