"""A diff's display lines, made on demand from each hunk's raw body lines as they are read."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal, overload

from unidiff.constants import LINE_TYPE_NO_NEWLINE, LINE_VALUE_NO_NEWLINE

LineKind = Literal["file", "hunk", "added", "removed", "context", "note"]

_BODY_TYPES = ("+", "-", " ", LINE_TYPE_NO_NEWLINE)
# A hunk body line as unidiff would show it: raw text, except these two stand-ins.
TRAILING_EMPTY = ""  # a blank line after a hunk, which unidiff keeps as an empty line
MARKER = LINE_TYPE_NO_NEWLINE + LINE_VALUE_NO_NEWLINE


@dataclass(frozen=True)
class DiffLine:
    """One display line; `flagged` marks a suspicious hunk header or changed line."""

    kind: LineKind
    text: str
    path: str
    flagged: bool = False


def _display(raw: str) -> tuple[LineKind, str]:
    """The kind and text of a hunk body line, as unidiff's Line would give them."""
    if raw == TRAILING_EMPTY:
        return "context", ""
    if not raw.startswith(_BODY_TYPES):
        return "context", " "  # a blank line inside a hunk is an empty context line
    kind: LineKind = "added" if raw[0] == "+" else "removed" if raw[0] == "-" else "context"
    return kind, raw.rstrip("\r\n")


@dataclass
class HunkLines:
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
        self._parts: list[DiffLine | HunkLines] = []
        self._length = 0
        self.made = 0

    def add(self, part: DiffLine | HunkLines) -> None:
        self._starts.append(self._length)
        self._parts.append(part)
        self._length += len(part) if isinstance(part, HunkLines) else 1

    def __len__(self) -> int:
        return self._length

    def locate(self, path: str, line: int) -> int | None:
        """The display index of the new file's `line` of `path`, when a hunk shows it."""
        for start, part in zip(self._starts, self._parts, strict=True):
            if isinstance(part, HunkLines) and part.header.path == path:
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

