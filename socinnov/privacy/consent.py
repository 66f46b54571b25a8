"""What a laureate's consent covers: its own words, not the third parties its texts name.

A porteur who agreed to the « valorisation » (``publication_consent``) lets the region publish
its résumé, objectifs and publics cibles. The agreement is the porteur's: a sentence that names
someone else is held back from the published text, and the public reads, under the texts, a
French message per sentence saying which kind of third party it named (never the name). The data holder learns,
from :func:`holder_notes`, which laureate, which sentence and which name.

Third parties, by kind:

- ``porteur``: the structures of the other dossiers of the call (whatever their decision), and
  their names without legal form (« Association Les Petits Chemins » → « Les Petits Chemins »);
- ``partner``: every structure of the partners table, the laureate's own partners included (they
  are named in the dossier, but did not sign the porteur's agreement);
- ``juror``: the jurors' names;
- ``person``: personal names by their shape (``socinnov.privacy.personal_names``).

Matching: names and sentences are folded alike (``socinnov.privacy.textnorm.fold``: case,
accents, hyphens and whitespace variants forgiven) and a name must stand as whole words. A name
that is a common word (``leaks.specific``) is not sought. The laureate's own names (its
structure, with and without legal form, and its title) are never third parties: a match lying
inside one of their occurrences is excused, and so is a personal name written there (« Jean
Moulin » in « le centre social Jean Moulin »). A porteur is never a « personne physique » (not
eligible): a person's name outside the laureate's own names is someone else's.

Sentences end at « . ! ? … » (not after an abbreviation such as « M. » or an initial « J. »), at
a blank line, and before a line starting with a list mark (« - », « • »): a single line break is
only whitespace, so a name broken over two lines is still found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from socinnov.call.vocabulary import FUNDED
from socinnov.privacy.leaks import partials, specific
from socinnov.privacy.personal_names import personal_names
from socinnov.privacy.textnorm import fold, fold_map, reader_text, word_spans

FIELDS = {"summary": "Résumé", "objectives": "Objectifs", "target_publics": "Publics cibles"}
"""The consented texts, with their label in the report."""
KINDS = {"porteur": "un autre porteur de l'appel", "partner": "une structure partenaire",
         "juror": "un membre du jury", "person": "une personne"}
"""The kinds of third party, as the public message names them (in this order)."""
_HOLDER_KINDS = {"porteur": "porteur", "partner": "partenaire", "juror": "juré", "person": "personne"}

_BOUNDARY = re.compile(r"(?<=[.!?…])[»”\"')\]]*\s+|\s*\n\s*\n\s*|\s*\n(?=\s*[-•*–]\s)")
_ABBREVIATION = re.compile(r"(?:(?<![\w-])(?:M|MM|Mme|Mmes|Mlle|Mlles|Me|Dr|Pr|St|Ste|cf|ex|env|av|bd|n°)"
                           r"|(?<![\w-])[A-ZÀ-ÖØ-Þ])\.$")


@dataclass(frozen=True)
class HeldSentence:
    """A sentence of a consented text held back, and the third parties it names."""

    field: str  # one of FIELDS
    sentence: str
    named: tuple[tuple[str, str], ...]  # (kind, name as the tables or the text write it)

    def kinds(self) -> list[str]:
        present = {k for k, _ in self.named}
        return [k for k in KINDS if k in present]

    def message(self) -> str:
        """The public's message: the field, the kind of third party; never the name."""
        kinds = " et ".join(KINDS[k] for k in self.kinds())
        return (f"{FIELDS[self.field]} : une phrase n'est pas publiée, car elle nomme {kinds} ; l'accord du "
                "porteur vaut pour son propre texte, pas pour les tiers qu'il cite.")


@dataclass(frozen=True)
class ConsentedText:
    """A consenting laureate's texts as published, and what was held back."""

    dossier_id: str
    porteur: str
    title: str
    texts: dict  # field -> published text (None when the porteur left it empty)
    held: tuple[HeldSentence, ...]

    def public(self) -> dict:
        """What the public report shows: names the region may publish, texts, messages."""
        return {"porteur": self.porteur, "title": self.title, **self.texts,
                "held_back": [h.message() for h in self.held]}


