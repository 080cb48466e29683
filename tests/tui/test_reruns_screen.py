"""The reruns screen: the queue in claim order, finished reruns, enter opens the proposal."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable

from reviewer.blinding import WITHHELD
from reviewer.screens.agents import AgentsScreen
from reviewer.screens.proposal import ProposalScreen
from reviewer.screens.reruns import RerunsScreen
from tests.tui.conftest import (
    SIZE,
    make_app,
    pid_of,
    samples_file_store,
    screen_text,
    settle,
    table_rows,
)

pytestmark = pytest.mark.anyio


async def test_queue_order_refresh_and_open(tmp_path):
    db, store = samples_file_store(tmp_path)
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
        assert [r[:3] for r in table_rows(app)] == [[str(queued.id), "queued", b[:12]],
                                               [str(done.id), "done", a[:12]]]
        assert table_rows(app)[1][4] == "reproduced 0.610"
        # Outside the demo nothing runs a queued rerun until a worker is started: say so.
        assert ("0 running, 1 queued (none runs until a `reviewer worker` takes them), 1 done"
                in screen_text(app))
        app.screen.query_one(DataTable).move_cursor(row=1)
        # A rerun queued elsewhere shows up on the next refresh; the cursor stays on its job.
        urgent = store.jobs.enqueue(c, kind="rerun", params={"seeds": [6]}, actor="t",
                                    priority=9)
        app.screen.poll()
        await settle(pilot, lambda: app.screen.query_one(DataTable).row_count == 3)
        assert [r[0] for r in table_rows(app)] == [str(urgent.id), str(queued.id), str(done.id)]
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
        assert table_rows(app)[0][4] == "done (verdict hidden)"
        assert "not_reproduced" not in screen_text(app)
        await pilot.press("b")  # blinded review off: the verdict shows at once
        await pilot.pause()
        assert table_rows(app)[0][4] == "not_reproduced 0.200"


async def test_blinded_review_masks_the_claim_in_a_title(samples_store):
    pid = next(r["id"] for r in samples_store.list(limit=100) if r["agent"] == "agent-delta")
    samples_store.jobs.enqueue(pid, kind="rerun", params={}, actor="t")
    app = make_app(samples_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b", "R")
        await pilot.pause()
        assert table_rows(app)[0][5] == f"Logconf warm-up reaches PGR {WITHHELD}"
        await pilot.press("b")
        await pilot.pause()
        assert table_rows(app)[0][5] == "Logconf warm-up reaches PGR 1.06"


async def test_a_store_that_cannot_be_read_is_a_notification(samples_store, tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    app = make_app(samples_store, db_path=junk)  # thread reads open the junk file
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("R")
        await settle(pilot, lambda: any("read reruns" in n.message for n in app._notifications))
        await pilot.press("escape", "w")
        await settle(pilot, lambda: any("read agents" in n.message for n in app._notifications))
        assert isinstance(app.screen, AgentsScreen)


async def test_a_running_reruns_stage_shows_on_the_next_poll(tmp_path):
    db, store = samples_file_store(tmp_path)
    pid = pid_of(store, "boot_ensemble")
    job = store.jobs.enqueue(pid, kind="rerun", params={"seeds": [1]}, actor="t")
    app = make_app(store, db_path=db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("R")
        await settle(pilot, lambda: table_rows(app) and table_rows(app)[0][1] == "queued")
        store.jobs.claim("w", job_id=job.id)
        store.jobs.heartbeat(job.id, 1, progress={"stage": "scoring outside the sandbox"})
        app.screen.poll()
        await settle(pilot, lambda: table_rows(app)[0][1] == "running")
        assert table_rows(app)[0][4] == "scoring outside the sandbox"
        # A heartbeat with a new stage writes no audit event; the list follows it anyway.
        store.jobs.heartbeat(job.id, 1, progress={"stage": "teacher-shuffle ablation"})
        app.screen.poll()
        await settle(pilot, lambda: table_rows(app)[0][4] == "teacher-shuffle ablation")
    store.close()
