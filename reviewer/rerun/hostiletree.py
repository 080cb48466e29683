"""Measure and remove folders a sandboxed method wrote: any depth, no symlink followed.

A method nested 2,000 folders in its output; `shutil.rmtree` recursed once per level on
Python 3.11 and raised RecursionError, which lost the scored rerun and left its files on the
host. Both walks here are iterative and work through folder descriptors, so neither the
call stack nor PATH_MAX bounds the depth they handle.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def _open_dir(name: str | Path, dir_fd: int | None = None) -> int:
    try:
        return os.open(name, _DIR, dir_fd=dir_fd)
    except PermissionError:
        # A folder the method made unreadable (mode 000) is still ours to open once restored.
        os.chmod(name, 0o700, dir_fd=dir_fd)
        return os.open(name, _DIR, dir_fd=dir_fd)


def _identity(fd: int) -> tuple[int, int]:
    st = os.fstat(fd)
    return st.st_dev, st.st_ino


def _clear_files(fd: int) -> list[str]:
    """Unlink every non-folder in `fd`; return the names of the sub-folders left."""
    try:
        os.fchmod(fd, 0o700)  # a folder without write permission keeps its entries
    except PermissionError:
        pass
    folders = []
    with os.scandir(fd) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                folders.append(entry.name)
            else:
                os.unlink(entry.name, dir_fd=fd)
    return folders


def remove_tree(root: Path) -> None:
    """Delete `root` and everything below it, however deep, holding two descriptors at most.

    Each folder is listed once, so a folder of 100,000 sub-folders costs no more than their
    count. Only for folders nothing writes to any more: it climbs back with `..`, and checks
    each climb lands on the folder it came from, so a moved folder stops it with OSError.
    """
    fd = _open_dir(root)
    pending = [_clear_files(fd)]  # the sub-folders still to remove, one list per level
    climbs: list[tuple[tuple[int, int], str]] = []  # each level's parent, and its name there
    try:
        while True:
            if pending[-1]:
                name = pending[-1].pop()
                child = _open_dir(name, fd)
                climbs.append((_identity(fd), name))
                os.close(fd)
                fd = child
                pending.append(_clear_files(fd))
                continue
            pending.pop()
            if not climbs:
                break
            parent, name = climbs.pop()
            above = os.open("..", _DIR, dir_fd=fd)
            os.close(fd)
            fd = above
            if _identity(fd) != parent:
                raise OSError(f"{root}: a folder moved while it was being removed")
            os.rmdir(name, dir_fd=fd)
    finally:
        os.close(fd)
    os.rmdir(root)


@contextmanager
def scratch_dir(prefix: str) -> Iterator[Path]:
    """A new temporary folder, removed with `remove_tree` when the block ends."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        remove_tree(path)


@dataclass(frozen=True)
class Usage:
    """What a walk of the folders a method may write found, and what stopped it early."""

    bytes: int
    entries: int
    problem: str | None = None


def disk_usage(roots: list[Path], max_entries: int, max_depth: int) -> Usage:
    """Bytes allocated under `roots`, walking at most `max_entries` entries.

    Allocated blocks count, not lengths, so a `posix_fallocate`d file counts in full and a
    sparse one does not. A folder it cannot read, more entries than `max_entries`, or
    nesting deeper than `max_depth` is a problem: a method has no reason for any of them.
    """
    total = entries = 0
    problems: list[str] = []

    def unreadable(exc: OSError) -> None:
        problems.append(f"a folder it cannot read ({exc.strerror})")

    for root in roots:
        walk = os.fwalk(root, onerror=unreadable)
        for top, dirs, files, fd in walk:
            total += os.fstat(fd).st_blocks * 512
            entries += len(dirs) + len(files)
            for name in files:
                try:
                    st = os.stat(name, dir_fd=fd, follow_symlinks=False)
                except FileNotFoundError:
                    continue  # removed since the folder was listed
                except OSError as exc:  # a folder readable but not searchable (mode 600)
                    unreadable(exc)
                    break
                if not stat.S_ISLNK(st.st_mode):
                    total += st.st_blocks * 512
            if dirs and len(Path(top).relative_to(root).parts) >= max_depth:
                problems.append(f"folders nested deeper than {max_depth} levels")
            elif entries > max_entries:
                problems.append(f"more than {max_entries} files and folders")
            if problems:
                # typeshed types os.fwalk as an Iterator, but it is a generator, so it has close().
                walk.close()  # type: ignore[attr-defined]
                break
        if problems:
            return Usage(total, entries, problems[0])
    return Usage(total, entries)
