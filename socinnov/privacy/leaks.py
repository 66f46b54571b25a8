"""Last line of defence for public artefacts: no identifying value of any dossier in them.

``identifying_values`` gathers, from the jury-level tables, every value that would single out a
porteur (names, titles, e-mail addresses, phone numbers, SIRET, communes, partner and juror
names, dossier ids, fragments of every free text, and the amounts and dates a single dossier
holds); ``find_leaks`` searches files for them as a reader sees them, after masking what the
region may publish (``allowed``: the laureates' names and titles once voted, and the texts
their porteurs consented to publish).

What a reader sees: the text is normalised before matching (``socinnov.privacy.textnorm``,
shared with the consent scan) — HTML entities decoded, tags stripped (a name split by ``<b>`` is
found), JSON ``\\uXXXX`` escapes decoded, Unicode NFKC (NFD accents composed), case-folded
(upper-cased names found), whitespace collapsed; the values are normalised the same way.
Matching is whole-word. An allowed text excuses only the occurrences lying inside one of its
own occurrences: a laureate's name no longer masks a longer non-laureate name that contains it.

Specificity: a value that is a common word (« Ensemble », « Total », a département, a word the
kit prints itself) cannot tell a porteur apart from the report's own wording. Such hits are
returned as *notes* (``notes=`` list), not as leaks: a report is never deleted for a common
word, and the notes are printed for a person to check.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

from socinnov import fr
from socinnov.call import vocabulary as voc
from socinnov.call.schemas import TABLES_BY_NAME, columns_with
from socinnov.privacy.textnorm import normalise, word_spans, words

_BASE64 = re.compile(r"(?:base64,|\"image/png\": \")[A-Za-z0-9+/=\\n]{200,}")
FRAGMENT = 40  # characters of free text taken as fragments (start, middle, end)
# Words a report prints by itself (table headers, labels): a value equal to one of them is not
# specific. Extended with the call's vocabulary at import.
COMMON = {"ensemble", "total", "totaux", "autre", "autres", "secret", "oui", "non", "association", "entreprise",
          "financé", "réorienté", "non retenu", "inéligible", "sans décision", "dossiers", "dossier", "hors région",
          "projet", "action", "public", "publics", "jury", "comité", "région", "france", "nouvelle-aquitaine"}
COMMON |= {v.casefold() for v in voc.REGION_DEPARTEMENTS.values()} | {c.casefold() for c in voc.LEGAL_CATEGORIES}
COMMON |= {s.casefold() for s in voc.STAGES}
LEGAL_FORMS = ("association", "scop", "scic", "sarl", "sas", "sa", "eurl", "fondation", "collectif", "coopérative",
               "commune de", "ville de", "communauté de communes", "syndicat", "mairie de", "centre", "régie")


def _fragments(text: str) -> list[str]:
    """Start, middle and end of a free text, cut at word boundaries (whole-word matching)."""
    text = " ".join(str(text).split())
    if len(text) <= FRAGMENT:
        return [text] if len(text) >= 12 else []
    mid = len(text) // 2
    cuts = [(0, FRAGMENT), (mid - FRAGMENT // 2, mid + FRAGMENT // 2), (len(text) - FRAGMENT, len(text))]
    out = []
    for a, b in cuts:
        piece = text[a:b]
        if a > 0 and text[a - 1] != " ":
            piece = piece.split(" ", 1)[-1]
        if b < len(text) and text[b] != " ":
            piece = piece.rsplit(" ", 1)[0]
        if len(piece) >= 25 and len(piece.split()) >= 4:  # shorter: a common phrase (« bien identifiés et »)
            out.append(piece)
    return out


def partials(name: str) -> list[str]:
    """A structure's name without its legal form (« Association Les Petits Chemins » →
    « Les Petits Chemins »): how a text names it in passing."""
    low = name.casefold()
    for form in LEGAL_FORMS:
        if low.startswith(form + " "):
            rest = name[len(form) + 1:].strip()
            if len(rest) >= 8 and len(rest.split()) >= 2:
                return [rest]
    return []


def identifying_values(tables: dict[str, pd.DataFrame]) -> dict[str, set[str]]:
    """Identifying values by kind, from the jury-level tables (schemas' metadata), plus the
    dossier ids and the amounts and dates only one dossier holds."""
    found: dict[str, set[str]] = {}
    for name, df in tables.items():
        if name not in TABLES_BY_NAME:
            continue
        model = TABLES_BY_NAME[name].model
        free = set(columns_with(model, "free_text"))
        ident = set(columns_with(model, "identifying"))
        for col in sorted(ident) + sorted(free - ident):
            if col not in df:
                continue
            values = set()
            for v in df[col].dropna().astype(str):
                if col in free and col not in ident:
                    values.update(_fragments(v))
                elif col in free:  # identifying free text (title, porteur, summary…)
                    values.add(" ".join(v.split()))
                    values.update(_fragments(v))
                elif len(v.strip()) >= 3:
                    values.add(v.strip())
                if col in ident and col in ("porteur", "partner", "name"):
                    values.update(partials(v))
            found.setdefault(f"{name}.{col}", set()).update(values)
    dossiers = tables.get("dossiers")
    if dossiers is not None and "dossier_id" in dossiers:
        found["dossiers.dossier_id"] = set(dossiers["dossier_id"].astype(str))
        for col, fmt in (("requested_amount", fr.euros), ("total_cost", fr.euros), ("filed_on", fr.date),
                         ("start_date", fr.date)):
            if col in dossiers:
                counts = dossiers[col].dropna().value_counts()
                found[f"dossiers.{col}"] = {fmt(v) for v in counts[counts == 1].index}
    return found


def specific(value: str, kind: str = "") -> bool:
    """Whether a value can single a porteur out of a report's own wording: not a common word,
    not a bare number; a date (the call's calendar prints dates) or a round amount (the call's
    ceiling, the envelope) is reported, never taken as a leak by itself."""
    v = normalise(value)
    if kind.endswith(("filed_on", "start_date")):
        return False
    if kind.endswith(("requested_amount", "total_cost")):
        # An amount in round hundreds (« 38 500 € ») is as likely a median or a sum of the
        # report's own as one dossier's request: reported, not a leak by itself.
        digits = re.sub(r"\D", "", v)
        return bool(digits) and int(digits) % 100 != 0
    return len(v) >= 4 and v not in COMMON and not (v.isdigit() and len(v) < 6)


def find_leaks(paths: list[Path], values: dict[str, set[str]], *, allowed: set[str] = frozenset(),
               notes: list[str] | None = None) -> list[str]:
    """``"file: kind « value »"`` for each specific identifying value found in a file, outside
    the occurrences of ``allowed`` texts. Common-word hits go to ``notes`` (never leaks)."""
    leaks = []
    printed = {p.with_suffix(".html") for p in paths if p.suffix == ".pdf"} & set(paths)
    norm_values = {kind: {n: v for v in vals if v and (n := normalise(v))} for kind, vals in values.items()}
    # A value is looked for only in a text holding each of its words: whole-word matching
    # (word_spans) cannot find it elsewhere, and a set lookup is cheaper than searching the text
    # (3 000 values, a notebook of a megabyte).
    value_words = {v: words(v) for vals in norm_values.values() for v in vals}
    norm_allowed = sorted({n for a in allowed if a and (n := normalise(a))}, key=len, reverse=True)
    for path in paths:
        if path.suffix == ".pdf" and path.with_suffix(".html") in printed:
            # printed from the HTML beside it, which is scanned; pdftotext's de-hyphenation
            # ("Haute-" + "Gironde" at a line end) would otherwise hide allowed names
            continue
        text = _text_of(path)
        in_text = words(text)
        excused = [s for a in norm_allowed if a in text for s in word_spans(text, a)]
        for kind, vals in norm_values.items():
            for v, original in vals.items():
                if not value_words[v] <= in_text or v not in text:  # cheap tests first
                    continue
                if any(v in a for a in norm_allowed):  # a part of a publishable text (a table may cut it)
                    continue
                hits = [s for s in word_spans(text, v) if not any(a0 <= s[0] and s[1] <= a1 for a0, a1 in excused)]
                if not hits:
                    continue
                line = f"{path.name} : {kind} « {original[:60]} »"
                if specific(original, kind):
                    leaks.append(line)
                elif notes is not None:
                    notes.append(line + " (mot courant : signalé, fichier conservé)")
    if notes is not None:
        notes[:] = sorted(set(notes))
    return sorted(set(leaks))


def public_files(folder: Path) -> list[Path]:
    """Every file under ``folder``, whatever its suffix (a reader opens them all)."""
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def _text_of(path: Path) -> str:
    raw = path.read_bytes()
    if path.suffix == ".pdf":
        import subprocess

        raw = subprocess.run(["pdftotext", "-q", str(path), "-"], capture_output=True, check=True).stdout
    text = _BASE64.sub(" ", raw.decode("utf-8", errors="replace"))  # embedded images carry no text
    if path.suffix in {".json", ".ipynb"}:
        try:  # every string of the document, decoded by the JSON parser itself
            text = " ".join(_strings(json.loads(text)))
        except ValueError:
            pass
    return normalise(text)


_RAW_BASE64 = re.compile(r"[A-Za-z0-9+/=\s]{1000,}")


def _strings(node):
    if isinstance(node, str):
        if not _RAW_BASE64.fullmatch(node):  # an embedded image (notebook "image/png") carries no text
            yield _BASE64.sub(" ", node)
    elif isinstance(node, dict):
        for k, v in node.items():
            yield str(k)
            yield from _strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from _strings(v)
