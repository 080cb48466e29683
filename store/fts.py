"""Deferred full-text indexing for bulk inserts into `proposals`.

Migration 0007's insert trigger skips rows while `fts_deferred` holds a row; a batch of new
proposals (`add_proposals`, `add_proposal_groups`) then indexes every row it inserted with one
statement, so FTS5 buffers the terms once instead of flushing them per row. Both happen
inside the caller's write transaction, so the index and the rows commit (or roll back)
together and no other connection sees the marker.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

INDEX_DEFERRED = """
INSERT INTO proposals_fts (rowid, title, summary, idea, agent)
SELECT rowid, title, summary, idea, agent FROM proposals
WHERE rowid >= (SELECT from_rowid FROM fts_deferred)
"""


@contextmanager
def deferred(conn: sqlite3.Connection) -> Iterator[None]:
    """Insert rows into `proposals` in the block, indexed in one statement at its end.

    Must run inside a write transaction. SQLite gives a new row max(rowid) + 1 and the
    transaction holds the write lock, so the rows at or above the first free rowid are
    exactly the block's inserts that survived its savepoints.
    """
    if not conn.in_transaction:
        raise RuntimeError("deferred indexing needs an open write transaction")
    conn.execute(
        "INSERT INTO fts_deferred (from_rowid) SELECT coalesce(max(rowid), 0) + 1 FROM proposals"
    )
    yield
    conn.execute(INDEX_DEFERRED)
    conn.execute("DELETE FROM fts_deferred")
