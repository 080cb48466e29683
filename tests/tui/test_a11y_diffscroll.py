"""A sideways scroll in the diff view keeps the flag and the +/- sign in the first cells, so
added and removed lines still differ by more than a red/green tint."""

from __future__ import annotations

import pytest

from reviewer.widgets.diff_view import DiffView
from store import ReviewStore
from tests.factories import make_proposal
from tests.tui.conftest import fixed_clock, make_app
from tests.tui.test_diff import open_diff

pytestmark = pytest.mark.anyio

PAD = "x" * 300
DIFF = (
    "diff --git a/methods/peek.py b/methods/peek.py\n"
    "index 1111111..2222222 100644\n"
    "--- a/methods/peek.py\n"
    "+++ b/methods/peek.py\n"
    "@@ -1,2 +1,2 @@\n"
    f" keep = 1  # {PAD}\n"
    f"-old = 2  # {PAD}\n"
    f"+labels = open('/data/labels.npy')  # {PAD}\n"
)


def store_with(diff: str) -> tuple[ReviewStore, str]:
    store = ReviewStore.memory(clock=fixed_clock)
    pid = store.add_proposal(make_proposal(1, diff=diff.encode()), actor="seed")
    return store, pid


def drawn(view: DiffView) -> dict[str, str]:
    """Each code line as drawn now, keyed by its kind."""
    rows: dict[str, str] = {}
    for y in range(len(view.document.lines)):
        line = view.document.lines[y]
        if line.kind in ("added", "removed", "context"):
            rows[line.kind] = view.render_line(y).text
    return rows


@pytest.mark.parametrize("presses", [1, 3])
async def test_a_sideways_scroll_keeps_the_flag_and_the_sign(presses: int):
    store, pid = store_with(DIFF)
    app = make_app(store)
    async with app.run_test(size=(80, 20)) as pilot:
        view = await open_diff(pilot, pid)
        before = drawn(view)
        assert before["added"].startswith("! +labels")
        for _ in range(presses):
            await pilot.press("shift+right")
        await pilot.pause()
        assert view.scroll_x > 0
        after = drawn(view)
        width = view.scrollable_content_region.width
        assert after["added"][:3] == "! +" and after["removed"][:3] == "  -"
        assert after["context"][:3] == "   "
        # only the code moved: it now starts further into the line, and fills the row
        assert "labels" not in after["added"] and after["added"][3:].strip("x") == ""
        assert all(len(row) == width for row in after.values())
    store.close()


async def test_the_code_scrolls_by_exactly_the_offset():
    store, pid = store_with(DIFF)
    app = make_app(store)
    async with app.run_test(size=(80, 20)) as pilot:
        view = await open_diff(pilot, pid)
        view.scroll_to(x=4, animate=False)
        await pilot.pause()
        assert view.render_line(0).text  # the first (file) line is drawn without error
        added = next(y for y, line in enumerate(view.document.lines) if line.kind == "added")
        # "labels = open(" shifted four cells: the sign stays, "labe" is off the left edge
        assert view.render_line(added).text.startswith("! +ls = open('/data/labels.npy')")
    store.close()
