"""`audit verify` reports a damaged or malformed database as problems naming the row; it
never raises (the red-team's tracebacks)."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from store import ReviewStore
from tests.factories import make_proposal
from tests.store.tampering import raw, rehash_from, restore_triggers, verify_file


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








def rewrite_payload(path: Path, seq: int, payload: str) -> None:
    """Replace one event's payload and re-hash the chain and the head after it."""
    conn = raw(path)
    conn.execute("UPDATE events SET payload = ? WHERE seq = ?", (payload, seq))
    rehash_from(conn, seq)
    restore_triggers(conn)
    last, digest = conn.execute("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()
    conn.close()
    path.with_name(path.name + ".head.json").write_text(f'{{"seq": {last}, "hash": "{digest}"}}')


def test_a_diff_stored_as_text_is_reported(db):
    conn = sqlite3.connect(db, isolation_level=None)
    pid = conn.execute("SELECT id FROM proposals WHERE diff IS NOT NULL ORDER BY id").fetchone()[0]
    conn.execute("UPDATE proposals SET diff = cast(diff AS text)")
    conn.close()
    report = verify_file(db)
    assert not report.ok
    assert report.problems[0] == f"proposal {pid[:12]}: diff is stored as text, not bytes " \
                                 "(the row was edited)"


def test_an_original_that_is_not_json_is_reported(db):
    conn = sqlite3.connect(db, isolation_level=None)
    pid = conn.execute("SELECT id FROM proposals ORDER BY id").fetchone()[0]
    conn.execute("UPDATE proposals SET original = '{bad' WHERE id = ?", (pid,))
    conn.close()
    report = verify_file(db)
    assert not report.ok
    assert report.problems[0] == f"proposal {pid[:12]}: original is not valid JSON " \
                                 "(the row was edited)"


@pytest.mark.parametrize("payload", ["[1]", "1", '"text"', "null"])
def test_a_payload_that_is_not_an_object_is_reported(db, payload):
    conn = sqlite3.connect(db)
    seq = conn.execute("SELECT seq FROM events WHERE action = 'rerun_finished'").fetchone()[0]
    conn.close()
    rewrite_payload(db, seq, payload)
    report = verify_file(db)
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
    report = verify_file(db)
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
