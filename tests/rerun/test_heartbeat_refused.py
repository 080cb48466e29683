"""A heartbeat the store refuses for a reason other than a lock (a full disk): the thread
logs it once and beats on, and the lease holds again once the store takes the beat."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from reviewer.rerun import worker
from store import ReviewStore
from tests.factories import make_proposal

LEASE_S = 0.6
BIG_TAIL = "x" * 200_000  # a progress row that needs pages a full store file cannot add


class FullStore(ReviewStore):
    """A store whose file may not grow past the size it had when opened, as on a full disk."""

    @classmethod
    def open(cls, path, **kwargs):  # type: ignore[override]
        store = ReviewStore.open(path, **kwargs)
        pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
        store.conn.execute(f"PRAGMA max_page_count = {pages}")
        return store


def until(condition: Callable[[], bool], deadline_s: float = 20.0) -> None:
    """Wait for `condition`, polling; the deadline only guards against a hang."""
    end = time.monotonic() + deadline_s
    while not condition() and time.monotonic() < end:
        time.sleep(0.02)


@pytest.fixture
def claimed(tmp_path: Path):
    db = tmp_path / "w.db"
    store = ReviewStore.open(db)
    pid = store.add_proposal(make_proposal(1), actor="a")
    store.jobs.enqueue(pid, kind="rerun", params={}, actor="alice")
    job = store.jobs.claim("w1", lease_s=LEASE_S)
    yield db, store, job
    store.close()


@contextmanager
def refused_beats(db: Path, job, monkeypatch) -> Iterator[tuple[worker._Heartbeat, list[str],
                                                                 threading.Event]]:
    """A heartbeat thread on a store file that cannot grow, beating a row too big for it,
    running until the block ends; its log lines and its cancel event."""
    monkeypatch.setattr(worker, "ReviewStore", FullStore)
    cancel = threading.Event()
    logged: list[str] = []
    beat = worker._Heartbeat(db, job, LEASE_S, cancel)
    beat.log = logged.append
    beat.log_tail = BIG_TAIL
    beat.start()
    try:
        until(lambda: bool(logged) or not beat.is_alive())
        assert beat.is_alive(), "the heartbeat thread died on a refused beat"
        yield beat, logged, cancel
    finally:
        beat.stop.set()
        beat.join()


def test_a_heartbeat_the_store_refuses_is_logged_once_and_the_thread_beats_on(
        claimed, monkeypatch):
    # A refusal other than "locked" was re-raised: the thread died with a stderr traceback,
    # the lease lapsed and another worker could take the job while this one still ran it.
    db, store, job = claimed
    with refused_beats(db, job, monkeypatch) as (beat, logged, cancel):
        until(lambda: beat.missed >= 3)
        assert not cancel.is_set() and store.jobs.get(job.id).progress is None
        assert logged == [f"job {job.id}: the store refused a heartbeat (database or disk is "
                          "full); beating again every 0.2 s: the lease lapses 0.6 s after the "
                          "last beat that got through, and the job may then go to another "
                          "worker"]

        beat.log_tail = "short"  # the store takes the beat again
        until(lambda: store.jobs.get(job.id).progress is not None)
        progress = store.jobs.get(job.id).progress
        assert progress is not None and progress["log_tail"] == "short"
        until(lambda: len(logged) == 2)
        assert logged[1].startswith(f"job {job.id}: a heartbeat got through after ")
        assert logged[1].endswith(" refused; the lease holds again")
        assert beat.is_alive() and not cancel.is_set()


def test_the_next_beat_that_gets_through_after_the_lease_went_elsewhere_cancels(
        claimed, monkeypatch):
    # While the beats were refused the lease lapsed and another worker took the job: this
    # run must stop, not go on beside the new one.
    db, store, job = claimed
    with refused_beats(db, job, monkeypatch) as (beat, _, cancel):
        until(lambda: (store.jobs.get(job.id).lease_until or 0) < time.time())
        taken = store.jobs.claim("w2", lease_s=60)
        assert taken is not None and taken.attempt == job.attempt + 1
        beat.log_tail = "short"
        assert cancel.wait(20), "the heartbeat never noticed the job went to another worker"
        beat.join(20)
        assert not beat.is_alive()
