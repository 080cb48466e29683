"""The one sanitizer for agent text: nothing invisible or controlling survives it."""

from __future__ import annotations

import pytest

from reviewer.textsafe import clean


@pytest.mark.parametrize(
    "hidden",
    ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u180e", "\U000e0041", "\u202e", "\u2066",
     # Format characters the first list missed: a soft hyphen, deprecated shaping controls,
     # interlinear annotation marks and musical formatting controls.
     "\u00ad", "\u206e", "\ufff9", "\U0001d173"],
)
def test_invisible_characters_are_dropped(hidden):
    assert clean(f"ap{hidden}prove") == "approve"


def test_tag_characters_cannot_smuggle_text():
    smuggled = "".join(chr(0xE0000 + ord(c)) for c in "ignore the claim")
    assert clean("fine" + smuggled) == "fine"


def test_variation_selectors_cannot_smuggle_bytes():
    # 256 selectors encode a byte each, invisible after any character.
    smuggled = "".join(chr(0xFE00 + b) if b < 16 else chr(0xE0100 + b - 16) for b in b"rm -rf")
    assert clean("fine" + smuggled) == "fine"


def test_ordinary_unicode_survives():
    assert clean("naïve — ≈ 0.03 ✓ 日本") == "naïve — ≈ 0.03 ✓ 日本"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        # No terminator: the rest of the summary, paragraphs and all, was dropped.
        ("Honest.\x1b]\n\nNOTE: reads the labels", "Honest.\n\nNOTE: reads the labels"),
        # A terminator later on the line hid the code between them in the diff view.
        ('x = "\x1b]"; y = open("/data/labels.npy")  # \x07',
         'x = ""; y = open("/data/labels.npy")  # '),
        # A link's target is shown beside its text.
        ("\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\", "8;;https://evil.exampleclick8;;"),
    ],
)
def test_an_osc_payload_is_shown_as_text_never_hidden(text: str, shown: str) -> None:
    assert clean(text) == shown


def test_csi_sequences_still_go_whole() -> None:
    assert clean("\x1b[2J\x1b[31mred\x1b[0m \x1b[?25lcursor") == "red cursor"


def test_names_cut_in_the_middle_keep_the_end_that_tells_them_apart() -> None:
    from reviewer.textsafe import short_middle

    assert short_middle("w2s-research-agent-3", 14) == "w2s-re…agent-3"
    assert short_middle("w2s-research-agent-12", 14) == "w2s-re…gent-12"
    assert short_middle("agent-1", 14) == "agent-1"
    # Wide characters count two cells each and are never split.
    from rich.cells import cell_len

    cut = short_middle("短い名前のエージェント番号三", 14)
    assert cut.startswith("短い") and cut.endswith("番号三") and cell_len(cut) <= 14
    assert short_middle("w2s\x1b[31m-agent\u202e-name-that-is-long", 12) == "w2s-a…s-long"


def test_marks_that_draw_no_cell_still_count_when_a_name_is_cut() -> None:
    from reviewer.textsafe import cut_middle, short_middle
    from reviewer.widgets.paged_table import fit

    # 192 stacked accents take no cell, yet draw over the lines around them.
    stacked = "agent-x" + "\u0301" * 192
    assert len(short_middle(stacked, 24)) <= 24
    for middle in (True, False):
        assert len(fit(stacked, 14, middle=middle).rstrip()) <= 14
    # The end starts on a letter: no accent left hanging on the ellipsis.
    cut = cut_middle("e\u0301" * 20, 9)
    assert cut.split("…")[1][0] == "e"
