"""The claims plot screen: axes fitted to the points, a marker per verdict, edge points said."""

from __future__ import annotations

import pytest

from tests.tui.conftest import SIZE, make_app, pid_of, screen_text
from tests.tui.test_claims_plot import finish

pytestmark = pytest.mark.anyio


def decide(store, outcomes: dict[str, tuple[float, str]]) -> None:
    for idea, (measured, verdict) in outcomes.items():
        pid = pid_of(store, idea)
        finish(store, pid, measured, verdict)
        store.reject(pid, reason="no", actor="t")


async def plot_text(store) -> str:
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("P")
        await pilot.pause()
        return screen_text(app)


async def test_points_between_0_3_and_0_9_fill_the_plot(samples_store):
    # The samples claim PGRs near 0.65, so every point lies within 0.3 to 0.9.
    decide(samples_store, {"boot_ensemble": (0.3, "not_reproduced"),
                           "logconf_smooth": (0.9, "reproduced")})
    text = await plot_text(samples_store)
    ticks = [line.split("┤")[0].strip() for line in text.splitlines() if "┤" in line]
    assert ticks[0] == "0.95" and ticks[-1] == "0.25", ticks  # was 2.00 down to -1.00
    assert "drawn at the edge" not in text


async def test_the_legend_names_each_verdict_by_its_own_marker(samples_store):
    decide(samples_store, {"boot_ensemble": (0.66, "reproduced"),
                           "logconf_smooth": (0.2, "not_reproduced"),
                           "confident_q70": (0.4, "failed")})
    text = await plot_text(samples_store)
    assert "oo reproduced" in text
    assert "xx not_reproduced" in text
    assert "-- failed" in text


async def test_the_summary_says_how_many_points_sit_on_the_edge(samples_store):
    decide(samples_store, {"boot_ensemble": (9.0, "not_reproduced"),
                           "logconf_smooth": (0.5, "reproduced")})
    text = " ".join((await plot_text(samples_store)).split())
    assert "1 outside -1 to 2 drawn at the edge" in text
