"""The verdict filter follows each proposal's latest finished rerun, kept as reruns finish
(migration 0006), and a store written before it gets the same answers once migrated."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest

from store import ReviewStore
from store.query import VERDICT_FILTERS
from tests.factories import make_proposal

N = 40


def _history(store: ReviewStore, rng: random.Random) -> dict[str, str | None]:
    """Random reruns (finished, failed, cancelled, other kinds); the expected verdict per id."""
    ids = [store.add_proposal(make_proposal(i), actor="seed") for i in range(N)]
    expected: dict[str, str | None] = dict.fromkeys(ids)
    for _ in range(120):
        pid = rng.choice(ids)
        kind = rng.choice(["rerun", "rerun", "rerun", "assist"])
        job = store.jobs.enqueue(pid, kind=kind, params={}, actor="t")
        fate = rng.choice(["done", "done", "failed", "cancelled", "queued"])
        if fate == "cancelled":
            store.jobs.cancel(job.id, actor="t")
        if fate not in ("done", "failed"):
            continue
        claimed = store.jobs.claim("w", job_id=job.id)
        if fate == "failed":
            store.jobs.fail(job.id, claimed.attempt, "boom", retry=False)
            continue
        verdict = rng.choice(["reproduced", "not_reproduced", "failed", "refused", None, 7])
        store.jobs.complete(job.id, claimed.attempt, {"verdict": verdict, "pgr_mean": 0.5})
        if kind == "rerun":
            expected[pid] = verdict if isinstance(verdict, str) else None
    return expected


def _check(store: ReviewStore, expected: dict[str, str | None]) -> None:
    for verdict in VERDICT_FILTERS:
        want = {pid for pid, v in expected.items() if v == (None if verdict == "none" else verdict)}
        got = {r["id"] for r in store.list(verdict=verdict, limit=1000)}
        assert got == want, verdict
        assert store.count(verdict=verdict) == len(want)
        if verdict != "none":  # the queue's verdict column agrees with the filter
            shown = {r["id"]: r["verdict"] for r in store.list(limit=1000)}
            assert all(shown[pid] == verdict for pid in want), verdict


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_filter_follows_the_latest_finished_rerun(seed):
    store = ReviewStore.memory()
    expected = _history(store, random.Random(seed))
    assert len(set(expected.values())) > 3  # the history covers several verdicts
    _check(store, expected)
    report = store.verify()  # the jobs and latest_reruns agree with the log
    assert report.ok, report.problems
    store.close()


def test_a_store_from_before_0006_is_filled_in_when_migrated(tmp_path: Path):
    db = tmp_path / "old.db"
    store = ReviewStore.open(db)
    expected = _history(store, random.Random(4))
    store.close()
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("DROP TABLE latest_reruns")
    conn.execute("DELETE FROM _sqlite_migrations WHERE name = '0006_latest_reruns'")
    conn.execute("UPDATE jobs SET result = 'not json' WHERE id = (SELECT min(id) FROM jobs)")
    conn.close()
    store = ReviewStore.open(db)
    assert store.applied_migrations == ["0006_latest_reruns"]
    first = store.conn.execute("SELECT proposal_id, kind, state FROM jobs ORDER BY id").fetchone()
    latest = store.conn.execute(
        "SELECT max(id) FROM jobs WHERE proposal_id = ? AND kind = 'rerun' AND state = 'done'",
        (first[0],),
    ).fetchone()[0]
    if first[1:] == ("rerun", "done") and latest == 1:
        expected[first[0]] = None  # its result is no longer JSON: no verdict
    _check(store, expected)
    store.close()


def test_an_older_rerun_finishing_last_does_not_replace_the_newer():
    store = ReviewStore.memory()
    pid = store.add_proposal(make_proposal(1), actor="seed")
    older = store.jobs.enqueue(pid, kind="rerun", params={}, actor="t")
    newer = store.jobs.enqueue(pid, kind="rerun", params={}, actor="t")
    for job, verdict in ((newer, "reproduced"), (older, "not_reproduced")):
        claimed = store.jobs.claim("w", job_id=job.id)
        store.jobs.complete(job.id, claimed.attempt, {"verdict": verdict})
    assert [r["id"] for r in store.list(verdict="reproduced")] == [pid]
    assert store.list(verdict="not_reproduced") == []
    assert store.list(limit=1)[0]["verdict"] == "reproduced"  # the column says the same
    store.close()
