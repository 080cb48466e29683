"""Folding look-alike text to what a reader sees, and finding words that mix scripts."""

from __future__ import annotations

import pytest

from reviewer.lookalike import fold, invisible, mixed_words, mixes_scripts, shown, strip_invisible

CYRILLIC_A = "\u0430"
GREEK_OMICRON = "\u03bf"


@pytest.mark.parametrize(
    ("text", "reads"),
    [
        ("be\u200bst of 1\u200b0 runs", "best of 10 runs"),
        ("be\u00adst of t\u00aden ru\u2060ns", "best of ten runs"),
        ("b\u0435st of ten", "best of ten"),
        ("agent\u2011alpha", "agent-alpha"),
        ("\uff41\uff47\uff45\uff4e\uff54", "agent"),
        ("0\uff0e97", "0.97"),
        (f"l{CYRILLIC_A}bels", "labels"),
        (f"l{GREEK_OMICRON}gconf", "logconf"),
        ("agent\u00a0alpha", "agent alpha"),
        ("plain ascii", "plain ascii"),
    ],
)
def test_fold_reads_as_the_reader_sees(text: str, reads: str) -> None:
    assert fold(text) == reads


def test_strip_invisible_drops_format_and_blank_looking_characters() -> None:
    assert strip_invisible("a\u200bb\u202ec\ufeffd\u3164e\u2800f") == "abcdef"
    assert invisible("\u200d") and invisible("\u3164") and not invisible("a")


@pytest.mark.parametrize(
    ("word", "mixed"),
    [
        (f"l{CYRILLIC_A}bels", True),
        (f"l{GREEK_OMICRON}gconf", True),
        ("\u03bcs", False),  # microseconds: a Greek letter with no Latin twin
        ("\u03c3\u03bf\u03c6\u03af\u03b1", False),  # a Greek word
        ("\u0430\u0433\u0435\u043d\u0442", False),  # a Cyrillic word
        ("na\u00efve", False),  # Latin with a diaeresis
        ("agent", False),
        ("A\u0433\u0435\u043d\u0442", True),  # a Latin A in a Cyrillic word
    ],
)
def test_mixes_scripts(word: str, mixed: bool) -> None:
    assert mixes_scripts(word) is mixed


def test_mixed_words_lists_each_once_in_order() -> None:
    text = (f"We use l{CYRILLIC_A}bels, \u03bcs timings and l{CYRILLIC_A}bels again; "
            f"l{GREEK_OMICRON}g")
    assert mixed_words(text) == [f"l{CYRILLIC_A}bels", f"l{GREEK_OMICRON}g"]
    assert mixed_words("plain text only") == []


def test_shown_writes_non_ascii_as_code_points() -> None:
    assert shown("agent\u2011alpha") == "agent\\u2011alpha"


@pytest.mark.parametrize("mark", ["\ufe0f", "\U000e0100", "\u034f", "\u17b4", "\u180b"])
def test_variation_selectors_and_joining_marks_are_invisible(mark: str) -> None:
    assert invisible(mark)
    assert fold(f"be{mark}st of 10 runs") == "best of 10 runs"


def test_greek_letters_at_a_words_ends_are_notation_not_disguise() -> None:
    notation = "the K\u03b1 line, Ly\u03b1 forest, \u03b1t and \u03c1s, \u03bde mass"
    assert mixed_words(notation) == []
    assert mixed_words(f"l{GREEK_OMICRON}gits") == [f"l{GREEK_OMICRON}gits"]


@pytest.mark.parametrize("word", ["\u0251gent", "\u1d00lpha", "b\u0131t"])
def test_latin_letters_drawn_like_plain_ones_mix_scripts(word: str) -> None:
    assert mixes_scripts(word)
    assert mixed_words(f"we use {word} here") == [word]
    assert fold(word).isascii()


def test_a_long_greek_run_inside_a_latin_word_is_judged_and_its_edges_are_not() -> None:
    # Cut from both ends by strip(): the edge pattern retried `[greek]+$` from each letter.
    word = "a" + "\u03b1" * 50_000 + "a"
    assert mixed_words(word) == [word]
    assert mixed_words("\u03b1" * 50_000 + "s") == []
    assert mixed_words("K" + "\u03b1" * 50_000) == []
