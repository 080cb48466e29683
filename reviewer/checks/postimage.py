"""A modified file as the diff leaves it: its base text with the hunks applied.

Static checks see only a modified file's hunks; a question about the whole file (does `run`
still read the teacher?) needs the whole file after the change. Hunks apply as `git apply`
applies them by default: context must match exactly, but a hunk whose stated line is off is
placed where its lines do match, nearest the stated line first. Otherwise a diff could give
wrong line numbers to keep this check silent while the rerun still applies it. A hunk that
matches nowhere gives None, and the check stays silent.
"""

from __future__ import annotations

from dataclasses import dataclass

import unidiff


@dataclass(frozen=True)
class PostImage:
    """The whole file after the change, and the numbers of the lines the diff added to it."""

    text: str
    added: frozenset[int]


def _text(line: unidiff.patch.Line) -> str:
    return line.value.rstrip("\r\n")


def _lines(text: str) -> list[str]:
    """Lines split on "\\n" only, as git splits them (str.splitlines also splits on \\f...)."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line.rstrip("\r") for line in lines]


def _place(lines: list[str], source: list[str], stated: int, earliest: int) -> int | None:
    """Where `source` matches `lines`, at or after `earliest`, nearest `stated` first."""
    last = len(lines) - len(source)
    if not source:
        return stated if earliest <= stated <= len(lines) else None
    for distance in range(max(stated - earliest, last - stated, 0) + 1):
        for at in (stated - distance, stated + distance):
            if earliest <= at <= last and lines[at] == source[0]:
                if lines[at : at + len(source)] == source:
                    return at
    return None


def apply_hunks(base: str, patched: unidiff.PatchedFile) -> PostImage | None:
    """`base` with every hunk of `patched` applied in order, or None if one matches nowhere.

    The added lines are numbered where they landed, which is not where the hunk header says
    when a hunk had to be placed elsewhere.
    """
    lines = _lines(base)
    out: list[str] = []
    added: set[int] = set()
    at = 0  # index into `lines` of the next base line not yet copied
    for hunk in patched:
        source = [_text(ln) for ln in hunk if ln.is_context or ln.is_removed]
        # A zero-length source range names the line after which the hunk inserts.
        stated = hunk.source_start - (1 if hunk.source_length else 0)
        start = _place(lines, source, stated, at)
        if start is None:
            return None
        out += lines[at:start]
        for ln in hunk:
            if ln.is_context or ln.is_added:
                out.append(_text(ln))
                if ln.is_added:
                    added.add(len(out))
        at = start + len(source)
    out += lines[at:]
    return PostImage("\n".join(out) + "\n" if out else "", frozenset(added))
