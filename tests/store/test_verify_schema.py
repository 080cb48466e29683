"""`audit verify` fails on any trigger or view the store's schema does not create, and on its
own triggers rewritten; an event a trigger swallows makes the write fail, not succeed."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from store import ReviewStore, StoreError
from tests.factories import make_proposal
from tests.store.tampering import problems_after

SWALLOW = (
    "CREATE TRIGGER t1 BEFORE INSERT ON events WHEN new.action = 'reject' "
    "BEGIN SELECT RAISE(IGNORE); END"
)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "schema.db"
    store = ReviewStore.open(path)
    pid = store.add_proposal(make_proposal(0), actor="i")
    store.comment(pid, "hm", actor="a")
    assert store.verify().ok
    store.close()
    return path


def test_an_extra_trigger_on_events_is_detected(db):
    assert problems_after(db, SWALLOW) == [
        "trigger t1 on events is not part of the store's schema: it can change or drop writes"
    ]


def test_an_extra_trigger_on_another_table_is_detected(db):
    problems = problems_after(
        db,
        "CREATE TRIGGER keep_pending AFTER UPDATE OF status ON proposals "
        "BEGIN UPDATE proposals SET status = 'pending' WHERE id = new.id; END",
    )
    assert problems == [
        "trigger keep_pending on proposals is not part of the store's schema: "
        "it can change or drop writes"
    ]


def test_an_own_trigger_rewritten_is_detected(db):
    problems = problems_after(
        db,
        'DROP TRIGGER "proposals_au"',
        'CREATE TRIGGER "proposals_au" AFTER UPDATE ON proposals BEGIN SELECT 1; END',
    )
    assert problems == ["trigger proposals_au was altered: it differs from the store's schema"]


def test_an_extra_view_is_detected(db):
    problems = problems_after(db, "CREATE VIEW v AS SELECT id FROM proposals")
    assert problems == ["view v is not part of the store's schema"]


def test_a_clean_store_has_exactly_its_own_schema(db):
    store = ReviewStore.open(db)
    try:
        assert store.verify().ok
    finally:
        store.close()


def test_an_event_a_trigger_swallows_fails_the_write(db):
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute(SWALLOW)
    conn.close()
    store = ReviewStore.open(db)
    try:
        pid = store.list()[0]["id"]
        with pytest.raises(StoreError, match="was not written"):
            store.reject(pid, reason="no", actor="a")
        assert store.get(pid)["status"] == "pending"  # the decision went back with it
        assert [e.action for e in store.events(pid)] == ["ingest", "comment"]
    finally:
        store.close()


def test_an_altered_table_a_dropped_index_or_search_table_are_detected(db):
    # An edited CHECK constraint made every rejection fail; a dropped search table hid every
    # proposal from search; verify compared only triggers and views, and passed.
    conn = sqlite3.connect(db, isolation_level=None)
    (sql,) = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'proposals'").fetchone()
    assert "'rejected'" in sql
    conn.execute("PRAGMA writable_schema = ON")
    conn.execute("UPDATE sqlite_master SET sql = ? WHERE name = 'proposals'",
                 (sql.replace("'rejected'", "'refused'"),))
    conn.execute("PRAGMA writable_schema = OFF")
    conn.close()
    problems = problems_after(
        db, "DROP TABLE proposals_fts", "DROP INDEX proposals_risk", "CREATE TABLE notes (x)",
        # One rejection at most: the second failed on this index while verify passed.
        "CREATE UNIQUE INDEX one_rejection ON proposals (status) WHERE status = 'rejected'")
    assert ("index one_rejection on proposals is not part of the store's schema: it can "
            "refuse writes") in problems
    assert "table proposals was altered: it differs from the store's schema" in problems
    assert "table proposals_fts is missing from the store's schema" in problems
    assert "index proposals_risk is missing from the store's schema" in problems
    assert not any("notes" in p for p in problems)
    store = ReviewStore.open(db)
    try:
        assert "table notes is not part of the store's schema" in store.verify().warnings
    finally:
        store.close()


def test_a_trigger_on_the_migrations_table_is_still_compared(db):
    problems = problems_after(
        db, "CREATE TRIGGER m AFTER INSERT ON _sqlite_migrations "
            "BEGIN UPDATE proposals SET status = 'approved'; END")
    assert problems == ["trigger m on _sqlite_migrations is not part of the store's schema: "
                        "it can change or drop writes"]
