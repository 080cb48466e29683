"""The help opens at the keys of the screen it was asked from."""

from __future__ import annotations

import pytest
from textual.containers import ScrollableContainer

from reviewer.screens.audit import AuditScreen
from reviewer.screens.proposal import ProposalScreen
from tests.tui.conftest import SIZE, make_app, pid_of

pytestmark = pytest.mark.anyio


def help_box_lines(app) -> list[str]:
    """The lines drawn inside the help's box: what the reviewer sees without scrolling."""
    box = app.screen.query_one(ScrollableContainer).region
    lines = [strip.text for strip in app.screen._compositor.render_strips()]
    return [line[box.x:box.right] for line in lines[box.y:box.bottom]]


async def test_help_from_the_proposal_screen_shows_its_keys_without_scrolling(samples_store):
    pid = pid_of(samples_store, "boot_ensemble")
    app = make_app(samples_store)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(ProposalScreen(pid))
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        shown = "\n".join(help_box_lines(app))
        assert "Summary as plain text" in shown  # a proposal key the footer does not show
        assert "Proposal (this screen)" in shown
        assert "Blinded review on/off" in shown  # the keys that work everywhere stay on top
        assert "(this screen)" not in shown.replace("Proposal (this screen)", "")


async def test_help_from_the_audit_log_names_it_and_still_lists_every_screen(samples_store):
    app = make_app(samples_store)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(AuditScreen())
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        shown = "\n".join(help_box_lines(app))
        assert "Verify again" in shown and "Audit log (this screen)" in shown
        box = app.screen.query_one(ScrollableContainer)
        box.scroll_end(animate=False)
        await pilot.pause()
        assert "Show the agent's queue" in "\n".join(help_box_lines(app))  # others reachable
