"""Bare `reviewer` opens the TUI on a terminal and prints the queue otherwise."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

import reviewer.commands.demo as demo
from reviewer.app import ReviewApp
from reviewer.cli import cli
from reviewer.screens.proposal import ProposalScreen


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_bare_reviewer_opens_the_app_on_a_tty(tmp_path, monkeypatch):
    opened: list[ReviewApp] = []
    monkeypatch.setattr(ReviewApp, "run", lambda self: opened.append(self))
    monkeypatch.setattr(demo, "sys", SimpleNamespace(stdin=Tty(), stdout=Tty()))
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "r.db"), "--actor", "me"])
    assert result.exit_code == 0, result.output
    assert len(opened) == 1
    assert opened[0].actor == "me" and opened[0].db_path == tmp_path / "r.db"
    # A mistyped --db opens an empty queue: the app says it is a new store, once.
    assert any("a new, empty store at" in text for text, _ in opened[0].notices)
    CliRunner().invoke(cli, ["--db", str(tmp_path / "r.db"), "--actor", "me"])
    assert not any("a new, empty store" in text for text, _ in opened[1].notices)


def test_palette_offers_the_verbs_the_screen_allows(samples_store):
    from tests.tui.conftest import make_app, pid_of

    app = make_app(samples_store)
    screen = ProposalScreen(pid_of(samples_store, "prior_match"))
    screen.data = {"status": "approved", "diff_sha256": "x"}
    titles = [command.title for command in app.get_system_commands(screen)]
    assert {"Undo", "Rerun", "Comment"} <= set(titles)
    assert "Approve" not in titles and "Search" not in titles


def test_palette_on_the_queue_offers_agents_and_reruns(samples_store):
    from reviewer.screens.queue import QueueScreen
    from tests.tui.conftest import make_app

    app = make_app(samples_store)
    titles = [command.title for command in app.get_system_commands(QueueScreen())]
    assert {"Agents", "Reruns", "Audit", "Search"} <= set(titles)
    assert "Approve" not in titles


@pytest.mark.anyio
async def test_the_palette_is_refused_on_a_terminal_too_short_for_its_list(samples_store):
    from textual.command import CommandPalette

    from tests.tui.conftest import make_app

    app = make_app(samples_store)
    async with app.run_test(size=(60, 4)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        # Page down in Textual's palette at this height raised KeyError (a traceback screen).
        assert not CommandPalette.is_open(app)
        assert any("at least 5 rows" in n.message for n in app._notifications)
    app = make_app(samples_store)
    async with app.run_test(size=(60, 5)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert CommandPalette.is_open(app)
        await pilot.press("pagedown", "pageup", "escape")
        await pilot.pause()
        assert app.is_running


@pytest.mark.anyio
async def test_the_palette_closes_when_the_terminal_shrinks_below_its_minimum(samples_store):
    from textual.command import CommandPalette

    from tests.tui.conftest import make_app

    app = make_app(samples_store)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert CommandPalette.is_open(app)
        await pilot.resize_terminal(60, 4)
        await pilot.pause()
        # Left open, page down at this height raised KeyError inside Textual's OptionList.
        assert not CommandPalette.is_open(app)
        await pilot.press("pagedown", "pageup")
        await pilot.pause()
        assert app.is_running
        assert any("palette closed" in n.message for n in app._notifications)


@pytest.mark.anyio
@pytest.mark.parametrize("width", [1, 4, 6, 9])
async def test_the_palette_is_refused_or_closed_on_a_terminal_too_narrow(samples_store, width):
    """At 4 to 6 columns the palette's list raised ValueError as it drew, and at 1 or 2 a page
    key raised KeyError: both traceback screens."""
    from textual.command import CommandPalette

    from tests.tui.conftest import make_app

    app = make_app(samples_store)
    async with app.run_test(size=(width, 24)) as pilot:
        await pilot.press("ctrl+p", "pageup", "pagedown")
        await pilot.pause()
        assert not CommandPalette.is_open(app) and app.is_running
        assert any("10 columns wide" in n.message for n in app._notifications)
    app = make_app(samples_store)
    async with app.run_test(size=(60, 24)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert CommandPalette.is_open(app)
        await pilot.resize_terminal(width, 24)
        await pilot.pause()
        await pilot.press("pageup", "pagedown")
        await pilot.pause()
        assert not CommandPalette.is_open(app) and app.is_running


@pytest.mark.anyio
async def test_an_empty_queue_draws_its_hint_under_no_color(monkeypatch):
    """Under NO_COLOR the hint's unstyled padding raised AttributeError in Textual's monochrome
    filter: a traceback screen for any search or filter that matched nothing."""
    from store import ReviewStore
    from tests.tui.conftest import make_app, screen_text

    monkeypatch.setenv("NO_COLOR", "1")
    store = ReviewStore.memory()
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.is_running and app._exception is None
        assert "no proposals" in screen_text(app).lower()
    store.close()
