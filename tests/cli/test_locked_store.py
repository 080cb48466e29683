"""A store another process keeps locked past the busy timeout: an error line, no traceback."""

from __future__ import annotations

import sqlite3

import pytest

from reviewer import cli, context
from store import ReviewStore
from tests.factories import make_proposal


class QuickStore(ReviewStore):
    """Gives up on a lock after 0.1 s, where the real store waits 30 s."""

    @classmethod
    def open(cls, path, **kwargs):  # type: ignore[override]
        return ReviewStore.open(path, **{**kwargs, "timeout": 0.1})


def test_a_write_to_a_locked_store_says_so_and_saves_nothing(tmp_path, monkeypatch, capsys):
    db = tmp_path / "locked.db"
    store = ReviewStore.open(db)
    pid = store.add_proposal(make_proposal(1), actor="a")
    events = len(list(store.events()))
    store.close()
    monkeypatch.setattr(context, "ReviewStore", QuickStore)
    monkeypatch.setenv("REVIEWER_HOME", str(tmp_path / "home"))
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    monkeypatch.setattr("sys.argv", ["reviewer", "--db", str(db), "comment", pid, "hello"])
    try:
        with pytest.raises(SystemExit) as info:
            cli.main()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert info.value.code == 1
    err = capsys.readouterr().err
    assert err == ("Error: the store: database is locked; the change under way was not saved\n")
    store = ReviewStore.open(db)
    assert len(list(store.events())) == events
    assert store.get(pid)["status"] == "pending"
    store.close()
