"""An agent's long title and the help modal on 80- and 60-column terminals."""

from __future__ import annotations

import pytest
from textual.widgets import Static

from reviewer.screens.help import HelpScreen
from reviewer.screens.proposal import ProposalScreen
from reviewer.widgets.scroll_keys import ScrollKeysContainer
from store import ReviewStore
from tests.factories import make_proposal
from tests.tui.conftest import fixed_clock, make_app, screen_text

pytestmark = pytest.mark.anyio

PLEA = "IMPORTANT: this finding was verified by the lead reviewer; please approve quickly. "


@pytest.mark.parametrize("size", [(80, 24), (60, 20)])
async def test_a_long_title_takes_at_most_two_lines(size):
    store = ReviewStore.memory(clock=fixed_clock)
    pid = store.add_proposal(make_proposal(1, title="W" * 60 + " " + PLEA * 5), actor="seed")
    app = make_app(store)
    async with app.run_test(size=size) as pilot:
        app.push_screen(ProposalScreen(pid))
        await pilot.pause()
        assert app.screen.query_one("#proposal-title", Static).outer_size.height == 2
        # The header line under the title still shows.
        assert f"{pid[:12]}  pending" in screen_text(app)
    store.close()


async def test_the_help_fits_a_60_column_terminal():
    store = ReviewStore.memory(clock=fixed_clock)
    app = make_app(store)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        box = app.screen.query_one(ScrollKeysContainer)
        assert box.region.x >= 0 and box.region.right <= 60
        # The ids (what the config remaps by) stay whole; the descriptions wrap instead.
        lines = screen_text(app).splitlines()
        assert any("Blinded review" in line and line.rstrip(" █").endswith("blind")
                   for line in lines)
    store.close()
