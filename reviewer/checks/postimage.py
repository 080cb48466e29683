"""A modified file as the diff leaves it: its base text with the hunks applied exactly.

Static checks see only a modified file's hunks; a question about the whole file (does `run`
still read the teacher?) needs the whole file after the change. No fuzz and no offsets: a
hunk that does not match the base where it says gives None, and the check stays silent.
"""

from __future__ import annotations

import unidiff


def _text(line: unidiff.patch.Line) -> str:
    return line.value.rstrip("\r\n")


def apply_hunks(base: str, patched: unidiff.PatchedFile) -> str | None:
    """`base` with every hunk of `patched` applied at its stated lines, or None on a mismatch."""
    lines = base.splitlines()
    out: list[str] = []
    at = 0  # index into `lines` of the next base line not yet copied
    for hunk in patched:
        # A zero-length source range names the line after which the hunk inserts.
        start = hunk.source_start - (1 if hunk.source_length else 0)
        if start < at or start > len(lines):
            return None
        out += lines[at:start]
        at = start
        for line in hunk:
            if line.is_context or line.is_removed:
                if at >= len(lines) or lines[at] != _text(line):
                    return None
                at += 1
            if line.is_context or line.is_added:
                out.append(_text(line))
    out += lines[at:]
    return "\n".join(out) + "\n" if out else ""
