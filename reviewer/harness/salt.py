"""The secret salt behind every task's data; it stays on the trusted side.

The salt keeps the test labels away from agents and makes cached baselines comparable, so an
existing salt is never replaced. It is written once, whole: to a temporary file beside it,
synced, then renamed into place, so an interrupted write (a full disk) leaves no file.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

from reviewer.config import ConfigError
from reviewer.paths import data_dir
from store.atomic import replace_bytes

SALT_BYTES = 32


class SaltError(ConfigError):
    """The salt file holds something other than a salt; every attempt would meet it again."""


def salt_path() -> Path:
    """Where the salt lives (under the user data directory, never in a sandbox)."""
    return data_dir() / "harness" / "salt.bin"


def load_salt() -> bytes:
    """The salt, created on first use with 32 random bytes and mode 0600.

    An empty file counts as absent: only an interrupted first write (by an older version that
    wrote in place) leaves one, and it holds no salt to keep. Any other size is refused with
    SaltError, since a new salt would silently change every task's data. A salt that cannot be
    written raises OSError naming the salt file, and leaves no file behind.
    """
    path = salt_path()
    data = _read(path)
    if data is None:
        data = _create(path)
    if len(data) != SALT_BYTES:
        raise SaltError(
            f"{path}: holds {len(data)} bytes, not a {SALT_BYTES}-byte salt; restore it from a "
            "backup, or delete it to make a new salt (baselines and reruns made with the old "
            "salt then no longer compare with new ones)"
        )
    return data


def _read(path: Path) -> bytes | None:
    """The salt file's bytes; None when it is absent or empty (never written whole)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    return data or None


def _create(path: Path) -> bytes:
    """Write a new salt at `path` unless another process wrote one first; the salt in force."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with _locked(path.parent) as folder_fd:
            # Another process may have written the salt while this one waited for the lock.
            data = _read(path)
            if data is None:
                data = secrets.token_bytes(SALT_BYTES)
                _write_whole(path, data, folder_fd)
    except OSError as exc:
        raise OSError(
            exc.errno, f"could not write the new secret salt: {exc.strerror or exc}", str(path)
        ) from exc
    return data


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[int]:
    """Hold an exclusive lock on `folder` (its descriptor is yielded, to sync it)."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield fd
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _write_whole(path: Path, data: bytes, folder_fd: int) -> None:
    """Put `data` at `path` through a synced temporary file (mode 0600), removed again on any
    failure."""
    replace_bytes(path, data, prefix=".salt-")
    os.fsync(folder_fd)  # the rename itself survives a crash only once the folder is synced


def salt_id(salt: bytes) -> str:
    """A short public fingerprint of the salt, used to key caches."""
    return hashlib.sha256(b"w2s-salt-id\0" + salt).hexdigest()[:16]
