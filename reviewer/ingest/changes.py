"""Which planned proposal files changed since an earlier scan, for `ingest --every`.

A file is known by its path, size and modification time, and by the `.patch`/`.diff` files
beside it (a patch that appears later attaches code to a finding already stored). Walk
errors are known by their message, so a symlink in a watched folder is reported once.
"""

from __future__ import annotations

import os
from collections.abc import Hashable, Sequence
from pathlib import Path

from reviewer.ingest.files import FileResult, ToRead
from reviewer.ingest.siblings import DIFF_SUFFIXES


class ChangeFilter:
    """Splits a scan's plan into what is new or changed and what an earlier scan saw."""

    def __init__(self) -> None:
        self._patches: dict[Path, tuple[tuple[str, int, int], ...]] = {}

    def key(self, item: FileResult | ToRead) -> Hashable | None:
        """What identifies this item's content now; None when it cannot be told."""
        if isinstance(item, FileResult):
            return ("error", str(item.path), item.error.message if item.error else "")
        try:
            info = os.stat(item.path, follow_symlinks=item.follow_symlinks)
        except (OSError, ValueError):
            return None  # gone or unreadable: let the read report it
        return (str(item.path), info.st_mtime_ns, info.st_size, self._beside(item.path.parent))

    def _beside(self, folder: Path) -> tuple[tuple[str, int, int], ...]:
        if folder not in self._patches:
            found = []
            try:
                with os.scandir(folder) as entries:
                    for entry in entries:
                        if entry.name.lower().endswith(DIFF_SUFFIXES):
                            info = entry.stat(follow_symlinks=False)
                            found.append((entry.name, info.st_mtime_ns, info.st_size))
            except OSError:
                pass
            self._patches[folder] = tuple(sorted(found))
        return self._patches[folder]


def unseen(
    planned: Sequence[FileResult | ToRead], seen: set[Hashable]
) -> tuple[list[FileResult | ToRead], list[Hashable | None], int]:
    """The items whose key is not in `seen`, their keys, and how many were skipped."""
    changes = ChangeFilter()
    fresh: list[FileResult | ToRead] = []
    keys: list[Hashable | None] = []
    for item in planned:
        key = changes.key(item)
        if key is not None and key in seen:
            continue
        fresh.append(item)
        keys.append(key)
    return fresh, keys, len(planned) - len(fresh)
