"""Problems found in a user's files, reported in the user's terms (file, row, column, fix)."""

from __future__ import annotations

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


class InputError(Exception):
    """Raised with every problem found in a cohort's files; nothing has been written."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(set(problems), key=_sort_key)
        super().__init__(self.report())

    def report(self) -> str:
        n = len(self.problems)
        head = f"{n} problème{'s' if n > 1 else ''} dans les fichiers d'entrée ; rien n'a été écrit."
        return "\n".join([head, *(f"  - {p}" for p in self.problems)])


def _sort_key(p: Problem):
    return (p.file, p.row if p.row is not None else -1, p.column or "", p.message)
