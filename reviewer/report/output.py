"""Write a finished document to a file in one step, so a reader never sees half of one."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

_NOT_REGULAR = "exists and is not a regular file (a device, FIFO, symlink or folder); left as it is"


def _refuse_non_regular(path: Path) -> None:
    """Raise FileExistsError unless `path` is absent or a regular file (a symlink is not one).

    A rename would replace the node itself: a device such as /dev/null, a FIFO a reader waits
    on, or a symlink, rather than writing through it.
    """
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISREG(mode):
        raise FileExistsError(errno.EEXIST, _NOT_REGULAR, str(path))


@contextlib.contextmanager
def atomic_file(path: Path) -> Iterator[IO[str]]:
    """A UTF-8 text file that replaces `path` via a synced temporary file beside it on success.

    Nothing at `path` changes if the body raises. Raises OSError with the operating system's
    reason when the folder is not writable, and FileExistsError when `path` is not a regular
    file.
    """
    _refuse_non_regular(path)
    folder = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o644)
        # Checked again because something may have appeared at `path` while the body wrote.
        _refuse_non_regular(path)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_atomic(path: Path, text: str) -> None:
    """Replace `path` with `text` (UTF-8) in one step; see `atomic_file` for the errors."""
    with atomic_file(path) as out:
        out.write(text)
