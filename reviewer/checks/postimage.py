"""A modified file as the diff leaves it: its base text with the hunks applied as git does.

Static checks see only a modified file's hunks; a question about the whole file (does `run`
still read the teacher? what do its added lines do among the unchanged ones?) needs the
whole file after the change, and it must be the file `git apply` writes, or a diff could
show the scan one file and run another. So this follows git's `apply_one_fragment`: each
hunk, in the diff's order, is searched for in the file as the hunks before it left it,
starting at the line its `+` range names and trying one line later, then one earlier, and
so on; lines an earlier hunk wrote are never matched again; a hunk that starts at line 0
or 1 must match at the top, and one without trailing context at the bottom; a line
followed by a `\\ No newline` marker loses its newline. A hunk that matches nowhere gives
None, as git refuses the diff.
"""

from __future__ import annotations

from dataclasses import dataclass

import unidiff

# What git's line hash skips (isspace): lines that differ only there pass its quick check.
_SPACE = str.maketrans("", "", " \t\n\v\f\r")


@dataclass(frozen=True)
class PostImage:
    """The whole file after the change, and the numbers of the lines the diff added to it."""

    text: str
    added: frozenset[int]


def _lines(text: str) -> list[str]:
    """Lines with their "\\n", split on "\\n" only as git splits them; the last may lack it."""
    parts = text.split("\n")
    return [p + "\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


@dataclass
class _Hunk:
    pre: list[str]
    post: list[tuple[str, bool]]  # (text, added)
    match_beginning: bool
    match_end: bool
    pos: int
    whole_lines: bool  # every line of `pre` ends in a newline (no marker cut one)


def _hunk(hunk: unidiff.Hunk) -> _Hunk:
    lines = list(hunk)
    pre: list[str] = []
    post: list[tuple[str, bool]] = []
    trailing = 0
    for i, ln in enumerate(lines):
        if ln.line_type == "\\":
            continue
        text = ln.value
        if i + 1 < len(lines) and lines[i + 1].line_type == "\\":
            text = text[:-1]  # git drops the newline of a line a marker follows
        if ln.is_context:
            pre.append(text)
            post.append((text, False))
            trailing += 1
        elif ln.is_removed:
            pre.append(text)
            trailing = 0
        elif ln.is_added:
            post.append((text, True))
            trailing = 0
    return _Hunk(pre, post, match_beginning=hunk.source_start <= 1, match_end=trailing == 0,
                 pos=hunk.target_start - 1 if hunk.target_start else 0,
                 whole_lines=all(line.endswith("\n") for line in pre))


def _matches(img: list[str], patched: list[bool], h: _Hunk, at: int) -> bool:
    """git's `match_fragment` without whitespace options."""
    n, size = len(img), len(h.pre)
    if size + at > n or (h.match_end and size + at != n) or (h.match_beginning and at):
        return False
    if h.whole_lines:
        # Every line ends in a newline: git's byte comparison is the lines' equality. Line by
        # line with an early exit, as git does: slicing copied `size` lines at every position
        # of a growing image, and a crafted 1 MiB diff took minutes.
        for k, line in enumerate(h.pre):
            if patched[at + k] or img[at + k] != line:
                return False
        return True
    for k, line in enumerate(h.pre):
        if patched[at + k] or line.translate(_SPACE) != img[at + k].translate(_SPACE):
            return False
    want = "".join(h.pre)
    if h.match_end:
        return "".join(img[at:]) == want
    # git compares bytes from here on, which may run past the hunk's own lines.
    got, end = "", at
    while len(got) < len(want) and end < n:
        got += img[end]
        end += 1
    return got.startswith(want)


def _find(img: list[str], patched: list[bool], h: _Hunk) -> int | None:
    """git's `find_pos`: the stated line, then one after, one before, two after..."""
    n = len(img)
    line = 0 if h.match_beginning else n - len(h.pre) if h.match_end else h.pos
    if not 0 <= line <= n:
        line = n
    back = fwd = cur = line
    i = 0
    while True:
        if _matches(img, patched, h, cur):
            return cur
        while True:
            if back == 0 and fwd == n:
                return None
            if i & 1:
                if back == 0:
                    i += 1
                    continue
                back -= 1
                cur = back
            else:
                if fwd == n:
                    i += 1
                    continue
                fwd += 1
                cur = fwd
            break
        i += 1


def apply_hunks(base: str, patched: unidiff.PatchedFile) -> PostImage | None:
    """`base` with every hunk of `patched` applied as `git apply` applies them, or None if
    one matches nowhere. The added lines are numbered where they landed."""
    img = _lines(base)
    done = [False] * len(img)  # git's LINE_PATCHED: written by a hunk, never matched again
    added = [False] * len(img)
    for hunk in patched:
        h = _hunk(hunk)
        at = _find(img, done, h)
        if at is None:
            return None
        end = at + len(h.pre)
        img[at:end] = [text for text, _ in h.post]
        done[at:end] = [True] * len(h.post)
        added[at:end] = [new for _, new in h.post]
    return PostImage("".join(img), frozenset(i + 1 for i, new in enumerate(added) if new))
