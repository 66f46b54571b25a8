"""Last line of defence for public artefacts: no identifying value of any dossier in them.

``identifying_values`` gathers, from the jury-level tables, every value that would single out a
porteur (names, titles, e-mail addresses, phone numbers, SIRET, communes, partner and juror
names, and fragments of every free text); ``find_leaks`` searches files (HTML, CSV, JSON,
notebooks, PDF text) for them, after masking what the region may publish (``allowed``: the
laureates' names and titles once voted, and the texts their porteurs consented to publish).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from socinnov.call import vocabulary as voc
from socinnov.call.schemas import TABLES_BY_NAME, columns_with

_BASE64 = re.compile(r"(?:base64,|\"image/png\": \")[A-Za-z0-9+/=\\n]{200,}")
FRAGMENT = 40  # characters of free text taken as fragments (start, middle, end)


def _fragments(text: str) -> list[str]:
    text = " ".join(str(text).split())
    if len(text) <= FRAGMENT:
        return [text] if len(text) >= 12 else []
    mid = len(text) // 2
    return [text[:FRAGMENT], text[mid - FRAGMENT // 2: mid + FRAGMENT // 2], text[-FRAGMENT:]]


def identifying_values(tables: dict[str, pd.DataFrame]) -> dict[str, set[str]]:
    """Identifying values by kind, from the jury-level tables (schemas' metadata)."""
    found: dict[str, set[str]] = {}
    harmless = {n.lower() for n in voc.REGION_DEPARTEMENTS.values()}
    for name, df in tables.items():
        if name not in TABLES_BY_NAME:
            continue
        model = TABLES_BY_NAME[name].model
        free = set(columns_with(model, "free_text"))
        for col in columns_with(model, "identifying") + sorted(free):
            if col not in df:
                continue
            values = set()
            for v in df[col].dropna().astype(str):
                if col in free and col not in columns_with(model, "identifying"):
                    values.update(_fragments(v))
                elif col in free:  # identifying free text (title, porteur, summary…)
                    values.add(" ".join(v.split()))
                    values.update(_fragments(v))
                elif len(v.strip()) >= 3 and v.strip().lower() not in harmless:
                    values.add(v.strip())
            found.setdefault(f"{name}.{col}", set()).update(values)
    return found


def find_leaks(paths: list[Path], values: dict[str, set[str]], *, allowed: set[str] = frozenset()) -> list[str]:
    """``"file: kind « value »"`` for each identifying value found in a file, after masking
    ``allowed`` texts. Values are matched whole-word and whitespace-normalised."""
    leaks = []
    printed = {p.with_suffix(".html") for p in paths if p.suffix == ".pdf"} & set(paths)
    for path in paths:
        if path.suffix == ".pdf" and path.with_suffix(".html") in printed:
            # printed from the HTML beside it, which is scanned; pdftotext's de-hyphenation
            # ("Haute-" + "Gironde" at a line end) would otherwise hide allowed names
            continue
        text = _text_of(path)
        for ok in sorted(allowed, key=len, reverse=True):
            text = text.replace(" ".join(ok.split()), " ")
        for kind, vals in values.items():
            for v in vals:
                # plain substring search first (fast); whole-word check only on a hit
                if v and v in text and re.search(rf"(?<!\w){re.escape(v)}(?!\w)", text):
                    leaks.append(f"{path.name} : {kind} « {v[:60]} »")
    return sorted(set(leaks))


def _text_of(path: Path) -> str:
    import html as html_lib

    raw = path.read_bytes()
    if path.suffix == ".pdf":
        import subprocess

        raw = subprocess.run(["pdftotext", "-q", str(path), "-"], capture_output=True, check=True).stdout
    text = _BASE64.sub(" ", raw.decode("utf-8", errors="replace"))  # embedded images carry no text
    if path.suffix in {".html", ".ipynb", ".json"}:
        text = html_lib.unescape(text.replace("\\n", " ").replace('\\"', '"'))
    return " ".join(text.split())
