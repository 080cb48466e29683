"""The keyword-anchored search gives exactly what the claim checks' regexes give on their own."""

from __future__ import annotations

import re
import string

from hypothesis import given, settings
from hypothesis import strategies as st

from reviewer.checks import wording
from reviewer.checks.claims import (
    _BEST_OF,
    _BEST_OF_KEYS,
    _BEST_OF_LEAD,
    _RUNS,
    _RUNS_KEYS,
    _runs_starts,
)

EVERY_CHAR = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)

# Pieces of the phrases, look-alikes that re.IGNORECASE folds (long s, dotless i, dotted
# capital I, Kelvin sign), case changes, odd spaces and word characters, so random joins
# often come close to a match.
PIECES = [
    "best", "BEST", "be\u017ft", "Best", "top", "TOP", "max", "maximum", "ma", "cherry", "CHERRY",
    "highest", "h\u0131ghest", "h\u0130ghest", "pick", "picked", "selected", "SELECTED", "chose",
    "report", "reported", "the", " the ", "of", " of ", "over", "run", "runs", "RUNS", "seed",
    "seeds", "\u017feeds", "trials", "restarts", "repeats", "checkpoint", "result", "performing",
    "random", "different", "independent", "one", "two", "five", "f\u0131ve", "F\u0130VE", "ten",
    "twenty", "hundred", "1", "5", "12", "1234", "12345", "٣", " ", "  ", "\t", "\n",
    "\u00a0", "\u2003", "-", "_", "x", "é", "\u212a", "ß", ".", ",", "'", "softmax", "laptop",
    "3 ", "ten ", "random ", " seeds", " runs", "best of ", "selected the ",
]
texts = st.lists(st.sampled_from(PIECES), max_size=30).map("".join) | st.text(max_size=60)


def _spans(matches) -> list[tuple[int, int]]:
    return [m.span() for m in matches]


def test_fold_maps_every_character_re_ignorecase_matches_to_an_ascii_letter():
    for letter in string.ascii_lowercase:
        for ch in set(re.findall(letter, EVERY_CHAR, re.IGNORECASE)):
            assert wording.fold(ch) == letter, (letter, hex(ord(ch)))


def test_word_and_space_characters_agree_with_re():
    words = set(re.findall(r"\w", EVERY_CHAR))
    spaces = set(re.findall(r"\s", EVERY_CHAR))
    assert words == {ch for ch in EVERY_CHAR if ch.isalnum() or ch == "_"}
    assert spaces == {ch for ch in EVERY_CHAR if ch.isspace()}


def test_fold_keeps_the_length():
    assert wording.fold("\u0130STANBUL \u017feeds \u212aelvin") == "istanbul seeds kelvin"
    assert wording.fold("plain ASCII") == "plain ascii"


@settings(max_examples=1500, deadline=None)
@given(texts)
def test_search_matches_the_regex(text):
    expected = _BEST_OF.search(text)
    got = wording.search(_BEST_OF, text, _BEST_OF_KEYS, _BEST_OF_LEAD)
    assert (got and got.span()) == (expected and expected.span())


@settings(max_examples=1500, deadline=None)
@given(texts)
def test_finditer_matches_the_regex(text):
    expected = _spans(_RUNS.finditer(text))
    assert _spans(wording.finditer(_RUNS, text, _RUNS_KEYS, _runs_starts)) == expected


def test_known_phrases_are_found_where_the_regex_finds_them():
    for text in ("We selected the best of 10 runs.", "xx reported the top", "a cherry-pick",
                 "SELECTED THE BEST-OF-THE 5 SEEDS", "be\u017ft run", "h\u0130ghest of five runs"):
        expected = _BEST_OF.search(text)
        assert expected is not None
        assert wording.search(_BEST_OF, text, _BEST_OF_KEYS, _BEST_OF_LEAD).span() == \
            expected.span()
    text = "We ran 3 seeds, ten  random\tRUNS, 12345 seeds and f\u0131ve independent trials."
    assert [m.group(0) for m in wording.finditer(_RUNS, text, _RUNS_KEYS, _runs_starts)] == \
        [m.group(0) for m in _RUNS.finditer(text)] == \
        ["3 seeds", "ten  random\tRUNS", "f\u0131ve independent trials"]
