"""The terminal plot of claimed against measured PGR over reviewed proposals."""

from __future__ import annotations

import pytest

from reviewer.screens.claims_plot import ClaimsPlotScreen, reviewed_points
from reviewer.screens.queue import QueueScreen
from tests.tui.conftest import SIZE, make_app, pid_of, screen_text

pytestmark = pytest.mark.anyio


def finish(store, pid: str, measured: float, verdict: str) -> None:
    job = store.jobs.enqueue(pid, kind="rerun", params={}, actor="t")
    claimed = store.jobs.claim("w")
    store.jobs.complete(job.id, claimed.attempt, {"verdict": verdict, "pgr_mean": measured})


def test_points_are_decided_proposals_with_both_numbers(samples_store):
    a, b, c = (pid_of(samples_store, i) for i in ("boot_ensemble", "logconf_smooth",
                                                  "confident_q70"))
    finish(samples_store, a, 0.1, "not_reproduced")  # an older rerun: superseded
    finish(samples_store, a, 0.66, "reproduced")
    finish(samples_store, b, 9.0, "not_reproduced")  # clipped to the window
    finish(samples_store, c, 0.2, "reproduced")  # measured but still pending: not plotted
    samples_store.approve(a, reason="ok", actor="t")
    samples_store.reject(b, reason="no", actor="t")
    points = reviewed_points(samples_store)
    assert points == {"reproduced": [(0.657, 0.66)], "not_reproduced": [(0.653, 2.0)]}


async def test_p_opens_the_plot_and_blinded_mode_refuses(samples_store):
    app = make_app(samples_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("P")
        await pilot.pause()
        assert isinstance(app.screen, ClaimsPlotScreen)
        assert "no decided proposal has both" in screen_text(app)
        await pilot.press("escape")
        assert isinstance(app.screen, QueueScreen)
        await pilot.press("b", "P")
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)


async def test_one_point_is_counted_in_the_singular(samples_store):
    pid = pid_of(samples_store, "boot_ensemble")
    finish(samples_store, pid, 0.66, "reproduced")
    samples_store.approve(pid, reason="ok", actor="t")
    app = make_app(samples_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("P")
        await pilot.pause()
        assert "1 reviewed proposal with a claim and a measurement (1 reproduced)" in (
            screen_text(app))


def test_a_verdict_holding_escapes_is_plotted_under_a_clean_name(samples_store):
    # A tampered job row: the plot's summary and legend drew the raw ESC of an OSC 8 link.
    pid = pid_of(samples_store, "boot_ensemble")
    finish(samples_store, pid, 0.5, "\x1b]8;;http://x\x07odd\x1b]8;;\x07\x01")
    samples_store.reject(pid, reason="no", actor="t")
    # An OSC's payload is kept as text (textsafe.clean), its escapes and terminators dropped.
    assert set(reviewed_points(samples_store)) == {"8;;http://xodd8;;"}
