"""The reruns screen: the queue in claim order, finished reruns, enter opens the proposal."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable

from reviewer.commands.ingest import ingest_paths
from reviewer.screens.proposal import ProposalScreen
from reviewer.screens.reruns import RerunsScreen
from store import ReviewStore
from tests.tui.conftest import SAMPLES, SIZE, make_app, pid_of, screen_text, settle

pytestmark = pytest.mark.anyio


def _rows(app) -> list[list[str]]:
    table = app.screen.query_one(DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def test_queue_order_refresh_and_open(tmp_path):
    db = tmp_path / "review.db"
    store = ReviewStore.open(db)
    ingest_paths(store, [SAMPLES], "tester@example.org")
    a, b, c = (pid_of(store, idea) for idea in ("boot_ensemble", "confident_q70", "prior_match"))
    done = store.jobs.enqueue(a, kind="rerun", params={"seeds": [1, 2, 3]}, actor="t")
    store.jobs.complete(done.id, store.jobs.claim("w", job_id=done.id).attempt,
                        {"verdict": "reproduced", "pgr_mean": 0.61, "pgr_se": 0.02})
    queued = store.jobs.enqueue(b, kind="rerun", params={"seeds": [4, 5]}, actor="t")
    app = make_app(store, db_path=db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("R")
        assert isinstance(app.screen, RerunsScreen)
        await settle(pilot, lambda: app.screen.query_one(DataTable).row_count == 2)
        assert [r[:3] for r in _rows(app)] == [[str(queued.id), "queued", b[:12]],
                                               [str(done.id), "done", a[:12]]]
        assert _rows(app)[1][5] == "reproduced 0.610"
        assert "0 running, 1 queued (in the order the workers take them), 1 done" in (
            screen_text(app))
        app.screen.query_one(DataTable).move_cursor(row=1)
        # A rerun queued elsewhere shows up on the next refresh; the cursor stays on its job.
        urgent = store.jobs.enqueue(c, kind="rerun", params={"seeds": [6]}, actor="t",
                                    priority=9)
        app.screen.poll()
        await settle(pilot, lambda: app.screen.query_one(DataTable).row_count == 3)
        assert [r[0] for r in _rows(app)] == [str(urgent.id), str(queued.id), str(done.id)]
        assert app.screen.query_one(DataTable).cursor_row == 2
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ProposalScreen) and app.screen.proposal_id == a
    store.close()


async def test_blinded_review_hides_verdicts(samples_store):
    pid = pid_of(samples_store, "boot_ensemble")
    job = samples_store.jobs.enqueue(pid, kind="rerun", params={}, actor="t")
    samples_store.jobs.complete(job.id, samples_store.jobs.claim("w").attempt,
                                {"verdict": "not_reproduced", "pgr_mean": 0.2})
    app = make_app(samples_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b", "R")
        await pilot.pause()
        assert _rows(app)[0][5] == "done (verdict hidden)"
        assert "not_reproduced" not in screen_text(app)
