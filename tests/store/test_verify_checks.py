"""`audit verify` replays the log's findings (`checks` events, rerun findings, resolutions) and
the job requests against the `checks` and `jobs` tables: the approval gate trusts those rows,
so editing them behind the log's back must not go unseen."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from store import ReviewStore
from store.gates import GatePolicy
from tests.factories import make_proposal, new_file_diff
from tests.store.tampering import problems_after

HIGH = {"code": "net_access", "severity": "high", "message": "opens a socket"}
LOW = {"code": "style", "severity": "low", "message": "long line", "detail": {"line": 3}}


def _finish(store: ReviewStore, pid: str, result: dict) -> int:
    job = store.jobs.enqueue(pid, kind="rerun", params={"seeds": 3}, actor="carol")
    claimed = store.jobs.claim("w", job_id=job.id)
    store.jobs.complete(job.id, claimed.attempt, result)
    return job.id


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """Findings from a scan, a rescan that keeps a resolution, a rerun's findings, a resolved
    check, a diff attached later, decisions, a cancelled and a queued job."""
    path = tmp_path / "checks.db"
    store = ReviewStore.open(path)
    code = new_file_diff("m.py", "x = 1\n").encode()
    a = store.add_proposal(make_proposal(0, diff=code), actor="i")
    b = store.add_proposal(make_proposal(1), actor="i")
    store.record_checks(a, "static", [HIGH, LOW], actor="scan")  # checks 1, 2
    store.record_checks(b, "static", [LOW], actor="scan")  # check 3
    store.resolve_check(a, 2, reason="fine", actor="alice")
    # 4, 5: a rescan that words the high finding anew; 5 keeps 2's resolution
    store.record_checks(a, "static", [{**HIGH, "message": "opens a socket again"}, LOW],
                        actor="scan")
    sha = store.get(a)["diff_sha256"]
    rerun_checks = [{"code": "leak", "severity": "medium", "message": "reads labels"}]
    _finish(store, a, {"verdict": "reproduced", "checks": rerun_checks,
                       "env": {"diff_sha256": sha}})  # check 6
    _finish(store, b, {"verdict": "not_reproduced", "checks": "not a list"})
    store.resolve_check(a, 6, reason="expected", actor="bob")
    store.record_checks(b, "static", [], actor="scan")  # deletes 3
    store.record_checks(b, "claims", [HIGH], actor="scan")  # check 7
    store.record_checks(b, "claims", [HIGH], actor="scan")  # the same again: nothing written
    store.reject(b, reason="no", actor="alice")
    store.undo(b, actor="alice")
    store.comment(a, "looks odd", actor="bob")
    job = store.jobs.enqueue(b, kind="rerun", params={"seeds": 5}, actor="carol")
    store.jobs.cancel(job.id, actor="carol")
    store.jobs.enqueue(b, kind="rerun", params={"seeds": 1}, actor="dave")
    store.add_proposal(make_proposal(1, diff=new_file_diff("n.py", "y\n").encode()), actor="i")
    store.record_checks(b, "static", [LOW, LOW], actor="scan")
    store.approve(a, reason="ok", actor="alice", override="checked by hand")
    report = store.verify()
    assert report.ok, report.problems
    ids = [r[0] for r in store.conn.execute("SELECT id FROM checks ORDER BY id")]
    assert ids == [4, 5, 6, 7, 8, 9], ids
    store.close()
    return path


def test_a_high_check_marked_resolved_is_detected(db):
    problems = problems_after(
        db,
        "UPDATE checks SET resolved_seq = 1, resolved_by = 'alice', resolved_reason = 'fine' "
        "WHERE severity = 'high' AND resolved_seq IS NULL",
    )
    assert problems[0].startswith("check 4 of proposal ") and len(problems) == 2
    assert "resolved" in problems[0]


def test_a_deleted_check_is_detected(db):
    problems = problems_after(db, "DELETE FROM checks WHERE id = 4")
    assert len(problems) == 1 and problems[0].startswith("check 4 of proposal ")
    assert "missing from the store" in problems[0]


def test_every_check_deleted_is_detected(db):
    problems = problems_after(db, "DELETE FROM checks")
    assert len(problems) == 6 and problems[0].startswith("check 4 of proposal ")


def test_a_lowered_severity_is_detected(db):
    problems = problems_after(db, "UPDATE checks SET severity = 'low' WHERE id = 7")
    assert problems == [problems[0]] and "severity is low but the log recorded high" in problems[0]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE checks SET message = 'harmless' WHERE id = 4",
        "UPDATE checks SET code = 'style' WHERE id = 4",
        """UPDATE checks SET detail = '{"line": 4}' WHERE id = 5""",
        "UPDATE checks SET diff_sha256 = NULL WHERE id = 6",
        "UPDATE checks SET source = 'claims' WHERE id = 4",
        "UPDATE checks SET event_seq = 3 WHERE id = 4",
        "UPDATE checks SET proposal_id = (SELECT id FROM proposals WHERE id != "
        "(SELECT proposal_id FROM checks WHERE id = 4) LIMIT 1) WHERE id = 4",
        "UPDATE checks SET resolved_by = 'mallory' WHERE id = 5",
        "UPDATE checks SET resolved_seq = NULL, resolved_by = NULL, resolved_reason = NULL "
        "WHERE id = 6",
    ],
)
def test_an_edited_check_is_detected(db, statement):
    problems = problems_after(db, statement)
    assert len(problems) == 1 and problems[0].startswith("check "), problems


def test_a_check_the_log_never_recorded_is_detected(db):
    problems = problems_after(
        db,
        "INSERT INTO checks (proposal_id, source, code, severity, message, event_seq) "
        "SELECT proposal_id, 'static', 'x', 'low', 'y', 3 FROM checks WHERE id = 4",
    )
    assert problems == [problems[0]] and problems[0].startswith("check 10 of proposal ")
    assert "not in the log" in problems[0]


def test_the_gate_bypass_from_the_report_is_detected(tmp_path):
    """The red-team repro: resolving a high check behind the log lifts the approval gate."""
    path = tmp_path / "gate.db"
    store = ReviewStore.open(path)
    store.gate_policy = GatePolicy(block_high_checks=True)
    pid = store.add_proposal(make_proposal(0), actor="i")
    store.record_checks(pid, "static", [HIGH], actor="scan")
    assert store.gates(pid)
    store.conn.execute(
        "UPDATE checks SET resolved_seq = 1, resolved_by = 'alice', resolved_reason = 'fine' "
        "WHERE severity = 'high'"
    )
    assert not store.gates(pid)
    store.approve(pid, reason="x", actor="alice")
    report = store.verify()
    store.close()
    assert not report.ok and report.problems[0].startswith("check 1 of proposal ")


# -- jobs: requester, parameters and state against their events ------------------------------


def test_an_edited_requester_is_detected(db):
    problems = problems_after(db, "UPDATE jobs SET requested_by = 'alice' WHERE id = 1")
    assert problems == ["job 1: requested by alice in the store but by carol in the log "
                        f"(seq {_seq(db, 'rerun_requested', 1)})"]


def test_edited_params_are_detected(db):
    problems = problems_after(db, """UPDATE jobs SET params = '{"seeds": 1}' WHERE id = 3""")
    assert len(problems) == 1 and problems[0].startswith("job 3: parameters differ from")


def test_a_cancelled_job_set_back_to_queued_is_detected(db):
    problems = problems_after(db, "UPDATE jobs SET state = 'queued' WHERE id = 3")
    assert problems == ["job 3: queued in the store but cancelled in the log"]


def test_a_job_the_log_never_requested_is_detected(db):
    problems = problems_after(
        db,
        "INSERT INTO jobs (proposal_id, kind, params, requested_by, created_at) "
        "SELECT proposal_id, 'rerun', '{}', 'carol', created_at FROM jobs WHERE id = 1",
    )
    assert problems == ["job 5: in the store but the log never requested it"]


def test_a_queued_job_deleted_is_detected(db):
    problems = problems_after(db, "DELETE FROM jobs WHERE id = 4")
    assert problems == [f"job 4: requested at seq {_seq(db, 'rerun_requested', 4)} "
                        "but missing from the store"]


def _seq(db: Path, action: str, job: int) -> int:
    conn = sqlite3.connect(db)
    try:
        for seq, payload in conn.execute(
            "SELECT seq, payload FROM events WHERE action = ? ORDER BY seq", (action,)
        ):
            if json.loads(payload).get("job") == job:
                return seq
    finally:
        conn.close()
    raise AssertionError(f"no {action} of job {job}")


def test_many_problems_of_one_kind_do_not_hide_a_tampered_check(tmp_path):
    # One list capped at 20 let 20 edited proposals push a downgraded high check out of the
    # report, so the tamper that lifted a gate was never named.
    path = tmp_path / "many.db"
    store = ReviewStore.open(path)
    ids = store.add_proposals([make_proposal(i) for i in range(25)], actor="i").added
    store.record_checks(ids[0], "static", [HIGH], actor="scan")
    store.close()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("UPDATE proposals SET title = title || ' (edited)'")
    conn.execute("UPDATE checks SET severity = 'low' WHERE severity = 'high'")
    conn.close()
    from tests.store.tampering import verify_file

    report = verify_file(path)
    edited = [p for p in report.problems if "fields differ" in p]
    assert len(edited) == 20 and report.not_shown == 5
    assert any("severity is low but the log recorded high" in p for p in report.problems[20:])
    assert report.to_json()["problems_not_shown"] == 5
