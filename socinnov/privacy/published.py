"""What a public release shows, as the audit reads it (``socinnov.privacy.audit``).

The universe of dossier types the audit reasons about (legal group x stage x département x
decision x eligibility x innovation types), a published quantity (:class:`Cell`), everything one
release published (:class:`Release`), and the reader that finds them in the executed public
notebooks' tables and figure captions and in the open dataset (:func:`read_release`).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from socinnov.call import vocabulary as voc
from socinnov.privacy.disclosure import SECRET

# The universe of dossier types. "financé non validé" is a funded dossier the comité d'élu-e-s
# has not validated yet: the public tables count it as funded, the laureate list does not.
FUNDED, PENDING = "financé", "financé non validé"
GROUPS = ("association", "entreprise", "collectivité ou établissement public", "autre")
DECISIONS = ("inéligible", "sans décision", "non retenu", "réorienté", FUNDED, PENDING)
# The public tables' short words for the jury's decisions (and for a dossier without one).
DECISION_LABELS = {voc.NOT_RETAINED: "non retenu", voc.FUNDED: FUNDED, voc.REORIENTED: "réorienté",
                   "inéligible": "inéligible", "sans décision": "sans décision"}
OUT_OF_REGION = voc.OUT_OF_REGION
DEPARTEMENTS = (*voc.REGION_DEPARTEMENTS, OUT_OF_REGION)
TYPE_COLUMNS = tuple(voc.INNOVATION_TYPES)
TYPE_NAMES = ("services et produits", "organisationnelle", "territoriale")  # the open data's words
DOMAINS: dict[str, tuple] = {
    "grp": GROUPS, "stage": voc.STAGES, "dep": DEPARTEMENTS, "dec": DECISIONS, "elig": (True, False),
    "types": tuple(range(2 ** len(TYPE_COLUMNS))),
}
ATTRS = tuple(DOMAINS)
ATTR_LABELS = {"grp": "catégorie de porteur", "stage": "stade", "dep": "département", "dec": "décision",
               "elig": "éligible", "types": "types d'innovation (code)"}
ANY_FUNDED = frozenset({FUNDED, PENDING})
# Column labels of the public tables (DECISION_LABELS) -> decisions of the universe.
PUBLIC_DECISIONS = {"inéligible": {"inéligible"}, "sans décision": {"sans décision"}, "non retenu": {"non retenu"},
                    "réorienté": {"réorienté"}, "financé": ANY_FUNDED}
FUNNEL = {"Dossiers déposés": {}, "Éligibles": {"elig": {True}},
          "Retenus": {"dec": {"réorienté", FUNDED, PENDING}}, "Retenus - financés": {"dec": ANY_FUNDED},
          "Retenus - réorientés": {"dec": {"réorienté"}}, "Non retenus": {"dec": {"non retenu"}}}
PROFILE_DIMENSIONS = {"Catégorie de porteur": "grp", "Stade d'avancement": "stage", "Département": "dep"}
DEP_BY_NAME = {_n: _c for _c, _n in voc.REGION_DEPARTEMENTS.items()} | {OUT_OF_REGION: OUT_OF_REGION}
FORMER_REGIONS = {"Aquitaine": {"24", "33", "40", "47", "64"}, "Limousin": {"19", "23", "87"},
                  "Poitou-Charentes": {"16", "17", "79", "86"}, OUT_OF_REGION: {OUT_OF_REGION}}


LEGAL_GROUPS = {
    "association": "association",
    "entreprise": "entreprise",
    "collectivité territoriale": "collectivité ou établissement public",
    "EPCI": "collectivité ou établissement public",
    "autre établissement public": "collectivité ou établissement public",
}
"""Legal categories grouped for publication (rare categories would single porteurs out)."""
# PublicCohort counts only validated decisions (issue 16): the audit reads the tables by that
# convention (False: a release built when pending decisions were counted as funded).
VALIDATED_ONLY = True


def legal_group(category: str) -> str:
    """A legal category's group in every public table (one of :data:`GROUPS`, « autre » else)."""
    return LEGAL_GROUPS.get(category, "autre")


# ---------------------------------------------------------------------------------------------
# The truth (the data holder's side)


