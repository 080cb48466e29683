"""Writer processes for the concurrency and kill -9 tests (run as scripts, not collected)."""

from __future__ import annotations

import json
import random
import sqlite3
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from store import IllegalTransition, ReviewStore  # noqa: E402


def decide_all(db: str, seed: int) -> None:
    """Try to approve every proposal, in a shuffled order; print what happened as JSON."""
    store = ReviewStore.open(db)
    ids = [r[0] for r in store.conn.execute("SELECT id FROM proposals ORDER BY id")]
    random.Random(seed).shuffle(ids)
    counts = {"approved": 0, "illegal": 0, "locked": 0, "other": 0}
    for pid in ids:
        try:
            store.approve(pid, reason=f"worker {seed}", actor=f"worker-{seed}")
            counts["approved"] += 1
        except IllegalTransition:
            counts["illegal"] += 1
        except sqlite3.OperationalError as exc:
            counts["locked" if "locked" in str(exc) else "other"] += 1
    print(json.dumps(counts), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "decide":
        decide_all(sys.argv[2], int(sys.argv[3]))
