"""A proposal's diff as display lines, with suspicious files and hunks flagged and put first.

Pure (no Textual): the rule for what looks evaluation-related is tested on its own. The text
is kept raw here and cleaned by the renderer line by line, so parsing sees the real diff.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from unidiff import PatchSet
from unidiff.errors import UnidiffParseError

from reviewer.rerun.diffcheck import BUILTIN_ALLOW
from reviewer.textsafe import clean

LineKind = Literal["file", "hunk", "added", "removed", "context", "note"]

# Words that point at evaluation data or scoring; a method under review has no business there.
EVAL_WORDS = re.compile(
    r"\b(labels?|tests?|scores?|scorer|scoring|eval\w*|ground[ _-]?truth|salt|cache[ds]?)\b",
    re.IGNORECASE,
)


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
    lines: list[DiffLine]
    error: str | None = None

    @property
    def width(self) -> int:
        """The widest line, for horizontal scrolling (a cheap upper bound in characters)."""
        return max((len(line.text) for line in self.lines), default=0) + 4


def allowed(path: str, allow: tuple[str, ...]) -> bool:
    return any(path.startswith(prefix) for prefix in allow)


def eval_words(text: str) -> list[str]:
    """Distinct evaluation-related words in `text`, lower-cased, in order of appearance."""
    found: list[str] = []
    for match in EVAL_WORDS.finditer(text):
        word = match.group(0).lower()
        if word not in found:
            found.append(word)
    return found


def _file_path(patched: object) -> str:
    path = getattr(patched, "path", "") or ""
    return clean(path, single_line=True)


def build(diff: str | bytes | None, allow: tuple[str, ...] = BUILTIN_ALLOW) -> DiffDocument:
    """Parse `diff` into a document; an unparsable diff is shown raw with an error note."""
    if diff is None:
        return DiffDocument([], [DiffLine("note", "no code attached to this proposal", "")])
    text = diff.decode("utf-8", "replace") if isinstance(diff, bytes) else diff
    try:
        patch = PatchSet(text.splitlines(keepends=True))
    except (UnidiffParseError, ValueError) as exc:
        raw = [DiffLine("note", f"unparsable diff: {clean(str(exc), single_line=True)}", "")]
        raw += [DiffLine("context", line, "") for line in text.splitlines()]
        return DiffDocument([], raw, error=str(exc))
    blocks: list[tuple[DiffFile, list[DiffLine]]] = []
    for patched in patch:
        path = _file_path(patched)
        info = DiffFile(path, patched.added, patched.removed)
        if not allowed(path, allow):
            info.reasons.append(f"outside the allow-list ({', '.join(allow) or 'none'})")
        if words := eval_words(path):
            info.reasons.append(f"path mentions {', '.join(words)}")
        body: list[DiffLine] = []
        for hunk in patched:
            changed = "".join(line.value for line in hunk if line.is_added or line.is_removed)
            words = eval_words(changed)
            if words:
                info.reasons.append(f"hunk at +{hunk.target_start} mentions {', '.join(words)}")
            flagged = bool(words) or not allowed(path, allow)
            header = f"@@ -{hunk.source_start},{hunk.source_length} "
            header += f"+{hunk.target_start},{hunk.target_length} @@ {hunk.section_header}"
            body.append(DiffLine("hunk", header.rstrip(), path, flagged))
            for line in hunk:
                kind: LineKind = (
                    "added" if line.is_added else "removed" if line.is_removed else "context"
                )
                # Mark the lines that matched, or every changed line of a disallowed file.
                hit = kind != "context" and (
                    not allowed(path, allow) or bool(eval_words(line.value))
                )
                body.append(DiffLine(kind, line.line_type + line.value.rstrip("\r\n"), path, hit))
        blocks.append((info, body))
    # Suspicious files first, so the reviewer reads them before the harmless ones.
    blocks.sort(key=lambda block: not block[0].flagged)
    files: list[DiffFile] = []
    lines: list[DiffLine] = []
    for info, body in blocks:
        info.start = len(lines)
        marker = "  ! " + "; ".join(info.reasons) if info.flagged else ""
        title = f"{info.path}  +{info.added} -{info.removed}{marker}"
        lines.append(DiffLine("file", title, info.path, info.flagged))
        lines.extend(body)
        files.append(info)
    if not files:
        lines.append(DiffLine("note", "the diff changes no files", ""))
    return DiffDocument(files, lines)
