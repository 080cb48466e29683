"""The agents screen: every agent's record, read in a thread; enter filters the queue."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable

from reviewer.screens.agents import AgentsScreen
from reviewer.screens.queue import QueueScreen
from reviewer.widgets.queue_table import QueueTable
from tests.store.test_gates import finish_rerun
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


async def test_enter_on_an_agent_filters_the_queue_to_it(tmp_path):
    db, store = samples_file_store(tmp_path)
    pid = pid_of(store, "boot_ensemble")
    agent = store.get(pid)["agent"]
    finish_rerun(store, pid, verdict="reproduced")
    app = make_app(store, db_path=db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("w")
        assert isinstance(app.screen, AgentsScreen)
        await settle(pilot, lambda: app.screen.query_one(DataTable).row_count > 0)
        rows = table_rows(app)
        assert len(rows) == len(store.agents())
        mine = next(r for r in rows if r[0] == agent)
        assert mine[1:] == ["1", "100%", "0", "1", "0", "0", "1", "1", "0", "0"]
        assert f"{len(rows)} agents, most proposals first" in screen_text(app)
        table = app.screen.query_one(DataTable)
        table.move_cursor(row=[r[0] for r in rows].index(agent))
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen) and app.screen.agent == agent
        assert app.screen.query_one(QueueTable).total == 1
        await pilot.press("w", "escape")  # back without a choice keeps the filter
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen) and app.screen.agent == agent
    store.close()


async def test_blinded_review_hides_the_verdict_columns(samples_store):
    pid = pid_of(samples_store, "boot_ensemble")
    finish_rerun(samples_store, pid, verdict="not_reproduced")
    app = make_app(samples_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b", "w")
        await pilot.pause()
        agent = samples_store.get(pid)["agent"]
        row = next(r for r in table_rows(app) if r[0] == agent)
        assert row[7] == "1" and [row[2], *row[8:11]] == ["hidden"] * 4
        assert "verdicts hidden in blinded review" in screen_text(app)
        await pilot.press("b")
        await pilot.pause()
        row = next(r for r in table_rows(app) if r[0] == agent)
        assert [*row[8:11], row[2]] == ["0", "1", "0", "0%"]


async def test_s_cycles_the_order_and_blinded_review_never_sorts_by_verdicts(samples_store):
    from reviewer.screens.agents import ORDER_TEXT
    from store.agents import ORDERS

    assert list(ORDER_TEXT) == list(ORDERS)
    flagged = pid_of(samples_store, "boot_ensemble")
    agent = samples_store.get(flagged)["agent"]
    samples_store.record_checks(flagged, "static", [{"code": "network", "severity": "high",
                                                     "message": "imports socket"}], actor="c")
    finish_rerun(samples_store, pid_of(samples_store, "prior_match"), verdict="not_reproduced")
    app = make_app(samples_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("w", "s")
        await pilot.pause()
        assert "most flagged first (s sorts)" in screen_text(app)
        flags = [int(row[3]) for row in table_rows(app)]
        assert flags == sorted(flags, reverse=True) and flags[0] >= 1
        assert agent in [row[0] for row in table_rows(app) if row[3] != "0"]
        await pilot.press("s")
        await pilot.pause()
        assert "lowest share held up first" in screen_text(app)
        assert table_rows(app)[0][2] == "0%"
        await pilot.press("b")  # blinded: the held-up order would leak verdicts
        await pilot.pause()
        assert "most proposals first" in screen_text(app)
        await pilot.press("s")  # the order moves on from the one it stood at
        await pilot.pause()
        assert "by name" in screen_text(app)
        names = [row[0] for row in table_rows(app)]
        assert names == sorted(names)


async def test_names_that_read_the_same_are_marked_with_their_code_points():
    from store import ReviewStore
    from tests.factories import make_proposal

    store = ReviewStore.memory()
    for i, agent in enumerate(["agent-alpha", "agent\u2011alpha", "agent-beta"]):
        store.add_proposal(make_proposal(i, agent=agent), actor="ingest")
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("w")
        await settle(pilot, lambda: app.screen.query_one(DataTable).row_count > 0)
        names = sorted(row[0] for row in table_rows(app))
        assert names == ["agent-alpha \u2248", "agent-beta", "agent\\u2011alpha \u2248"]
        assert "reads as another agent's name" in screen_text(app)
