"""Help and back stay in the footer of an 80-column terminal, where later keys are cut."""

from __future__ import annotations

import pytest

from reviewer.app import ReviewApp
from reviewer.screens.proposal import ProposalScreen
from tests.tui.conftest import make_app


def footer_line(app: ReviewApp) -> str:
    """The bottom line of the screen as drawn."""
    strips = app.screen._compositor.render_strips()
    return "".join(segment.text for segment in strips[-1])


@pytest.mark.anyio
async def test_help_and_back_lead_the_footers_at_80_columns(samples_store):
    app = make_app(samples_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "? Help" in footer_line(app), footer_line(app)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ProposalScreen)
        footer = footer_line(app)
        assert "? Help" in footer and "esc Back" in footer, footer
        # Reading the diff is the review's core: its key was past the cut at 80 columns.
        assert "d Diff" in footer, footer
        await pilot.press("question_mark")
        await pilot.pause()
        assert type(app.screen).__name__ == "HelpScreen"
        # The help lists j/k as moving in lists; on the help itself they did nothing.
        body = app.screen.query_one("ScrollKeysContainer")
        await pilot.press("j", "j")
        await pilot.pause()
        assert body.scroll_y == 2
        await pilot.press("G")
        await pilot.pause()
        assert body.scroll_y == body.max_scroll_y > 2


@pytest.mark.anyio
async def test_the_proposal_body_scrolls_with_the_list_keys(samples_store):
    app = make_app(samples_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        body = app.screen.query_one("#proposal-body")
        body.focus()
        await pilot.press("j")
        await pilot.pause()
        assert body.scroll_y == 1
        await pilot.press("G")
        await pilot.pause()
        assert body.scroll_y == body.max_scroll_y > 1
        await pilot.press("g")
        await pilot.pause()
        assert body.scroll_y == 0


@pytest.mark.anyio
async def test_remapped_help_and_back_keep_their_place_at_the_front(samples_store, tmp_path):
    """Textual's keymap re-adds a remapped key at the end, where a narrow footer cuts it."""
    config = tmp_path / "config.toml"
    config.write_text('[keys]\nhelp = "h"\nback = "backspace"\n')
    app = make_app(samples_store, config_path=config)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert footer_line(app).lstrip().startswith("h Help"), footer_line(app)
        await pilot.press("enter")
        await pilot.pause()
        footer = footer_line(app).lstrip()
        assert footer.startswith("h Help") and "Back" in footer.split("a Approve")[0], footer
        await pilot.press("backspace")
        await pilot.pause()
        assert not isinstance(app.screen, ProposalScreen)
