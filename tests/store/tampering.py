"""Run SQL behind the store's back, as an attacker with the file would, then verify."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from store import ReviewStore


def problems_after(db: Path, *statements: str) -> list[str]:
    """What `audit verify` names after `statements` ran on the file; it must name something."""
    conn = sqlite3.connect(db, isolation_level=None)
    for statement in statements:
        conn.execute(statement)
    conn.close()
    store = ReviewStore.open(db)
    try:
        report = store.verify()
    finally:
        store.close()
    assert not report.ok, "verify passed a tampered store"
    return report.problems
