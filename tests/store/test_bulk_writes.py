"""A big ingest's batches checkpoint the WAL once, at the end, and leave the settings as found."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from store.db import BULK_CACHE_KIB, BULK_CHECKPOINT_PAGES, bulk_writes, connect, immediate

PAGE = 4096


def _write_pages(conn: sqlite3.Connection, transactions: int, pages_each: int) -> None:
    for _ in range(transactions):
        with immediate(conn):
            conn.executemany("INSERT INTO t (blob) VALUES (?)",
                             [(os.urandom(PAGE - 200),) for _ in range(pages_each)])


@pytest.fixture
def db(tmp_path: Path) -> tuple[sqlite3.Connection, Path]:
    path = tmp_path / "store.db"
    conn = connect(path).conn
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, blob BLOB)")
    return conn, path


def _wal_pages(path: Path) -> float:
    return os.path.getsize(f"{path}-wal") / PAGE


def test_the_wal_outgrows_the_usual_checkpoint_only_inside(db):
    conn, path = db
    _write_pages(conn, 6, 400)  # 2,400 pages: checkpointed at 1,000, the file reused
    usual = _wal_pages(path)
    with bulk_writes(conn):
        _write_pages(conn, 6, 400)
        inside = _wal_pages(path)
        assert conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == BULK_CHECKPOINT_PAGES
        assert conn.execute("PRAGMA cache_size").fetchone()[0] == -BULK_CACHE_KIB
    assert usual < 1500 < 2400 < inside


def test_it_checkpoints_on_leaving_and_restores_the_settings(db):
    conn, path = db
    conn.execute("PRAGMA cache_size = -4096")
    with bulk_writes(conn):
        _write_pages(conn, 3, 400)
        # The new pages are still in the log, not yet in the database file.
        assert os.path.getsize(path) < 1200 * PAGE
    # Checkpointed: the database file holds every page of the database.
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    assert os.path.getsize(path) == pages * PAGE > 1200 * PAGE
    assert conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 1000
    assert conn.execute("PRAGMA cache_size").fetchone()[0] == -4096


def test_the_settings_come_back_after_an_error(db):
    conn, _ = db
    with pytest.raises(sqlite3.IntegrityError), bulk_writes(conn):
        with immediate(conn):
            conn.execute("INSERT INTO t (id) VALUES (1)")
            conn.execute("INSERT INTO t (id) VALUES (1)")
    assert conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 1000
    assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 0


def test_a_reader_sees_every_committed_row_while_the_log_grows(db):
    conn, path = db
    reader = sqlite3.connect(path)
    with bulk_writes(conn):
        _write_pages(conn, 4, 400)
        assert reader.execute("SELECT count(*) FROM t").fetchone()[0] == 1600
    reader.close()
