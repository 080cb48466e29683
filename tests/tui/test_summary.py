"""A summary too long for the proposal screen: its start there, the whole text a key away."""

from __future__ import annotations

import pytest

from reviewer.screens.proposal import ProposalScreen
from reviewer.screens.proposal_text import SUMMARY_LINES
from reviewer.screens.summary import SummaryScreen
from reviewer.widgets.text_pager import TextPager, wrap_rows
from tests.factories import make_proposal
from tests.tui.conftest import SIZE, content_text, make_app, screen_text

pytestmark = pytest.mark.anyio

# 40,000 short lines took 2 s to lay out on the proposal screen, on the UI thread.
LONG = "\n".join(f"line {i} \x1b[2Jcleared\u202e" for i in range(40_000))


def test_rows_are_cut_by_cells_not_characters():
    assert wrap_rows(["abcdefg", "", "ab"], 3) == ["abc", "def", "g", "", "ab"]
    # Each of these takes two cells, so three of them do not fit in five.
    assert wrap_rows(["漢字漢字漢"], 5) == ["漢字", "漢字", "漢"]
    assert wrap_rows(["x"], 0) == ["x"]


async def test_a_long_summary_shows_its_start_and_s_opens_all_of_it(samples_store):
    pid = samples_store.add_proposal(make_proposal(96, summary=LONG), actor="ingest")
    app = make_app(samples_store)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(ProposalScreen(pid))
        await pilot.pause()
        shown = content_text(app.screen.query_one("#proposal-summary"))
        assert "40,000 lines, too long to show here" in shown and "S shows it all" in shown
        assert "line 0 cleared" in shown and f"line {SUMMARY_LINES - 1} " in shown
        assert f"line {SUMMARY_LINES} " not in shown
        assert "\x1b" not in shown and "\u202e" not in shown

        await pilot.press("S")
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
        pager = app.screen.query_one(TextPager)
        assert len(pager.lines) == 40_000
        assert "40,000 lines" in screen_text(app) and "line 0 cleared" in screen_text(app)
        await pilot.press("G")
        await pilot.pause()
        assert "line 39999 cleared" in screen_text(app)
        assert "\x1b" not in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ProposalScreen)


async def test_a_short_summary_opens_as_plain_text_too(samples_store):
    # A Markdown table wider than the terminal drew its cells as "…": text the reviewer
    # could not read, in a summary short enough that S was not offered.
    row = "| " + " | ".join(f"column {i} says approve" for i in range(40)) + " |"
    rule = "|" + "---|" * 40
    summary = f"## Idea\n\n{row}\n{rule}\n{row.replace('says', 'hides')}\n"
    pid = samples_store.add_proposal(make_proposal(95, summary=summary), actor="ingest")
    app = make_app(samples_store)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(ProposalScreen(pid))
        await pilot.pause()
        await pilot.press("S")
        await pilot.pause()
        assert isinstance(app.screen, SummaryScreen)
        assert "column 39 hides approve" in "\n".join(app.screen.query_one(TextPager).lines)
