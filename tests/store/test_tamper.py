"""Every way of tampering with the log is detected, and the first bad row is named."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from store import ReviewStore
from store.audit import row_hash
from tests.factories import make_proposal
from tests.store.tampering import raw, rehash_from, verify_file


@pytest.fixture
def populated(tmp_path: Path) -> Path:
    """A store with 10 events, closed so the test can edit the file underneath."""
    path = tmp_path / "t.db"
    store = ReviewStore.open(path)
    ids = store.add_proposals([make_proposal(i) for i in range(3)], actor="a").added  # 1-3
    store.approve(ids[0], reason="ok", actor="a")  # 4
    store.reject(ids[1], reason="no", actor="b")  # 5
    store.comment(ids[2], "hm", actor="c")  # 6
    store.undo(ids[1], actor="b")  # 7
    store.approve(ids[1], reason="after all", actor="b")  # 8
    store.comment(ids[0], "merged", actor="a")  # 9
    store.comment(ids[1], "thanks", actor="a")  # 10
    assert store.verify().ok
    store.close()
    return path








def test_edit_is_detected(populated):
    conn = raw(populated)
    conn.execute("""UPDATE events SET payload = '{"reason":"ok, I was paid"}' WHERE seq = 4""")
    report = verify_file(populated)
    assert not report.ok and report.first_bad_seq == 4
    assert "seq 4: content hash mismatch" in report.problems[0]


def test_delete_is_detected(populated):
    conn = raw(populated)
    conn.execute("DELETE FROM events WHERE seq = 5")
    report = verify_file(populated)
    assert report.first_bad_seq == 5 and "seq 5: missing" in report.problems[0]


def test_reorder_is_detected(populated):
    conn = raw(populated)
    conn.execute("UPDATE events SET seq = -1 WHERE seq = 6")
    conn.execute("UPDATE events SET seq = 6 WHERE seq = 7")
    conn.execute("UPDATE events SET seq = 7 WHERE seq = -1")
    report = verify_file(populated)
    assert report.first_bad_seq == 6 and report.problems[0].startswith("seq 6:")


def test_truncation_is_detected_by_the_checkpoint(populated):
    conn = raw(populated)
    conn.execute("DELETE FROM events WHERE seq > 8")
    report = verify_file(populated)
    assert report.first_bad_seq == 9
    assert "cut off the end" in report.problems[0]


def test_forged_hash_is_detected(populated):
    conn = raw(populated)
    conn.execute("""UPDATE events SET actor = 'mallory' WHERE seq = 5""")
    ts, actor, action, pid, payload, prev = conn.execute(
        "SELECT ts, actor, action, proposal_id, payload, prev_hash FROM events WHERE seq = 5"
    ).fetchone()
    conn.execute(
        "UPDATE events SET hash = ? WHERE seq = 5",
        (row_hash(prev, 5, ts, actor, action, pid, payload),),
    )
    report = verify_file(populated)
    assert report.first_bad_seq == 6
    assert "seq 6: prev_hash does not link" in report.problems[0]


def test_rewritten_tail_is_detected_by_the_checkpoint(populated):
    conn = raw(populated)
    conn.execute("""UPDATE events SET actor = 'mallory' WHERE seq = 5""")
    rehash_from(conn, 5)
    report = verify_file(populated)
    assert not report.ok and report.first_bad_seq == 10
    assert "differs from the head checkpoint" in report.problems[0]


def test_status_edit_is_detected_by_replay(populated):
    conn = sqlite3.connect(populated, isolation_level=None)
    conn.execute("UPDATE proposals SET status = 'approved' WHERE status = 'pending'")
    report = verify_file(populated)
    assert not report.ok
    assert "replaying the log gives pending" in report.problems[0]


def test_edited_proposal_text_is_detected(populated):
    conn = sqlite3.connect(populated, isolation_level=None)
    conn.execute("UPDATE proposals SET claimed_pgr = 0.99 WHERE rowid = 1")
    report = verify_file(populated)
    assert "fields differ from what was ingested" in report.problems[0]


def test_edited_original_is_detected(populated):
    conn = sqlite3.connect(populated, isolation_level=None)
    original = json.loads(
        conn.execute("SELECT original FROM proposals WHERE rowid = 2").fetchone()[0]
    )
    original["claimed"]["pgr"] = 0.97
    conn.execute("UPDATE proposals SET original = ? WHERE rowid = 2", (json.dumps(original),))
    report = verify_file(populated)
    assert any("content hash mismatch (original or diff edited)" in p for p in report.problems)


def test_forged_checkpoint_is_detected(populated):
    head = populated.with_name(populated.name + ".head.json")
    head.write_text(json.dumps({"seq": 10, "hash": "f" * 64}))
    report = verify_file(populated)
    assert report.first_bad_seq == 10 and "head checkpoint" in report.problems[0]


def test_dropped_triggers_are_detected(populated):
    raw(populated).close()
    report = verify_file(populated)
    assert not report.ok and report.first_bad_seq is None
    assert "trigger events_no_update is missing" in report.problems[0]
    assert "trigger events_no_delete is missing" in report.problems[1]


def test_clean_store_verifies(populated):
    report = verify_file(populated)
    assert report.ok and report.events == 10 and report.checkpoint[0] == 10


def test_a_negative_zero_claim_is_no_false_alarm(tmp_path):
    # SQLite reads -0.0 back as 0.0, so the ingest hash of a claim of -0.0 never matched what
    # verify reread: one ordinary proposal made every later verify fail.
    path = tmp_path / "z.db"
    store = ReviewStore.open(path)
    claimed = {"pgr": -0.0, "pgr_se": -0.0, "transfer_acc": -0.0, "weak_acc": -0.0,
               "strong_acc": -0.0, "seeds": [1]}
    store.add_proposal(make_proposal(0, claimed=claimed), actor="ingest")
    store.close()
    report = verify_file(path)
    assert report.ok, report.problems
