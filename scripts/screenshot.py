"""Render docs/screenshot.svg: the proposal screen after a real sandboxed rerun (run from the root).

It seeds a throwaway store from samples/, reruns agent-delta's inflated "best of 10" claim on
five fresh seeds in the sandbox (bubblewrap; under a minute on a laptop CPU, baselines
included), then lets the app save its own screenshot. Everything lives in a temporary
REVIEWER_HOME, so the salt and caches of the user's real installation are never touched.
"""

from __future__ import annotations

import itertools
import os
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
START = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
SEEDS = [11, 12, 13, 14, 15]
SIZE = (120, 52)
OUT = ROOT / "docs" / "screenshot.svg"


def ticking_clock() -> Callable[[], str]:
    """A store clock one minute further on each call, so the timeline reads in order."""
    minutes = itertools.count()
    return lambda: (START + timedelta(minutes=next(minutes))).isoformat()


def seed_store(db: Path) -> str:
    """Samples, a few decisions, and one finished rerun; returns the proposal to show."""
    from reviewer.commands.ingest import ingest_paths
    from reviewer.rerun.jobs import request_rerun
    from reviewer.rerun.worker import run_job
    from store import ReviewStore

    store = ReviewStore.open(db, clock=ticking_clock())
    ingest_paths(store, [ROOT / "samples"], "screenshot")
    ids = {r["idea"]: r["id"] for r in store.list(limit=100) if r["agent"] != "agent-delta"}
    pid = next(r["id"] for r in store.list(limit=100) if r["agent"] == "agent-delta")
    store.approve(ids["boot_ensemble"], reason="reproduced, checks clean", actor="alice@lab.org")
    store.reject(ids["calibrated_prior"], reason="reads labels from disk", actor="alice@lab.org")
    note = {"predicted_verdict": "not_reproduced", "note": "one seed, SE 0", "blinded": True}
    store.annotate(pid, "assessment", note, actor="alice@lab.org")
    job = request_rerun(store, pid, actor="alice@lab.org", seeds=SEEDS)
    claimed = store.jobs.claim("worker@screenshot")
    assert claimed is not None and claimed.id == job.id
    done = run_job(store, claimed, log=lambda m: print(m, file=sys.stderr))
    if done is None or done.state != "done":
        raise SystemExit(f"the rerun did not finish: {done}")
    store.comment(pid, "best of 10 from one seed? rerun on five of ours", actor="alice@lab.org")
    store.close()
    return pid


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["REVIEWER_HOME"] = str(Path(tmp) / "home")
        db = Path(tmp) / "shot.db"
        pid = seed_store(db)

        from textual.pilot import Pilot

        from reviewer.app import ReviewApp
        from reviewer.screens.proposal import ProposalScreen
        from store import ReviewStore

        store = ReviewStore.open(db)
        app = ReviewApp(
            store,
            db_path=db,
            actor="alice@lab.org",
            now=lambda: datetime(2026, 11, 28, 12, 0, tzinfo=UTC),
        )

        async def shoot(pilot: Pilot[None]) -> None:
            app.push_screen(ProposalScreen(pid))
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            app.save_screenshot(filename=OUT.name, path=str(OUT.parent))
            app.exit()

        app.run(headless=True, size=SIZE, auto_pilot=shoot)
        store.close()
    print(f"wrote {OUT.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