def consenting_laureates(tables) -> pd.DataFrame:
    """The dossiers funded by a decision the comité d'élu-e-s validated, whose porteur consented
    (none before the decisions are known)."""
    d = tables["dossiers"]
    if "decisions" not in tables:
        return d.iloc[:0]
    dec = tables["decisions"]
    voted = dec[(dec["decision"] == FUNDED) & dec["validated"].astype(bool)]["dossier_id"]
    return d[d["dossier_id"].isin(voted) & d["publication_consent"].astype(bool)].sort_values("porteur")


def review(tables) -> list[ConsentedText]:
    """Every consenting laureate's texts with the sentences naming a third party held back."""
    laureates = consenting_laureates(tables)
    parties = third_parties(tables) if len(laureates) else []
    out = []
    for r in laureates.itertuples():
        own = own_names(r)
        others = [p for p in parties if p[1] not in own]
        texts, held = {}, []
        for field in FIELDS:
            texts[field], field_held = redact(getattr(r, field), field, others, own)
            held += field_held
        out.append(ConsentedText(r.dossier_id, r.porteur, r.title, texts, tuple(held)))
    return out


def holder_notes(tables) -> list[str]:
    """For the data holder only: each held-back sentence, its laureate and the names it carries."""
    lines = []
    for c in review(tables):
        for h in c.held:
            names = ", ".join(f"{_HOLDER_KINDS[k]} « {n} »" for k, n in h.named)
            lines.append(f"{c.dossier_id} « {c.porteur} », {FIELDS[h.field].lower()} : phrase retenue "
                         f"« {h.sentence} » (nomme : {names})")
    return lines


def third_parties(tables) -> list[tuple[str, str, str]]:
    """``(kind, folded name, name)`` of every third party the tables know, common words left out."""
    found = []
    sources = (("porteur", tables["dossiers"]["porteur"]), ("partner", tables["partners"]["partner"]),
               ("juror", tables["jurors"]["name"]))
    for kind, names in sources:
        for name in names.dropna().astype(str).unique():
            for variant in _names_of(name):
                if specific(variant):
                    found.append((kind, fold(variant), variant))
    return list(dict.fromkeys(found))


def own_names(row) -> set[str]:
    """The laureate's own names, folded: its structure with and without legal form, its title."""
    return {fold(n) for n in (*_names_of(row.porteur), row.title) if isinstance(n, str) and fold(n)}


def _names_of(name: str) -> list[str]:
    return [name, *partials(name)]


def redact(text, field: str, parties, own: set[str]):
    """``(published text, held sentences)``: ``text`` without its sentences naming a third party."""
    if not isinstance(text, str) or not text.strip():
        return (text if isinstance(text, str) else None), []
    kept, held = [], []
    for sentence, gap in sentences(text):
        named = third_parties_in(sentence, parties, own)
        if named:
            held.append(HeldSentence(field, " ".join(sentence.split()), tuple(named)))
        else:
            kept.append(sentence + gap)
    return "".join(kept).rstrip(), held


def sentences(text: str) -> list[tuple[str, str]]:
    """``(sentence, whitespace after it)`` in order; joined back they give ``text``."""
    out, start = [], 0
    for m in _BOUNDARY.finditer(text):
        before = text[start:m.start()]
        if before.endswith(".") and _ABBREVIATION.search(before):
            continue
        out.append((text[start:m.start()], m.group(0)))
        start = m.end()
    if start < len(text):
        out.append((text[start:], ""))
    return out


def third_parties_in(sentence: str, parties, own: set[str]):
    """``[(kind, name)]`` of the third parties ``sentence`` names, outside the laureate's own names."""
    seen = reader_text(sentence)
    folded, origin = fold_map(seen)
    own_spans = [s for o in own if o in folded for s in word_spans(folded, o)]
    named, name_spans = [], []
    for kind, name_folded, name in parties:
        if name_folded not in folded:  # plain substring first (fast)
            continue
        spans = [s for s in word_spans(folded, name_folded) if not _inside(s, own_spans)]
        if spans:
            named.append((kind, name))
            name_spans += [(origin[a], origin[b - 1] + 1) for a, b in spans]
    own_in_text = [(origin[a], origin[b - 1] + 1) for a, b in own_spans]
    for start, end, name in personal_names(seen):
        if _inside((start, end), own_in_text) or any(s < end and start < e for s, e in name_spans):
            continue
        named.append(("person", name))
    return list(dict.fromkeys(named))


def _inside(span: tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    return any(a <= span[0] and span[1] <= b for a, b in spans)
