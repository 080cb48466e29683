"""A proposal's diff as display lines, with suspicious files and hunks flagged and put first.

Pure (no Textual): the rule for what looks evaluation-related is tested on its own. The text
is kept raw here and cleaned by the renderer line by line, so parsing sees the real diff.

Building stays cheap at any size. unidiff parses and validates the diff in its metadata-only
mode (files, hunks and counts, no object per line); each hunk's body is then the slice of raw
lines that unidiff counted, checked against its counts. One regex pass per hunk finds the
evaluation words, which decide the order, and a display line is only made when it is read.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import accumulate, compress
from operator import itemgetter, methodcaller
from typing import Literal, overload

from unidiff import Hunk, PatchSet
from unidiff.constants import (
    LINE_TYPE_EMPTY,
    LINE_TYPE_NO_NEWLINE,
    LINE_VALUE_NO_NEWLINE,
    RE_HUNK_HEADER,
    RE_NO_NEWLINE_MARKER,
)
from unidiff.errors import UnidiffParseError

from reviewer.rerun.diffcheck import BUILTIN_ALLOW
from reviewer.textsafe import clean

_LINES = re.compile(r"[^\n]*\n|[^\n]+$")

LineKind = Literal["file", "hunk", "added", "removed", "context", "note"]

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
_CHANGED = frozenset(("+", "-"))
_FIRST = itemgetter(slice(0, 1))
_REST = itemgetter(slice(1, None))
_STRIP_EOL = methodcaller("rstrip", "\r\n")
_BODY_TYPES = ("+", "-", " ", LINE_TYPE_NO_NEWLINE)
# A hunk body line as unidiff would show it: raw text, except these two stand-ins.
_TRAILING_EMPTY = ""  # a blank line after a hunk, which unidiff keeps as an empty line
_MARKER = LINE_TYPE_NO_NEWLINE + LINE_VALUE_NO_NEWLINE


@dataclass(frozen=True)
class DiffLine:
    """One display line; `flagged` marks a suspicious hunk header or changed line."""

    kind: LineKind
    text: str
    path: str
    flagged: bool = False


@dataclass
class DiffFile:
    """One changed file, why it is suspicious, and where its lines start in the document."""

    path: str
    added: int
    removed: int
    reasons: list[str] = field(default_factory=list)
    start: int = 0

    @property
    def flagged(self) -> bool:
        return bool(self.reasons)


@dataclass
class DiffDocument:
    """The whole diff: files (suspicious first) and the flattened display lines."""

    files: list[DiffFile]
    lines: Sequence[DiffLine]
    error: str | None = None
    widest: int | None = None  # the longest line in characters, when build knows it cheaply

    def index_of(self, path: str, line: int) -> int | None:
        """The display index of line `line` of `path` after the change, if the diff shows it."""
        return self.lines.locate(path, line) if isinstance(self.lines, DiffLines) else None

    @property
    def width(self) -> int:
        """The widest line, for horizontal scrolling (a cheap upper bound in characters)."""
        if self.widest is None:
            self.widest = max((len(line.text) for line in self.lines), default=0)
        return self.widest + 4


def _display(raw: str) -> tuple[LineKind, str]:
    """The kind and text of a hunk body line, as unidiff's Line would give them."""
    if raw == _TRAILING_EMPTY:
        return "context", ""
    if not raw.startswith(_BODY_TYPES):
        return "context", " "  # a blank line inside a hunk is an empty context line
    kind: LineKind = "added" if raw[0] == "+" else "removed" if raw[0] == "-" else "context"
    return kind, raw.rstrip("\r\n")


@dataclass
class _HunkLines:
    """A hunk's header and raw body lines; a body line becomes a DiffLine only when read."""

    header: DiffLine
    body: list[str]
    hits: frozenset[int]  # body lines (by index) that mention evaluation words
    flag_all: bool  # the file is outside the allow-list: every changed line is marked
    target_start: int = 0  # the new file's line number of the hunk's first line

    def offset_of(self, line: int) -> int | None:
        """The display offset of the new file's `line` in this hunk (added or context),
        or None when the hunk does not hold it."""
        at = self.target_start
        if line < at:
            return None
        for index, raw in enumerate(self.body):
            if raw.startswith("-") or raw.startswith("\\"):
                continue  # a removed line or "no newline" marker is in no new-file line
            if at == line:
                return 1 + index
            at += 1
        return None

    def __len__(self) -> int:
        return 1 + len(self.body)

    def line(self, offset: int) -> DiffLine:
        if offset == 0:
            return self.header
        kind, text = _display(self.body[offset - 1])
        # Mark the lines that matched, or every changed line of a disallowed file.
        hit = kind != "context" and (self.flag_all or offset - 1 in self.hits)
        return DiffLine(kind, text, self.header.path, hit)


