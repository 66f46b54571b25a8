"""What a build of a report leaves on disk, and how outputs it no longer produces go away.

A report of a cohort for an audience is ``reports/COHORT/AUDIENCE/NAME.html``, its PDF beside
it, its executed notebook and key under ``notebooks/``, and, for two reports, a folder of
per-dossier sheets that its notebook writes (:data:`SHEETS`). An output no build produces any
more must not stay where a reader finds it (a debate sheet names jurors and quotes them):

- a report with nothing to show at the cohort's stage (``socinnov.call.report_plans``) is not built,
  and what an earlier build left of it is removed (:meth:`ReportFiles.remove`);
- a sheet folder that a rebuilt notebook did not write again (its section has no data any
  more) is removed after the run (:meth:`ReportFiles.drop_unwritten_sheets`). The sheet
  writers replace their folder as a whole (``socinnov.files.replacing_folder``), so the folder
  written by this run is a new one: one that is still the same folder was not written.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from socinnov import config
from socinnov.reporting.pages import DEBATE_SHEETS, TRAJECTORY_SHEETS

SHEETS = {"accord": DEBATE_SHEETS, "evolution": TRAJECTORY_SHEETS}
"""Report notebook -> the folder of sheets it writes beside its HTML (checked against the
notebooks by tests/test_console.py)."""

FolderId = tuple[int, int]


@dataclass(frozen=True)
class ReportFiles:
    """Where a build writes report ``name`` of ``cohort`` for ``audience``."""

    cohort: str
    audience: str
    name: str

    @property
    def folder(self) -> Path:
        return config.reports_dir(self.cohort) / self.audience

    @property
    def html(self) -> Path:
        return self.folder / f"{self.name}.html"

    @property
    def pdf(self) -> Path:
        return self.folder / f"{self.name}.pdf"

    @property
    def executed(self) -> Path:
        return self.folder / "notebooks" / f"{self.name}.ipynb"

    @property
    def stamp(self) -> Path:
        return self.folder / "notebooks" / f".{self.name}.key"

    @property
    def sheets(self) -> Path | None:
        return self.folder / SHEETS[self.name] if self.name in SHEETS else None

    def remove(self) -> list[Path]:
        """Remove every output of the report (HTML, PDF, executed notebook, key, sheets); return
        those that were there."""
        removed = []
        for path in (self.html, self.pdf, self.executed, self.stamp):
            if path.exists():
                path.unlink()
                removed.append(path)
        if self.sheets is not None and self.sheets.is_dir():
            shutil.rmtree(self.sheets)
            removed.append(self.sheets)
        return removed

    def sheets_id(self) -> FolderId | None:
        """Which folder the sheets are now (device and inode), ``None`` if there is none."""
        try:
            st = self.sheets.stat() if self.sheets is not None else None
        except FileNotFoundError:
            return None
        return None if st is None else (st.st_dev, st.st_ino)

    def drop_unwritten_sheets(self, before: FolderId | None) -> bool:
        """After a run: remove the sheets if they are still the folder ``before`` (:meth:`sheets_id`
        taken before the run), which the notebook did not write again. True if removed.

        The new folder is created before the old one is deleted, so the two never share an inode.
        """
        if before is None or self.sheets_id() != before:
            return False
        shutil.rmtree(self.sheets)
        return True
