"""Checks on how a proposal's title and summary are written, apart from what they claim.

A word spelt with look-alike letters of another script (`labels` with a Cyrillic a) reads
as the plain word but is another string to full-text search and to every word-based check,
so the reviewer is told which words they are and which of their letters are foreign.
"""

from __future__ import annotations

from reviewer.checks.model import Check
from reviewer.lookalike import mixed_words, shown

MAX_QUOTED = 3  # words a message quotes
MAX_LISTED = 10  # words `detail` lists
MAX_WORD = 40  # letters of a word quoted or listed


def _cut(word: str) -> str:
    """`word` cut to `MAX_WORD` letters, so a hostile run of letters cannot bloat a check."""
    return word if len(word) <= MAX_WORD else word[:MAX_WORD] + "..."


def _quoted(word: str) -> str:
    """The word as it reads, then with its foreign letters written as code points."""
    cut = _cut(word)
    return f'"{cut}" ({shown(cut)})'


def _lookalike_check(field: str, words: list[str]) -> Check:
    count = len(words)
    quoted = ", ".join(_quoted(w) for w in words[:MAX_QUOTED])
    more = f", and {count - MAX_QUOTED} more" if count > MAX_QUOTED else ""
    return Check(
        "lookalike_text", "medium",
        f"the {field} writes {count} word{'s' if count != 1 else ''} with look-alike letters"
        f" from another script: {quoted}{more}",
        {"field": field, "count": count, "words": [shown(_cut(w)) for w in words[:MAX_LISTED]]},
    )


def text_checks(title: str | None, summary: str | None) -> list[Check]:
    """A `lookalike_text` finding for the title and for the summary when they write words
    that mix Latin with look-alike letters of another script (not a Greek `\u03bcs`, nor a
    word wholly in Cyrillic)."""
    found: list[Check] = []
    for field, text in (("title", title), ("summary", summary)):
        words = mixed_words(text or "")
        if words:
            found.append(_lookalike_check(field, words))
    return found
