"""Replacing a small file in one rename, so a crash or a full disk leaves the old file or the
new one, never a half-written one, and no temporary file behind."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def replace_bytes(path: Path, data: bytes, *, prefix: str = "", mode: int | None = None) -> None:
    """Put `data` at `path` through a synced temporary file beside it (named `prefix`…`.tmp`,
    mode 0600 unless `mode`), removed again if anything fails; OSError passes through."""
    # mkstemp opens with O_CREAT|O_EXCL|O_NOFOLLOW under an unpredictable name.
    fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            if mode is not None:
                os.fchmod(out.fileno(), mode)
            out.write(data)
            out.flush()
            # Synced so a power cut leaves the old file or the new one, never an empty one.
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