def dossier_types(tables, *, validated_only: bool | None = None) -> pd.DataFrame:
    """Each dossier's universe cell, from the jury-level tables.

    ``validated_only`` (default :data:`VALIDATED_ONLY`): the public aggregates count only the
    decisions the comité d'élu-e-s validated, so a pending decision is published as « sans
    décision » and that is its type for the audit; otherwise a pending funded dossier is its
    own type (counted as funded by the tables, absent from the laureate list)."""
    validated_only = VALIDATED_ONLY if validated_only is None else validated_only
    from socinnov.analysis import overview

    d = overview.with_decision(tables)
    validated = tables["decisions"].set_index("dossier_id")["validated"]
    dec = d["decision"].map(DECISION_LABELS).fillna(d["decision"])
    pending = (dec == FUNDED) & ~d["dossier_id"].isin(validated.index[validated.astype(bool)])
    types = sum(d[c].fillna(False).astype(bool).astype(int) * (1 << i) for i, c in enumerate(TYPE_COLUMNS))
    return pd.DataFrame({
        "dossier_id": d["dossier_id"], "grp": d["legal_category"].map(legal_group), "stage": d["stage"],
        "dep": d["departement"].where(d["departement"].isin(list(voc.REGION_DEPARTEMENTS)), OUT_OF_REGION),
        "dec": dec.mask(pending, "sans décision" if validated_only else PENDING), "elig": d["eligible"].fillna(False).astype(bool), "types": types,
        "granted": d["dossier_id"].map(tables["decisions"].set_index("dossier_id")["granted_amount"]).fillna(0.0),
    })



# ---------------------------------------------------------------------------------------------
# What was published


@dataclass(frozen=True)
class Cell:
    """One published quantity: ``label`` for the reader, ``pred`` (attribute -> allowed values)
    over the universe, ``value`` (``None``: suppressed), ``domain`` ("dossiers" or "notations")."""

    source: str
    label: str
    pred: tuple
    value: float | None
    domain: str = "dossiers"
    kind: str = "count"  # or "amount"
    at: tuple = field(default=(), compare=False)  # (row position, column) in the frame read


def pred(**allowed) -> tuple:
    return tuple(sorted((k, frozenset(v)) for k, v in allowed.items()))


@dataclass
class Release:
    """Everything one release published, as the audit models it."""

    cells: list[Cell] = field(default_factory=list)
    records: pd.DataFrame | None = None        # dossiers.csv
    ratings: pd.DataFrame | None = None        # notations.csv
    laureate_amounts: dict[str, float] = field(default_factory=dict)  # département -> sum listed
    unrecognised: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"cells": [{"source": c.source, "label": c.label, "pred": {k: sorted(v, key=str) for k, v in c.pred},
                           "value": c.value, "domain": c.domain, "kind": c.kind} for c in self.cells],
                "records": None if self.records is None else self.records.to_dict(orient="list"),
                "ratings": None if self.ratings is None else
                self.ratings.groupby(["critere", "niveau"], dropna=False).size().reset_index(name="n")
                .to_dict(orient="list"),
                "laureate_amounts": self.laureate_amounts, "files": self.files}

    @classmethod
    def from_json(cls, blob: dict) -> Release:
        cells = [Cell(c["source"], c["label"], pred(**{k: [eligible_value(x) if k == "elig" else x for x in v]
                                                          for k, v in c["pred"].items()}),
                      c["value"], c["domain"], c["kind"]) for c in blob["cells"]]
        records = None if blob["records"] is None else pd.DataFrame(blob["records"]).astype(str)
        ratings = None
        if blob.get("ratings"):
            r = pd.DataFrame(blob["ratings"])
            ratings = r.loc[r.index.repeat(r["n"])].drop(columns="n").reset_index(drop=True)
        return cls(cells, records, ratings, blob.get("laureate_amounts", {}), [], blob.get("files", []))


def eligible_value(x):
    return x if isinstance(x, bool) else str(x) == "True"


def number(text: str) -> float | None:
    """A French-formatted number (``1 234``, ``12 500 €``, ``0,25``); ``None`` for « secret »/–."""
    t = unicodedata.normalize("NFKC", str(text)).replace("€", "").replace("%", "").strip()
    t = re.sub(r"\s", "", t).replace("−", "-").replace(",", ".")
    if t in ("", "–", "-", SECRET, "s", "nan"):
        return None
    try:
        return float(t)
    except ValueError:
        return None


