"""Reading a small file, or locking one, that someone may have swapped for something else.

A FIFO would block the read, a device or a sparse file would fill memory, and a file that
grows while it is read would pass a size check made before. Callers open the file their own
way (without following a symlink, without waiting on a FIFO) and word the refusal for their
users; the checks live here once.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import stat
from pathlib import Path

NOT_REGULAR = "not_regular"
TOO_BIG = "too_big"
GREW = "grew"
SYMLINK = "symlink"


class Refused(ValueError):
    """The file was not read or locked: `why` is NOT_REGULAR, TOO_BIG, GREW or SYMLINK;
    `size` is what was seen."""

    def __init__(self, why: str, size: int, cap: int) -> None:
        super().__init__(f"{why}: {size} bytes against a limit of {cap}")
        self.why, self.size, self.cap = why, size, cap


def read_regular(fd: int, cap: int) -> bytes:
    """All the bytes of the regular file open as `fd`, at most `cap` of them; Refused
    otherwise. OSError passes through; `fd` stays open."""
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        raise Refused(NOT_REGULAR, info.st_size, cap)
    if info.st_size > cap:
        raise Refused(TOO_BIG, info.st_size, cap)
    chunks: list[bytes] = []
    total = 0
    # Read to the cap rather than trusting st_size, since the file may grow meanwhile.
    while total <= cap:
        chunk = os.read(fd, min(1 << 20, cap + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    if total > cap:
        raise Refused(GREW, total, cap)
    return b"".join(chunks)


class Lock:
    """An exclusive flock on the lock file at `path`, created if missing, taken as the
    object is made and let go on leaving its `with`. Never through a symlink (Refused,
    SYMLINK), and never on a FIFO or device put in its place (Refused, NOT_REGULAR), which
    would block the open or the lock forever; other OSErrors pass through."""

    def __init__(self, path: Path) -> None:
        flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
        try:
            self.fd = os.open(path, flags, 0o600)
        except OSError:
            # Say what is there: O_NOFOLLOW fails with ELOOP on a symlink, and a FIFO
            # without a reader refuses a non-blocking writer (ENXIO).
            with contextlib.suppress(OSError):
                info = os.lstat(path)
                if stat.S_ISLNK(info.st_mode):
                    raise Refused(SYMLINK, 0, 0) from None
                if not stat.S_ISREG(info.st_mode):
                    raise Refused(NOT_REGULAR, info.st_size, 0) from None
            raise
        try:
            info = os.fstat(self.fd)
            if not stat.S_ISREG(info.st_mode):
                raise Refused(NOT_REGULAR, info.st_size, 0)
            fcntl.flock(self.fd, fcntl.LOCK_EX)
        except BaseException:
            os.close(self.fd)
            raise

    def __enter__(self) -> Lock:
        return self

    def __exit__(self, *_: object) -> None:
        os.close(self.fd)  # closing the last descriptor lets the flock go
