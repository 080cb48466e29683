"""Several processes writing one store: nothing locked, doubled or lost."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

from store import ReviewStore
from tests.factories import make_proposal

PROCS = Path(__file__).with_name("procs.py")


def test_four_processes_deciding_the_same_2000_proposals(tmp_path):
    db = tmp_path / "c.db"
    store = ReviewStore.open(db)
    ids = store.add_proposals([make_proposal(i) for i in range(2000)], actor="seed").added
    store.close()
    workers = [
        subprocess.Popen(
            [sys.executable, str(PROCS), "decide", str(db), str(seed)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for seed in range(4)
    ]
    counts = [json.loads(w.communicate(timeout=600)[0]) for w in workers]
    assert all(w.returncode == 0 for w in workers)
    total = Counter()
    for c in counts:
        total.update(c)
    assert total["locked"] == 0 and total["other"] == 0
    assert total["approved"] == 2000
    assert total["illegal"] == 3 * 2000

    store = ReviewStore.open(db)
    approvals = Counter(e.proposal_id for e in store.events() if e.action == "approve")
    assert len(approvals) == 2000 and set(approvals.values()) == {1}  # none lost, none doubled
    assert store.count(status="approved") == len(ids)
    report = store.verify()
    assert report.ok, report.problems
    print(f"\nconcurrency: {dict(total)}; events {report.events}")


def test_verify_while_another_process_writes_sees_one_consistent_store(tmp_path):
    # The head checkpoint was read after the chain, and the proposals after the events: a
    # commit in between made verify report rows cut off the end and wrong statuses.
    import threading

    db = tmp_path / "v.db"
    store = ReviewStore.open(db)
    ids = store.add_proposals([make_proposal(i) for i in range(200)], actor="seed").added
    store.close()
    stop = threading.Event()
    writes: list[int] = []

    def write() -> None:
        writer = ReviewStore.open(db)
        try:
            while not stop.is_set():
                pid = ids[len(writes) % len(ids)]
                writer.reject(pid, reason="racing", actor="w")
                writer.undo(pid, actor="w")
                writes.append(1)
        finally:
            writer.close()

    thread = threading.Thread(target=write)
    thread.start()
    try:
        while not writes:
            stop.wait(0.001)  # until the writer has committed once: it writes throughout
        reader = ReviewStore.open(db)
        try:
            reports = [reader.verify() for _ in range(8)]
        finally:
            reader.close()
        written = len(writes)
    finally:
        stop.set()
        thread.join()
    assert written > 0
    assert [r.problems for r in reports] == [[]] * 8
