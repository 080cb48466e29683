from __future__ import annotations

import os
import random
import signal
import time
from collections import Counter
from pathlib import Path

import pytest

from store import IllegalTransition, ReviewStore
from store.jobs import JobQueue, StaleAttempt
from tests.factories import make_proposal


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def queue(mem_store):
    clock = Clock()
    pid = mem_store.add_proposal(make_proposal(1), actor="a")
    q = JobQueue(mem_store, wallclock=clock)
    q.clock = clock
    q.pid = pid
    return q


def actions(store: ReviewStore) -> list[str]:
    return [e.action for e in store.events() if e.action.startswith("rerun")]


def test_claim_heartbeat_complete(queue):
    job = queue.enqueue(queue.pid, kind="rerun", params={"seeds": [1, 2]}, actor="alice")
    assert job.state == "queued" and job.attempt == 0
    claimed = queue.claim("w1", lease_s=10)
    assert claimed.id == job.id and claimed.attempt == 1 and claimed.owner == "w1"
    assert queue.claim("w2") is None  # leased, nothing else queued
    queue.heartbeat(job.id, 1, lease_s=10, progress={"seeds_done": 1})
    assert queue.get(job.id).progress == {"seeds_done": 1}
    done = queue.complete(job.id, 1, {"verdict": "reproduced"})
    assert done.state == "done" and done.result == {"verdict": "reproduced"}
    assert actions(queue.store) == ["rerun_requested", "rerun_started", "rerun_finished"]
    assert queue.store.verify().ok


def test_expired_lease_is_reclaimed_and_the_stale_attempt_fenced(queue):
    job = queue.enqueue(queue.pid, kind="rerun", params={}, actor="alice")
    queue.claim("w1", lease_s=5)
    queue.clock.now += 6
    again = queue.claim("w2", lease_s=5)
    assert again.id == job.id and again.attempt == 2 and again.owner == "w2"
    with pytest.raises(StaleAttempt):
        queue.heartbeat(job.id, 1)
    with pytest.raises(StaleAttempt):
        queue.complete(job.id, 1, {"verdict": "forged"})
    queue.complete(job.id, 2, {"verdict": "reproduced"})
    assert queue.get(job.id).result == {"verdict": "reproduced"}


def test_a_lease_the_clock_stepped_back_from_counts_as_lapsed(queue):
    """A clock set back a day must not leave a dead worker's job running for that day: a
    lease ending further ahead than any beat sets it has lapsed."""
    from store.jobs import MAX_LEASE_S, lapsed

    job = queue.enqueue(queue.pid, kind="rerun", params={}, actor="alice")
    queue.claim("w1", lease_s=60)
    queue.clock.now -= 86_400  # the clock stepped back; w1 died meanwhile
    assert lapsed(queue.get(job.id).lease_until, queue.clock.now)
    again = queue.claim("w2", lease_s=60)
    assert again is not None and again.id == job.id and again.attempt == 2
    queue.heartbeat(job.id, 2, lease_s=MAX_LEASE_S)  # the longest lease is still a live one
    assert not lapsed(queue.get(job.id).lease_until, queue.clock.now)
    assert queue.claim("w3") is None
    # A claim that read the clock before a waiting beat did (both wait on the write lock).
    queue.clock.now += 30
    queue.heartbeat(job.id, 2, lease_s=MAX_LEASE_S)
    queue.clock.now -= 30
    assert queue.claim("w3") is None


def test_retries_are_capped(queue):
    job = queue.enqueue(queue.pid, kind="rerun", params={}, actor="a", max_attempts=2)
    queue.claim("w1", lease_s=1)
    queue.fail(job.id, 1, "cuda oom")
    assert queue.get(job.id).state == "queued"
    queue.claim("w1", lease_s=1)
    queue.clock.now += 2  # the second attempt's worker froze
    assert queue.claim("w2") is None
    final = queue.get(job.id)
    assert final.state == "failed" and "last allowed attempt" in final.error
    assert actions(queue.store)[-1] == "rerun_failed"


def test_cancel(queue):
    job = queue.enqueue(queue.pid, kind="rerun", params={}, actor="a")
    queue.claim("w1")
    queue.cancel(job.id, actor="alice")
    with pytest.raises(StaleAttempt):  # the worker learns at its next heartbeat
        queue.heartbeat(job.id, 1)
    with pytest.raises(IllegalTransition):
        queue.cancel(job.id, actor="alice")


def test_priority_then_fifo(queue):
    low = queue.enqueue(queue.pid, kind="rerun", params={}, actor="a")
    high = queue.enqueue(queue.pid, kind="rerun", params={}, actor="a", priority=5)
    later = queue.enqueue(queue.pid, kind="rerun", params={}, actor="a")
    assert [queue.claim("w").id for _ in range(3)] == [high.id, low.id, later.id]


# -- faults: kill -9 and freezes past the lease --------------------------------------------

LEASE_S = 0.4


