"""Personal names in a French text, by their shape: what a porteur's consent cannot cover.

The rule, deliberately simple and biased towards holding back (a person then reads every
sentence held back, see ``socinnov.privacy.consent``):

1. A civility followed by a capitalised word: « M. Dupont », « Mme Martin », « Madame Le Goff »,
   « Dr Durand », « M. Jean-Pierre DUPONT ». Civilities: M., MM., Mme(s), Mlle(s), Me, Dr, Pr,
   and monsieur, madame, mademoiselle, messieurs, mesdames, docteur(e), professeur(e), maître
   in any case. A function (« Monsieur le Maire », « Madame la Présidente ») is not a name.
2. A frequent French first name followed by a capitalised word: « Jean Dupont », « Hélène
   MARTIN », « Marie-Claire Durand » (first names compared without case nor accents; the list
   leaves out those that are also common words or places: Rose, France, Florence…). Not after
   a word that makes it a place or an institution (« rue Jean Jaurès », « lycée Jean Moulin »),
   nor inside a hyphenated place name (« Saint-Jean Pied-de-Port »).

A capitalised word is one starting with an upper-case letter (accented included). A name
nobody writes with a capital, or a first name outside the list without a civility, is missed:
the rule narrows, it does not replace, the data holder's reading.
"""

from __future__ import annotations

import re

from socinnov.privacy.textnorm import fold

_UP = "A-ZÀ-ÖØ-ÞŒŸ"
_WORD = rf"[{_UP}][^\W\d_]*(?:['’][{_UP}][^\W\d_]*)?(?:-[{_UP}][^\W\d_]*)*"
_PARTICLE = r"(?:(?:de|du|d['’])\s*)?"
_NAME = rf"{_PARTICLE}{_WORD}(?:\s+{_WORD}){{0,2}}"
_CIVILITY = (r"(?:M\.\s*|(?:MM|Mmes?|Mlles?|Dr|Pr)\.?\s+|Me\s+"
             r"|(?i:monsieur|messieurs|madame|mesdames|mademoiselle|mesdemoiselles|docteure?|professeure?"
             r"|ma[iî]tre)\s+)")
WITH_CIVILITY = re.compile(rf"(?<![\w-]){_CIVILITY}({_NAME})")
_CAPITALISED = re.compile(rf"(?<![\w'’-]){_WORD}")
_SURNAME = re.compile(rf"\s+({_PARTICLE}{_WORD}(?:\s+{_WORD})?)")

# Words that, written with a capital after a civility, make a function, not a name.
FUNCTIONS = {"le", "la", "les", "l'", "maire", "adjoint", "adjointe", "president", "presidente", "directeur",
             "directrice", "prefet", "prefete", "depute", "deputee", "senateur", "senatrice", "ministre",
             "conseiller", "conseillere", "delegue", "deleguee", "responsable", "coordinateur", "coordinatrice",
             "chef", "cheffe", "tresorier", "tresoriere", "secretaire", "administrateur", "administratrice"}
# Words after which « Jean Moulin » names a street, a school, a building: not a person named.
PLACES = {"rue", "avenue", "boulevard", "bd", "place", "allee", "quai", "impasse", "chemin", "cours", "square",
          "parc", "pont", "route", "lycee", "college", "ecole", "groupe", "scolaire", "espace", "salle", "centre",
          "maison", "residence", "stade", "gymnase", "mediatheque", "bibliotheque", "hopital", "clinique",
          "foyer", "saint", "sainte", "st", "ste", "fondation", "institut", "cite", "quartier"}
# Frequent French first names, several generations; those that are also common words or places
# (Rose, France, Florence, Nancy, Marine, Avril…) are left out on purpose.
_FIRST_NAMES = """
Adrien Agnès Alain Alexandra Alexandre Alexis Alice Aline Amandine Anaïs André Andrée Anne Annie Antoine
Arnaud Arthur Audrey Aurélie Aurélien Baptiste Benjamin Benoît Bernard Bertrand Brigitte Bruno Camille
Carole Caroline Catherine Cécile Céline Chantal Charles Charlotte Chloé Christian Christine Christophe Claire
Clara Claudine Clémence Colette Corinne Cyril Damien Daniel Danielle David Delphine Denis Denise Didier
Dominique Dylan Éloïse Élodie Émilie Emma Emmanuel Émile Éric Estelle Étienne Fabien Fabienne Fabrice
Fatima Florian Francis Franck François Françoise Frédéric Gabriel Gaël Georges Gérard Gilbert Gilles
Guillaume Guy Hélène Henri Hervé Hugo Inès Isabelle Jacqueline Jacques Jean Jeanne Jérémy Jérôme Joël
Jonathan Joseph Josiane Julie Julien Juliette Justine Karim Karine Kevin Laetitia Laura Laurent Léa Léo
Léon Lionel Louis Louise Luc Lucas Lucie Lucien Ludovic Madeleine Manon Marc Marcel Marguerite Maria Marie
Martine Mathieu Mathilde Matthieu Maurice Maxime Mélanie Michel Michèle Mickaël Mohamed Monique Nadia Nadine
Nathalie Nicolas Nicole Noémie Odette Olivier Pascale Patricia Patrick Paul Paulette Philippe Pierre
Quentin Raymond Régis Rémi Renée Richard Robert Roger Romain Sabine Samuel Sandrine Sarah Sébastien
Serge Simone Sophie Stéphane Stéphanie Suzanne Sylvain Sylvie Thérèse Thierry Thomas Valérie Véronique
Vincent Virginie Xavier Yannick Yves Yvette Yvonne Zoé
"""
FIRST_NAMES = frozenset(fold(n) for n in _FIRST_NAMES.split())


def personal_names(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, name)`` of each personal name in ``text`` by the module's rule; ``text``
    is a reader's text (``textnorm.reader_text``), capitals as written."""
    found = []
    for m in WITH_CIVILITY.finditer(text):
        name = m.group(1)
        if not set(fold(name).split()) <= FUNCTIONS:
            found.append((m.start(), m.end(), name))
    for m in _CAPITALISED.finditer(text):
        first = fold(m.group(0).split("-")[0])
        after = _SURNAME.match(text, m.end())
        if first not in FIRST_NAMES or after is None or _preceding_word(text, m.start()) in PLACES:
            continue
        if set(fold(after.group(1)).split()) <= FUNCTIONS:
            continue
        if not any(s <= m.start() < e for s, e, _ in found):
            found.append((m.start(), after.end(), text[m.start():after.end()]))
    return sorted(found)


def _preceding_word(text: str, at: int) -> str:
    words = fold(text[max(0, at - 40):at]).split()
    return words[-1] if words else ""
