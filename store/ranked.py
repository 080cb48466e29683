"""Ranked full-text search scored on several cores: the rowid range split among threads.

FTS5 scores every match and has no top-k pruning, so a word in nearly every proposal costs
a pass over all of them. `bm25()` takes its statistics (row count, average sizes, each
phrase's document count) from the whole index whatever rowid range a query keeps, so the
best `limit` of each part, merged, are exactly the best `limit` of all.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path
from typing import Any

from store.db import read_only
from store.memstatus import MEMORY_STATISTICS_OFF
from store.query import many_matches_sql

# Below this many matches one pass is a few ms, and a split would cost more than it saves:
# every part walks the word's whole posting list once more for bm25's document count.
SPLIT_FROM = 20_000
MAX_PARTS = 4
LAST_ROWID = 2**63 - 1
# A part's best rows, then one row holding the newest audit event's hash as that statement
# saw the store: parts that saw different stores (a write landed between them, or the file
# was replaced under the caller's open connection) scored on different statistics.
PART_SQL = (
    "SELECT r, s, NULL FROM (SELECT rowid AS r, bm25(proposals_fts) AS s FROM proposals_fts "
    "WHERE proposals_fts MATCH ? AND rowid BETWEEN ? AND ? ORDER BY s, rowid LIMIT ?) "
    "UNION ALL SELECT NULL, NULL, (SELECT hash FROM events ORDER BY seq DESC LIMIT 1)"
)

Hit = tuple[int, float]


def usable_cores() -> int:
    """Cores in this process's affinity mask (Linux), else every core the OS reports."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class RankedParts:
    """Read-only connections of the store at `path`, one per helper thread, opened on first use.

    Each helper scores its part of the rowid range on its own connection while the caller's
    connection scores the first part; SQLite releases the GIL while it steps.
    """

    def __init__(self, path: Path, parts: int | None = None) -> None:
        self.path = path
        if parts is None:
            # With SQLite's memory statistics on, the parts wait on one mutex and a split
            # is slower than one pass (87 against 80 ms for the commonest word).
            parts = usable_cores() if MEMORY_STATISTICS_OFF else 1
        self.parts = max(1, min(MAX_PARTS, parts))
        self._conns: list[sqlite3.Connection] = []

    def close(self) -> None:
        for conn in self._conns:
            conn.close()
        self._conns = []

    def _helpers(self) -> list[sqlite3.Connection]:
        while len(self._conns) < self.parts - 1:
            # Used by a helper thread, one query at a time, so not bound to this thread.
            self._conns.append(read_only(self.path, shared=True))
        return self._conns

    def top(self, conn: sqlite3.Connection, match: str, limit: int) -> list[Hit] | None:
        """The best `limit` (rowid, score) pairs for `match`, best first; None when the store
        is too small to split, the word too rare, or a helper failed, for the caller's
        one-pass query."""
        # Two subqueries: SQLite reads min() and max() off the index only one per statement.
        lo, hi = conn.execute("SELECT (SELECT min(rowid) FROM proposals), "
                              "(SELECT max(rowid) FROM proposals)").fetchone()
        if self.parts < 2 or lo is None or hi - lo < SPLIT_FROM:
            return None
        if conn.execute(*many_matches_sql(match, SPLIT_FROM + 1)).fetchone()[0] <= SPLIT_FROM:
            return None  # a rarer word: counted up to the cap in well under a millisecond
        step = (hi - lo) // self.parts + 1
        bounds = [(lo + i * step, lo + (i + 1) * step - 1) for i in range(self.parts)]
        # Rows added while this runs fall in the last part rather than nowhere.
        bounds[-1] = (bounds[-1][0], LAST_ROWID)
        try:
            helpers = self._helpers()
        except sqlite3.Error:
            self.close()
            return None
        results: list[list[Any] | BaseException | None] = [None] * self.parts
        threads = [
            threading.Thread(target=_score, args=(helper, match, span, limit, results, i),
                             name=f"reviewer-rank-{i}", daemon=True)
            for i, (helper, span) in enumerate(zip(helpers, bounds[1:], strict=True), start=1)
        ]
        for thread in threads:
            thread.start()
        try:
            _score(conn, match, bounds[0], limit, results, 0)
        finally:
            for thread in threads:
                thread.join()
        if isinstance(results[0], BaseException):
            raise results[0]
        parts = [r for r in results if isinstance(r, list)]
        if len(parts) < len(results):
            return None  # a helper's connection failed: the caller's one pass still answers
        if len({part[-1][2] for part in parts}) > 1:
            return None  # the parts saw different stores: one pass sees one
        merged = sorted((row[:2] for part in parts for row in part[:-1]),
                        key=lambda hit: (hit[1], hit[0]))
        return [(int(rowid), float(score)) for rowid, score in merged[:limit]]


def _score(conn: sqlite3.Connection, match: str, span: tuple[int, int], limit: int,
           results: list[list[Any] | BaseException | None], index: int) -> None:
    try:
        results[index] = conn.execute(PART_SQL, (match, *span, limit)).fetchall()
    except sqlite3.Error as exc:
        results[index] = exc
