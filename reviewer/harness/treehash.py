"""The built-in harness tree: its files, its git tree hash, and exporting it."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

TREE_ROOT = Path(__file__).resolve().parent / "tree"
_SKIP_DIRS = {"__pycache__", ".git", ".pytest_cache", ".ruff_cache"}
_SKIP_SUFFIXES = (".pyc", ".pyo")


def tree_root() -> Path:
    """The folder of the built-in tree inside the installed package."""
    return TREE_ROOT


def tree_files(root: Path | None = None) -> list[Path]:
    """Relative paths of the tree's regular files, sorted, without caches or symlinks."""
    root = root or TREE_ROOT
    found: list[Path] = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(part in _SKIP_DIRS for part in rel.parts) or path.name.endswith(_SKIP_SUFFIXES):
            continue
        if path.is_symlink():
            raise ValueError(f"{path}: symlinks are not allowed in a harness tree")
        if path.is_file():
            found.append(rel)
    return found


def _git_object(kind: bytes, body: bytes) -> bytes:
    """Raw SHA-1 id of a git object of `kind` with `body`."""
    return hashlib.sha1(kind + b" " + str(len(body)).encode() + b"\0" + body).digest()


def git_tree_hash(root: Path | None = None) -> str:
    """The id `git add -A && git write-tree` gives for the tree (all files mode 100644)."""
    root = root or TREE_ROOT
    nested: dict = {}
    for rel in tree_files(root):
        node = nested
        for part in rel.parts[:-1]:
            node = node.setdefault(part, {})
        node[rel.parts[-1]] = _git_object(b"blob", (root / rel).read_bytes())
    return _tree_id(nested).hex()


def _tree_id(node: dict) -> bytes:
    """Hash one directory level; git orders entries by name, directories as `name/`."""
    entries = []
    for name, child in node.items():
        if isinstance(child, dict):
            entries.append((name + "/", b"40000 " + name.encode() + b"\0" + _tree_id(child)))
        else:
            entries.append((name, b"100644 " + name.encode() + b"\0" + child))
    entries.sort(key=lambda e: e[0].encode())
    return _git_object(b"tree", b"".join(body for _, body in entries))


def export_tree(dest: str | Path) -> Path:
    """Write the exact built-in tree into `dest` (which must be empty or absent).

    A write that fails (a full disk) removes what the export created, so a retry can use
    `dest` again, and raises OSError naming the destination file.
    """
    with exporting(dest) as path:
        return path


@contextmanager
def exporting(dest: str | Path) -> Iterator[Path]:
    """Export the tree into `dest`, then run the block; if either fails, undo the export.

    Undoing removes every folder the export made (parents included), or, when `dest` was
    already there and empty, everything put into it, so a retry into `dest` is not refused.
    """
    dest = Path(dest)
    if dest.exists() and any(dest.iterdir()):
        raise FileExistsError(f"{dest}: not empty")
    made = _first_missing(dest)
    try:
        _copy_tree(dest)
        yield dest
    except BaseException:
        _undo(dest, made)
        raise


def _first_missing(dest: Path) -> Path | None:
    """The outermost folder of `dest`'s path that does not exist yet (None if `dest` does)."""
    missing = None
    for folder in (dest, *dest.parents):
        if folder.exists():
            break
        missing = folder
    return missing


def _copy_tree(dest: Path) -> None:
    """Copy the tree's files into `dest`; an OSError names the destination it could not write."""
    target = dest
    try:
        dest.mkdir(parents=True, exist_ok=True)
        for rel in tree_files():
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(TREE_ROOT / rel, target)
    except OSError as exc:
        # shutil names the source file on a full disk; the reader needs the destination.
        raise OSError(
            exc.errno,
            f"cannot write the exported harness tree: "
            f"{exc.strerror or exc}; the partial export was removed",
            str(target),
        ) from exc


def _undo(dest: Path, made: Path | None) -> None:
    """Remove what the export created: the folders it made, or what it put into `dest`."""
    if made is not None:
        shutil.rmtree(made, ignore_errors=True)
        return
    with suppress(OSError):  # the failure being reported matters more than this one
        for child in list(dest.iterdir()):
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child, ignore_errors=True)
            else:
                child.unlink(missing_ok=True)
