"""A proposal's diff as display lines, with suspicious files and hunks flagged and put first.

Pure (no Textual): the rule for what looks evaluation-related is tested on its own. The text
is kept raw here and cleaned by the renderer line by line, so parsing sees the real diff.

Building stays cheap at any size. unidiff parses and validates the diff in its metadata-only
mode (files, hunks and counts, no object per line); each hunk's body is then the slice of raw
lines that unidiff counted, checked against its counts. One regex pass per hunk finds the
evaluation words, which decide the order, and a display line is only made when it is read.
Those parts live beside it: the word rule in `reviewer.evalwords`, the bodies and their scan in
`reviewer.diffhunks`, the lines made on demand in `reviewer.difflines`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from unidiff import PatchSet
from unidiff.errors import UnidiffParseError

from reviewer.diffhunks import scan_hunks
from reviewer.difflines import DiffLine, DiffLines, HunkLines
from reviewer.evalwords import eval_words
from reviewer.rerun.diffcheck import BUILTIN_ALLOW
from reviewer.textsafe import clean

_LINES = re.compile(r"[^\n]*\n|[^\n]+$")


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


def allowed(path: str, allow: tuple[str, ...]) -> bool:
    return any(path.startswith(prefix) for prefix in allow)


def _file_path(patched: object) -> str:
    path = getattr(patched, "path", "") or ""
    return clean(path, single_line=True)


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
        bodies, scans = scan_hunks(raw_lines, hunks)
    except (UnidiffParseError, ValueError) as exc:
        raw = [DiffLine("note", f"unparsable diff: {clean(str(exc), single_line=True)}", "")]
        raw += [DiffLine("context", line.rstrip("\n"), "") for line in raw_lines]
        return DiffDocument([], raw, error=str(exc))
    blocks: list[tuple[DiffFile, list[HunkLines]]] = []
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
        parts: list[HunkLines] = []
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
            parts.append(HunkLines(header_line, body, scan.hits, not permitted,
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