def _worker(db: Path, name: str, report_fd: int) -> None:
    store = ReviewStore.open(db)
    queue = store.jobs
    rng = random.Random(name)
    while True:
        job = queue.claim(name, lease_s=LEASE_S)
        if job is None:
            if store.jobs.counts()["queued"] == 0 and store.jobs.counts()["running"] == 0:
                return
            time.sleep(0.02)
            continue
        try:
            for _ in range(rng.randint(1, 3)):
                time.sleep(0.02)
                queue.heartbeat(job.id, job.attempt, lease_s=LEASE_S)
            queue.complete(job.id, job.attempt, {"by": name, "attempt": job.attempt})
        except StaleAttempt:
            os.write(report_fd, b"fenced\n")


def _spawn(db: Path, name: str, report_fd: int) -> int:
    pid = os.fork()
    if pid == 0:
        try:
            _worker(db, name, report_fd)
        finally:
            os._exit(0)
    return pid


def test_workers_under_kill_9_and_freezes_leave_nothing_stuck(tmp_path):
    db = tmp_path / "jobs.db"
    store = ReviewStore.open(db)
    pid = store.add_proposal(make_proposal(1), actor="a")
    for _ in range(60):
        store.jobs.enqueue(pid, kind="rerun", params={}, actor="a", max_attempts=50)
    store.close()
    read_fd, write_fd = os.pipe()
    os.set_blocking(read_fd, False)
    rng = random.Random(7)
    workers = [_spawn(db, f"w{i}", write_fd) for i in range(3)]
    kills = freezes = 0
    spawned = 3
    while kills < 20 or freezes < 5:
        time.sleep(rng.uniform(0.02, 0.08))
        victim = rng.randrange(len(workers))
        if freezes < 5 and rng.random() < 0.25:
            os.kill(workers[victim], signal.SIGSTOP)
            time.sleep(LEASE_S * 2)  # frozen past its lease; its job is claimed again
            os.kill(workers[victim], signal.SIGCONT)
            freezes += 1
        elif kills < 20:
            os.kill(workers[victim], signal.SIGKILL)
            os.waitpid(workers[victim], 0)
            workers[victim] = _spawn(db, f"w{spawned}", write_fd)
            spawned += 1
            kills += 1
    for w in workers:
        os.waitpid(w, 0)
    os.close(write_fd)
    fenced = 0
    try:
        fenced = os.read(read_fd, 1 << 16).count(b"fenced")
    except BlockingIOError:
        pass
    store = ReviewStore.open(db)
    counts = store.jobs.counts()
    assert counts["done"] == 60 and counts["queued"] == counts["running"] == 0
    finished = Counter()
    for e in store.events():
        if e.action == "rerun_finished":
            finished[e.payload["job"]] += 1
            job = store.jobs.get(e.payload["job"])
            assert e.payload["attempt"] == job.attempt  # only the owning attempt's result
    assert set(finished.values()) == {1} and len(finished) == 60
    assert store.verify().ok
    print(f"\njobs: 60 done, 0 stuck; {kills} kills, {freezes} freezes, {fenced} late "
          "results fenced")


def test_listing_follows_the_claim_order_then_newest_finished(mem_store):
    from store import StoreError

    calm = mem_store.add_proposal(make_proposal(11), actor="a")
    risky = mem_store.add_proposal(make_proposal(12), actor="a")
    mem_store.record_checks(risky, "static", [{"code": "network", "severity": "high",
                                               "message": "imports socket"}], actor="c")
    q = mem_store.jobs
    done_old = q.enqueue(calm, kind="rerun", params={}, actor="a")
    q.complete(done_old.id, q.claim("w", job_id=done_old.id).attempt, {"verdict": "x"})
    running = q.enqueue(calm, kind="rerun", params={}, actor="a")
    q.claim("w", job_id=running.id)
    first_calm = q.enqueue(calm, kind="rerun", params={}, actor="a")
    later_risky = q.enqueue(risky, kind="rerun", params={}, actor="a")
    urgent = q.enqueue(calm, kind="rerun", params={}, actor="a", priority=5)
    cancelled = q.enqueue(calm, kind="rerun", params={}, actor="a")
    q.cancel(cancelled.id, actor="a")
    q.enqueue(calm, kind="assist", params={}, actor="a")  # another kind is not listed

    def ids(states, limit=50):
        return [j.id for j in q.listing("rerun", states, limit=limit)]

    expected = [running.id, urgent.id, later_risky.id, first_calm.id]
    assert ids(("queued", "running")) == expected
    # Workers would take the queued ones in exactly this order.
    assert q.claim("w2").id == urgent.id and q.claim("w3").id == later_risky.id
    assert ids(("done", "cancelled", "queued")) == [first_calm.id, cancelled.id, done_old.id]
    assert ids(("done", "cancelled"), limit=1) == [cancelled.id]
    assert ids(()) == [] and ids(("queued",), limit=0) == []
    with pytest.raises(StoreError, match="unknown job state 'lost'"):
        ids(("queued", "lost"))
