"""A store applies the connection pragmas once: `open` relies on store.db.connect's, while a
connection handed to `ReviewStore` by someone else is configured by the store."""

from __future__ import annotations

import sqlite3

import pytest
import sqlite_utils

from store import ReviewStore

# Run exactly once by each store.db.configure, and by nothing else on the way to a store.
CONFIGURE_MARK = "PRAGMA synchronous = FULL"


@pytest.fixture
def traced(monkeypatch) -> list[str]:
    """Every statement run on any connection sqlite3.connect opens from now on."""
    statements: list[str] = []
    real_connect = sqlite3.connect

    def connect(*args, **kwargs):
        conn = real_connect(*args, **kwargs)
        conn.set_trace_callback(statements.append)
        return conn

    monkeypatch.setattr(sqlite3, "connect", connect)
    return statements


@pytest.mark.parametrize("where", ["file", "memory"])
def test_open_configures_the_connection_once(tmp_path, traced, where):
    path = tmp_path / "review.db" if where == "file" else ":memory:"
    store = ReviewStore.open(path)
    try:
        assert traced.count(CONFIGURE_MARK) == 1
        assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert store.conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    finally:
        store.close()


def test_memory_configures_the_connection_once(traced):
    store = ReviewStore.memory()
    try:
        assert traced.count(CONFIGURE_MARK) == 1
    finally:
        store.close()


@pytest.mark.parametrize("where", ["file", "memory"])
def test_a_connection_opened_elsewhere_is_configured_by_the_store(tmp_path, where):
    conn = sqlite3.connect(
        str(tmp_path / "review.db") if where == "file" else ":memory:", isolation_level=None
    )
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    store = ReviewStore(sqlite_utils.Database(conn))
    try:
        assert statements.count(CONFIGURE_MARK) == 1
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        expected = "wal" if where == "file" else "memory"
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == expected
    finally:
        store.close()
