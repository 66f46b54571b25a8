"""Ratings read from juror workbooks merged into a cohort's ``notations.csv`` (``socinnov import-forms``).

A rating is identified by its dossier, juror, grid, criterion and round (:data:`KEY`). A workbook's
level fills an empty row and adds a row the table lacks; the same level changes nothing; a
different level from a filled row is a conflict. Conflicts are refused by default, every one
listed (workbook cell, ``notations.csv`` line, both levels), because either side may hold the
correction: a juror's second thoughts sent in a new workbook, or a level the project team
corrected in ``notations.csv`` after a jury meeting. With ``prefer_workbooks`` the workbook wins
and the replaced rows are returned to be listed. An empty workbook cell never erases a level;
rows no workbook covers are kept as they are, in their order, the new rows after them.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from socinnov.call.schemas import TABLES_BY_NAME, Rating
from socinnov.errors import InputError, Problem

__all__ = ["KEY", "ORIGIN", "Merged", "merge_ratings"]

KEY = ("dossier_id", "juror_id", "grid", "criterion", "round")
ORIGIN = ("file", "where")  # where a read rating comes from: workbook file, « cellule … (dossier …, « … ») »
COLUMNS = list(Rating.to_schema().columns)
RATINGS_FILE = TABLES_BY_NAME["ratings"].filename
PREFER_OPTION = "--classeurs-prioritaires"


@dataclass
class Merged:
    """The merged table (schema ``Rating``), the rows a workbook replaced, the rows kept untouched."""

    ratings: pd.DataFrame
    replaced: pd.DataFrame  # row (notations.csv line), where, round, level_old, level, file
    kept: int


def merge_ratings(existing: pd.DataFrame, read: pd.DataFrame, *, prefer_workbooks: bool = False) -> Merged:
    """Merge the ratings read from workbooks into the cohort's ratings.

    Parameters
    ----------
    existing : pandas.DataFrame
        The cohort's ratings as validated (levels as the grids' labels, criteria as ids), indexed
        by their position in the file (line = index + 2).
    read : pandas.DataFrame
        The workbooks' ratings: the ``Rating`` columns and :data:`ORIGIN`; one row per key.
    prefer_workbooks : bool
        Let a workbook's level replace a different level of ``existing`` instead of refusing.

    Raises
    ------
    InputError
        One problem per conflict, unless ``prefer_workbooks``.

    >>> old = pd.DataFrame([["D-1", "J1", "acceptabilite", "2016", "rupture_existant", "individuel", "Fort", None]],
    ...                    columns=COLUMNS)
    >>> new = old.assign(level="Faible", file="formulaire-x-J1.xlsx", where="cellule D-1!C11 (dossier D-1, « … »)")
    >>> merge_ratings(old, new.assign(level="Fort")).ratings["level"].tolist()
    ['Fort']
    >>> merge_ratings(old, new, prefer_workbooks=True).replaced[["row", "level_old", "level"]].values.tolist()
    [[2, 'Fort', 'Faible']]
    """
    old = existing[COLUMNS].assign(row=existing.index + 2).reset_index(drop=True)
    new = read[[*COLUMNS, *ORIGIN]].reset_index(drop=True)
    m = old.merge(new[[*KEY, "grid_version", "level", "comment", *ORIGIN]], on=list(KEY), how="left",
                  suffixes=("", "_new"), indicator=True)
    matched = (m["_merge"] == "both").to_numpy()
    clash = matched & (m["level"].notna() & m["level_new"].notna() & (m["level"] != m["level_new"])).to_numpy()
    replaced = m.loc[clash, ["row", "where", "round", "level", "level_new", "file"]].rename(
        columns={"level": "level_old", "level_new": "level"}).reset_index(drop=True)
    if clash.any() and not prefer_workbooks:
        raise InputError([Problem(c.file, None, None, f"{c.where}, tour « {c.round} » : niveau « {c.level} » alors "
                                  f"que {RATINGS_FILE} (ligne {c.row}) porte « {c.level_old} » pour ce dossier, ce juré "
                                  f"et ce critère ; corriger le classeur ou {RATINGS_FILE}, ou relancer avec "
                                  f"{PREFER_OPTION} pour que le classeur l'emporte") for c in replaced.itertuples()])
    take = matched & m["level_new"].notna().to_numpy()
    m.loc[take, ["level", "grid_version"]] = m.loc[take, ["level_new", "grid_version_new"]].to_numpy()
    comment = matched & m["comment_new"].notna().to_numpy()
    m.loc[comment, "comment"] = m.loc[comment, "comment_new"]
    covered = pd.MultiIndex.from_frame(new[list(KEY)]).isin(pd.MultiIndex.from_frame(old[list(KEY)]))
    ratings = pd.concat([m[COLUMNS], new.loc[~covered, COLUMNS]], ignore_index=True).astype("str")
    return Merged(ratings, replaced, int((~matched).sum()))
