"""The worker under a store another process keeps locked past SQLite's busy timeout."""

from __future__ import annotations

import sqlite3
import threading
import time

from reviewer.rerun import worker
from store import ReviewStore
from tests.factories import make_proposal


class QuickStore(ReviewStore):
    """A store that gives up on a lock after 0.1 s, where the real one waits 30 s."""

    @classmethod
    def open(cls, path, **kwargs):  # type: ignore[override]
        return ReviewStore.open(path, timeout=0.1)


def test_a_heartbeat_outlives_a_lock_held_past_the_busy_timeout(tmp_path, monkeypatch):
    # One "database is locked" killed the heartbeat thread: the lease then ran out for good.
    monkeypatch.setattr(worker, "ReviewStore", QuickStore)
    db = tmp_path / "w.db"
    store = ReviewStore.open(db)
    pid = store.add_proposal(make_proposal(1), actor="a")
    store.jobs.enqueue(pid, kind="rerun", params={}, actor="alice")
    job = store.jobs.claim("w1", lease_s=0.6)
    cancel = threading.Event()
    beat = worker._Heartbeat(db, job, 0.6, cancel)
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    beat.start()
    try:
        time.sleep(0.5)  # beats at 0.2 s and 0.4 s each give up after 0.1 s
        holder.execute("ROLLBACK")
        deadline = time.monotonic() + 10
        while store.jobs.get(job.id).progress is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert beat.is_alive() and not cancel.is_set()
        assert store.jobs.get(job.id).progress["stage"] == "starting"
    finally:
        beat.stop.set()
        beat.join()
        holder.close()
        store.close()


def test_an_idle_worker_waits_out_a_long_lock_instead_of_exiting(tmp_path, monkeypatch):
    # The claim's "database is locked" ended the worker with a traceback.
    monkeypatch.setattr(worker, "ReviewStore", QuickStore)
    db = tmp_path / "w.db"
    store = ReviewStore.open(db)
    pid = store.add_proposal(make_proposal(1), actor="a")
    job = store.jobs.enqueue(pid, kind="noop", params={}, actor="alice")
    holder = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    release = threading.Timer(0.5, lambda: holder.execute("ROLLBACK"))
    release.start()
    logged: list[str] = []
    try:
        ran = worker.work(db, max_jobs=1, poll_s=0.05, log=logged.append)
    finally:
        release.join()
        holder.close()
    assert ran == 1 and store.jobs.get(job.id).error == "unknown job kind 'noop'"
    assert any(line.startswith("cannot claim a job yet: database is locked") for line in logged)
    store.close()
