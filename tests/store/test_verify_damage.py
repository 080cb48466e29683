"""`audit verify` reports a damaged or malformed database as problems naming the row; it
never raises (the red-team's tracebacks)."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from store import ReviewStore
from store.audit import row_hash
from tests.factories import make_proposal


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "damage.db"
    store = ReviewStore.open(path)
    ids = store.add_proposals(
        [make_proposal(i, diff=f"diff {i}\n".encode() if i % 2 else None) for i in range(40)],
        actor="i",
    ).added
    store.approve(ids[0], reason="ok", actor="a")
    store.record_checks(ids[1], "static", [
        {"code": "net", "severity": "high", "message": "socket " * 50}
    ], actor="scan")
    job = store.jobs.enqueue(ids[1], kind="rerun", params={}, actor="t")
    store.jobs.complete(job.id, store.jobs.claim("w").attempt, {"verdict": "reproduced"})
    assert store.verify().ok
    store.close()
    return path


def verify(path: Path):
    store = ReviewStore.open(path)
    try:
        return store.verify()
    finally:
        store.close()


def raw(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("DROP TRIGGER events_no_update")
    conn.execute("DROP TRIGGER events_no_delete")
    return conn


def restore_triggers(conn: sqlite3.Connection) -> None:
    for verb in ("UPDATE", "DELETE"):
        conn.execute(
            f"CREATE TRIGGER events_no_{verb.lower()} BEFORE {verb} ON events "
            "BEGIN SELECT RAISE(ABORT, 'events are append-only'); END"
        )


def rewrite_payload(path: Path, seq: int, payload: str) -> None:
    """Replace one event's payload and re-hash the chain and the head after it."""
    conn = raw(path)
    conn.execute("UPDATE events SET payload = ? WHERE seq = ?", (payload, seq))
    prev = conn.execute("SELECT hash FROM events WHERE seq = ?", (seq - 1,)).fetchone()[0]
    rows = conn.execute(
        "SELECT seq, ts, actor, action, proposal_id, payload FROM events WHERE seq >= ? "
        "ORDER BY seq", (seq,)).fetchall()
    for s, ts, actor, action, pid, body in rows:
        digest = row_hash(prev, s, ts, actor, action, pid, body)
        conn.execute("UPDATE events SET prev_hash = ?, hash = ? WHERE seq = ?", (prev, digest, s))
        prev = digest
    restore_triggers(conn)
    last = rows[-1][0]
    conn.close()
    path.with_name(path.name + ".head.json").write_text(f'{{"seq": {last}, "hash": "{prev}"}}')


def test_a_diff_stored_as_text_is_reported(db):
    conn = sqlite3.connect(db, isolation_level=None)
    pid = conn.execute("SELECT id FROM proposals WHERE diff IS NOT NULL ORDER BY id").fetchone()[0]
    conn.execute("UPDATE proposals SET diff = cast(diff AS text)")
    conn.close()
    report = verify(db)
    assert not report.ok
    assert report.problems[0] == f"proposal {pid[:12]}: diff is stored as text, not bytes " \
                                 "(the row was edited)"


def test_an_original_that_is_not_json_is_reported(db):
    conn = sqlite3.connect(db, isolation_level=None)
    pid = conn.execute("SELECT id FROM proposals ORDER BY id").fetchone()[0]
    conn.execute("UPDATE proposals SET original = '{bad' WHERE id = ?", (pid,))
    conn.close()
    report = verify(db)
    assert not report.ok
    assert report.problems[0] == f"proposal {pid[:12]}: original is not valid JSON " \
                                 "(the row was edited)"


@pytest.mark.parametrize("payload", ["[1]", "1", '"text"', "null"])
def test_a_payload_that_is_not_an_object_is_reported(db, payload):
    conn = sqlite3.connect(db)
    seq = conn.execute("SELECT seq FROM events WHERE action = 'rerun_finished'").fetchone()[0]
    conn.close()
    rewrite_payload(db, seq, payload)
    report = verify(db)
    assert not report.ok and report.first_bad_seq == seq
    assert report.problems[0] == f"seq {seq}: payload is not a JSON object"


@pytest.mark.parametrize("value", ['"two"', "null", "[2]", '"2"', "true", "0"])
def test_a_malformed_required_approvals_is_reported(db, value):
    conn = sqlite3.connect(db)
    seq, payload = conn.execute(
        "SELECT seq, payload FROM events WHERE action = 'approve'").fetchone()
    conn.close()
    assert '"required_approvals":1' in payload
    rewrite_payload(db, seq, payload.replace('"required_approvals":1',
                                             f'"required_approvals":{value}'))
    report = verify(db)
    assert not report.ok and report.first_bad_seq == seq, report.problems
    assert report.problems[0].startswith(f"seq {seq}: approve with a malformed required_approvals")


def test_a_damaged_file_is_reported_never_raised(db, tmp_path):
    size = db.stat().st_size
    reported = 0
    for offset in range(4096, size, 4096):
        copy = tmp_path / f"copy{offset}.db"
        shutil.copy(db, copy)
        shutil.copy(db.with_name(db.name + ".head.json"), copy.with_name(copy.name + ".head.json"))
        with open(copy, "r+b") as fh:
            fh.seek(offset)
            fh.write(b"\xff" * 8192)
        try:
            store = ReviewStore.open(copy)
        except Exception:  # open may refuse a wreck outright; verify must not raise
            continue
        try:
            report = store.verify()  # must not raise
        finally:
            store.close()
        assert not report.ok, f"8 KiB of 0xFF at {offset} passed verify"
        reported += 1
    assert reported
