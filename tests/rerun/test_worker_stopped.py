"""A worker stopped on purpose (ctrl+c, SIGTERM, SIGHUP from a closed terminal or `reviewer
demo` quitting) gives its job back at once without spending a retry, and leaves no scratch
folder or process behind: Python's default for SIGTERM and SIGHUP ran no cleanup at all."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from reviewer.rerun.jobs import request_rerun
from reviewer.rerun.worker import _release, _Stop, stop_on_signals
from store import NewProposal, ReviewStore
from store.jobs import Job, StaleAttempt
from store.verify import verify_store
from tests.factories import make_proposal, new_file_diff
from tests.rerun.test_external import HEADER, WRITE
from tests.rerun.test_worker_faults import configure

NEEDS_BWRAP = pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap not installed")
# An idea that sits in the sandbox long enough to be stopped there.
SLOW = HEADER + "import time\ntime.sleep(60)\n" + WRITE


def test_a_released_job_is_queued_again_without_spending_a_retry(tmp_path):
    store = ReviewStore.open(tmp_path / "s.db")
    pid = store.add_proposal(make_proposal(1, diff=new_file_diff("methods/x.py", "x = 1\n")
                                           .encode()), actor="seed")
    job = request_rerun(store, pid, actor="alice", seeds=[1], max_attempts=1)
    claimed = store.jobs.claim("w1")
    assert claimed is not None and claimed.attempt == 1
    released = store.jobs.release(job.id, 1, "the worker was stopped (SIGTERM); queued again")
    assert released.state == "queued" and "SIGTERM" in (released.error or "")
    again = store.jobs.claim("w2")  # its one allowed attempt was not used up
    assert again is not None and again.id == job.id and again.attempt == 2
    with pytest.raises(StaleAttempt):  # attempt numbers still fence: the old one is refused
        store.jobs.release(job.id, 1, "late")
    [retried] = [e for e in store.events(pid) if e.action == "rerun_retried"]
    assert retried.payload["released"] is True and retried.payload["attempt"] == 1
    assert verify_store(store).ok
    store.close()


def test_a_stop_after_the_job_left_the_worker_says_so(tmp_path):
    # A stop that lands once the job is no longer this attempt's (its result just recorded,
    # or cancelled) once said it would run again when its lease lapsed: it never would.
    store = ReviewStore.open(tmp_path / "s.db")
    pid = store.add_proposal(make_proposal(1, diff=new_file_diff("methods/x.py", "x = 1\n")
                                           .encode()), actor="seed")
    request_rerun(store, pid, actor="alice", seeds=[1])
    job = store.jobs.claim("w1")
    assert job is not None
    store.jobs.cancel(job.id, actor="alice")
    said: list[str] = []
    _release(store, job, "the worker was stopped (SIGTERM)", said.append)
    assert said == [f"job {job.id}: the worker was stopped (SIGTERM); the job was already "
                    "cancelled"]
    assert store.jobs.get(job.id).state == "cancelled"
    store.close()


def test_a_stop_whose_raise_was_swallowed_still_stops_the_run_and_the_worker():
    # The handler ran inside logging's at-fork hook as a sandbox was forked; the hook
    # swallowed its SystemExit, and the worker ran its job on, deaf to the spent signal.
    cancel = threading.Event()
    with stop_on_signals():
        _Stop.cancel = cancel
        try:
            handler = signal.getsignal(signal.SIGTERM)
            assert callable(handler)
            try:
                handler(signal.SIGTERM, None)
            except SystemExit:
                pass  # what an at-fork hook does with it
            assert cancel.is_set()  # the sandbox's watch loop stops on this at once
            with pytest.raises(SystemExit) as stopped:
                _Stop.check()
            assert stopped.value.code == 128 + signal.SIGTERM
        finally:
            _Stop.cancel = None
    _Stop.check()  # the stop belonged to that session of the handlers only


def _slow_job(tmp_path: Path, db: Path, **options: int) -> Job:
    """A queued one-seed rerun of SLOW on a tiny external harness, in a new store at `db`."""
    commit = configure(tmp_path)
    store = ReviewStore.open(db)
    p = NewProposal(agent="a", title="t", summary="s", harness="w2s-sandbox",
                    source_format="native", original={"agent": "a"}, idea="mine", base=commit,
                    diff=new_file_diff("w2s_research/ideas/mine/run.py", SLOW).encode())
    job = request_rerun(store, store.add_proposal(p, actor="seed"), actor="alice", seeds=[1],
                        **options)
    store.close()
    return job


def _leftovers(scratch: Path) -> list[str]:
    """Processes whose command line names the scratch folder (the sandbox, its method)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if str(scratch).encode() in cmdline:
            found.append(cmdline.replace(b"\0", b" ").decode(errors="replace"))
    return found


@NEEDS_BWRAP
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_worker_stopped_mid_rerun_gives_the_job_back_and_cleans_up(tmp_path, sig):
    db = tmp_path / "stop.db"
    job = _slow_job(tmp_path, db, max_attempts=1)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch)}
    worker = subprocess.Popen(
        [sys.executable, "-P", "-m", "reviewer", "--db", str(db), "worker"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,  # its own group, so the signal reaches only the worker
    )
    store = ReviewStore.open(db)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not _leftovers(scratch):
            time.sleep(0.1)  # until the sandboxed idea runs
        assert _leftovers(scratch), "the rerun never reached the sandbox"
        assert store.jobs.get(job.id).state == "running"
        worker.send_signal(sig)
        _, err = worker.communicate(timeout=60)
        assert "Traceback" not in err, err
        after = store.jobs.get(job.id)
        assert after.state == "queued" and "the worker was stopped" in (after.error or ""), err
        assert _leftovers(scratch) == []
        assert list(scratch.iterdir()) == []  # the tree, view, outputs and logs removed
        assert verify_store(store).ok
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
        store.close()


@NEEDS_BWRAP
def test_a_new_stage_reaches_the_queue_without_waiting_for_the_next_beat(tmp_path):
    """Stages were written only with heartbeats, a third of a lease apart (20 s by default):
    the queue showed "started" while the idea already ran. A new stage beats at once."""
    db = tmp_path / "stage.db"
    job = _slow_job(tmp_path, db)
    worker = subprocess.Popen(
        [sys.executable, "-P", "-m", "reviewer", "--db", str(db), "worker", "--lease", "900"],
        env={**os.environ, "TMPDIR": str(tmp_path)}, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, start_new_session=True)
    store = ReviewStore.open(db)
    try:
        stage = None
        deadline = time.monotonic() + 60  # the first beat of a 900 s lease is 300 s away
        while time.monotonic() < deadline and not (stage or "").startswith("seed 1/1: running"):
            time.sleep(0.1)
            stage = (store.jobs.get(job.id).progress or {}).get("stage")
        assert (stage or "").startswith("seed 1/1: running mine"), stage
    finally:
        worker.terminate()
        worker.wait(timeout=60)
        store.close()
