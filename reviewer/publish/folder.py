"""Write finding files into the shared folder atomically, never through a symlink."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from reviewer import paths
from reviewer.publish.errors import NotUndone, PublishError
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
    return bool(write_all([(path, data)]).paths)


@dataclass(frozen=True)
class Landing:
    """Files `write_all` replaced, with what each held before (None: it did not exist)."""

    paths: tuple[Path, ...]
    before: tuple[bytes | None, ...]

    def undo(self) -> list[Path]:
        """Put every file back as it was, best effort; returns those it could not restore."""
        stuck = []
        for path, old in zip(self.paths, self.before, strict=True):
            try:
                if old is None:
                    remove(path)
                else:
                    write_atomic(path, old)
            except PublishError:
                stuck.append(path)
        return stuck


def write_all(files: Sequence[tuple[Path, bytes]]) -> Landing:
    """Replace each path with its bytes, all of them or none (a full disk, a directory in
    the way): every temp file is written and synced before any is renamed into place, so a
    failure leaves the folder as it was. Files already holding their bytes are left alone.
    """
    staged: list[tuple[Path, str, bytes | None]] = []
    try:
        for path, data in files:
            stage = _stage(path, data)
            if stage is not None:
                staged.append((path, *stage))
    except BaseException:
        for _, tmp, _ in staged:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise
    return _swap_in(staged)


def _stage(path: Path, data: bytes) -> tuple[str, bytes | None] | None:
    """A synced temp file beside `path` holding `data`, and what `path` holds now; None
    when it holds `data` already."""
    if path.is_symlink():
        raise PublishError(f"refusing to write through the symlink {path}")
    try:
        old: bytes | None = path.read_bytes()
    except FileNotFoundError:
        old = None
    except OSError as exc:
        raise PublishError(f"cannot read {path}: {exc.strerror}") from exc
    if old == data:
        return None
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
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise PublishError(f"cannot write {path}: {exc.strerror}") from exc
        raise
    return tmp, old


def _swap_in(staged: list[tuple[Path, str, bytes | None]]) -> Landing:
    """Rename the staged temp files into place; on a failure put back those already moved."""
    done = 0
    try:
        for path, tmp, _ in staged:
            os.replace(tmp, path)
            done += 1
        for folder in dict.fromkeys(path.parent for path, _, _ in staged):
            _fsync_dir(folder)
    except BaseException as exc:
        stuck = Landing(tuple(p for p, _, _ in staged[:done]),
                        tuple(old for _, _, old in staged[:done])).undo()
        for _, tmp, _ in staged[done:]:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        if isinstance(exc, OSError):
            where = staged[done][0] if done < len(staged) else exc.filename
            raise _failed(f"cannot write {where}: {exc.strerror}", stuck) from exc
        raise
    return Landing(tuple(p for p, _, _ in staged), tuple(old for _, _, old in staged))


def _failed(message: str, stuck: list[Path]) -> PublishError:
    """The error for a write that failed, naming any file it could not put back."""
    if not stuck:
        return PublishError(message)
    names = [str(p) for p in stuck]
    return NotUndone(f"{message}; could not put back {', '.join(names)}", names)


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


def lock_failure(folder: Path, exc: OSError) -> str:
    """Why `locked(folder)` could not be taken (its cache folder unwritable, say), naming it."""
    return (f"cannot take the publish lock for {folder} under {paths.cache_dir()}: "
            f"{exc.strerror or exc}{f' ({exc.filename})' if exc.filename else ''}")
