"""Commands over rows `audit verify` names as damaged: a clear line or the value shown as
absent, never a traceback (the red team's F5)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from reviewer.cli import cli
from store import ReviewStore
from tests.factories import make_proposal, new_file_diff
from tests.store.tampering import raw, restore_triggers

DEEP = "[" * 100_000 + "]" * 100_000
READS = [["show", "{pid}"], ["show", "{pid}", "--json"], ["report", "{pid}"], ["report"],
         ["report", "--format", "html"], ["jobs", "--all"], ["audit", "export"],
         ["audit", "export", "--format", "md"]]  # fmt: skip


@pytest.fixture
def db(tmp_path: Path) -> tuple[Path, str, int]:
    """A store file with one proposal rerun and reproduced: (path, id, job id)."""
    path = tmp_path / "damaged.db"
    store = ReviewStore.open(path)
    diff = new_file_diff("methods/idea_1.py", "def run(view):\n    return 1\n").encode()
    pid = store.add_proposal(make_proposal(1, diff=diff), actor="ingest")
    store.record_checks(pid, "static", [], actor="ingest")
    job = store.jobs.enqueue(pid, kind="rerun", params={"seeds": [1, 2]}, actor="carol")
    claimed = store.jobs.claim("worker-1", job_id=job.id)
    assert claimed is not None
    result = {"verdict": "reproduced", "ablation": {"passed": True},
              "per_seed": [{"seed": 1, "pgr": 0.4}, {"seed": 2, "pgr": 0.5}],
              "env": {"diff_sha256": store.get(pid)["diff_sha256"]}}  # fmt: skip
    store.jobs.complete(job.id, claimed.attempt, result)
    store.comment(pid, "looked at it", actor="bob@example.org")
    store.close()
    return path, pid, job.id


def run(path: Path, *args: str) -> Result:
    """The command, with any exception other than a clean exit raised into the test."""
    result = CliRunner().invoke(
        cli, ["--db", str(path), "--actor", "alice@example.org", *args], catch_exceptions=False
    )
    assert "Traceback" not in result.output
    return result


def reads(path: Path, pid: str) -> dict[str, Result]:
    return {" ".join(a[:3]): run(path, *(x.format(pid=pid) for x in a)) for a in READS}


def test_an_unreadable_job_result_is_absent_and_blocks_approval(db):
    path, pid, job = db
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("UPDATE jobs SET result = '{bad' WHERE id = ?", (job,))
    conn.close()
    results = reads(path, pid)
    assert {name: r.exit_code for name, r in results.items()} == dict.fromkeys(results, 0)
    (rerun,) = json.loads(results["show {pid} --json"].output)["reruns"]
    assert rerun["verdict"] is None
    assert rerun["error"].startswith(f"job {job}: its stored result cannot be read")
    assert "reviewer audit verify" in rerun["error"]
    approve = run(path, "approve", pid, "--reason", "looks fine")
    assert approve.exit_code == 1
    assert "no finished rerun of the current diff" in approve.output
    assert run(path, "audit", "verify").exit_code == 1


def test_a_payload_nested_past_the_parser_is_read_as_unreadable(db):
    path, pid, _ = db
    conn = raw(path)
    conn.execute("UPDATE events SET payload = ? WHERE action = 'comment'", (DEEP,))
    restore_triggers(conn)
    conn.close()
    results = reads(path, pid)
    assert {name: r.exit_code for name, r in results.items()} == dict.fromkeys(results, 0)
    assert "unreadable_payload" in results["audit export"].output
    assert run(path, "approve", pid, "--reason", "looks fine").exit_code == 0
    assert "content hash mismatch" in run(path, "audit", "verify").output


def test_a_binary_prev_hash_stops_the_export_naming_the_event(db, tmp_path):
    path, pid, _ = db
    conn = raw(path)
    conn.execute("UPDATE events SET prev_hash = x'41' WHERE seq = 2")
    restore_triggers(conn)
    conn.close()
    export = run(path, "audit", "export")
    assert export.exit_code == 1
    assert export.stderr.splitlines() == [
        "Error: event seq 2: its prev_hash is binary (a damaged row), so the export stops "
        "here; run `reviewer audit verify`"
    ]
    target = tmp_path / "audit.jsonl"
    target.write_text("the previous export\n")
    assert run(path, "audit", "export", "-o", str(target)).exit_code == 1
    assert target.read_text() == "the previous export\n"
    assert run(path, "audit", "export", "--format", "md").exit_code == 0
    assert run(path, "show", pid).exit_code == 0


def test_a_job_whose_seeds_are_not_a_list_shows_none(db):
    # `len()` of the count 5 a hand-written row (the benchmark store's) held was a traceback
    # in `jobs --all` and on the proposal screen.
    path, pid, job = db
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("UPDATE jobs SET params = '{\"seeds\": 5}' WHERE id = ?", (job,))
    conn.close()
    results = reads(path, pid)
    assert {name: r.exit_code for name, r in results.items()} == dict.fromkeys(results, 0)
    (rerun,) = json.loads(results["show {pid} --json"].output)["reruns"]
    assert rerun["seeds"] is None
