"""The checks that read nothing but a proposal's diff, run in worker processes for a batch.

Scanning a diff and normalising its code depend only on the diff and its harness (allow-list
and files), and are pure-Python `ast` work at several milliseconds per kilobyte. A batch of
proposals with code is therefore split among worker processes; the duplicate search and the
claim checks, which are cheap or read the store, stay with the caller.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache

from reviewer.checks.bases import BaseReader, base_reader
from reviewer.checks.model import Check
from reviewer.checks.normalize import normalize_code
from reviewer.checks.static import scan_diff
from reviewer.config import load_config
from reviewer.cores import ignore_interrupts, pool_context, usable_cores
from reviewer.rerun.diffcheck import BUILTIN_ALLOW

# Below this many proposals with code, starting workers costs more than it saves.
PARALLEL_MIN = 24
MAX_WORKERS = 8


@dataclass(frozen=True)
class DiffPart:
    """What a proposal's diff alone says: its normalised code and the scan's findings."""

    code: str
    checks: tuple[Check, ...]


Subject = tuple[str, str, bytes | None]  # (proposal id, harness, diff)


def allow_list(harness: str) -> tuple[str, ...] | None:
    """Where the proposal's harness lets diffs write; None when the harness is not configured."""
    if harness == "builtin":
        return BUILTIN_ALLOW
    configured = load_config().harnesses.get(harness)
    return None if configured is None else configured.allow


def harness_bases(harness: str) -> BaseReader | None:
    """The files `harness`'s diffs apply to; None when the harness is not configured."""
    if harness == "builtin":
        return base_reader(harness, None)
    return base_reader(harness, load_config().harnesses.get(harness))


def diff_findings(
    harness: str,
    diff: str | None,
    allow: Callable[[str], tuple[str, ...] | None],
    bases: Callable[[str], BaseReader | None] = lambda harness: None,
) -> list[Check]:
    """The static scan of `diff` against `harness` (allow-list, protected paths, code)."""
    if diff is None:
        return []
    allowed = allow(harness)
    scanned = scan_diff(diff, allowed if allowed is not None else ("",), bases(harness))
    # An unconfigured harness has no allow-list to judge paths against.
    return [c for c in scanned if allowed is not None or c.code != "protected_path"]


def _text(diff: bytes | None) -> str | None:
    return None if diff is None else bytes(diff).decode("utf-8", errors="replace")


def _parts(subjects: list[Subject]) -> list[DiffPart]:
    """Each subject's diff part; the config is read once per harness, not once per diff."""
    allow, bases = cache(allow_list), cache(harness_bases)
    out = []
    for _, harness, diff in subjects:
        text = _text(diff)
        code = normalize_code(text) if text else ""
        out.append(DiffPart(code, tuple(diff_findings(harness, text, allow, bases))))
    return out


def worker_count(with_code: int, cores: int) -> int:
    """Processes for `with_code` diffs on `cores` cores; 0 means work here. The caller only
    waits meanwhile, so every core can scan."""
    if with_code < PARALLEL_MIN or cores < 2:
        return 0
    return min(MAX_WORKERS, cores, with_code // (PARALLEL_MIN // 2))


def diff_parts(subjects: Iterable[Subject]) -> dict[str, DiffPart]:
    """Each proposal's diff part by id, worked out in worker processes when there are many.

    Consecutive proposals go to the same worker, so files repeated along an agent's branch
    meet the same memo (`checks.memo`).
    """
    items = list(subjects)
    coded = [s for s in items if s[2] is not None]
    workers = worker_count(len(coded), usable_cores())
    if workers == 0:
        parts = _parts(coded)
    else:
        size = -(-len(coded) // (workers * 4))  # a few chunks per worker, for balance
        chunks = [coded[i : i + size] for i in range(0, len(coded), size)]
        with pool_context().Pool(workers, initializer=ignore_interrupts) as pool:
            parts = [part for chunk in pool.map(_parts, chunks) for part in chunk]
    found = {pid: part for (pid, _, _), part in zip(coded, parts, strict=True)}
    return {pid: found.get(pid, DiffPart("", ())) for pid, _, _ in items}
