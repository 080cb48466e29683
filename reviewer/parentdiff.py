"""The code change between a proposal and the proposal it builds on.

Both diffs target the same pinned harness tree. Each is applied, with the checks a rerun
applies, to a scratch copy of the harness files it touches, and the two results are
compared file by file. What a child adds to a reviewed parent is what needs reviewing: a
label peek slipped into the tenth commit of a chain hides in the cumulative diff.
"""

from __future__ import annotations

import difflib
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from reviewer.checks.bases import BaseReader
from reviewer.rerun.diffcheck import DiffPolicy, DiffRefused, apply_diff, validate
from store import ReviewStore
from store.lineage import Relative

NO_NEWLINE = "\\ No newline at end of file\n"


class ParentDiffError(Exception):
    """No comparison can be made; the message says why and is safe to show."""


@dataclass(frozen=True)
class ParentDiff:
    """The parent compared with, and the unified diff from its files to the proposal's."""

    parent: Relative
    diff: bytes  # git-style, empty when both leave the harness the same
    files: list[str]  # the paths that differ


def parent_diff(store: ReviewStore, ref: str) -> ParentDiff:
    """What `ref`'s code changes relative to the first proposal its `parent` names."""
    from reviewer.checks.run import allow_list, harness_bases
    from reviewer.config import ConfigError

    row = store.get(ref)
    if not row["parent"]:
        raise ParentDiffError("it names no proposal it builds on")
    parents = store.lineage(row["id"], limit=1).parents
    if not parents:
        raise ParentDiffError("the proposal it builds on is not in this store")
    parent = parents[0]
    theirs = store.get(parent.id)
    if not row["diff"]:
        raise ParentDiffError("it has no code attached")
    if (theirs["harness"], theirs["base"]) != (row["harness"], row["base"]):
        raise ParentDiffError(
            f"its parent {parent.id[:12]} targets another harness tree "
            f"({theirs['harness']} {(theirs['base'] or 'none')[:12]}, not "
            f"{row['harness']} {(row['base'] or 'none')[:12]})"
        )
    try:
        allow, bases = allow_list(row["harness"]), harness_bases(row["harness"])
    except ConfigError as exc:
        raise ParentDiffError(str(exc)) from exc
    if allow is None or bases is None:
        raise ParentDiffError(f"the harness {row['harness']!r} is not configured")
    policy = DiffPolicy(allow=allow)
    mine = _after(row["diff"], policy, bases, "its diff")
    before = _after(theirs["diff"], policy, bases, "its parent's diff") if theirs["diff"] else {}
    sections: list[str] = []
    files: list[str] = []
    for path in sorted(mine.keys() | before.keys()):
        old = before[path] if path in before else bases(path)
        new = mine[path] if path in mine else bases(path)
        if old != new:
            files.append(path)
            sections.extend(_section(path, old, new))
    return ParentDiff(parent, "".join(sections).encode("utf-8"), files)


def _after(diff: bytes, policy: DiffPolicy, bases: BaseReader, what: str) -> dict[str, str]:
    """Each file `diff` changes, as it reads once the diff is applied to the harness."""
    try:
        changes = validate(diff, policy)
        with tempfile.TemporaryDirectory(prefix="reviewer-parentdiff-") as tmp:
            base, out = Path(tmp, "base"), Path(tmp, "out")
            base.mkdir()
            for change in changes:
                text = bases(change.path)
                if text is not None:
                    target = base / change.path
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(text.encode("utf-8"))
            apply_diff(diff, base, out, policy)
            return {c.path: (out / c.path).read_bytes().decode("utf-8", "replace")
                    for c in changes}  # fmt: skip
    except DiffRefused as exc:
        raise ParentDiffError(f"{what} cannot be applied: {exc}") from exc


def _section(path: str, old: str | None, new: str | None) -> Iterator[str]:
    """One file's part of a git-style diff; None is a file the tree does not have."""
    yield f"diff --git a/{path} b/{path}\n"
    if old is None:
        yield "new file mode 100644\n"
    elif new is None:
        yield "deleted file mode 100644\n"
    lines = difflib.unified_diff(
        _lines(old or ""),
        _lines(new or ""),
        "/dev/null" if old is None else f"a/{path}",
        "/dev/null" if new is None else f"b/{path}",
    )
    for line in lines:
        # A last line without a newline is marked as git marks it.
        yield line if line.endswith("\n") else line + "\n" + NO_NEWLINE


def _lines(text: str) -> list[str]:
    """Lines split at newlines only, each keeping its own (`splitlines` also splits at CR)."""
    parts = text.split("\n")
    return [p + "\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])
