"""The secret salt behind every task's data; it stays on the trusted side."""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

from reviewer.paths import data_dir

SALT_BYTES = 32


def salt_path() -> Path:
    """Where the salt lives (under the user data directory, never in a sandbox)."""
    return data_dir() / "harness" / "salt.bin"


def load_salt() -> bytes:
    """The salt, created on first use with 32 random bytes and mode 0600."""
    path = salt_path()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process created it first; read theirs
        else:
            with os.fdopen(fd, "wb") as fh:
                fh.write(secrets.token_bytes(SALT_BYTES))
    data = path.read_bytes()
    if len(data) != SALT_BYTES:
        raise ValueError(f"{path}: expected {SALT_BYTES} bytes of salt, found {len(data)}")
    return data


def salt_id(salt: bytes) -> str:
    """A short public fingerprint of the salt, used to key caches."""
    return hashlib.sha256(b"w2s-salt-id\0" + salt).hexdigest()[:16]
