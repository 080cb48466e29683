"""Finding the `.patch` or `.diff` file that sits beside a sandbox finding."""

from __future__ import annotations

from pathlib import Path

from reviewer.ingest.errors import IngestError
from reviewer.ingest.fields import Where
from reviewer.ingest.safefile import MAX_DIFF_BYTES, entry_exists, read_beside

DIFF_SUFFIXES = (".patch", ".diff")


def find_sibling_diff(folder: Path, stems: tuple[str, ...], where: Where) -> bytes | None:
    """Read `<stem>.patch` or `<stem>.diff` for the first stem that has one; None if none does.

    Both suffixes for one stem is ambiguous, and a sibling that is a symlink, not a
    regular file or over 1 MiB is an error rather than silently ignored.
    """
    seen: set[str] = set()
    for stem in stems:
        if not stem or "/" in stem or stem in seen or stem.startswith("."):
            continue
        seen.add(stem)
        present = [stem + suffix for suffix in DIFF_SUFFIXES if entry_exists(folder, stem + suffix)]
        if len(present) > 1:
            raise where.error(None, f"both {present[0]!r} and {present[1]!r} exist beside it")
        if present:
            name = present[0]

            def fail(message: str, name: str = name) -> IngestError:
                return where.error(None, f"sibling diff {name!r}: {message}")

            data = read_beside(folder, name, max_bytes=MAX_DIFF_BYTES, fail=fail)
            if not data.strip():
                raise fail("the file is empty")
            return data
    return None
