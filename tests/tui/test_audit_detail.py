"""Under the audit table, the highlighted event in full: a long reason is wrapped, not cut."""

from __future__ import annotations

import pytest

from reviewer.screens.audit import AuditScreen
from store import ReviewStore
from tests.factories import make_proposal
from tests.tui.conftest import SIZE, fixed_clock, make_app, screen_text

pytestmark = pytest.mark.anyio

# Far past the table's 80 columns; the end is what the table used to cut.
LONG = ("the claimed gain comes from seeds chosen after the fact \x1b[31m" + "and more " * 40
        + "ENDOFREASON")


def detail_text(app) -> str:
    """The detail area's lines on screen, joined into one string without the wrapping."""
    detail = app.screen.query_one("#audit-event")
    lines = [strip.text.strip() for strip in app.screen._compositor.render_strips()]
    top = detail.region.y
    return " ".join(lines[top:top + detail.region.height])


async def test_the_highlighted_events_whole_reason_is_shown_under_the_table():
    store = ReviewStore.memory(clock=fixed_clock)
    ids = store.add_proposals([make_proposal(i) for i in range(3)], actor="seed").added
    store.reject(ids[1], reason=LONG, actor="alice")
    store.comment(ids[2], "short note", actor="bob")
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("L")
        await pilot.pause()
        assert isinstance(app.screen, AuditScreen)
        assert "text: short note" in screen_text(app)
        shown = detail_text(app)
        assert "comment" in shown and "text: short note" in shown  # the newest event first
        await pilot.press("j")
        await pilot.pause()
        assert "ENDOFREASON" in screen_text(app)  # the table alone cut it at 80 columns
        shown = " ".join(detail_text(app).split())
        assert "reject" in shown and "alice" in shown
        assert "ENDOFREASON" in shown  # whole, wrapped over several lines
        assert "\x1b" not in screen_text(app) and "[31m" not in shown  # cleaned as in the table
        assert shown.count("and more") == 40
    store.close()
