"""Another program's SQLite file is refused before anything writes to it: not even its journal
mode changes, so the file is byte for byte what it was."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
import sqlite_utils

from store import ReviewStore
from store.db import connect
from store.errors import NotAStore


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _foreign(path: Path, *statements: str) -> Path:
    conn = sqlite3.connect(path)
    for statement in statements or ("CREATE TABLE notes (body TEXT)",
                                    "INSERT INTO notes VALUES ('mine')"):
        conn.execute(statement)
    conn.commit()
    conn.close()
    return path


def _left_alone(path: Path, before: str) -> None:
    assert _digest(path) == before
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert not Path(f"{path}-wal").exists() and not Path(f"{path}-shm").exists()


@pytest.mark.parametrize(
    "open_it",
    [
        lambda path: ReviewStore.open(path),
        lambda path: connect(path),
        # A connection someone else opened, handed to the store, is checked the same way.
        lambda path: ReviewStore(sqlite_utils.Database(sqlite3.connect(path,
                                                                       isolation_level=None))),
    ],
)
def test_another_programs_file_keeps_its_bytes(tmp_path, open_it):
    path = _foreign(tmp_path / "notes.db")
    before = _digest(path)
    with pytest.raises(NotAStore, match=r"tables of another program \(notes\)"):
        open_it(path)
    _left_alone(path, before)


def test_another_sqlite_utils_programs_migrations_are_not_ours(tmp_path):
    path = _foreign(
        tmp_path / "other.db",
        "CREATE TABLE _sqlite_migrations (migration_set TEXT, name TEXT, applied_at TEXT)",
        "INSERT INTO _sqlite_migrations VALUES ('theirs', '0001', '2024-01-01')",
        "CREATE TABLE items (x)",
    )
    before = _digest(path)
    with pytest.raises(NotAStore, match=r"another program \(_sqlite_migrations, items\)"):
        ReviewStore.open(path)
    _left_alone(path, before)


def test_an_empty_file_and_an_existing_store_still_open(tmp_path):
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    ReviewStore.open(empty).close()
    store = ReviewStore.open(empty)  # now a store of ours: opened again, not refused
    assert store.applied_migrations == []
    store.close()


@pytest.mark.parametrize("mark", [
    "CREATE VIEW answers AS SELECT 42 AS x",
    "PRAGMA application_id = 1234",
    "PRAGMA user_version = 7",
])
def test_a_database_with_no_tables_but_a_mark_of_its_own_is_refused(tmp_path, mark):
    # A file holding only a view, or only an application id, was taken for "no store yet"
    # and made into one.
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute(mark)
    conn.commit()
    conn.close()
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(NotAStore, match="belongs to another program"):
        ReviewStore.open(path)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
