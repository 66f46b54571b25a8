"""Mistakes a user can fix, reported in the user's terms: what is wrong, where, and what to do.

Every error a user can cause (a bad file, an unknown cohort, report or audience, a missing
program) is a :class:`UserError`. The ``socinnov`` command catches them in one place: it prints
the French message and exits with status 2, never with a Python traceback. Any other exception
is a defect of the kit.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in one place of one input file.

    ``row`` is the spreadsheet row (the header is row 1, the first data row is row 2), so a
    user can go straight to it in a spreadsheet program; ``column`` is the French header.
    """

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"ligne {self.row}")
        if self.column:
            where.append(f"colonne « {self.column} »")
        return f"{', '.join(where)} : {self.message}"


class UserError(Exception):
    """A mistake the user can fix: a French ``message`` (what is wrong, where) and a ``hint``
    (what to do), given to the instance or, for every error of a kind, to the subclass.

    >>> str(UserError("rapport inconnu « nope »", hint="rapports : cohorte, accord"))
    'rapport inconnu « nope » ; rapports : cohorte, accord'
    """

    hint: str = ""

    def __init__(self, message: str = "", *, hint: str | None = None):
        if hint is not None:
            self.hint = hint
        super().__init__(message)

    def __str__(self) -> str:
        message = super().__str__()
        return f"{message} ; {self.hint}" if self.hint and message else message or self.hint

    def report(self) -> str:
        """What the ``socinnov`` command prints."""
        return f"Erreur : {self}"


class InputError(UserError):
    """Raised with every problem found in a cohort's files; nothing has been written."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(set(problems), key=_sort_key)
        super().__init__(self.report())

    def __str__(self) -> str:
        return self.report()

    def report(self) -> str:
        n = len(self.problems)
        head = f"{n} problème{'s' if n > 1 else ''} dans les fichiers d'entrée ; rien n'a été écrit."
        return "\n".join([head, *(f"  - {p}" for p in self.problems)])


def yaml_problem(file: str, exc: Exception) -> Problem:
    """A YAML file that does not parse, as one problem: the line PyYAML points at and its short
    reason (its full message spans several lines and quotes the text back).

    >>> import yaml
    >>> try:
    ...     yaml.safe_load("enveloppe: 700000\\ntitre: [\\n")
    ... except yaml.YAMLError as exc:
    ...     print(yaml_problem("appel.yaml", exc))
    appel.yaml, ligne 3 : YAML illisible (expected the node content, but found '<stream end>')
    """
    mark = getattr(exc, "problem_mark", None)
    return Problem(file, mark.line + 1 if mark else None, None,
                   f"YAML illisible ({getattr(exc, 'problem', None) or exc})")


def _sort_key(p: Problem):
    return (p.file, p.row if p.row is not None else -1, p.column or "", p.message)


_OS_REASONS = {  # what the operating system refused, in French (its own words are in English)
    errno.ENOENT: "fichier ou dossier introuvable", errno.EACCES: "permission refusée",
    errno.EPERM: "opération non permise", errno.ENOSPC: "disque plein",
    errno.EROFS: "système de fichiers en lecture seule", errno.ENOTDIR: "n'est pas un dossier",
    errno.EISDIR: "est un dossier", errno.EEXIST: "existe déjà (un fichier est à la place d'un dossier ?)",
}


def os_reason(exc: OSError) -> str:
    """Why the operating system refused, in French.

    >>> os_reason(PermissionError(13, "Permission denied"))
    'permission refusée'
    """
    return _OS_REASONS.get(exc.errno, exc.strerror or str(exc))
