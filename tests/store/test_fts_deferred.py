"""A batch of new proposals is indexed in one statement at its end (migration 0007): the index
ends up exactly as the row-by-row trigger would leave it, whatever the batch rolled back."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from store import NewProposal, ReviewStore, fts
from store.ingest_verbs import _INSERT_PROPOSAL
from store.proposals import ROW_COLUMNS, row_for
from tests.factories import make_proposal


def _index_is_sound(store: ReviewStore) -> None:
    """FTS5's own check of the index against the proposals table (raises when they differ)."""
    store.conn.execute(
        "INSERT INTO proposals_fts (proposals_fts, rank) VALUES ('integrity-check', 1)"
    )


def _indexed_rowids(store: ReviewStore) -> list[int]:
    return [r[0] for r in store.conn.execute("SELECT rowid FROM proposals_fts ORDER BY rowid")]


def _rowids(store: ReviewStore) -> list[int]:
    return [r[0] for r in store.conn.execute("SELECT rowid FROM proposals ORDER BY rowid")]


def _word(i: int) -> str:
    return f"zq{chr(97 + i % 26)}{chr(97 + i // 26)}"  # a word no other proposal has


def _proposal(i: int, **kw) -> NewProposal:
    return make_proposal(i, title=f"Proposal {i} {_word(i)}", **kw)


def _finding(diff: bytes) -> NewProposal:
    """A sandbox finding: its id leaves out the diff, so another diff for it conflicts."""
    return NewProposal(agent="s", title=f"finding {_word(0)}", summary="c", harness="w2s-sandbox",
                       source_format="sandbox_finding", original={"id": 7, "title": "t"},
                       diff=diff)


def test_a_batch_with_a_failing_group_indexes_exactly_the_rows_it_kept():
    store = ReviewStore.memory()
    store.add_proposals([_finding(b"one diff\n")], actor="a")  # the trigger path
    groups = [
        [_proposal(1)],
        [_proposal(2), _finding(b"another diff\n")],  # conflicts: the group goes back
        [_proposal(3), _proposal(4)],
    ]
    outcomes = store.add_proposal_groups(groups, actor="a")
    assert isinstance(outcomes[1], Exception)
    _index_is_sound(store)
    assert _indexed_rowids(store) == _rowids(store)
    for i, found in ((0, 1), (1, 1), (2, 0), (3, 1), (4, 1)):
        assert store.count(text=_word(i)) == found, i
    assert store.conn.execute("SELECT count(*) FROM fts_deferred").fetchone()[0] == 0
    assert store.verify().ok


def test_rows_inserted_outside_a_batch_are_indexed_by_the_trigger():
    store = ReviewStore.memory()
    store.add_proposal_groups([[_proposal(1)], [_proposal(2)]], actor="a")
    _insert_row(store, _proposal(3))  # no marker: the trigger indexes the row
    _index_is_sound(store)
    assert [store.count(text=_word(i)) for i in (1, 2, 3)] == [1, 1, 1]


def _insert_row(store: ReviewStore, p: NewProposal) -> None:
    """A row written the way the store writes one, without `fts.deferred` around it."""
    row = row_for(p, "2026-11-27T09:00:00+00:00", content_hash=p.content_hash,
                  diff_sha256=p.diff_sha256)
    store.conn.execute(_INSERT_PROPOSAL, [row[c] for c in ROW_COLUMNS])


def test_an_error_inside_the_batch_leaves_no_marker_and_no_rows(monkeypatch):
    store = ReviewStore.memory()
    store.add_proposals([_proposal(0)], actor="a")

    def boom(*args, **kwargs):
        raise OSError("disk on fire")

    monkeypatch.setattr(store, "_add_group", boom)
    with pytest.raises(OSError):
        store.add_proposal_groups([[_proposal(1)]], actor="a")
    monkeypatch.undo()
    assert store.conn.execute("SELECT count(*) FROM fts_deferred").fetchone()[0] == 0
    store.add_proposals([_proposal(2)], actor="a")
    _insert_row(store, _proposal(3))
    _index_is_sound(store)
    assert [store.count(text=_word(i)) for i in (0, 1, 2, 3)] == [1, 0, 1, 1]


def test_deferring_needs_a_write_transaction():
    store = ReviewStore.memory()
    with pytest.raises(RuntimeError, match="write transaction"), fts.deferred(store.conn):
        pass


def test_a_store_from_before_0007_keeps_its_index_when_migrated(tmp_path: Path):
    db = tmp_path / "old.db"
    store = ReviewStore.open(db)
    store.add_proposals([_proposal(1)], actor="a")
    store.close()
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("DROP TABLE fts_deferred")
    conn.execute('DROP TRIGGER "proposals_ai"')
    conn.execute(  # the trigger as sqlite-utils created it in migration 0001
        'CREATE TRIGGER "proposals_ai" AFTER INSERT ON "proposals" BEGIN '
        'INSERT INTO "proposals_fts" (rowid, "title", "summary", "idea", "agent") '
        'VALUES (new.rowid, new."title", new."summary", new."idea", new."agent"); END'
    )
    conn.execute("DELETE FROM _sqlite_migrations WHERE name = '0007_fts_deferred'")
    conn.close()
    store = ReviewStore.open(db)
    assert store.applied_migrations == ["0007_fts_deferred"]
    store.add_proposal_groups([[_proposal(2)]], actor="a")
    _insert_row(store, _proposal(3))
    _index_is_sound(store)
    assert [store.count(text=_word(i)) for i in (1, 2, 3)] == [1, 1, 1]
    store.close()
