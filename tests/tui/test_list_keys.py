"""The `list` keys the help documents (j/k, space, g/G) move every list and scrolling view."""

from __future__ import annotations

import pytest
from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import DataTable, Static

from reviewer.screens.agents import AgentsScreen
from reviewer.screens.queue import QueueScreen
from reviewer.screens.reruns import RerunsScreen
from reviewer.widgets.scroll_keys import ScrollKeysContainer
from tests.tui.conftest import SIZE, make_app, pid_of, samples_file_store, settle

pytestmark = pytest.mark.anyio


async def test_j_k_g_and_space_move_the_agents_table_and_enter_takes_that_agent(tmp_path):
    db, store = samples_file_store(tmp_path)
    app = make_app(store, db_path=db)
    async with app.run_test(size=(80, 12)) as pilot:
        await pilot.press("w")
        assert isinstance(app.screen, AgentsScreen)
        table = app.screen.query_one(DataTable)
        await settle(pilot, lambda: table.row_count > 0)
        assert table.row_count > 8  # more agents than a 12-line terminal shows
        await pilot.press("j", "j")
        assert table.cursor_row == 2
        await pilot.press("k")
        assert table.cursor_row == 1
        await pilot.press("space")
        assert 1 < table.cursor_row < table.row_count - 1
        await pilot.press("G")
        assert table.cursor_row == table.row_count - 1
        await pilot.press("g", "j")
        second = str(table.get_row_at(1)[0])
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen) and app.screen.agent == second
    store.close()


async def test_j_k_and_g_move_the_reruns_table(tmp_path):
    db, store = samples_file_store(tmp_path)
    for seed, idea in enumerate(("boot_ensemble", "confident_q70", "prior_match")):
        store.jobs.enqueue(pid_of(store, idea), kind="rerun", params={"seeds": [seed]},
                           actor="t")
    app = make_app(store, db_path=db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("R")
        assert isinstance(app.screen, RerunsScreen)
        table = app.screen.query_one(DataTable)
        await settle(pilot, lambda: table.row_count == 3)
        await pilot.press("j")
        assert table.cursor_row == 1
        await pilot.press("G")
        assert table.cursor_row == 2
        await pilot.press("k")
        assert table.cursor_row == 1
        await pilot.press("g")
        assert table.cursor_row == 0
    store.close()


class _Tall(App[None]):
    """A scrolling container of more lines than the terminal shows."""

    def compose(self) -> ComposeResult:
        with ScrollKeysContainer(id="body"):
            yield Static(Text("\n".join(f"line {i}" for i in range(100))))


async def test_the_list_keys_scroll_a_container_of_widgets():
    app = _Tall()
    async with app.run_test(size=(40, 10)) as pilot:
        body = app.query_one(ScrollKeysContainer)
        body.focus()
        await pilot.press("j", "j")
        assert body.scroll_y == 2
        await pilot.press("k")
        assert body.scroll_y == 1
        await pilot.press("space")
        assert body.scroll_y > 5
        await pilot.press("G")
        assert body.scroll_y == body.max_scroll_y > 0
        await pilot.press("g")
        assert body.scroll_y == 0
