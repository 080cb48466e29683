"""Each hunk's body found in a diff's raw lines, checked against unidiff's counts, and scanned
once for its evaluation words, line counts and width."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from itertools import accumulate, compress
from operator import itemgetter, methodcaller

from unidiff import Hunk, PatchSet
from unidiff.constants import (
    LINE_TYPE_EMPTY,
    LINE_TYPE_NO_NEWLINE,
    RE_HUNK_HEADER,
    RE_NO_NEWLINE_MARKER,
)

from reviewer.difflines import MARKER, TRAILING_EMPTY
from reviewer.evalwords import word_matches

_CHANGED = frozenset(("+", "-"))
_FIRST = itemgetter(slice(0, 1))
_REST = itemgetter(slice(1, None))
_STRIP_EOL = methodcaller("rstrip", "\r\n")


def _firsts(lines: list[str]) -> list[str]:
    """Each line's first character ('' for an empty one), in one pass run by C."""
    return list(map(_FIRST, lines))


def _located_bodies(raw: list[str], hunks: list[Hunk]) -> list[list[str]] | None:
    """Each hunk's body as a slice of `raw`, by the rules unidiff parsed it with.

    Every line that matches a hunk header is one, in order (a body line never starts with
    `@`). A body holds `added + source_length` counted lines plus any `\\` lines among them;
    a no-newline marker or a blank line right after it belongs to it too. None when that does
    not fit; the caller also checks each body's counts against unidiff's.
    """
    firsts = _firsts(raw)
    every = range(len(raw))
    heads = [
        i for i in compress(every, map("@".__eq__, firsts)) if RE_HUNK_HEADER.match(raw[i])
    ]
    if len(heads) != len(hunks):
        return None
    markers = list(compress(every, map(LINE_TYPE_NO_NEWLINE.__eq__, firsts)))
    bodies: list[list[str]] = []
    for head, hunk in zip(heads, hunks, strict=True):
        start = head + 1
        counted = hunk.added + hunk.source_length
        if counted == 0:  # unidiff reads one line into an empty hunk before it checks
            return None
        end = start + counted
        while True:  # widen by the marker lines inside, until no more fall in
            inside = bisect_left(markers, end) - bisect_left(markers, start)
            if start + counted + inside == end:
                break
            end = start + counted + inside
        if end > len(raw):
            return None
        body = raw[start:end]
        while end < len(raw) and (raw[end] == "\n" or RE_NO_NEWLINE_MARKER.match(raw[end])):
            body.append(TRAILING_EMPTY if raw[end] == "\n" else MARKER)
            end += 1
        bodies.append(body)
    return bodies


def _unidiff_bodies(raw: list[str]) -> list[list[str]]:
    """Each hunk's body from unidiff's full parse, in the form `_located_bodies` gives."""
    return [
        [
            TRAILING_EMPTY if line.line_type == LINE_TYPE_EMPTY else line.line_type + line.value
            for line in hunk
        ]
        for patched in PatchSet(raw)
        for hunk in patched
    ]


@dataclass
class Scan:
    """What one pass over a hunk's body found."""

    words: list[str]  # evaluation words in changed lines, distinct, in order of appearance
    hits: frozenset[int]  # indices of the body lines that hold them
    added: int
    removed: int
    widest: int  # the longest body line as shown, in characters


def _scan(body: list[str]) -> Scan:
    """One regex pass over a hunk's changed lines joined, instead of one per line.

    The per-line work runs in C (map, compress, list.count): a hunk may have any length.
    """
    firsts = _firsts(body)
    changed = list(compress(range(len(body)), map(_CHANGED.__contains__, firsts)))
    values = list(map(_REST, map(body.__getitem__, changed)))
    ends = list(accumulate(map(len, values)))
    words: list[str] = []
    hits: set[int] = set()
    for offset, word in word_matches("".join(values)):
        hits.add(changed[bisect_right(ends, offset)])
        if word not in words:
            words.append(word)
    widest = max(map(len, map(_STRIP_EOL, body)), default=0)
    return Scan(words, frozenset(hits), firsts.count("+"), firsts.count("-"), widest)


def scan_hunks(raw: list[str], hunks: list[Hunk]) -> tuple[list[list[str]], list[Scan]]:
    """Every hunk's body and scan: located in `raw` when that agrees with unidiff's counts,
    else from unidiff's own lines."""
    bodies = _located_bodies(raw, hunks)
    if bodies is not None:
        scans = [_scan(body) for body in bodies]
        if all(
            (scan.added, scan.removed) == (hunk.added, hunk.removed)
            for scan, hunk in zip(scans, hunks, strict=True)
        ):
            return bodies, scans
    bodies = _unidiff_bodies(raw)
    return bodies, [_scan(body) for body in bodies]
