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
