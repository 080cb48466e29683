"""Render docs/screenshot.svg: the queue of a store seeded from samples/ (run from the root)."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from rich.console import Console

from reviewer.commands.ingest import ingest_paths
from reviewer.commands.proposals import print_queue
from store import ReviewStore

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = ReviewStore.open(Path(tmp) / "shot.db", clock=lambda: "2026-11-27T09:00:00+00:00")
        ingest_paths(store, [ROOT / "samples"], "screenshot")
        ids = [r["id"] for r in store.list(sort="title", limit=100)]
        store.approve(ids[1], reason="reproduced, checks clean", actor="alice@lab.org")
        store.reject(ids[4], reason="reads labels from disk", actor="alice@lab.org")
        out = Console(record=True, width=118, markup=False, highlight=False, file=sys.stderr)
        print_queue(store.list(sort="title", limit=15), store.count(), out)
        out.save_svg(str(ROOT / "docs" / "screenshot.svg"), title="reviewer list")
        store.close()


if __name__ == "__main__":
    main()
