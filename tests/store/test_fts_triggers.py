"""The full-text index follows text edits only; status and risk updates leave it alone."""

from __future__ import annotations

from store import ReviewStore
from tests.factories import make_proposal


def _fts_writes(store: ReviewStore, sql: str, params: tuple) -> list[str]:
    seen: list[str] = []
    store.conn.set_trace_callback(seen.append)
    try:
        store.conn.execute(sql, params)
    finally:
        store.conn.set_trace_callback(None)
    return [s for s in seen if "proposals_fts" in s]


def test_status_and_risk_updates_do_not_touch_the_index():
    store = ReviewStore.memory()
    store.add_proposals([make_proposal(1, title="alpha")], actor="a")
    pid = store.list()[0]["id"]
    assert _fts_writes(store, "UPDATE proposals SET status = 'approved', risk = 3.5, "
                              "flags = 2 WHERE id = ?", (pid,)) == []
    assert store.count(text="alpha") == 1


def test_text_edits_still_reindex():
    store = ReviewStore.memory()
    store.add_proposals([make_proposal(1, title="alpha")], actor="a")
    pid = store.list()[0]["id"]
    assert _fts_writes(store, "UPDATE proposals SET title = 'omega' WHERE id = ?", (pid,))
    assert (store.count(text="omega"), store.count(text="alpha")) == (1, 0)
