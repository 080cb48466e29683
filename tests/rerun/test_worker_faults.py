"""Real `reviewer worker` processes under kill -9 and freezes past the lease: no job is
left stuck and every late result is fenced (notes C3). Jobs run on a tiny external
harness, so each is a real sandboxed run that takes a fraction of a second."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import tempfile
import time
from collections import Counter
from pathlib import Path

import pytest

from reviewer.rerun.jobs import request_rerun
from reviewer.rerun.worker import work
from store import NewProposal, ReviewStore
from tests.factories import new_file_diff
from tests.rerun.test_external import HONEST, LABELS, make_repo, write_config

pytestmark = pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap not installed")

JOBS = 24
LEASE_S = 1.5
FREEZES = 3  # each waits out 1.5 leases: most of the test's time


def configure(tmp_path: Path) -> str:
    repo = tmp_path / "w2s"
    repo.mkdir()
    commit = make_repo(repo)
    labels = tmp_path / "labels.json"
    labels.write_text(json.dumps(LABELS))
    write_config(repo, commit, labels)
    return commit


def spawn(db: Path, report_fd: int) -> int:
    def log(message: str) -> None:
        if "result dropped" in message:
            os.write(report_fd, b"fenced\n")

    pid = os.fork()
    if pid == 0:
        try:
            work(db, lease_s=LEASE_S, poll_s=0.05, log=log)
        finally:
            os._exit(0)
    return pid


def test_workers_under_kill_9_and_freezes(tmp_path, monkeypatch):
    # A killed worker leaves its scratch folders: keep them in this test's folder, not /tmp.
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    commit = configure(tmp_path)
    db = tmp_path / "faults.db"
    store = ReviewStore.open(db)
    for i in range(JOBS):
        original = {"agent": f"a{i}", "idea": "mine", "n": i}
        p = NewProposal(agent=f"a{i}", title=f"t{i}", summary="s", harness="w2s-sandbox",
                        source_format="native", original=original, idea="mine", base=commit,
                        diff=new_file_diff("w2s_research/ideas/mine/run.py", HONEST).encode())
        pid = store.add_proposal(p, actor="seed")
        request_rerun(store, pid, actor="alice", seeds=[1, 2], max_attempts=50)
    store.close()

    rng = random.Random(3)
    read_fd, write_fd = os.pipe()
    os.set_blocking(read_fd, False)
    workers = [spawn(db, write_fd) for _ in range(2)]
    kills = freezes = 0
    while kills < 20 or freezes < FREEZES:
        time.sleep(rng.uniform(0.05, 0.3))
        victim = rng.randrange(len(workers))
        if freezes < FREEZES and rng.random() < 0.3:
            os.kill(workers[victim], signal.SIGSTOP)
            time.sleep(LEASE_S * 1.5)  # past the lease: the job is claimed again elsewhere
            os.kill(workers[victim], signal.SIGCONT)
            freezes += 1
        elif kills < 20:
            os.kill(workers[victim], signal.SIGKILL)
            os.waitpid(workers[victim], 0)
            workers[victim] = spawn(db, write_fd)
            kills += 1
    store = ReviewStore.open(db)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        counts = store.jobs.counts()
        if counts["queued"] == counts["running"] == 0:
            break
        time.sleep(0.2)
    for w in workers:
        os.kill(w, signal.SIGKILL)
        os.waitpid(w, 0)

    try:
        fenced = os.read(read_fd, 1 << 16).count(b"fenced")
    except BlockingIOError:
        fenced = 0
    counts = store.jobs.counts()
    assert counts["queued"] == counts["running"] == 0, counts  # nothing stuck
    assert counts["done"] == JOBS, counts
    finished = Counter()
    for event in store.events():
        if event.action == "rerun_finished":
            job = store.jobs.get(event.payload["job"])
            assert event.payload["attempt"] == job.attempt  # only the owning attempt's result
            finished[job.id] += 1
    assert set(finished.values()) == {1} and len(finished) == JOBS
    assert all(len(store.jobs.get(j).result["per_seed"]) == 2 for j in finished)
    retried = sum(1 for j in finished if store.jobs.get(j).attempt > 1)
    assert store.verify().ok
    print(f"\nworker faults: {kills} kills, {freezes} freezes, {JOBS} jobs done, 0 stuck, "
          f"{retried} needed another attempt, {fenced} late results fenced, every finish from "
          "the owning attempt")
