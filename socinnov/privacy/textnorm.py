"""Text as a reader sees it, folded for matching names: shared by the leak scan and the consent scan.

:func:`reader_text` decodes what a reader's eyes decode (HTML entities, tags, JSON ``\\uXXXX``
escapes), composes Unicode (NFKC) and collapses whitespace; :func:`normalise` case-folds it
(the leak scan's form). :func:`fold` goes further for matching a name written by hand: accents
dropped (NFKD, combining marks removed), typographic apostrophes made plain, every hyphen and
dash read as a space (« Saint-Jean » and « Saint Jean » match), invisible characters (zero-width
spaces, soft hyphens) removed. :func:`fold_map` also gives, for each folded character, where
it came from, so that a match can be placed back in the reader's text. :func:`word_spans`
finds a value as whole words.
"""

from __future__ import annotations

import html as html_lib
import re
import unicodedata

_TAG = re.compile(r"<[^>]{0,2000}>")
_JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
_ATTR = re.compile(r"""=\s*(?:"([^"]*)"|'([^']*)')""")
_INVISIBLE = frozenset("\u00ad\u200b\u200c\u200d\u2060\ufeff")
_APOSTROPHES = frozenset("\u2019\u2018\u02bc\u0060\u00b4")
_DASHES = frozenset("-\u2010\u2011\u2012\u2013\u2014\u2015\u2212")


def reader_text(text: str) -> str:
    """The text as a reader sees it, case kept: entities and escapes decoded, tags stripped (a
    name split by ``<b>`` is whole again), NFKC (NFD accents composed), whitespace collapsed."""
    text = html_lib.unescape(str(text))
    text = _JSON_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
    text = text.replace("\\n", " ").replace('\\"', '"').replace("\\/", "/")
    text = _TAG.sub(_tag_text, text)
    text = html_lib.unescape(text)  # entities written inside JSON strings
    return " ".join(unicodedata.normalize("NFKC", text).split())


def normalise(text: str) -> str:
    """:func:`reader_text`, case-folded (upper-cased names found)."""
    return reader_text(text).casefold()


def _tag_text(match: re.Match) -> str:
    """A tag becomes a space, plus its attributes' values (a link's address, an image's alt
    text: a reader sees them too)."""
    return " " + " ".join(a or b for a, b in _ATTR.findall(match.group(0))) + " "


def _fold_char(ch: str) -> str:
    if ch in _INVISIBLE:
        return ""
    if ch in _APOSTROPHES:
        return "'"
    if ch in _DASHES or ch.isspace():
        return " "
    decomposed = unicodedata.normalize("NFKD", ch.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold_map(text: str) -> tuple[str, list[int]]:
    """``text`` folded (see the module's docstring), and for each folded character the index
    in ``text`` of the character it comes from. ``text`` is taken as given: pass it through
    :func:`reader_text` first to match what a reader sees."""
    out: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        for c in _fold_char(ch):
            if c == " " and (not out or out[-1] == " "):
                continue
            out.append(c)
            origin.append(i)
    if out and out[-1] == " ":
        out.pop()
        origin.pop()
    return "".join(out), origin


def fold(text: str) -> str:
    """What a reader sees, folded for matching a name.

    >>> fold("Hélène  DUPONT‑Martin") == fold("helene dupont martin")
    True
    """
    return fold_map(reader_text(text))[0]


def word_spans(text: str, value: str) -> list[tuple[int, int]]:
    r"""Where ``value`` occurs in ``text`` as whole words (no letter or digit on either side).

    What ``re.finditer(rf"(?<!\w){re.escape(value)}(?!\w)", text)`` finds (``\w``: a character
    for which ``str.isalnum()`` holds, or ``_``), found by a plain search checked at both ends:
    the regular expression, starting with a lookbehind, was tried at every position of the text
    (1.5 s of the leak scan of the demo's public files)."""
    if not value:
        return [(m.start(), m.end()) for m in re.finditer(r"(?<!\w)(?!\w)", text)]
    spans = []
    start = text.find(value)
    while start != -1:
        end = start + len(value)
        if not (start and _is_word(text[start - 1])) and not (end < len(text) and _is_word(text[end])):
            spans.append((start, end))
            start = text.find(value, end)  # non-overlapping, as finditer
        else:
            start = text.find(value, start + 1)
    return spans


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


WORD = re.compile(r"\w+")


def words(text: str) -> frozenset[str]:
    r"""The whole words of ``text`` (runs of ``\w``): a value found by :func:`word_spans` has each
    of its own words among them."""
    return frozenset(WORD.findall(text))