def html_tables(html: str) -> list[pd.DataFrame]:
    """The tables of a pandas Styler HTML output, as frames of strings (index kept as a column
    named by the index name). BeautifulSoup with the standard parser: ``pandas.read_html``
    needs lxml or html5lib, which the kit does not install."""
    from bs4 import BeautifulSoup

    out = []
    for table in BeautifulSoup(html, "html.parser").find_all("table"):
        head = table.find("thead")
        heads = head.find_all("tr") if head else []
        columns = [th.get_text(" ", strip=True) for th in heads[0].find_all("th")] if heads else []
        index_name = ""
        for tr in heads[1:]:
            names = [th.get_text(" ", strip=True) for th in tr.find_all("th") if "index_name" in th.get("class", [])]
            index_name = next((n for n in names if n), index_name)
        rows = []
        for tr in (table.find("tbody") or table).find_all("tr"):
            cells = [c.get_text(" ", strip=True) for c in tr.find_all(["th", "td"])]
            if cells:
                rows.append(cells)
        if not rows:
            continue
        width = max(len(r) for r in rows)
        if len(columns) < width:
            columns = [index_name or ""] * (width - len(columns)) + columns
        elif index_name and columns and columns[0] == "":
            columns[0] = index_name
        columns = columns[:width]
        out.append(pd.DataFrame([r + [""] * (width - len(r)) for r in rows], columns=columns))
    return out


def _captions(html: str) -> list[str]:
    from bs4 import BeautifulSoup

    return [f.get_text(" ", strip=True) for f in BeautifulSoup(html, "html.parser").find_all("figcaption")]


def recognise(frame: pd.DataFrame, source: str, release: Release) -> None:
    """The cells of one displayed table, by its headers."""
    cols = list(frame.columns)
    first = cols[0] if cols else ""
    if {"Étape", "Dossiers"} <= set(cols):
        for i, (step, v) in enumerate(zip(frame["Étape"], frame["Dossiers"])):
            if step in FUNNEL:
                release.cells.append(Cell(source, f"entonnoir « {step} »", pred(**FUNNEL[step]), number(v),
                                          at=(i, "Dossiers")))
        return
    if first in PROFILE_DIMENSIONS and "Aide accordée" in cols:  # granted per département
        for name, v in zip(frame[first], frame["Aide accordée"]):
            allowed = {"dec": ANY_FUNDED} | ({} if name == "Total" else {"dep": {DEP_BY_NAME.get(name, name)}})
            release.cells.append(Cell(source, f"aide accordée « {name} »", pred(**allowed), number(v),
                                      kind="amount"))
        return
    if first in PROFILE_DIMENSIONS and set(cols[1:]) <= set(PUBLIC_DECISIONS) | {"Total"}:
        attr = PROFILE_DIMENSIONS[first]
        for i, (_, row) in enumerate(frame.iterrows()):
            name = row[first]
            for col in cols[1:]:
                allowed = {}
                if name != "Total":
                    allowed[attr] = {DEP_BY_NAME.get(name, name)} if attr == "dep" else {name}
                if col != "Total":
                    allowed["dec"] = PUBLIC_DECISIONS[col]
                release.cells.append(Cell(source, f"{first.lower()} « {name} » × « {col} »", pred(**allowed),
                                          number(row[col]), at=(i, col)))
        return
    if first == "Type d'innovation sociale":
        labels = list(voc.INNOVATION_TYPES.values())
        for i, (_, row) in enumerate(frame.iterrows()):
            bit = 1 << labels.index(row[first])
            with_type = {t for t in DOMAINS["types"] if t & bit}
            for col, extra in (("Dossiers", {}), ("dont financés", {"dec": ANY_FUNDED})):
                if col in cols:
                    release.cells.append(Cell(source, f"type « {row[first]} », {col.lower()}",
                                              pred(types=with_type, **extra), number(row[col]), at=(i, col)))
        return
    if cols[:2] == ["Indicateur", "Valeur"]:
        for i, (name, v) in enumerate(zip(frame["Indicateur"], frame["Valeur"])):
            if name == "Dossiers déposés":
                release.cells.append(Cell(source, "dossiers déposés", pred(), number(v), at=(i, "Valeur")))
            elif name == "Aide accordée, total":
                release.cells.append(Cell(source, "aide accordée, total", pred(dec=ANY_FUNDED), number(v),
                                          kind="amount"))
        return
    if {"Porteur", "Département", "Aide accordée"} <= set(cols):
        deps = frame["Département"].map(lambda n: DEP_BY_NAME.get(n, OUT_OF_REGION))
        for dep in DEPARTEMENTS:
            release.cells.append(Cell(source, f"lauréats « {dep} »", pred(dep={dep}, dec={FUNDED}),
                                      float((deps == dep).sum())))
            amounts = [number(v) or 0.0 for v in frame.loc[deps == dep, "Aide accordée"]]
            release.laureate_amounts[dep] = release.laureate_amounts.get(dep, 0.0) + sum(amounts)
        return
    if first in ("Critère", "level") and "Total" in cols:  # level distribution (columns named "level")
        for _, row in frame.iterrows():
            for col in cols[1:]:
                allowed = ({} if row[first] == "Total" else {"crit": {row[first]}}) | (
                    {} if col == "Total" else {"level": {col}})
                release.cells.append(Cell(source, f"notes « {row[first]} » × « {col} »", pred(**allowed),
                                          number(row[col]), domain="notations"))
        return
    release.unrecognised.append(f"{source} : tableau « {' | '.join(cols)[:80]} »")


