"""A pinned commit's files, read from git's object store exactly as they were committed.

Plumbing only (`ls-tree`, `cat-file`), so no attribute of the tree (`export-ignore`,
`export-subst`, filters, line endings), no config and no replace ref changes a byte: the
files a rerun mounts and the checks read are the commit's own.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import IO

from reviewer.config import safe_relative
from reviewer.gitenv import GitError, reader_argv, reader_env, run_git, streaming_git

_REGULAR = {b"100644", b"100755", b"100664"}  # git still reads the old group-writable mode


def read_blob(repo: Path, commit: str, path: str, timeout: float) -> bytes | None:
    """The file `path` at `commit` in `repo`; None where there is none or git fails."""
    repo = repo.resolve()
    try:
        return run_git(reader_argv(repo), "cat-file", "blob", f"{commit}:{path}",
                       env=reader_env(repo), timeout=timeout)  # fmt: skip
    except GitError:
        return None


def export_commit(repo: Path, commit: str, dest: Path, timeout: float) -> list[str]:
    """Write `commit`'s files from `repo` into the new folder `dest` as plain 0644 files.

    Symlinks and submodules are skipped and returned, since the diff checker refuses trees
    that hold them; executable bits are dropped for the same reason. A path that could
    leave `dest` is an error.
    """
    repo = repo.resolve()
    listing = run_git(reader_argv(repo), "ls-tree", "-r", "-z", "--full-tree", commit, "--",
                      env=reader_env(repo), timeout=timeout)  # fmt: skip
    files: list[tuple[bytes, str]] = []
    skipped: list[str] = []
    for entry in listing.split(b"\0"):
        if not entry:
            continue
        meta, _, raw = entry.partition(b"\t")
        parts = meta.split(b" ")
        if len(parts) != 3 or not raw:
            raise GitError(f"git ls-tree gave an entry it should not: {entry[:200]!r}")
        mode, kind, sha = parts
        path = raw.decode("utf-8", "surrogateescape")
        if not safe_relative(path):
            raise GitError(f"git ls-tree gave an unsafe path {path[:200]!r}")
        if kind == b"blob" and mode in _REGULAR:
            files.append((sha, path))
        else:
            skipped.append(path)
    dest.mkdir(parents=True)
    _write_blobs(repo, files, dest, timeout)
    return skipped


def _write_blobs(repo: Path, files: list[tuple[bytes, str]], dest: Path, timeout: float) -> None:
    """Stream each blob from one `cat-file --batch` into its file under `dest`."""
    with tempfile.TemporaryFile() as wanted:
        wanted.write(b"".join(sha + b"\n" for sha, _ in files))
        wanted.seek(0)
        with streaming_git(reader_argv(repo), "cat-file", "--batch", env=reader_env(repo),
                           timeout=timeout, stdin=wanted) as git:  # fmt: skip
            try:
                for sha, path in files:
                    _write_one(git.stdout, sha, dest / path)
            except GitError:
                if not git.timed_out.is_set():
                    raise
            git.finish()


def _write_one(out: IO[bytes], sha: bytes, target: Path) -> None:
    header = out.readline().split()
    if len(header) != 3 or header[0] != sha or header[1] != b"blob" or not header[2].isdigit():
        raise GitError(f"git cat-file gave no blob for {sha.decode(errors='replace')}")
    target.parent.mkdir(parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
    left = int(header[2])
    with os.fdopen(os.open(target, flags, 0o644), "wb") as fh:
        while left:
            chunk = out.read(min(left, 1 << 20))
            if not chunk:
                raise GitError("git cat-file stopped in the middle of a file")
            fh.write(chunk)
            left -= len(chunk)
    if out.read(1) != b"\n":
        raise GitError("git cat-file output is out of step")

