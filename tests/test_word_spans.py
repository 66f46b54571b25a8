"""Whole-word search of the leak and consent scans (``socinnov.privacy.textnorm``): the plain
search checked at both ends finds what the regular expression ``(?<!\\w)VALUE(?!\\w)`` finds, and
a value is only ever found in a text holding each of its words."""

from __future__ import annotations

import random
import re

from socinnov.privacy.textnorm import word_spans, words

# letters of several scripts, digits (ASCII, Arabic-Indic, superscript), underscore, combining
# accent, spaces of several kinds, punctuation, a tag
ALPHABET = list("aAbé_0١²\u0301 \u00a0\u2009-.'’<>/") + ["ab", "ba", "a b", "<b>"]


def regex_spans(text: str, value: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(rf"(?<!\w){re.escape(value)}(?!\w)", text)]


def test_word_spans_finds_what_the_regular_expression_finds():
    rng = random.Random(2016)
    found = 0
    for _ in range(20_000):
        text = "".join(rng.choice(ALPHABET) for _ in range(rng.randrange(0, 25)))
        if text and rng.random() < 0.7:  # a piece of the text, so that there is something to find
            i = rng.randrange(len(text))
            value = text[i:i + rng.randrange(1, 6)]
        else:
            value = "".join(rng.choice(ALPHABET) for _ in range(rng.randrange(1, 4)))
        expected = regex_spans(text, value)
        assert word_spans(text, value) == expected, (text, value)
        found += bool(expected)
        if expected:
            assert words(value) <= words(text), (text, value)  # the leak scan's pre-filter
    assert found > 2_000  # the comparison did see matches


def test_examples():
    assert word_spans("aaa", "aa") == []  # inside a word
    assert word_spans("aa aa aa", "aa aa") == [(0, 5)]  # non-overlapping, as finditer
    assert word_spans("Dupont_x, Dupont-Martin, (Dupont)", "dupont") == []  # case is the caller's
    assert word_spans("dupont_x, dupont-martin, (dupont)", "dupont") == [(10, 16), (26, 32)]
    assert word_spans("é2é x", "2") == [] and word_spans("é 2 é", "2") == [(2, 3)]
    assert words("Les Petits-Chemins, 33_000") == {"Les", "Petits", "Chemins", "33_000"}
