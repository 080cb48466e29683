from __future__ import annotations

import multiprocessing
import sqlite3
from concurrent.futures import ProcessPoolExecutor

import pytest

from store import MigrationBusy, ReviewStore, SchemaTooNew
from store.errors import NotAStore
from store.schema import migrations
from tests.factories import as_before_0005


def _open_and_count(db: str) -> int:
    store = ReviewStore.open(db)
    try:
        return len(store.applied_migrations)
    finally:
        store.close()


def test_migrations_are_registered_and_applied_once(tmp_path):
    store = ReviewStore.open(tmp_path / "m.db")
    assert store.applied_migrations == [m.name for m in migrations._migrations]
    assert {"proposals", "events", "proposals_fts"} <= set(store.db.table_names())
    store.close()
    assert ReviewStore.open(tmp_path / "m.db").applied_migrations == []


def test_two_processes_migrating_at_once(tmp_path):
    """One applies the migrations; the other waits for it and finds nothing left to do."""
    fork = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=2, mp_context=fork) as pool:
        for run in range(20):
            db = str(tmp_path / f"race{run}.db")
            futures = [pool.submit(_open_and_count, db) for _ in range(2)]
            counts = sorted(f.result(timeout=120) for f in futures)
            assert counts == [0, len(migrations._migrations)]


def test_a_held_lock_makes_migration_refuse_cleanly(tmp_path):
    db = tmp_path / "busy.db"
    blocker = sqlite3.connect(db, isolation_level=None)
    blocker.execute("PRAGMA journal_mode = WAL")
    blocker.execute("BEGIN IMMEDIATE")
    blocker.execute("CREATE TABLE other (x)")
    try:
        with pytest.raises(MigrationBusy, match="another process is migrating"):
            ReviewStore.open(db, timeout=0.2)
    finally:
        blocker.execute("ROLLBACK")
    assert ReviewStore.open(db).applied_migrations


def test_a_newer_schema_is_refused(tmp_path):
    db = tmp_path / "new.db"
    ReviewStore.open(db).close()
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
        "VALUES ('reviewer', '9999_future', 'x')"
    )
    with pytest.raises(SchemaTooNew, match="9999_future"):
        ReviewStore.open(db)


def test_upgrading_an_existing_store_is_announced_first(tmp_path):
    heard: list[list[str]] = []
    db = tmp_path / "old.db"
    ReviewStore.open(db, upgrading=heard.append).close()
    assert heard == []  # a new store is created, not upgraded
    as_before_0005(db)
    store = ReviewStore.open(db, upgrading=heard.append)
    assert heard == [["0005_sort_indexes"]] == [store.applied_migrations]
    store.close()


def test_another_programs_database_is_left_alone(tmp_path):
    path = tmp_path / "notes.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE notes (body TEXT)")
    with pytest.raises(NotAStore, match=r"tables of another program \(notes\)"):
        ReviewStore.open(path)
    with sqlite3.connect(path) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master")]
    assert names == ["notes"]  # nothing of ours was added
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    ReviewStore.open(empty).close()  # an empty SQLite file is a new store


def test_a_newer_schema_is_refused_before_its_journal_mode_changes(tmp_path):
    db = tmp_path / "new.db"
    ReviewStore.open(db).close()
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
        "VALUES ('reviewer', '9999_future', 'x')"
    )
    conn.close()
    before = db.read_bytes()
    with pytest.raises(SchemaTooNew, match="9999_future"):
        ReviewStore.open(db)
    assert db.read_bytes() == before
    assert not (tmp_path / "new.db-wal").exists()
