"""A job whose device this worker cannot use fails once, with a one-line reason: the same
device would meet every retry, and a torch traceback per attempt told the reviewer nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from reviewer import paths
from reviewer.harness import treehash
from reviewer.rerun.jobs import request_rerun
from reviewer.rerun.worker import work
from store import NewProposal, ReviewStore
from store.jobs import Job
from tests.factories import make_proposal, new_file_diff
from tests.rerun.test_external import HONEST
from tests.rerun.test_worker_faults import configure

# A runnable method, so only the device stands between the job and a result.
NAIVE = (treehash.tree_root() / "methods" / "naive.py").read_text()


def _queued(db: Path, device: str) -> int:
    store = ReviewStore.open(db)
    try:
        pid = store.add_proposal(
            make_proposal(1, base=treehash.git_tree_hash(),
                          diff=new_file_diff("methods/idea_1.py", NAIVE).encode()),
            actor="seed")
        # The store takes any device string: jobs queued before the CLI checked it, say.
        return request_rerun(store, pid, actor="alice", seeds=[1, 2], device=device).id
    finally:
        store.close()


def _work_once(db: Path, job_id: int) -> tuple[Job, list[str]]:
    """One worker pass over the store: the job as it left it, and what the worker logged."""
    logs: list[str] = []
    assert work(db, once=True, log=logs.append) == 1
    store = ReviewStore.open(db)
    try:
        return store.jobs.get(job_id), logs
    finally:
        store.close()


@pytest.mark.parametrize(
    ("device", "reason"),
    [
        ("tpu", "device 'tpu' is not one of auto, cpu, cuda or cuda:N"),
        pytest.param("cuda:0", "device 'cuda:0': torch here has no CUDA device; use cpu or auto",
                     marks=pytest.mark.skipif(torch.cuda.is_available(),
                                              reason="this torch has CUDA")),
    ],
)
def test_an_unusable_device_fails_the_job_once_without_a_traceback(tmp_path, device, reason):
    db = tmp_path / "w.db"
    job_id = _queued(db, device)
    job, logs = _work_once(db, job_id)
    store = ReviewStore.open(db)
    try:
        retried = store.conn.execute(
            "SELECT count(*) FROM events WHERE action = 'rerun_retried'").fetchone()[0]
    finally:
        store.close()
    assert (job.state, job.attempt, job.error, retried) == ("failed", 1, reason, 0)
    assert f"job {job_id}: {reason}; not retried" in logs
    assert not any("Traceback" in line for line in logs), logs


def test_a_config_broken_after_queueing_fails_the_job_once_naming_the_file(tmp_path):
    commit = configure(tmp_path)
    db = tmp_path / "w.db"
    store = ReviewStore.open(db)
    pid = store.add_proposal(NewProposal(
        agent="a", title="t", summary="s", harness="w2s-sandbox", source_format="native",
        original={"agent": "a"}, idea="mine", base=commit,
        diff=new_file_diff("w2s_research/ideas/mine/run.py", HONEST).encode()), actor="seed")
    job_id = request_rerun(store, pid, actor="alice", seeds=[1, 2]).id
    store.close()
    config = paths.config_file()
    config.write_text(config.read_text() + "\n[gate]\nrequired_approvals = 2\n")
    job, logs = _work_once(db, job_id)
    assert (job.state, job.attempt) == ("failed", 1)
    assert job.error.startswith(f"{config}: gate: unknown table (known tables: ")
    assert not any("Traceback" in line for line in logs), logs


def test_a_sandbox_this_machine_cannot_give_fails_the_job_once_without_a_traceback(
    tmp_path, monkeypatch
):
    # A module the sandboxed method needs lies outside the mounts (or bubblewrap is gone):
    # every retry would meet the same machine, and each logged a traceback.
    from reviewer.rerun import sandbox

    monkeypatch.setattr(sandbox, "SANDBOX_MODULES", ("numpy", "no_such_module_for_w2s"))
    db = tmp_path / "w.db"
    job_id = _queued(db, "cpu")
    job, logs = _work_once(db, job_id)
    assert (job.state, job.attempt) == ("failed", 1)
    assert any(line.startswith(f"job {job_id}: ") and line.endswith("; not retried")
               for line in logs), logs
    assert not any("Traceback" in line for line in logs), logs
