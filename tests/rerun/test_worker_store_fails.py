"""A store that cannot take the write of a rerun's result (a full disk, say): the worker
says so in one line, with no traceback, and stops on the error rather than hiding it."""

from __future__ import annotations

import shutil
import sqlite3

import pytest

from reviewer.rerun.jobs import request_rerun
from reviewer.rerun.worker import run_job
from store import NewProposal, ReviewStore
from tests.factories import new_file_diff
from tests.rerun.test_worker_faults import HONEST, configure

pytestmark = pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap not installed")


def test_a_result_the_store_cannot_take_is_one_line_and_the_error(tmp_path):
    commit = configure(tmp_path)
    store = ReviewStore.open(tmp_path / "store.db")
    original = {"agent": "a", "idea": "mine"}
    pid = store.add_proposal(NewProposal(
        agent="a", title="t", summary="s", harness="w2s-sandbox", source_format="native",
        original=original, idea="mine", base=commit,
        diff=new_file_diff("w2s_research/ideas/mine/run.py", HONEST).encode()), actor="seed")
    request_rerun(store, pid, actor="alice", seeds=[1, 2])
    job = store.jobs.claim("worker@test")
    assert job is not None
    # Every write of this connection is refused by SQLite from now on, as on a full disk.
    store.conn.execute("PRAGMA query_only = ON")
    logged: list[str] = []
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        run_job(store, job, log=logged.append)
    store.conn.execute("PRAGMA query_only = OFF")
    assert not any("Traceback" in line for line in logged), logged
    assert logged[-1] == (f"job {job.id}: the store failed (attempt to write a readonly "
                          "database); the job stays running until its lease lapses, then "
                          "runs again")
    assert store.jobs.get(job.id).state == "running"
    store.close()

