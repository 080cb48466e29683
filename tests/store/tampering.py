"""Work on a store's file behind its back, as an attacker holding the file would, then verify."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from store import ReviewStore
from store.audit import row_hash
from store.verify import VerifyReport


def raw(path: Path) -> sqlite3.Connection:
    """A plain connection with the append-only triggers dropped, so events can be edited."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("DROP TRIGGER events_no_update")
    conn.execute("DROP TRIGGER events_no_delete")
    return conn


def restore_triggers(conn: sqlite3.Connection) -> None:
    """A careful forger puts the triggers back, so only the chain or a signature can tell."""
    for name, verb in (("events_no_update", "UPDATE"), ("events_no_delete", "DELETE")):
        conn.execute(
            f"CREATE TRIGGER {name} BEFORE {verb} ON events\n"
            "        BEGIN SELECT RAISE(ABORT, 'events are append-only'); END"
        )


def rehash_from(conn: sqlite3.Connection, start: int) -> None:
    """What a careful forger does: recompute every hash from `start` on."""
    prev = conn.execute("SELECT hash FROM events WHERE seq = ?", (start - 1,)).fetchone()[0]
    rows = conn.execute(
        "SELECT seq, ts, actor, action, proposal_id, payload FROM events WHERE seq >= ? "
        "ORDER BY seq",
        (start,),
    ).fetchall()
    for seq, ts, actor, action, pid, payload in rows:
        digest = row_hash(prev, seq, ts, actor, action, pid, payload)
        conn.execute("UPDATE events SET prev_hash = ?, hash = ? WHERE seq = ?", (prev, digest, seq))
        prev = digest


def verify_file(path: Path) -> VerifyReport:
    """`audit verify` of the store at `path`."""
    store = ReviewStore.open(path)
    try:
        return store.verify()
    finally:
        store.close()


def problems_after(db: Path, *statements: str) -> list[str]:
    """What `audit verify` names after `statements` ran on the file; it must name something."""
    conn = sqlite3.connect(db, isolation_level=None)
    for statement in statements:
        conn.execute(statement)
    conn.close()
    report = verify_file(db)
    assert not report.ok, "verify passed a tampered store"
    return report.problems
