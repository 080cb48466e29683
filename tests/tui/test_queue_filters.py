"""The queue's filters: esc clears them all, the bar keeps them in view, blinded hides the plot."""

from __future__ import annotations

import pytest

from reviewer.present import QUEUE_COLUMNS, column_widths
from reviewer.screens.queue import QueueScreen
from reviewer.widgets.queue_table import QueueTable
from tests.tui.conftest import SIZE, make_app, screen_text, settle

pytestmark = pytest.mark.anyio


def bar_line(app) -> str:
    return screen_text(app).splitlines()[0]


async def narrow_everything(pilot) -> None:
    """Status pending, the first agent, verdict reproduced and a search: no row is left."""
    await pilot.press("f", "A", "V", "slash", *"logconf", "enter")
    await pilot.pause()


async def test_escape_clears_the_search_and_every_filter(samples_store):
    app = make_app(samples_store)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        everything = screen.query_one(QueueTable).total
        await narrow_everything(pilot)
        assert (screen.status, screen.agent, screen.verdict, screen.text) == (
            "pending", "aar-3", "reproduced", "logconf")
        assert "esc: clear search and filters" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert (screen.status, screen.agent, screen.verdict, screen.text) == (None, None, None, "")
        assert screen.query_one(QueueTable).total == everything
        # An agent chosen on the agents screen is cleared the same way.
        await pilot.press("w", "enter")
        await settle(pilot, lambda: isinstance(app.screen, QueueScreen) and screen.agent)
        await pilot.press("escape")
        await pilot.pause()
        assert screen.agent is None and screen.query_one(QueueTable).total == everything


async def test_the_empty_queue_names_the_key_that_clears_as_remapped(samples_store, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('[keys]\nclear_search = "z"\n')
    app = make_app(samples_store, config_path=config)
    async with app.run_test(size=SIZE) as pilot:
        await narrow_everything(pilot)
        assert "z: clear search and filters" in screen_text(app)
        await pilot.press("z")
        await pilot.pause()
        assert app.screen.agent is None and app.screen.verdict is None


@pytest.mark.parametrize("size", [(80, 24), (60, 20)])
async def test_the_bar_keeps_every_filter_and_the_search_in_view(samples_store, size):
    app = make_app(samples_store)
    async with app.run_test(size=size) as pilot:
        await narrow_everything(pilot)
        bar = bar_line(app)
        for shown in ("0 proposals", "pending", "aar-3", "reproduced", "logconf"):
            assert shown in bar, bar


def test_a_bar_too_long_drops_what_keeps_least_then_cuts():
    from reviewer.present import BarPart, fit_bar

    parts = [BarPart("3 proposals", "3 proposals", BarPart.KEPT),
             BarPart("search: warm-up", "/warm-up", BarPart.KEPT),
             BarPart("sort: risk", "sort risk", 2),
             BarPart("reruns: 1 running, 0 queued", "1 running 0 queued", BarPart.EXTRA)]
    assert fit_bar(parts, 200) == ("3 proposals   search: warm-up   sort: risk   "
                                   "reruns: 1 running, 0 queued")
    assert fit_bar(parts, 45) == "3 proposals   search: warm-up   sort: risk"
    assert fit_bar(parts, 40) == "3 proposals  /warm-up  sort risk"
    assert fit_bar(parts, 22) == "3 proposals  /warm-up"
    assert fit_bar(parts, 12) == "3 proposals…"


def test_a_narrow_queue_keeps_the_verdict_and_flags_before_idea_and_status():
    keys = [c.key for c in QUEUE_COLUMNS]
    for total in (60, 66, 70):
        widths = dict(zip(keys, column_widths(total), strict=True))
        shown = [w for w in widths.values() if w]
        assert sum(shown) + len(shown) - 1 <= total, (total, widths)
        assert widths["verdict"] >= 8 and widths["flags"] == 5, (total, widths)
        assert widths["idea"] == 0 and widths["title"] >= 8


async def test_a_60_column_queue_shows_the_verdict_and_flags(samples_store):
    app = make_app(samples_store)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        header = screen_text(app).splitlines()[1]
        assert "verdict" in header and header.rstrip().endswith("flags"), header


async def test_blinded_review_hides_the_claims_plot_key(samples_store):
    app = make_app(samples_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "Claims plot" in screen_text(app)
        await pilot.press("b")
        await pilot.pause()
        assert "Claims plot" not in screen_text(app)
        await pilot.press("P")
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)
        assert not any("plot" in n.message for n in app._notifications)
        await pilot.press("b")
        await pilot.pause()
        assert "Claims plot" in screen_text(app)
