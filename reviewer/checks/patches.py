"""unidiff's parse of a diff, shared by the checks that read the same diff one after another.

The code form (`normalize`) and the scan (`static`) each need the parsed diff of a proposal,
and they run back to back on it; parsing is a few milliseconds for a large diff.
"""

from __future__ import annotations

import unidiff

from reviewer.checks.memo import Memo

# Only the last two: a parsed diff holds an object per line.
_RECENT: Memo[str, unidiff.PatchSet | Exception] = Memo(2)


def _parse(diff: str) -> unidiff.PatchSet | Exception:
    try:
        return unidiff.PatchSet(diff)
    # unidiff is a third-party parser fed hostile text; its failure is the caller's to report.
    except Exception as exc:
        return exc


def parse_patch(diff: str) -> unidiff.PatchSet:
    """The parsed `diff`, which callers only read; raises what unidiff raised."""
    result = _RECENT.get(diff, lambda: _parse(diff))
    if isinstance(result, Exception):
        raise result
    return result
