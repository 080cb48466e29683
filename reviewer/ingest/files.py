"""Reading proposal files and folders from disk, one all-or-nothing result per file."""

from __future__ import annotations

import os
import stat
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from reviewer.ingest.document import proposals_from_records
from reviewer.ingest.errors import IngestError
from reviewer.ingest.safefile import read_regular
from reviewer.ingest.siblings import DIFF_SUFFIXES
from reviewer.ingest.strictjson import DEFAULT_MAX_BYTES, load_document
from store.model import NewProposal

PROPOSAL_SUFFIXES = (".json", ".jsonl")


@dataclass(frozen=True)
class FileResult:
    """What one file gave: its proposals, or an error and no proposals at all."""

    path: Path
    proposals: list[NewProposal] = field(default_factory=list)
    error: IngestError | None = None

    @property
    def ok(self) -> bool:
        """True when the file was read without error."""
        return self.error is None


@dataclass(frozen=True)
class ToRead:
    """A proposal file the walk found, to be parsed (possibly in another process)."""

    path: Path
    follow_symlinks: bool = False

    def read(self, max_bytes: int = DEFAULT_MAX_BYTES) -> FileResult:
        return read_file(self.path, max_bytes=max_bytes, follow_symlinks=self.follow_symlinks)


def plan_paths(
    paths: Sequence[Path | str], own: Collection[Path] = ()
) -> list[FileResult | ToRead]:
    """What `read_paths` reads, in its order: files to parse, and errors found while walking.

    Folders are walked recursively in sorted order (each folder's files, then its
    subfolders), taking `*.json` and `*.jsonl`, skipping hidden entries and
    reporting symlinks as errors instead of following them.  `.diff`/`.patch`
    files are only read as siblings of a proposal.  A path named explicitly may
    itself be a symlink, since the person chose it.  A file reached twice is read once.
    `own` names the store's own files and folders (its audit checkpoints): a walk passes
    them by, and naming one is an error.
    """
    planned: list[FileResult | ToRead] = []
    seen: set[str] = set()
    skip = frozenset(os.path.abspath(p) for p in own)
    for raw in paths:
        if os.path.abspath(raw) in skip:
            planned.append(_error(Path(raw), "is the store's own audit checkpoint, not proposals"))
            continue
        for item in _plan_path(Path(raw), skip):
            key = os.path.abspath(item.path)
            if key not in seen:
                seen.add(key)
                planned.append(item)
    return planned


def read_paths(
    paths: Sequence[Path | str], *, max_bytes: int = DEFAULT_MAX_BYTES
) -> list[FileResult]:
    """Read proposal files and folders in the order given (see `plan_paths`)."""
    return [
        item if isinstance(item, FileResult) else item.read(max_bytes)
        for item in plan_paths(paths)
    ]


def read_file(
    path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES, follow_symlinks: bool = False
) -> FileResult:
    """Parse one proposal file; any error leaves the result without proposals."""
    shown = display_path(path)

    def fail(message: str) -> IngestError:
        return IngestError(shown, None, None, message)

    try:
        data = read_regular(path, max_bytes=max_bytes, fail=fail,
                            follow_symlinks=follow_symlinks)
        jsonl = True if path.suffix.lower() == ".jsonl" else None
        records = load_document(data, path=shown, jsonl=jsonl, max_bytes=max_bytes)
        proposals = proposals_from_records(
            records, path=shown, folder=path.parent, stem=path.stem, source=shown
        )
    except IngestError as error:
        return FileResult(path, [], error)
    return FileResult(path, proposals)


def _plan_path(path: Path, skip: frozenset[str]) -> Iterator[FileResult | ToRead]:
    try:
        info = os.stat(path)
    except FileNotFoundError:
        yield _error(path, "no such file or folder")
        return
    except (OSError, ValueError) as exc:
        yield _error(path, f"cannot read: {getattr(exc, 'strerror', None) or exc}")
        return
    if stat.S_ISDIR(info.st_mode):
        yield from _walk(path, skip)
    elif path.suffix.lower() in DIFF_SUFFIXES:
        yield _error(path, "a .diff/.patch is read as the sibling of a proposal, not on its own")
    else:
        yield ToRead(path, follow_symlinks=True)


def _walk(root: Path, skip: frozenset[str]) -> Iterator[FileResult | ToRead]:
    # An explicit stack, not recursion, so a very deep tree cannot exhaust the call stack.
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as scan:
                entries = sorted(scan, key=lambda entry: entry.name)
        except OSError as exc:
            yield _error(folder, f"cannot list folder: {exc.strerror or exc}")
            continue
        subfolders: list[Path] = []
        for entry in entries:
            path = Path(entry.path)
            if entry.name.startswith(".") or (skip and os.path.abspath(path) in skip):
                continue
            suffix = path.suffix.lower()
            if entry.is_symlink():
                if suffix not in DIFF_SUFFIXES:
                    yield _error(path, "is a symbolic link, which is not followed")
            elif entry.is_dir(follow_symlinks=False):
                subfolders.append(path)
            elif suffix in PROPOSAL_SUFFIXES:
                yield ToRead(path)
        stack.extend(reversed(subfolders))


def _error(path: Path, message: str) -> FileResult:
    return FileResult(path, [], IngestError(display_path(path), None, None, message))


def display_path(path: Path) -> str:
    """The path as valid text: undecodable file-name bytes become `\\xNN` escapes."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")