class DiffLines(Sequence[DiffLine]):
    """The display lines of a parsed diff, made on demand from the hunks' raw lines.

    `made` counts the lines made so far, so tests can see that opening a huge diff only
    touches what is drawn.
    """

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._parts: list[DiffLine | _HunkLines] = []
        self._length = 0
        self.made = 0

    def add(self, part: DiffLine | _HunkLines) -> None:
        self._starts.append(self._length)
        self._parts.append(part)
        self._length += len(part) if isinstance(part, _HunkLines) else 1

    def __len__(self) -> int:
        return self._length

    def locate(self, path: str, line: int) -> int | None:
        """The display index of the new file's `line` of `path`, when a hunk shows it."""
        for start, part in zip(self._starts, self._parts, strict=True):
            if isinstance(part, _HunkLines) and part.header.path == path:
                offset = part.offset_of(line)
                if offset is not None:
                    return start + offset
        return None

    @overload
    def __getitem__(self, index: int) -> DiffLine: ...

    @overload
    def __getitem__(self, index: slice) -> list[DiffLine]: ...

    def __getitem__(self, index: int | slice) -> DiffLine | list[DiffLine]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._length))]
        if index < 0:
            index += self._length
        if not 0 <= index < self._length:
            raise IndexError("diff line index out of range")
        at = bisect_right(self._starts, index) - 1
        part = self._parts[at]
        self.made += 1
        return part if isinstance(part, DiffLine) else part.line(index - self._starts[at])

    def __iter__(self) -> Iterator[DiffLine]:
        for part in self._parts:
            if isinstance(part, DiffLine):
                self.made += 1
                yield part
            else:
                for offset in range(len(part)):
                    self.made += 1
                    yield part.line(offset)


def allowed(path: str, allow: tuple[str, ...]) -> bool:
    return any(path.startswith(prefix) for prefix in allow)


def _stem_starts(lower: str) -> list[int]:
    starts: list[int] = []
    for stem in _STEMS:
        at = lower.find(stem)
        while at != -1:
            starts.append(at)
            at = lower.find(stem, at + 1)
    return sorted(starts)


def _word_matches(text: str) -> Iterator[tuple[int, str]]:
    """(offset, lower-cased word) for each evaluation-related word in `text`, in order."""
    if not text.isascii():
        for match in EVAL_WORDS.finditer(text):
            yield match.start(), match.group(0).lower()
        return
    lower = text.lower()
    # Matches cannot overlap (each ends at a word boundary), so trying each stem is exact.
    for start in _stem_starts(lower):
        if match := _EVAL_WORDS_ASCII.match(lower, start):
            yield start, match.group(0)


def eval_words(text: str) -> list[str]:
    """Distinct evaluation-related words in `text`, lower-cased, in order of appearance."""
    found: list[str] = []
    for _, word in _word_matches(text):
        if word not in found:
            found.append(word)
    return found


def _file_path(patched: object) -> str:
    path = getattr(patched, "path", "") or ""
    return clean(path, single_line=True)


# -- hunk bodies ---------------------------------------------------------------------------


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
            body.append(_TRAILING_EMPTY if raw[end] == "\n" else _MARKER)
            end += 1
        bodies.append(body)
    return bodies


def _unidiff_bodies(raw: list[str]) -> list[list[str]]:
    """Each hunk's body from unidiff's full parse, in the form `_located_bodies` gives."""
    return [
        [
            _TRAILING_EMPTY if line.line_type == LINE_TYPE_EMPTY else line.line_type + line.value
            for line in hunk
        ]
        for patched in PatchSet(raw)
        for hunk in patched
    ]


