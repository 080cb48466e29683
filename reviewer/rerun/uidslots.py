"""A uid of its own for each sandbox running at once, when the reviewer runs as root.

RLIMIT_NPROC counts every process of a real uid on the machine, so sandboxes sharing uid
65534 shared one budget of 512: a method holding 512 sleeping children made an honest rerun
running beside it fail ("can't start new thread"). Each run holds a slot's lock while it
runs; slot 0 is 65534 (nobody), the others count down from it through uids Debian reserves
(65000-65533), skipping any a local account uses.
"""

from __future__ import annotations

import errno
import fcntl
import os
import pwd
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from reviewer import paths

NOBODY = 65534
SLOTS = 64


class NoFreeSlot(Exception):
    """Every sandbox uid is taken by a run in progress."""


def slot_uid(slot: int) -> int:
    return NOBODY - slot


def _taken_by_an_account(uid: int) -> bool:
    if uid == NOBODY:
        return False
    try:
        pwd.getpwuid(uid)
    except KeyError:
        return False
    return True


def _slots_dir() -> Path:
    """A folder only root can write, shared by every reviewer process on the machine (so not
    under TMPDIR, which differs between processes); without /run, root's own data folder,
    since any local user could make a folder of this name in /tmp first and block reruns."""
    base = Path("/run") if os.path.isdir("/run") else paths.data_dir()
    base.mkdir(parents=True, exist_ok=True)
    folder = base / "reviewer-sandbox-uids"
    try:
        folder.mkdir(mode=0o700)
    except FileExistsError:
        pass
    st = folder.lstat()
    if not folder.is_dir() or folder.is_symlink() or st.st_uid != 0 or st.st_mode & 0o022:
        raise NoFreeSlot(f"{folder} is not a folder only root can write; remove it")
    return folder


@contextmanager
def sandbox_uid() -> Iterator[int]:
    """The uid a sandbox started now runs as, held until the block ends."""
    if os.geteuid() != 0:
        yield NOBODY  # a user namespace maps the caller there; its own uid is what counts
        return
    folder = _slots_dir()
    for slot in range(SLOTS):
        uid = slot_uid(slot)
        if _taken_by_an_account(uid):
            continue
        fd = os.open(folder / f"{uid}.lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW
                     | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
                continue
            raise
        try:
            yield uid
        finally:
            os.close(fd)
        return
    raise NoFreeSlot(f"{SLOTS} sandboxes are running on this machine; wait for one to end")
