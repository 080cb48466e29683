"""The harness's own text of a file a diff modifies: the base its hunks apply to.

The builtin harness's tree ships with the package; an external harness is a pinned git
checkout, read at its pinned commit so a later local edit cannot change what is checked.
Paths come from the agent's diff: the caller passes only allow-listed ones that do not
escape, and a builtin path must still resolve inside the tree.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from reviewer.config import ExternalHarness
from reviewer.gitread import read_blob
from reviewer.harness.treehash import TREE_ROOT

BaseReader = Callable[[str], str | None]
MAX_BASE_BYTES = 1_000_000
MAX_BASE_FILES = 50  # per diff
GIT_TIMEOUT_S = 10.0


def _decoded(data: bytes) -> str | None:
    if len(data) > MAX_BASE_BYTES:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def tree_base(root: Path) -> BaseReader:
    """Files under `root`, a plain folder; None for anything outside it or not a file."""
    root = root.resolve()

    def read(path: str) -> str | None:
        # A hostile name (a NUL, a component over NAME_MAX) fails in the OS: no such file.
        try:
            target = (root / path).resolve()
            if not target.is_relative_to(root) or not target.is_file():
                return None
            return _decoded(target.read_bytes())
        except (OSError, ValueError):
            return None

    return read


def git_base(checkout: Path, commit: str) -> BaseReader:
    """Files of `checkout` at `commit`; None where git has no such file or fails."""

    def read(path: str) -> str | None:
        if "\0" in path:
            return None  # git names no file so, and no argument to it may hold a NUL
        data = read_blob(checkout, commit, path, GIT_TIMEOUT_S)
        return None if data is None else _decoded(data)

    return read


def at_most(read: BaseReader, files: int = MAX_BASE_FILES) -> BaseReader:
    """`read` for the first `files` distinct paths asked, None after: each read of an external
    harness is a git process, and a hostile diff can name thousands of files."""
    asked: dict[str, str | None] = {}

    def limited(path: str) -> str | None:
        if path not in asked:
            if len(asked) >= files:
                return None
            asked[path] = read(path)
        return asked[path]

    return limited


def base_reader(harness: str, external: ExternalHarness | None) -> BaseReader | None:
    """Where `harness`'s base files come from; None for an unknown harness."""
    if harness == "builtin":
        return tree_base(TREE_ROOT)
    return None if external is None else git_base(external.path, external.commit)
