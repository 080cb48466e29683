"""The claims plot fits its axes to the points and tells verdicts apart without colour."""

from __future__ import annotations

import pytest

from reviewer.screens.claims_plot import (
    LIMITS,
    MARKERS,
    axis_range,
    plot_points,
    summary_line,
)
from tests.tui.conftest import pid_of
from tests.tui.test_claims_plot import finish


def test_points_in_a_narrow_band_fill_the_plot_with_one_range_on_both_axes():
    lo, hi = axis_range({"reproduced": [(0.3, 0.5), (0.9, 0.8)],
                         "not_reproduced": [(0.7, 0.35)]})
    assert lo == pytest.approx(0.25) and hi == pytest.approx(0.95)  # 0.05 of room each side


def test_the_range_stays_within_the_limits_and_has_room_around_one_point():
    assert axis_range({"reproduced": [(-1.0, 2.0)]}) == LIMITS
    assert axis_range({}) == LIMITS
    lo, hi = axis_range({"reproduced": [(0.5, 0.5)]})
    assert lo < 0.5 < hi


def test_each_verdict_has_its_own_marker():
    assert len(set(MARKERS.values())) == len(MARKERS)


def decided(store, outcomes: dict[str, tuple[float, str]]) -> None:
    for idea, (measured, verdict) in outcomes.items():
        pid = pid_of(store, idea)
        finish(store, pid, measured, verdict)
        store.reject(pid, reason="no", actor="t")


def test_points_moved_to_the_edge_are_counted_and_said(samples_store):
    decided(samples_store, {"boot_ensemble": (9.0, "not_reproduced"),
                            "logconf_smooth": (-4.0, "not_reproduced"),
                            "confident_q70": (0.4, "reproduced")})
    found = plot_points(samples_store)
    assert found.clipped == 2
    assert "; 2 outside -1 to 2 drawn at the edge" in summary_line(found)
    assert sorted(m for _, m in found.points["not_reproduced"]) == [-1.0, 2.0]
