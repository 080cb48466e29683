"""`is_plain` refuses exactly the control, format, private-use, unassigned and line/paragraph
separator characters, whatever the fast path it takes."""

from __future__ import annotations

import unicodedata

from reviewer.ingest.fields import is_plain


def _refused(ch: str) -> bool:
    category = unicodedata.category(ch)
    return category[0] == "C" or category in ("Zl", "Zp")


def test_every_character_is_judged_by_its_category():
    wrong = [hex(c) for c in range(0x110000) if is_plain(chr(c)) == _refused(chr(c))]
    assert wrong == []


def test_strings_mixing_spaces_and_controls():
    assert is_plain("run\u00a0id\u2003x")  # no-break and em spaces are Zs, which is allowed
    assert not is_plain("run\u00a0id\u202e")  # a bidi override after an allowed space
    assert not is_plain("a\u2028b") and not is_plain("tab\there")
    assert is_plain("") and is_plain("plain ascii")
