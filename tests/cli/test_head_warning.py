"""A head checkpoint that cannot be written: the change stands and the command says so."""

from __future__ import annotations

from click.testing import CliRunner

from reviewer.cli import cli
from store import ReviewStore
from store.audit import checkpoint_path
from tests.factories import make_proposal


def test_a_write_whose_head_checkpoint_fails_warns_once_and_keeps_the_change(tmp_path):
    db = tmp_path / "store.db"
    store = ReviewStore.open(db)
    pid = store.add_proposal(make_proposal(1), actor="ingest")
    store.close()
    head = checkpoint_path(db)
    head.unlink()
    head.mkdir()  # a folder where the head file goes: every write of it fails
    result = CliRunner().invoke(cli, ["--db", str(db), "--actor", "a@b", "comment", pid[:12],
                                      "looked at it"])
    assert result.exit_code == 0, result.output
    assert result.stderr.count("warning: the head checkpoint") == 1, result.stderr
    assert "cannot detect truncation of the audit chain" in result.stderr
    store = ReviewStore.open(db)
    try:
        assert [e.action for e in store.events()][-1] == "comment"
    finally:
        store.close()
