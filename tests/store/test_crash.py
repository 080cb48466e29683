"""kill -9 of a writer loses no acknowledged decision and leaves a verifiable chain."""

from __future__ import annotations

import os
import random
import select
import signal
import time
from pathlib import Path

import pytest

from store import ReviewStore
from tests.factories import make_proposal


def _writer(db: Path, ack_fd: int) -> None:
    """Approve pending proposals, writing each id to the pipe only after its commit returned."""
    store = ReviewStore.open(db)
    while page := store.list(status="pending", sort="oldest", limit=20):
        for row in page:
            store.approve(row["id"], reason="crash test", actor="writer")
            os.write(ack_fd, (row["id"] + "\n").encode())  # < PIPE_BUF, so atomic


def _one_round(db: Path, delay: float) -> list[str]:
    """Fork a writer, SIGKILL it `delay` seconds after its first acknowledgement."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: the parent holds no open connection across the fork
        os.close(read_fd)
        try:
            _writer(db, write_fd)
        finally:
            os._exit(0)
    os.close(write_fd)
    select.select([read_fd], [], [], 30)
    time.sleep(delay)  # the nemesis: the kill lands at a random point of a write
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    chunks = []
    while chunk := os.read(read_fd, 65536):
        chunks.append(chunk)
    os.close(read_fd)
    return [line for line in b"".join(chunks).decode().split("\n") if line]


def kill_writer_repeatedly(db: Path, rounds: int, seed: int) -> int:
    rng = random.Random(seed)
    acknowledged: list[str] = []
    for _ in range(rounds):
        acknowledged += _one_round(db, rng.uniform(0.0, 0.06))
        store = ReviewStore.open(db)
        try:
            placeholders = ",".join("?" * len(acknowledged))
            approved = store.conn.execute(
                f"SELECT count(*) FROM proposals WHERE status = 'approved' "
                f"AND id IN ({placeholders})",
                acknowledged,
            ).fetchone()[0]
            assert approved == len(acknowledged), "an acknowledged decision was lost"
        finally:
            store.close()
    store = ReviewStore.open(db)
    try:
        report = store.verify()
        assert report.ok, report.problems
    finally:
        store.close()
    return len(acknowledged)


def seeded_store(tmp_path: Path, n: int) -> Path:
    db = tmp_path / "crash.db"
    store = ReviewStore.open(db)
    store.add_proposals([make_proposal(i) for i in range(n)], actor="seed")
    store.close()
    return db


def test_kill_9_fifty_times(tmp_path):
    acked = kill_writer_repeatedly(seeded_store(tmp_path, 3000), 50, seed=1)
    assert acked > 50  # the kills landed while decisions were being written
    print(f"\nkill -9 x50: {acked} acknowledged decisions, 0 lost, verify ok")


@pytest.mark.slow
def test_kill_9_a_hundred_and_twenty_times(tmp_path):
    acked = kill_writer_repeatedly(seeded_store(tmp_path, 5000), 120, seed=2)
    assert acked > 120
    print(f"\nkill -9 x120: {acked} acknowledged decisions, 0 lost, verify ok")
