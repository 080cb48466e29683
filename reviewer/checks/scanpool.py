"""The code checks of a batch of proposals, in worker processes when the batch is big.

Scanning a diff and normalising its code depend only on the diff and its harness (allow-list
and files), and are pure-Python `ast` work at several milliseconds per kilobyte. Once the
batch's fingerprints are stored, each proposal's duplicate search only reads the store, so
workers run it too, each on its own read-only connection. The caller writes everything.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TypeVar

from reviewer.allowlist import allow_list
from reviewer.checks.bases import BaseReader, base_reader
from reviewer.checks.duplicate import DupSubject, duplicate_checks
from reviewer.checks.memo import Memo, scale_budgets
from reviewer.checks.model import Check
from reviewer.checks.normalize import normalize_code
from reviewer.checks.static import scan_diff
from reviewer.config import ConfigError, load_config
from reviewer.cores import ignore_interrupts, pool_context, usable_cores
from reviewer.textsafe import short
from store import ReviewStore, fingerprints
from store.db import read_only
from store.fingerprints import Candidate, CodeKey

T = TypeVar("T")
R = TypeVar("R")

# Below this many proposals with code, starting workers costs more than it saves.
PARALLEL_MIN = 24
MAX_WORKERS = 8


@dataclass(frozen=True)
class DiffPart:
    """What a proposal's diff alone says: its normalised code and the scan's findings, or
    `error`, why the scan failed (then there are neither)."""

    code: str
    checks: tuple[Check, ...]
    error: str | None = None


Subject = tuple[str, str, bytes | None]  # (proposal id, harness, diff)


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


def diff_text(diff: bytes | None) -> str | None:
    """A stored diff as text; bytes that are not UTF-8 become U+FFFD."""
    return None if diff is None else bytes(diff).decode("utf-8", errors="replace")


def _parts(subjects: list[Subject]) -> list[DiffPart]:
    """Each subject's diff part; the config is read once per harness, not once per diff."""
    allow, bases = cache(allow_list), cache(harness_bases)
    return [_part(harness, diff, allow, bases) for _, harness, diff in subjects]


def _part(
    harness: str,
    diff: bytes | None,
    allow: Callable[[str], tuple[str, ...] | None],
    bases: Callable[[str], BaseReader | None],
) -> DiffPart:
    text = diff_text(diff)
    try:
        code = normalize_code(text) if text else ""
        return DiffPart(code, tuple(diff_findings(harness, text, allow, bases)))
    except ConfigError:
        raise  # a broken [harness] table is no one proposal's fault
    # A bug one hostile diff trips must cost only that proposal its checks, not its batch's.
    except Exception as exc:
        return DiffPart("", (), error=f"the diff scan failed ({type(exc).__name__}: "
                                      f"{short(str(exc), 200)})")


