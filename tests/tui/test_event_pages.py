"""Audit-log pages: a gapless log pages by seq range, a log with rows cut out by OFFSET, and
both give exactly the rows an OFFSET walk gives."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from reviewer.tuidata import LogShape, counted_shape, event_page, log_shape, provisional_shape
from store import ReviewStore
from tests.factories import make_proposal


def _offset_page(store: ReviewStore, offset: int, limit: int) -> list[int]:
    return [r[0] for r in store.conn.execute(
        "SELECT seq FROM events ORDER BY seq DESC LIMIT ? OFFSET ?", (limit, offset))]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "log.db"
    store = ReviewStore.open(path)
    ids = store.add_proposals([make_proposal(i) for i in range(20)], actor="a").added
    for pid in ids[:5]:
        store.comment(pid, "hm", actor="b")
    store.close()
    return path


def test_an_empty_log_is_gapless():
    store = ReviewStore.memory()
    assert log_shape(store) == LogShape(0, 0)
    assert event_page(store, 0, 10, top=0) == []


def test_a_gapless_log_pages_by_seq_range(db):
    store = ReviewStore.open(db)
    shape = log_shape(store)
    assert shape == LogShape(25, 25)
    for offset in (0, 1, 7, 20, 24, 25, 30):
        for limit in (1, 5, 100):
            page = event_page(store, offset, limit, top=shape.top)
            assert [e["seq"] for e in page] == _offset_page(store, offset, limit)
    seen: list[str] = []
    store.conn.set_trace_callback(seen.append)
    event_page(store, 20, 5, top=shape.top)
    store.conn.set_trace_callback(None)
    assert "OFFSET" not in seen[0] and "seq <=" in seen[0]
    store.close()


def _cut(db: Path, where: str) -> ReviewStore:
    """The store after someone deleted the events matching `where` behind its back."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("DROP TRIGGER events_no_delete")
    conn.execute(f"DELETE FROM events WHERE {where}")
    conn.close()
    return ReviewStore.open(db)


def test_a_log_with_rows_cut_out_falls_back_to_offset(db):
    store = _cut(db, "seq IN (3, 11)")
    shape = log_shape(store)
    assert shape == LogShape(23, None)
    for offset in (0, 13, 14, 22):
        page = event_page(store, offset, 5, top=shape.top)
        assert [e["seq"] for e in page] == _offset_page(store, offset, 5)
    store.close()


def test_a_log_missing_its_first_rows_falls_back_too(db):
    store = _cut(db, "seq <= 2")
    assert log_shape(store) == LogShape(23, None)
    store.close()


def test_a_count_on_its_own_connection_sees_the_same(db):
    store = ReviewStore.open(db)
    assert counted_shape(db) == (25, log_shape(store)) == (25, provisional_shape(25))
    store.close()
    store = _cut(db, "seq IN (3, 11)")
    assert counted_shape(db) == (25, LogShape(23, None))
    store.close()
