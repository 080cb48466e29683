"""The queue screen: paging from SQLite, search, filter, sort, opening, hostile text."""

from __future__ import annotations

import pytest
from textual import events
from textual.widgets import Static

from reviewer.screens.help import HelpScreen, help_table
from reviewer.screens.proposal import ProposalScreen
from reviewer.widgets.queue_table import QueueTable
from store import ReviewStore
from tests.factories import make_proposal
from tests.tui.conftest import (
    HOSTILE,
    SIZE,
    content_text,
    fixed_clock,
    make_app,
    sample_store,
    screen_segments,
    screen_text,
)

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def big_store() -> ReviewStore:
    store = ReviewStore.memory(clock=fixed_clock)
    store.add_proposals([make_proposal(i) for i in range(5000)], actor="seed")
    yield store
    store.close()


async def test_queue_pages_rows_instead_of_loading_them_all(big_store):
    app = make_app(big_store)
    async with app.run_test(size=SIZE) as pilot:
        table = app.screen.query_one(QueueTable)
        assert table.total == 5000
        assert 0 < table.loaded_rows <= table.page_size
        await pilot.press("end")
        await pilot.pause()
        assert table.cursor == 4999
        assert table.current is not None
        assert table.loaded_rows <= 2 * table.page_size
        await pilot.press("home", "j", "j", "k")
        await pilot.pause()
        assert table.cursor == 1
        assert table.loaded_rows <= table.page_size * table.max_pages
        assert "5000 proposals" in screen_text(app)


async def test_a_big_search_shows_its_first_page_before_its_exact_count(big_store):
    app = make_app(big_store)
    async with app.run_test(size=SIZE) as pilot:
        screen, table = app.screen, app.screen.query_one(QueueTable)
        bar = screen.query_one("#queue-bar", Static)
        seen: list[str] = []
        big_store.conn.set_trace_callback(seen.append)
        try:
            screen.text = "confidence"
            screen.reload()
            assert table.total == 2001 and "2000+ proposals" in content_text(bar)
            await pilot.pause()
        finally:
            big_store.conn.set_trace_callback(None)
        assert table.total == 5000 and "5000 proposals" in content_text(bar)
        term = "MATCH '\"confidence\"*'"
        page = [i for i, sql in enumerate(seen) if term in sql and "CROSS JOIN" in sql]
        exact = [i for i, sql in enumerate(seen) if term in sql and "LIMIT" not in sql]
        assert page and exact and page[0] < exact[0], seen
        # A refresh (the poll saw a change) counts in full: a row past the cap keeps its place.
        await pilot.press("end")
        screen.refresh_rows()
        await pilot.pause()
        assert table.total == 5000 and table.cursor == 4999


async def test_search_filter_and_sort_narrow_and_reorder(samples_store):
    app = make_app(samples_store)
    async with app.run_test(size=SIZE) as pilot:
        table = app.screen.query_one(QueueTable)
        assert table.total == 17
        await pilot.press("slash", *"logconf")
        await pilot.pause()
        narrowed = table.total
        assert 0 < narrowed < 16
        await pilot.press("enter")
        assert app.focused is table
        assert "search: logconf" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert table.total == 17
        samples_store.reject(table.row_at(0)["id"], reason="r", actor="t")
        await pilot.press("f")  # pending
        assert table.total == 16
        await pilot.press("f", "f")  # rejected
        assert table.total == 1
        await pilot.press("f")  # all again
        assert app.screen.sort == "risk"  # the default: riskiest first
        risks = [table.row_at(i)["risk"] for i in range(table.total)]
        assert risks == sorted(risks, reverse=True)
        await pilot.press("s", "s", "s")  # risk -> newest -> oldest -> pgr
        assert app.screen.sort == "pgr"
        claimed = [table.row_at(i)["claimed_pgr"] for i in range(3)]
        assert claimed == sorted(claimed, reverse=True)
        await pilot.pause()
        assert "sort: claimed pgr" in screen_text(app)  # the claim's order, not the measured


