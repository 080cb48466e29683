"""`R` walks the queue as it was filtered and sorted; `r` and `R` never stack reruns silently."""

from __future__ import annotations

import pytest

from reviewer.rerun.jobs import request_rerun
from reviewer.screens.proposal import ProposalScreen
from reviewer.screens.queue import QueueScreen
from store import ReviewStore
from store.query import SORTS
from tests.tui.conftest import SIZE, make_app, pid_of, sample_store, screen_text

pytestmark = pytest.mark.anyio

FILTERS = [
    {},
    {"status": "pending"},
    {"text": "logconf"},
    {"agent": "agent-nu"},
    {"verdict": "none", "status": "pending"},
]


@pytest.mark.parametrize("sort", list(SORTS))
@pytest.mark.parametrize("with_code", [False, True])
def test_next_in_order_follows_the_listed_order(sort: str, with_code: bool) -> None:
    # The samples share one ingest time and some share a risk: ties go by rowid, as listed.
    store = sample_store()
    store.reject(store.list(text="logconf", limit=1)[0]["id"], reason="no", actor="t")
    for filters in FILTERS:
        listed = [r["id"] for r in store.list(**filters, sort=sort, limit=100)
                  if r["diff_sha256"] or not with_code]
        walked = [store.next_in_order(pid, sort=sort, with_code=with_code, **filters)
                  for pid in listed]
        assert walked == [*listed[1:], None], (sort, filters)


def test_next_in_order_starts_from_a_row_the_filters_leave_out() -> None:
    store = sample_store()
    order = [r["id"] for r in store.list(sort="risk", limit=100)]
    decided = order[3]
    store.approve(decided, reason="ok", actor="t")
    assert store.next_in_order(decided, status="pending") == order[4]


def pending_with_code(store: ReviewStore, **filters: object) -> list[str]:
    rows = store.list(**filters, limit=100)  # type: ignore[arg-type]
    return [r["id"] for r in rows if r["status"] == "pending" and r["diff_sha256"]]


async def test_R_walks_the_queue_as_searched_and_sorted(samples_store):
    searched = [r["id"] for r in samples_store.list(text="logconf", sort="title", limit=100)]
    samples_store.reject(searched[1], reason="no", actor="t")  # decided: R passes it by
    expected = pending_with_code(samples_store, text="logconf", sort="title")
    assert len(expected) >= 4 and searched[1] not in expected
    app = make_app(samples_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"logconf", "enter")
        await pilot.press(*"s" * 5)  # risk, then newest, oldest, pgr, agent, title
        await pilot.pause()
        assert app.screen.sort == "title"
        await pilot.press("enter")
        await pilot.pause()
        visited = [app.screen.proposal_id]
        for _ in expected[1:]:
            await pilot.press("R")
            await pilot.pause()
            visited.append(app.screen.proposal_id)
        assert visited == expected
        await pilot.press("R")  # the last: it stays, and says so
        await pilot.pause()
        assert app.screen.proposal_id == expected[-1]
        assert any(n.title == "end of the queue" for n in app._notifications)
        await pilot.press("escape")
        assert isinstance(app.screen, QueueScreen)
    assert all(len(samples_store.jobs.for_proposal(pid)) == 1 for pid in expected)


async def test_R_skips_proposals_without_code(samples_store):
    order = [r["id"] for r in samples_store.list(status="pending", sort="risk", limit=100)]
    rows = {r["id"]: r for r in samples_store.list(limit=100)}
    start = next(i for i, pid in enumerate(order[:-1])
                 if rows[pid]["diff_sha256"] and not rows[order[i + 1]]["diff_sha256"])
    with_code = pending_with_code(samples_store, sort="risk")
    app = make_app(samples_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f", *"j" * start, "enter")  # pending only, then that row
        await pilot.pause()
        assert app.screen.proposal_id == order[start]
        await pilot.press("R")
        await pilot.pause()
        following = app.screen.proposal_id
    assert following == with_code[with_code.index(order[start]) + 1]
    assert following != order[start + 1]


async def test_R_queues_no_second_rerun_of_the_same_code(samples_store):
    pid = pid_of(samples_store, "boot_ensemble")
    job = request_rerun(samples_store, pid, actor="elsewhere", seeds=[1, 2])
    app = make_app(samples_store)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(ProposalScreen(pid))
        await pilot.pause()
        await pilot.press("R")
        await pilot.pause()
        assert [j.id for j in samples_store.jobs.for_proposal(pid)] == [job.id]
        assert any(f"rerun #{job.id} of this code is already queued" in n.message
                   for n in app._notifications)
        assert isinstance(app.screen, ProposalScreen) and app.screen.proposal_id != pid


async def test_r_asks_before_queuing_a_second_rerun(samples_store):
    pid = pid_of(samples_store, "confident_q70")
    app = make_app(samples_store)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(ProposalScreen(pid))
        await pilot.pause()
        await pilot.press("r", "enter")  # the first: straight to the seeds prompt
        await pilot.pause()
        assert len(samples_store.jobs.for_proposal(pid)) == 1
        for no in ("n", "escape"):
            await pilot.press("r")
            await pilot.pause()
            assert type(app.screen).__name__ == "ConfirmModal"
            assert "already queued or running" in screen_text(app)
            await pilot.press(no)
            await pilot.pause()
            assert isinstance(app.screen, ProposalScreen)
            assert len(samples_store.jobs.for_proposal(pid)) == 1
        await pilot.press("r", "y")
        await pilot.pause()
        assert type(app.screen).__name__ == "PromptModal"
        await pilot.press("enter")
        await pilot.pause()
        assert len(samples_store.jobs.for_proposal(pid)) == 2
