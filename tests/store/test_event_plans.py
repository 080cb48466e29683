"""One proposal's events are read through events_proposal, never by walking every event of
a kind: on a store a month old, `findings list` took 27 s and `report` 12 minutes so."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from reviewer.publish.finding import approved_measurement
from reviewer.tuidata import assessed_among
from store import ReviewStore
from store.checks import never_checked
from tests.factories import make_proposal


@contextmanager
def _statements(conn: sqlite3.Connection) -> Iterator[list[str]]:
    seen: list[str] = []
    conn.set_trace_callback(seen.append)
    try:
        yield seen
    finally:
        conn.set_trace_callback(None)


def _plans(conn: sqlite3.Connection, statements: list[str]) -> list[str]:
    """Each plan step of the statements that read the events table."""
    return [step[3] for sql in statements if "FROM events" in sql and sql.startswith("SELECT")
            for step in conn.execute(f"EXPLAIN QUERY PLAN {sql}")]


def test_a_proposals_events_of_one_kind_are_read_by_proposal() -> None:
    store = ReviewStore.memory()
    ids = store.add_proposals([make_proposal(i) for i in range(3)], actor="a").added
    store.comment(ids[0], "first", actor="b")
    store.approve(ids[0], reason="ok", actor="b", override="no code to run")
    found = [{"code": "few_seeds", "severity": "medium", "message": "m", "detail": {}}]
    store.record_checks(ids[0], "ingest", found, actor="c")
    with _statements(store.conn) as seen:
        store.latest_event(ids[0], "approve")
        list(store.events(ids[0], ("approve",)))
        approved_measurement(store, ids[0], None)
        never_checked(store.conn, ids, "ingest")
        store.record_checks(ids[0], "ingest", found, actor="c")  # the same: looked up first
        assessed_among(store, ids, "b")
    plans = _plans(store.conn, seen)
    assert plans and not [p for p in plans if "events_action" in p], plans
    assert any("events_proposal" in p for p in plans)
