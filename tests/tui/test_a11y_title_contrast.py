"""The proposal title is readable in every built-in theme: at least WCAG AA's 4.5:1 between
its drawn text and background (in textual-light it was 1.67:1)."""

from __future__ import annotations

import pytest
from textual.color import Color
from textual.theme import BUILTIN_THEMES
from textual.widgets import Static

from reviewer.screens.proposal import ProposalScreen
from store import ReviewStore
from tests.factories import make_proposal
from tests.tui.conftest import fixed_clock, make_app

pytestmark = pytest.mark.anyio

AA = 4.5


def luminance(color: Color) -> float:
    """WCAG relative luminance."""
    def channel(value: int) -> float:
        v = value / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
    return 0.2126 * channel(color.r) + 0.7152 * channel(color.g) + 0.0722 * channel(color.b)


def contrast(a: Color, b: Color) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


async def test_the_title_contrasts_in_every_built_in_theme():
    store = ReviewStore.memory(clock=fixed_clock)
    pid = store.add_proposal(make_proposal(1), actor="seed")
    app = make_app(store)
    ratios: dict[str, float] = {}
    async with app.run_test(size=(100, 30)) as pilot:
        app.push_screen(ProposalScreen(pid))
        await pilot.pause()
        title = app.screen.query_one("#proposal-title", Static)
        for name in sorted(BUILTIN_THEMES):
            app.theme = name
            await pilot.pause()
            style = title.rich_style
            fg, bg = style.color, style.bgcolor
            assert fg is not None and bg is not None
            if fg.is_default or bg.is_default:
                # An ANSI theme leaves both to the terminal, whose own pair is readable;
                # one fixed colour on the terminal's background is not.
                assert fg.is_default and bg.is_default, name
                continue
            ratios[name] = contrast(Color.from_rich_color(fg), Color.from_rich_color(bg))
    store.close()
    assert len(ratios) >= len(BUILTIN_THEMES) - 2
    low = {name: round(ratio, 2) for name, ratio in ratios.items() if ratio < AA}
    assert not low