@dataclass
class _Scan:
    """What one pass over a hunk's body found."""

    words: list[str]  # evaluation words in changed lines, distinct, in order of appearance
    hits: frozenset[int]  # indices of the body lines that hold them
    added: int
    removed: int
    widest: int  # the longest body line as shown, in characters


def _scan(body: list[str]) -> _Scan:
    """One regex pass over a hunk's changed lines joined, instead of one per line.

    The per-line work runs in C (map, compress, list.count): a hunk may have any length.
    """
    firsts = _firsts(body)
    changed = list(compress(range(len(body)), map(_CHANGED.__contains__, firsts)))
    values = list(map(_REST, map(body.__getitem__, changed)))
    ends = list(accumulate(map(len, values)))
    words: list[str] = []
    hits: set[int] = set()
    for offset, word in _word_matches("".join(values)):
        hits.add(changed[bisect_right(ends, offset)])
        if word not in words:
            words.append(word)
    widest = max(map(len, map(_STRIP_EOL, body)), default=0)
    return _Scan(words, frozenset(hits), firsts.count("+"), firsts.count("-"), widest)


def _scans(raw: list[str], hunks: list[Hunk]) -> tuple[list[list[str]], list[_Scan]]:
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


# -- the document --------------------------------------------------------------------------


def build(diff: str | bytes | None, allow: tuple[str, ...] = BUILTIN_ALLOW) -> DiffDocument:
    """Parse `diff` into a document; an unparsable diff is shown raw with an error note."""
    if diff is None:
        return DiffDocument([], [DiffLine("note", "no code attached to this proposal", "")])
    text = diff.decode("utf-8", "replace") if isinstance(diff, bytes) else diff
    # Split on "\n" only, as git apply does, so what is shown is what the checker judged.
    raw_lines = _LINES.findall(text)
    try:
        patch = PatchSet(raw_lines, metadata_only=True)
        hunks = [hunk for patched in patch for hunk in patched]
        bodies, scans = _scans(raw_lines, hunks)
    except (UnidiffParseError, ValueError) as exc:
        raw = [DiffLine("note", f"unparsable diff: {clean(str(exc), single_line=True)}", "")]
        raw += [DiffLine("context", line.rstrip("\n"), "") for line in raw_lines]
        return DiffDocument([], raw, error=str(exc))
    blocks: list[tuple[DiffFile, list[_HunkLines]]] = []
    widest = 0
    next_hunk = iter(zip(bodies, scans, strict=True))
    for patched in patch:
        path = _file_path(patched)
        permitted = allowed(path, allow)
        info = DiffFile(path, patched.added, patched.removed)
        if not permitted:
            info.reasons.append(f"outside the allow-list ({', '.join(allow) or 'none'})")
        if words := eval_words(path):
            info.reasons.append(f"path mentions {', '.join(words)}")
        parts: list[_HunkLines] = []
        for hunk in patched:
            body, scan = next(next_hunk)
            if scan.words:
                info.reasons.append(
                    f"hunk at +{hunk.target_start} mentions {', '.join(scan.words)}"
                )
            header = f"@@ -{hunk.source_start},{hunk.source_length} "
            header += f"+{hunk.target_start},{hunk.target_length} @@ {hunk.section_header}"
            flagged = bool(scan.words) or not permitted
            header_line = DiffLine("hunk", header.rstrip(), path, flagged)
            parts.append(_HunkLines(header_line, body, scan.hits, not permitted,
                                    hunk.target_start))
            widest = max(widest, scan.widest)
        blocks.append((info, parts))
    # Suspicious files first, so the reviewer reads them before the harmless ones.
    blocks.sort(key=lambda block: not block[0].flagged)
    files: list[DiffFile] = []
    lines = DiffLines()
    for info, parts in blocks:
        info.start = len(lines)
        marker = "  ! " + "; ".join(info.reasons) if info.flagged else ""
        title = f"{info.path}  +{info.added} -{info.removed}{marker}"
        lines.add(DiffLine("file", title, info.path, info.flagged))
        widest = max(widest, len(title), *(len(part.header.text) for part in parts))
        for part in parts:
            lines.add(part)
        files.append(info)
    if not files:
        lines.add(DiffLine("note", "the diff changes no files", ""))
    lines.made = 0
    return DiffDocument(files, lines, widest=widest)