def worker_count(with_code: int, cores: int) -> int:
    """Processes for `with_code` diffs on `cores` cores; 0 means work here. The caller only
    waits meanwhile, so every core can scan."""
    if with_code < PARALLEL_MIN or cores < 2:
        return 0
    return min(MAX_WORKERS, cores, with_code // (PARALLEL_MIN // 2))


@dataclass(frozen=True)
class Workers:
    """`count` processes for one batch. A worker that dies (say, killed for memory) fails
    the batch with BrokenProcessPool instead of leaving the caller waiting for ever."""

    pool: ProcessPoolExecutor
    count: int

    def flat_map(self, fn: Callable[[list[T]], list[R]], items: list[T]) -> list[R]:
        """`fn` over consecutive runs of `items`, a few per worker for balance, flattened in
        order: a branch's proposals stay together, so they meet the same memo."""
        size = -(-len(items) // (self.count * 4))
        runs = [items[i : i + size] for i in range(0, len(items), size)]
        return [out for run in self.pool.map(fn, runs) for out in run]


@contextmanager
def workers(with_code: int) -> Iterator[Workers | None]:
    """Workers for a batch with `with_code` proposals with code; None when not worth it."""
    count = worker_count(with_code, usable_cores())
    if count == 0:
        yield None
        return
    with ProcessPoolExecutor(count, mp_context=pool_context(), initializer=_start_worker,
                             initargs=(count,)) as pool:  # fmt: skip
        yield Workers(pool, count)


def _start_worker(count: int) -> None:
    """Each of `count` workers keeps memos of a `count`-th of the usual size, so a pool holds
    no more than one process would."""
    ignore_interrupts()
    scale_budgets(1 / count)


def diff_parts(subjects: Iterable[Subject], pool: Workers | None = None
               ) -> dict[str, DiffPart]:
    """Each proposal's diff part by id, in `pool`'s workers when there are some."""
    items = list(subjects)
    coded = [s for s in items if s[2] is not None]
    parts = _parts(coded) if pool is None or not coded else pool.flat_map(_parts, coded)
    found = {pid: part for (pid, _, _), part in zip(coded, parts, strict=True)}
    return {pid: found.get(pid, DiffPart("", ())) for pid, _, _ in items}


# Consecutive proposals of similar size share most of their candidates: their codes are
# read from the store once, and kept under the diff and length they were read with.
_CODES: Memo[CodeKey, str] = Memo(50_000, weigh=len, budget=128 << 20)


def similar_with_codes(conn: sqlite3.Connection, pid: str, length: int) -> list[Candidate]:
    """`fingerprints.candidates`, each code from the memo or one query for all missing."""
    bare = fingerprints.candidates(conn, pid, length)

    def read(missing: list[CodeKey]) -> dict[CodeKey, str]:
        found = fingerprints.codes(conn, [k[0] for k in missing])
        return {k: found[k] for k in missing if k in found}

    known = _CODES.get_many([fingerprints.key(c) for c in bare], read)
    # A fingerprint rewritten between the two reads is left out rather than mislabelled.
    return [dataclasses.replace(c, code=known[fingerprints.key(c)]) for c in bare
            if fingerprints.key(c) in known]


def subject(pid: str, title: str, idea: str | None, status: str, code: str) -> DupSubject:
    return DupSubject(pid, title, idea, code, "finding" if status == "approved" else "proposal")


def ranked(candidates: Iterable[Candidate]) -> list[DupSubject]:
    """Candidates as subjects, approved findings first: copying one matters more than
    resembling a pending proposal."""
    others = [subject(c.proposal_id, c.title, c.idea, c.status, c.code or "") for c in candidates]
    others.sort(key=lambda other: other.kind != "finding")
    return others


def _search(conn: sqlite3.Connection, owns: list[DupSubject]) -> list[tuple[Check, ...]]:
    return [tuple(duplicate_checks(own, ranked(similar_with_codes(conn, own.id, len(own.code)))))
            for own in owns]  # fmt: skip


def _search_in(tasks: list[tuple[Path, DupSubject]]) -> list[tuple[Check, ...]]:
    """A worker's searches, on its own read-only connection to the store file."""
    if not tasks:
        return []
    conn = read_only(tasks[0][0])
    try:
        return _search(conn, [own for _, own in tasks])
    finally:
        conn.close()


def duplicate_parts(store: ReviewStore, owns: list[DupSubject], pool: Workers | None = None
                    ) -> dict[str, tuple[Check, ...]]:
    """Each subject's `duplicate` findings by id; read after the batch's fingerprints are
    stored, so proposals checked together find each other."""
    # In order of code length: neighbours share most of their candidates, so each worker's
    # run of searches meets the same few hundred codes in its memos.
    searched = sorted((own for own in owns if own.code.strip()), key=lambda own: len(own.code))
    if pool is None or store.path is None or not searched:
        found = _search(store.conn, searched)
    else:
        found = pool.flat_map(_search_in, [(store.path, own) for own in searched])
    by_id = {own.id: checks for own, checks in zip(searched, found, strict=True)}
    return {own.id: by_id.get(own.id, ()) for own in owns}
