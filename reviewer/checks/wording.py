"""Case-insensitive phrase search that tries a pattern only next to its keywords.

`re.IGNORECASE` lowers every character it tries, so scanning a 3 KB summary for the claim
checks' phrases cost about a millisecond. Every phrase they look for contains a keyword;
`str.find` locates the keywords in a case-folded copy at C speed, and the original pattern
is then tried only where a match could start. The results are exactly those of
`pattern.search` and `pattern.finditer`, which tests/checks/test_wording.py checks.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator

# The characters outside ASCII that `re.IGNORECASE` matches to an ASCII letter (dotted
# capital I and dotless i, long s, Kelvin sign); after this and `str.lower`, each of them
# is its letter.
_TO_ASCII = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})


def fold(text: str) -> str | None:
    """`text` lowercased so that a character `re.IGNORECASE` matches to an ASCII letter
    becomes that letter, at the same index; None where no such copy exists."""
    folded = (text if text.isascii() else text.translate(_TO_ASCII)).lower()
    return folded if len(folded) == len(text) else None


def keyword_positions(folded: str, keywords: Iterable[str]) -> list[int]:
    """Where each keyword starts in `folded`, overlapping occurrences included, sorted."""
    found: set[int] = set()
    for word in keywords:
        at = folded.find(word)
        while at >= 0:
            found.add(at)
            at = folded.find(word, at + 1)
    return sorted(found)


def search(
    pattern: re.Pattern[str], text: str, keywords: Iterable[str], lead: int
) -> re.Match[str] | None:
    """`pattern.search(text)` for a pattern each of whose matches contains one of
    `keywords` (lowercase ASCII) starting at most `lead` characters into the match."""
    folded = fold(text)
    if folded is None:
        return pattern.search(text)
    tried = 0  # every start below this was tried already
    for at in keyword_positions(folded, keywords):
        for start in range(max(tried, at - lead), at + 1):
            match = pattern.match(text, start)
            if match is not None:
                return match
        tried = at + 1
    return None


def finditer(
    pattern: re.Pattern[str],
    text: str,
    keywords: Iterable[str],
    starts: Callable[[str, int], Iterable[int]],
) -> Iterator[re.Match[str]]:
    """`pattern.finditer(text)` for a pattern whose non-empty matches each contain one of
    `keywords`; `starts(text, at)` gives every index where a match holding the keyword at
    `at` could start."""
    folded = fold(text)
    if folded is None:
        yield from pattern.finditer(text)
        return
    candidates = sorted({s for at in keyword_positions(folded, keywords) for s in starts(text, at)})
    end = 0
    for start in candidates:
        if start < end:
            continue
        match = pattern.match(text, start)
        if match is not None:
            yield match
            end = match.end()


def words_before(text: str, at: int, count: int, longest: int) -> list[int]:
    """Starts of the `count` words (runs of `\\w`) before `at`, nearest first, each followed by
    whitespace only; a word longer than `longest` characters ends the list.

    These are where `WORD \\s+ (WORD \\s+)? KEYWORD` can start. Each whitespace run is walked
    at most twice per text and each word at most `longest` + 1 characters, so a text packed
    with keywords still costs linear time.
    """
    out: list[int] = []
    i = at
    for _ in range(count):
        j = i
        while j > 0 and text[j - 1].isspace():
            j -= 1
        end = j
        while j > 0 and end - j <= longest and (text[j - 1].isalnum() or text[j - 1] == "_"):
            j -= 1
        if j == end or end == i or end - j > longest:
            break
        out.append(j)
        i = j
    return out