def public_cells(public) -> list[Cell]:
    """The cells of the tables and maps a ``PublicCohort`` gives the public notebooks
    (``notebooks/diffusion.ipynb``, ``notebooks/valorisation.ipynb``), through the same
    recogniser as the files: what the open dataset must stay consistent with."""
    return frames_cells(public.shown_frames(), public.departement_counts())


def frames_cells(frames: dict[str, pd.DataFrame], counts: pd.DataFrame) -> list[Cell]:
    """The cells of public tables (``source``: the key of their frame, ``at``: where in it) and of
    the two maps drawn from ``counts`` (``departement_counts``; sources ``carte:deposes`` and
    ``carte:finances``, ``at`` the row)."""
    release = Release()
    for key, frame in frames.items():
        frame = pd.DataFrame({str(c): frame[c].map(str).to_numpy() for c in frame.columns})  # attrs dropped
        recognise(frame, key, release)
    for col, what in (("deposes", "dossiers déposés"), ("finances", "expérimentations financées")):
        text = f"Carte des 12 départements, {what} : " + ", ".join(
            f"{n} ({c}) {'secret' if pd.isna(v) else int(v)}" for c, n, v in zip(counts["code"], counts["nom"],
                                                                                 counts[col]))
        recognise_caption(text, f"carte:{col}", release)
    return release.cells


_MAP = re.compile(r"Carte des \d+ départements, (?P<what>[^:]+) : (?P<values>.*)")
_MAP_VALUE = re.compile(r"(?P<name>[^,(]+) \((?P<code>\w+)\) (?P<value>secret|\d+)")


def recognise_caption(text: str, source: str, release: Release) -> None:
    m = _MAP.match(text)
    if not m:
        return
    extra = {"dec": ANY_FUNDED} if "financ" in m["what"] else {}
    for i, v in enumerate(_MAP_VALUE.finditer(m["values"])):
        release.cells.append(Cell(source, f"carte « {m['what']} », {v['name'].strip()} ({v['code']})",
                                  pred(dep={v["code"]}, **extra), number(v["value"]), at=(i, None)))


def read_release(folder: Path) -> Release:
    """Read every public file of a release folder (``reports/COHORT/public``)."""
    release = Release()
    for path in sorted(folder.rglob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        name = str(path.relative_to(folder))
        release.files.append(name)
        for i, cell in enumerate(nb.get("cells", [])):
            for out in cell.get("outputs", []):
                html = out.get("data", {}).get("text/html")
                if not html:
                    continue
                html = "".join(html) if isinstance(html, list) else html
                for table in html_tables(html):
                    recognise(table, f"{name}, cellule {i + 1}", release)
                for text in _captions(html):
                    recognise_caption(text, f"{name}, cellule {i + 1}", release)
    for path in sorted(folder.rglob("dossiers.csv")):
        release.records = pd.read_csv(path, dtype=str, keep_default_na=False)
        release.files.append(str(path.relative_to(folder)))
    for path in sorted(folder.rglob("notations.csv")):
        release.ratings = pd.read_csv(path, dtype=str, keep_default_na=False)
        release.files.append(str(path.relative_to(folder)))
    return release
