"""The paged table repaints only what a key press changes, and reuses rendered rows."""

from __future__ import annotations

import pytest

from reviewer.widgets.queue_table import QueueTable
from store import ReviewStore
from tests.factories import make_proposal
from tests.tui.conftest import SIZE, fixed_clock, make_app, screen_text

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def store() -> ReviewStore:
    store = ReviewStore.memory(clock=fixed_clock)
    store.add_proposals([make_proposal(i) for i in range(300)], actor="seed")
    yield store
    store.close()


def forget(table: QueueTable) -> None:
    table.painted.clear()
    table.rendered.clear()


async def test_a_cursor_move_repaints_only_the_rows_it_left_and_entered(store):
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        table = app.screen.query_one(QueueTable)
        await pilot.pause()
        forget(table)
        await pilot.press("j")
        await pilot.pause()
        assert table.cursor == 1
        assert sorted(table.painted) == [0, 1]
        assert sorted(table.rendered) == [0, 1]  # each in its new look, drawn once
        forget(table)
        await pilot.press("k")
        await pilot.pause()
        assert sorted(table.painted) == [0, 1]
        assert list(table.rendered) == []  # both looks were drawn before: from the cache
        # The cursor row, and only it, is drawn in the cursor's colour.
        cursor = table.get_component_rich_style("paged-table--cursor").bgcolor
        lines = table.render_lines(table.size.region)
        backgrounds = [{s.style.bgcolor for s in line if s.style} for line in lines[1:3]]
        assert cursor in backgrounds[0] and cursor not in backgrounds[1]


async def test_a_scrolling_press_renders_only_the_row_that_scrolls_in(store):
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        table = app.screen.query_one(QueueTable)
        await pilot.pause()
        visible = table.scrollable_content_region.height - 1  # less the header line
        drawn = table.size.height - 1  # one more row is drawn, under the horizontal scrollbar
        for _ in range(visible - 1):  # to the last visible row: no scrolling yet
            await pilot.press("j")
        await pilot.pause()
        assert int(table.scroll_offset.y) == 0
        forget(table)
        await pilot.press("j")
        await pilot.pause()
        assert int(table.scroll_offset.y) == 1
        # Every line moved, so every visible row is repainted...
        assert sorted(table.painted) == list(range(1, drawn + 1))
        # ...but only the rows never drawn before are rendered; the rest come from the cache.
        assert list(table.rendered) == list(range(visible, drawn + 1))
        assert table.row_at(visible)["title"][:12] in screen_text(app)


async def test_new_data_is_rendered_afresh():
    clock = ["2026-11-27T09:00:00+00:00"]
    store = ReviewStore.memory(clock=lambda: clock[0])
    store.add_proposals([make_proposal(i) for i in range(50)], actor="seed")
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        table = app.screen.query_one(QueueTable)
        await pilot.press("s")  # newest first
        await pilot.pause()
        first = table.row_at(0)
        store.reject(first["id"], reason="r", actor="t")
        forget(table)
        app.screen.refresh_rows()
        await pilot.pause()
        assert 0 in table.rendered
        assert "rejected" in screen_text(app).splitlines()[2]
        # A new row on top: the cursor follows its row down, and every row below is redrawn.
        clock[0] = "2026-11-27T10:00:00+00:00"
        store.add_proposal(make_proposal(99), actor="seed")
        forget(table)
        app.screen.refresh_rows()
        await pilot.pause()
        assert table.cursor == 1 and table.current["id"] == first["id"]
        assert sorted(set(table.painted)) == list(range(table.size.height - 1))
        lines = screen_text(app).splitlines()
        assert "Proposal 99" in lines[2] and "rejected" in lines[3]
    store.close()
