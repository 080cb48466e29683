"""Write finding files into the shared folder atomically, never through a symlink."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

from reviewer import paths
from reviewer.publish.errors import PublishError
from store.model import sha256_hex

_PART = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


def target(folder: Path, relative: str) -> Path:
    """`folder/relative`, refusing anything but plain name parts or a symlink on the way."""
    parts = relative.split("/")
    if not all(_PART.fullmatch(p) and ".." not in p for p in parts):
        raise PublishError(f"refusing to write {relative!r}: not a plain file name")
    path = folder
    for part in parts:
        path = path / part
        if path.is_symlink():
            raise PublishError(f"refusing to write through the symlink {path}")
    return path


def write_atomic(path: Path, data: bytes) -> bool:
    """Replace `path` with `data` via a synced temp file beside it; False when already equal."""
    if path.is_symlink():
        raise PublishError(f"refusing to write through the symlink {path}")
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise PublishError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise PublishError(f"cannot write in {path.parent}: {exc.strerror}") from exc
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
        _fsync_dir(path.parent)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise PublishError(f"cannot write {path}: {exc.strerror}") from exc
        raise
    return True


MAX_RECORD_BYTES = 64 << 20  # a record bigger than this is not read to learn whose it is


def record_owner(path: Path) -> str | None:
    """The full `proposal_id` the JSON record at `path` names; None when there is no such
    record, or it names none (a file too big, unreadable or not a record of ours)."""
    try:
        if path.stat().st_size > MAX_RECORD_BYTES:
            return None
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    owner = data.get("proposal_id") if isinstance(data, dict) else None
    return owner if isinstance(owner, str) else None


def remove(path: Path) -> bool:
    """Unlink one file, its removal synced where the folder allows; False when already gone."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise PublishError(f"cannot remove {path}: {exc.strerror}") from exc
    with contextlib.suppress(OSError):
        _fsync_dir(path.parent)
    return True


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def ensure_folder(folder: Path, relative: str | None = None) -> Path:
    """Create `folder` (and a plain subfolder) if missing; refuse symlinked subfolders."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if relative is None:
            return folder
        sub = target(folder, relative)
        sub.mkdir(exist_ok=True)
    except OSError as exc:
        raise PublishError(f"cannot create {exc.filename}: {exc.strerror}") from exc
    return sub


@contextlib.contextmanager
def locked(folder: Path) -> Iterator[None]:
    """One publisher at a time per folder on this machine (TUI and CLI alike)."""
    lock_dir = paths.cache_dir() / "publish-locks"
    lock_dir.mkdir(parents=True, exist_ok=True)
    lock = lock_dir / f"{sha256_hex(str(folder.resolve()))[:24]}.lock"
    with open(lock, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
