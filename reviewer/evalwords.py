"""Which words in a diff point at evaluation data or scoring: the rule that flags files and
hunks, kept apart so it can be tested on its own."""

from __future__ import annotations

import re
from collections.abc import Iterator

# Words that point at evaluation data or scoring; a method under review has no business there.
EVAL_WORDS = re.compile(
    r"\b(labels?|tests?|scores?|scorer|scoring|eval\w*|ground[ _-]?truth|salt|cache[ds]?)\b",
    re.IGNORECASE,
)
# The same words matched in lower-cased ASCII text, where that is exact; other text keeps
# EVAL_WORDS, whose Unicode case rules (long s for s) matter. Each word begins with one of the
# stems, so the pattern is only tried where str.find (fast, in C) sees a stem.
_EVAL_WORDS_ASCII = re.compile(EVAL_WORDS.pattern)
_STEMS = ("label", "test", "scor", "eval", "ground", "salt", "cache")


def _stem_starts(lower: str) -> list[int]:
    starts: list[int] = []
    for stem in _STEMS:
        at = lower.find(stem)
        while at != -1:
            starts.append(at)
            at = lower.find(stem, at + 1)
    return sorted(starts)


def word_matches(text: str) -> Iterator[tuple[int, str]]:
    """(offset, lower-cased word) for each evaluation-related word in `text`, in order."""
    if not text.isascii():
        for match in EVAL_WORDS.finditer(text):
            yield match.start(), match.group(0).lower()
        return
    lower = text.lower()
    # Matches cannot overlap (each ends at a word boundary), so trying each stem is exact.
    for start in _stem_starts(lower):
        if hit := _EVAL_WORDS_ASCII.match(lower, start):
            yield start, hit.group(0)


def eval_words(text: str) -> list[str]:
    """Distinct evaluation-related words in `text`, lower-cased, in order of appearance."""
    found: list[str] = []
    for _, word in word_matches(text):
        if word not in found:
            found.append(word)
    return found
