"""The code change between a proposal and the proposal it builds on.

Both diffs target the same pinned harness tree. Each is applied, with the checks a rerun
applies, to a scratch copy of the harness files it touches, and the two results are
compared file by file. What a child adds to a reviewed parent is what needs reviewing: a
label peek slipped into the tenth commit of a chain hides in the cumulative diff.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from reviewer.checks.bases import BaseReader, at_most
from reviewer.gitenv import GitError, isolated_env, run_git
from reviewer.rerun.diffcheck import (
    MAX_FILES,
    DiffPolicy,
    DiffRefused,
    apply_validated,
    validate,
)
from store import ReviewStore
from store.lineage import Relative

GIT_TIMEOUT_S = 30.0


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
    from reviewer.allowlist import allow_list
    from reviewer.checks.scanpool import harness_bases
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
    # Each path is read up to four times below, and an external harness reads with a git
    # process; at_most remembers each read (two diffs of at most MAX_FILES files each).
    bases = at_most(bases, files=2 * MAX_FILES)
    mine = _after(row["diff"], policy, bases, "its diff")
    before = _after(theirs["diff"], policy, bases, "its parent's diff") if theirs["diff"] else {}
    # A file only one side touches is the harness's own on the other side.
    touched = mine.keys() | before.keys()
    old = {path: before[path] if path in before else bases(path) for path in touched}
    new = {path: mine[path] if path in mine else bases(path) for path in touched}
    files = sorted(path for path in touched if old[path] != new[path])
    return ParentDiff(parent, _git_diff({p: old[p] for p in files}, {p: new[p] for p in files}),
                      files)


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
            apply_validated(diff, changes, base, out, policy)
            return {c.path: (out / c.path).read_bytes().decode("utf-8", "replace")
                    for c in changes}  # fmt: skip
    except DiffRefused as exc:
        raise ParentDiffError(f"{what} cannot be applied: {exc}") from exc


def _git_diff(old: dict[str, str | None], new: dict[str, str | None]) -> bytes:
    """A git diff from the `old` files to the `new` ones (None: the file is not there).

    git's own diff, since difflib takes minutes on a hostile pair of 20,000-line files
    that git compares in milliseconds. It runs on two trees written into a scratch
    repository, with no config and plumbing only, so nothing in the files can steer it.
    """
    if not old:
        return b""
    with tempfile.TemporaryDirectory(prefix="reviewer-parentdiff-") as tmp:
        root = Path(tmp)

        def git(*args: str) -> bytes:
            try:
                return run_git(["git", "-c", "core.quotepath=false", "-C", str(root)], *args,
                               env=isolated_env(root, ceiling=root.parent),
                               timeout=GIT_TIMEOUT_S)  # fmt: skip
            except GitError as exc:
                raise ParentDiffError(str(exc)) from exc

        def tree(files: dict[str, str | None]) -> str:
            for path, text in files.items():
                target = root / path
                if text is None:
                    target.unlink(missing_ok=True)
                else:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(text.encode("utf-8"))
            git("add", "-A")
            return git("write-tree").decode().strip()

        git("init", "-q")
        before, after = tree(old), tree(new)
        return git("diff-tree", "-p", "--no-renames", "--no-color", before, after)
