"""Readers of a damaged row that `audit verify` names: they never raise, and an unreadable
rerun result never passes the approval gate."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import pytest

from store import ReviewStore
from store.gates import GatePolicy, gating_rerun
from tests.factories import make_proposal, new_file_diff
from tests.store.tampering import raw, restore_triggers

DEEP = "[" * 100_000 + "]" * 100_000
UNREADABLE = ["{bad", DEEP, "[1]", "null", '"text"']


def finished_rerun(store: ReviewStore, pid: str, verdict: str) -> int:
    result: dict[str, Any] = {
        "verdict": verdict,
        "ablation": {"passed": True},
        "per_seed": [{"seed": 1, "pgr": 0.4}, {"seed": 2, "pgr": 0.5}],
        "env": {"diff_sha256": store.get(pid)["diff_sha256"]},
    }
    job = store.jobs.enqueue(pid, kind="rerun", params={"seeds": [1, 2]}, actor="carol")
    claimed = store.jobs.claim("worker-1", job_id=job.id)
    assert claimed is not None
    store.jobs.complete(job.id, claimed.attempt, result)
    return job.id


@pytest.fixture
def reran(tmp_path: Path) -> tuple[Path, str, int]:
    """A store file whose proposal has two reproduced reruns of its current diff: (path, id,
    newest job id). The gates pass before any damage."""
    path = tmp_path / "damaged.db"
    store = ReviewStore.open(path)
    diff = new_file_diff("methods/idea_1.py", "def run(view):\n    return 1\n").encode()
    pid = store.add_proposal(make_proposal(1, diff=diff), actor="ingest")
    store.record_checks(pid, "static", [], actor="ingest")
    finished_rerun(store, pid, "reproduced")
    newest = finished_rerun(store, pid, "reproduced")
    assert store.gates(pid, policy=GatePolicy.defaults()) == []
    store.close()
    return path, pid, newest


@contextmanager
def with_result(path: Path, job_id: int, value: object) -> Iterator[ReviewStore]:
    """The store, opened after the job's stored result was set to `value` behind its back."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("UPDATE jobs SET result = ? WHERE id = ?", (value, job_id))
    conn.close()
    with closing(ReviewStore.open(path)) as store:
        yield store


@pytest.mark.parametrize("value", [*UNREADABLE, b"\xff\x00"], ids=lambda v: repr(v)[:12])
def test_an_unreadable_newest_result_is_no_rerun_for_the_gate(reran, value):
    path, pid, newest = reran
    with with_result(path, newest, value) as store:
        sha = store.get(pid)["diff_sha256"]
        # The older reproduced rerun does not stand in for the newer one that cannot be read.
        assert gating_rerun(store.conn, pid, sha) is None
        assert store.gates(pid, policy=GatePolicy(require_rerun=True)) == [
            "no finished rerun of the current diff (press r, or `reviewer rerun`)"
        ]


@pytest.mark.parametrize("env", ["[1]", '"x"', "3"])
def test_a_result_whose_env_is_not_an_object_matches_no_diff(reran, env):
    path, pid, newest = reran
    with with_result(path, newest, f'{{"verdict": "reproduced", "env": {env}}}') as store:
        assert gating_rerun(store.conn, pid, store.get(pid)["diff_sha256"])["job"] == newest - 1


@pytest.mark.parametrize("value", [*UNREADABLE, b"\xff\x00"], ids=lambda v: repr(v)[:12])
def test_a_job_with_an_unreadable_result_loads_with_the_result_absent(reran, value):
    path, pid, newest = reran
    with with_result(path, newest, value) as store:
        job = store.jobs.get(newest)
        assert (job.state, job.result) == ("done", None)
        assert job.error == (
            f"job {newest}: its stored result cannot be read (a damaged row) and is shown as "
            "absent; run `reviewer audit verify`"
        )
        assert [j.result is None for j in store.jobs.for_proposal(pid)] == [False, True]
        assert len(store.jobs.listing("rerun", ["done"], limit=10)) == 2


def test_unreadable_params_and_progress_are_named_too(reran):
    path, _, newest = reran
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("UPDATE jobs SET params = x'ff', progress = '{' WHERE id = ?", (newest,))
    conn.close()
    store = ReviewStore.open(path)
    try:
        job = store.jobs.get(newest)
        assert (job.params, job.progress, job.result["verdict"]) == ({}, None, "reproduced")
        assert job.error is not None
        assert job.error.startswith(f"job {newest}: its stored params and progress cannot be read")
    finally:
        store.close()


def test_a_payload_nested_past_the_parser_reads_as_unreadable(reran):
    path, pid, _ = reran
    conn = raw(path)
    seq = conn.execute("SELECT max(seq) FROM events WHERE action = 'rerun_finished'").fetchone()[0]
    conn.execute("UPDATE events SET payload = ? WHERE seq = ?", (DEEP, seq))
    restore_triggers(conn)
    conn.close()
    store = ReviewStore.open(path)
    try:
        (event,) = [e for e in store.events(pid) if e.seq == seq]
        assert event.payload == {"unreadable_payload": DEEP}
        assert f"seq {seq}: content hash mismatch" in " ".join(store.verify().problems)
    finally:
        store.close()
