"""The diff screen on a small terminal: a narrow file list, wide steps sideways, and the
vertical jumps keeping the column a long line was scrolled to."""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from textual.widgets import OptionList

from reviewer.screens.help import help_table
from store import ReviewStore
from tests.factories import make_proposal, new_file_diff
from tests.tui.conftest import fixed_clock, make_app, screen_text
from tests.tui.test_diff import open_diff

pytestmark = pytest.mark.anyio

LONG = "".join(f"value_{i} = compute({i})  # " + "x" * 200 + f" end {i}\n" for i in range(60))


def store_with(diff: str) -> tuple[ReviewStore, str]:
    store = ReviewStore.memory(clock=fixed_clock)
    pid = store.add_proposal(make_proposal(1, diff=diff.encode()), actor="seed")
    return store, pid


async def test_the_file_list_takes_at_most_a_quarter_of_an_80_column_terminal():
    diff = new_file_diff("methods/a_rather_long_module_name.py", LONG)
    diff += new_file_diff("methods/other.py", "a = 1\n")
    store, pid = store_with(diff)
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_diff(pilot, pid)
        files = app.screen.query_one("#diff-files", OptionList)
        assert files.display and files.outer_size.width <= 20
        assert view.outer_size.width >= 60
    store.close()


async def test_a_one_file_diff_hides_the_file_list_and_gives_the_code_the_width():
    store, pid = store_with(new_file_diff("methods/only.py", LONG))
    app = make_app(store)
    async with app.run_test(size=(60, 20)) as pilot:
        view = await open_diff(pilot, pid)
        assert not app.screen.query_one("#diff-files", OptionList).display
        assert view.outer_size.width == 60
        assert "+value_0 = compute(0)" in screen_text(app)
    store.close()


async def test_shift_arrows_step_half_a_screen_and_the_ends_keep_the_column():
    store, pid = store_with(new_file_diff("methods/only.py", LONG))
    app = make_app(store)
    async with app.run_test(size=(80, 20)) as pilot:
        view = await open_diff(pilot, pid)
        half = view.scrollable_content_region.width // 2
        await pilot.press("shift+right")
        assert view.scroll_x == half
        await pilot.press("shift+right")
        assert view.scroll_x == 2 * half
        await pilot.press("shift+left")
        assert view.scroll_x == half
        for key in ("end", "G"):
            await pilot.press(key)
            assert view.scroll_y == view.max_scroll_y > 0 and view.scroll_x == half
        for key in ("home", "g"):
            await pilot.press(key)
            assert view.scroll_y == 0 and view.scroll_x == half
    store.close()


def test_the_help_lists_the_wide_steps_under_the_diff():
    console = Console(width=100, file=io.StringIO(), record=True)
    console.print(help_table({}))
    lines = [line.strip() for line in console.export_text().splitlines()]
    diff = lines[lines.index("Diff"):lines.index("Whole summary")]
    assert any(line.startswith("shift+right") and "Half a screen right" in line
               for line in diff)
    assert any(line.startswith("shift+left") and "Half a screen left" in line for line in diff)


async def test_K_opens_the_diff_at_the_line_the_worst_check_names(samples_store):
    # A check named methods/logconf_warm.py:43, but `d` opened the diff at its top, and
    # the reviewer scrolled to find it.
    from reviewer.present import check_line
    from reviewer.screens.diff import DiffScreen
    from reviewer.screens.proposal import ProposalScreen
    from reviewer.widgets.diff_view import DiffView

    pid, (path, line) = next((r["id"], at) for r in samples_store.list(limit=100)
                             if (at := check_line(samples_store.checks(r["id"])))
                             and at[0] == "methods/logconf_warm.py")
    app = make_app(samples_store)
    async with app.run_test(size=(100, 30)) as pilot:
        app.push_screen(ProposalScreen(pid))
        await pilot.pause()
        await pilot.press("K")
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, DiffScreen)
        view = app.screen.query_one(DiffView)
        index = app.screen.document.index_of(path, line)
        assert index is not None and view.scroll_y <= index < view.scroll_y + view.size.height
        assert view.scroll_y > 0
        assert "test_labels" in app.screen.document.lines[index].text