async def test_enter_opens_the_proposal_and_escape_comes_back(samples_store):
    app = make_app(samples_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j", "enter")
        assert isinstance(app.screen, ProposalScreen)
        await pilot.press("escape")
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        assert "Remap any key by id" in screen_text(app)
        assert "Approve" in [c.plain for c in help_table({}).columns[1]._cells]
        await pilot.press("escape")
        assert app.screen.query_one(QueueTable).cursor == 1


async def test_hostile_text_is_inert_on_the_queue_and_proposal_screens():
    store = sample_store(HOSTILE)
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(2):
            raw = screen_segments(app)
            for bad in ("\x1b", "\x07", "\b", "\u202e", "\u2066", "\u202a"):
                assert bad not in raw
            await pilot.press("enter")
            await pilot.pause()
        assert isinstance(app.screen, ProposalScreen)
        text = screen_text(app)
        assert "[bold red]verified by reviewer[/bold red]" in text
        assert "[link=https://evil.example/approve]" in text
        svg = app.export_screenshot()
        assert "evil.example/approve]" in svg and 'href="https://evil' not in svg
    store.close()


async def test_remapped_keys_and_bad_config_entries(tmp_path, samples_store):
    config = tmp_path / "config.toml"
    config.write_text('[keys]\nsearch = "S"\nnope = "z"\n')
    app = make_app(samples_store, config_path=config)
    async with app.run_test(size=SIZE) as pilot:
        assert any("keys.nope" in n.message for n in app._notifications)
        await pilot.press("S")
        assert app.focused is not None and app.focused.id == "queue-search"


async def test_the_queue_follows_changes_made_through_another_connection(tmp_path):
    db = tmp_path / "review.db"
    store = ReviewStore.open(db, clock=fixed_clock)
    store.add_proposals([make_proposal(i) for i in range(5)], actor="seed")
    app = make_app(store, db_path=db)
    async with app.run_test(size=SIZE) as pilot:
        table = app.screen.query_one(QueueTable)
        await pilot.press("j", "j")
        held = table.current["id"]
        assert "5 proposals" in screen_text(app) and "0 queued" in screen_text(app)
        other = ReviewStore.open(db, clock=lambda: "2026-11-28T10:00:00+00:00")
        new = other.add_proposal(make_proposal(99), actor="agent-ingest")
        other.jobs.enqueue(held, kind="rerun", params={"seeds": [1]}, actor="elsewhere")
        other.close()
        app.screen.poll()  # what the 2 s interval runs
        await pilot.pause()
        assert table.total == 6
        assert table.row_at(0)["id"] == new  # newest first
        assert table.current["id"] == held and table.cursor == 3
        text = screen_text(app)
        assert "6 proposals" in text and "1 queued" in text
    store.close()


async def test_agent_and_verdict_filters(samples_store):
    app = make_app(samples_store)
    async with app.run_test(size=SIZE) as pilot:
        table = app.screen.query_one(QueueTable)
        await pilot.press("A")  # the first agent alphabetically
        first = samples_store.agents()[0]
        assert app.screen.agent == first
        assert table.total == samples_store.count(agent=first)
        assert f"agent: {first}" in screen_text(app)
        await pilot.press("V")  # reproduced: nothing has been rerun
        assert app.screen.verdict == "reproduced" and table.total == 0
        await pilot.press("b", "V")  # blinded review refuses the verdict filter
        assert app.screen.verdict is None


async def test_the_agent_filter_tells_apart_names_that_read_the_same():
    store = ReviewStore.memory()
    for i, agent in enumerate(["agent-alpha", "agent\u2011alpha"]):
        store.add_proposal(make_proposal(i, agent=agent), actor="ingest")
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("A")
        await pilot.pause()
        assert app.screen.agent == "agent-alpha"
        assert "agent: agent-alpha \u2248" in screen_text(app)
        await pilot.press("A")
        await pilot.pause()
        assert app.screen.agent == "agent\u2011alpha"
        assert "agent: agent\\u2011alpha \u2248" in screen_text(app)
    store.close()


async def test_keys_typed_in_one_burst_after_slash_run_no_queue_command(samples_store):
    # A search pasted or typed fast reached the table before the search box had focus, and
    # its `f` changed the status filter behind the reviewer's back.
    app = make_app(samples_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        for key in ("slash", "h", "a", "l", "f"):
            app.post_message(events.Key(key, "/" if key == "slash" else key))
        await pilot.pause()
        await pilot.pause()
        assert app.screen.status is None
        assert app.focused is app.screen.query_one("#queue-search")
