"""A TUI left open all day frees what it closes: each proposal opened once stayed in memory
with all its widgets, and every footer kept every key it ever drew."""

from __future__ import annotations

import gc

import pytest
from textual.widgets import Footer

from reviewer.screens.proposal import ProposalScreen
from reviewer.screens.queue import QueueScreen
from tests.tui.conftest import SIZE, make_app


def _closed_proposal_screens(app) -> list[ProposalScreen]:
    gc.collect()
    return [o for o in gc.get_objects()
            if type(o) is ProposalScreen and o not in app.screen_stack]


@pytest.mark.anyio
async def test_closed_proposal_screens_are_freed_without_a_blinded_toggle(samples_store):
    app = make_app(samples_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        for _ in range(4):
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, ProposalScreen)
            await pilot.press("escape")
            await pilot.pause()
        assert isinstance(app.screen, QueueScreen)
        watching = [node for node, _ in getattr(app, "__watchers", {}).get("blinded", [])]
        assert not [n for n in watching if isinstance(n, ProposalScreen)]
        for _ in range(40):  # a guard: the last screen closed is let go a moment later
            if not _closed_proposal_screens(app):
                break
            await pilot.pause(0.05)
        assert _closed_proposal_screens(app) == []


@pytest.mark.anyio
async def test_a_footer_keeps_only_the_keys_it_shows(samples_store):
    app = make_app(samples_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        footer = app.screen.query_one(Footer)
        for _ in range(5):
            await pilot.press("slash")
            await pilot.pause()
            await pilot.press("escape")
            await pilot.pause()
        entries = [node for entry in getattr(footer, "__watchers", {}).values()
                   for node, _ in entry]
        assert entries and all(node.is_attached for node in entries)
