"""With NO_COLOR the list cursor is still drawn: reversed, since its background is stripped."""

from __future__ import annotations

import pytest

from reviewer.widgets.queue_table import QueueTable
from tests.tui.conftest import SIZE, make_app

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("no_color", [False, True])
async def test_the_cursor_row_is_reversed_only_without_colour(samples_store, monkeypatch,
                                                              no_color: bool) -> None:
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    else:
        monkeypatch.delenv("NO_COLOR", raising=False)
    app = make_app(samples_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.theme = "ansi-dark"  # its cursor is all colour, which NO_COLOR removes
        await pilot.pause()
        table = app.screen.query_one(QueueTable)
        style = table.get_component_rich_style("paged-table--cursor")
        assert bool(style.reverse) is no_color
        # The row the cursor is on is drawn with it.
        segments = list(table.render_line(1))
        assert any(seg.style is not None and seg.style.reverse for seg in segments) is no_color
