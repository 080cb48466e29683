"""Reading agent-supplied files without following symlinks or leaving a folder."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from reviewer.ingest.errors import IngestError
from store import capped

MAX_DIFF_BYTES = 1024 * 1024
MAX_RELPATH = 1024

Fail = Callable[[str], IngestError]

_READ = os.O_RDONLY | os.O_CLOEXEC | os.O_NOCTTY
# O_NONBLOCK keeps a FIFO planted where a file should be from hanging the open.
_FILE = _READ | os.O_NONBLOCK
_DIR = _READ | os.O_DIRECTORY


def read_regular(
    path: Path, *, max_bytes: int, fail: Fail, follow_symlinks: bool = False
) -> bytes:
    """Read a regular file of at most `max_bytes`; symlinks are refused unless followed."""
    flags = _FILE if follow_symlinks else _FILE | os.O_NOFOLLOW
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise fail(_os_reason(exc)) from None
    return _read_fd(fd, max_bytes, fail)


def check_relative(relpath: str, fail: Fail) -> list[str]:
    """Split a relative path that stays inside its folder, or fail saying why not."""
    if not relpath:
        raise fail("must not be empty")
    if len(relpath) > MAX_RELPATH:
        raise fail(f"path longer than {MAX_RELPATH} characters")
    if "\x00" in relpath or "\\" in relpath:
        raise fail("path must not contain NUL or backslash characters")
    if relpath.startswith("/"):
        raise fail("must be a relative path, not an absolute one")
    parts = [part for part in PurePosixPath(relpath).parts if part != "."]
    if not parts:
        raise fail("must name a file")
    if ".." in parts:
        raise fail("must not contain '..'")
    return parts


def read_beside(folder: Path, relpath: str, *, max_bytes: int, fail: Fail) -> bytes:
    """Read `relpath` inside `folder`, refusing symlinks at every step and non-regular files."""
    parts = check_relative(relpath, fail)
    try:
        dir_fd = os.open(folder, _DIR)
    except OSError as exc:
        raise fail(f"cannot open folder: {_os_reason(exc)}") from None
    try:
        # Walking one component at a time with O_NOFOLLOW means no symlinked folder is entered.
        for part in parts[:-1]:
            try:
                next_fd = os.open(part, _DIR | os.O_NOFOLLOW, dir_fd=dir_fd)
            except OSError as exc:
                raise fail(f"folder {part!r}: {_os_reason(exc)}") from None
            os.close(dir_fd)
            dir_fd = next_fd
        try:
            fd = os.open(parts[-1], _FILE | os.O_NOFOLLOW, dir_fd=dir_fd)
        except OSError as exc:
            raise fail(_os_reason(exc)) from None
    finally:
        os.close(dir_fd)
    return _read_fd(fd, max_bytes, fail)


def entry_exists(folder: Path, name: str) -> bool:
    """True if `name` exists in `folder` as anything at all, symlinks included."""
    try:
        os.lstat(os.path.join(folder, name))  # not `folder / name`: pathlib costs more than lstat
    except (OSError, ValueError):
        return False
    return True


def _read_fd(fd: int, max_bytes: int, fail: Fail) -> bytes:
    try:
        return capped.read_regular(fd, max_bytes)
    except capped.Refused as exc:
        raise fail(_refused_reason(exc)) from None
    except OSError as exc:
        raise fail(_os_reason(exc)) from None
    finally:
        os.close(fd)


def _refused_reason(exc: capped.Refused) -> str:
    if exc.why == capped.NOT_REGULAR:
        return "not a regular file"
    if exc.why == capped.TOO_BIG:
        return f"{exc.size} bytes is over the limit of {exc.cap} bytes"
    return f"file grew over the limit of {exc.cap} bytes while being read"


def _os_reason(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "is a symbolic link, which is not followed"
    if exc.errno == errno.ENOENT:
        return "no such file"
    if exc.errno == errno.ENOTDIR:
        return "a path component is not a folder"
    if exc.errno == errno.EACCES:
        return "permission denied"
    return exc.strerror or type(exc).__name__
