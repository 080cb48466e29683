"""The diff screen: suspicious files first, and only visible lines are ever rendered."""

from __future__ import annotations

import pytest

from reviewer.screens.diff import DiffScreen
from reviewer.screens.proposal import ProposalScreen
from reviewer.widgets.diff_view import DiffView
from store import ReviewStore
from tests.factories import configure_sandbox_harness, make_proposal, new_file_diff
from tests.tui.conftest import SIZE, fixed_clock, make_app, screen_segments, screen_text

pytestmark = pytest.mark.anyio


def store_with_diff(diff: str) -> tuple[ReviewStore, str]:
    store = ReviewStore.memory(clock=fixed_clock)
    pid = store.add_proposal(make_proposal(1, diff=diff.encode()), actor="seed")
    return store, pid


async def test_a_10k_line_diff_renders_only_what_is_visible():
    body = "".join(f"x_{i} = {i}  # line {i}\n" for i in range(10_000))
    diff = new_file_diff("methods/big.py", body)
    diff += new_file_diff("methods/peek.py", "labels = open('/data/labels.npy')\x1b[2J\u202e\n")
    store, pid = store_with_diff(diff)
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(ProposalScreen(pid))
        await pilot.pause()
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, DiffScreen)
        view = app.screen.query_one(DiffView)
        assert len(view.document.lines) > 10_000
        assert len(view.line_cache) <= SIZE[1]
        text = screen_text(app)
        # the file that reads labels is listed and shown first, its line marked
        assert text.index("methods/peek.py") < text.index("methods/big.py")
        assert "! +labels = open('/data/labels.npy')" in text
        raw = screen_segments(app)
        assert "\x1b" not in raw and "\u202e" not in raw
        await pilot.press("n")
        await pilot.pause()
        assert int(view.scroll_offset.y) == app.screen.document.files[1].start
        await pilot.press("end")
        await pilot.pause()
        assert "line 9999" in screen_text(app)
        assert len(view.line_cache) <= 2 * SIZE[1]
        await pilot.press("escape")
        assert isinstance(app.screen, ProposalScreen)
    store.close()


async def open_diff(pilot, pid: str) -> DiffView:
    """Push the diff screen of `pid` and return its view once drawn."""
    pilot.app.push_screen(DiffScreen(pid))
    await pilot.pause()
    return pilot.app.screen.query_one(DiffView)


async def test_opening_a_10k_line_diff_highlights_only_the_lines_on_screen():
    body = "".join(f"value_{i} = compute({i})\n" for i in range(10_000))
    store, pid = store_with_diff(new_file_diff("methods/big.py", body))
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        view = await open_diff(pilot, pid)
        text = screen_text(app)
        assert "+value_0 = compute(0)" in text and "+value_30 = compute(30)" in text
        # Pygments ran once per line drawn, and the document made only the lines read.
        assert 30 <= view.highlighted <= SIZE[1]
        assert view.document.lines.made <= 3 * SIZE[1]
        await pilot.press("end")
        await pilot.pause()
        assert "+value_9999 = compute(9999)" in screen_text(app)
        assert view.highlighted <= 2 * SIZE[1]
        highlighted = view.highlighted
        await pilot.press("home")
        await pilot.pause()
        assert view.highlighted == highlighted  # lines drawn before come from the cache
    store.close()


async def test_a_huge_line_is_drawn_plain_and_short_lines_stay_highlighted():
    huge = "x = " + "+-" * 250_000
    store, pid = store_with_diff(new_file_diff("methods/ops.py", f"a = 1\n{huge}\nb = 2\n"))
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        view = await open_diff(pilot, pid)
        text = screen_text(app)
        assert "+a = 1" in text and "+x = +-+-" in text and "+b = 2" in text
        # The two short lines went through Pygments; the 500,000-character one did not.
        assert view.highlighted == 2
    store.close()


async def test_only_python_files_are_highlighted():
    # Pygments' lexer for the agent's `.mpl` file backtracks exponentially: 4 s on a line of
    # 51 characters, 80 s on 60, with the UI frozen. Here a short one, so the old code ends.
    hostile = '"' + "\\a" * 8 + "\n"
    diff = new_file_diff("methods/notes.mpl", hostile) + new_file_diff("methods/x.py", "a = 1\n")
    store, pid = store_with_diff(diff)
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        view = await open_diff(pilot, pid)
        assert "+a = 1" in screen_text(app)
        assert view.highlighted == 1
    store.close()


def test_the_diff_is_marked_against_the_harness_allow_list(tmp_path) -> None:
    """The screen asks the same place as the checks; an unknown harness or a broken config
    allows nothing, so every file shows as outside the list."""
    import subprocess

    from reviewer import paths
    from reviewer.screens.diff import shown_allow_list

    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-C", str(tmp_path)]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "harness"], check=True)
    commit = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True,
                            check=True).stdout.strip()

    assert shown_allow_list("builtin") == ("methods/",)
    assert shown_allow_list("w2s-sandbox") == ()
    configure_sandbox_harness(tmp_path, commit)
    assert shown_allow_list("w2s-sandbox") == ("w2s_research/ideas/",)
    paths.config_file().write_text("[harness.w2s-sandbox]\nallow = 3\n")
    assert shown_allow_list("w2s-sandbox") == ()


async def test_text_selected_in_the_diff_copies_as_drawn():
    """Selecting the diff (a mouse drag, or select-all) and copying gives the lines as drawn,
    cleaned of the agent's escapes, instead of a TypeError from Textual's own renderer."""
    diff = new_file_diff("methods/peek.py", "x = 1\nlabels = 2\x1b[2J\u202e\n")
    store, pid = store_with_diff(diff)
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        view = await open_diff(pilot, pid)
        app.screen._select_all_in_widget(view)
        await pilot.pause()
        copied = app.screen.get_selected_text()
        assert copied is not None and "  +x = 1" in copied and "+labels = 2" in copied
        assert "\x1b" not in copied and "\u202e" not in copied
    store.close()
