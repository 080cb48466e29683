"""The seed plot's y axis: a padded range with a few round, honestly labelled ticks."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from reviewer.widgets.seed_plot import y_axis

pgr = st.floats(min_value=-3.0, max_value=3.0, allow_nan=False)


@given(st.lists(pgr, min_size=1, max_size=12))
def test_the_range_covers_every_value_and_ticks_are_round(values):
    lo, hi, ticks, labels = y_axis(values)
    assert lo < min(values) and hi > max(values)
    assert 2 <= len(ticks) <= 11
    assert all(lo <= t <= hi for t in ticks) and ticks == sorted(ticks)
    assert [float(label) for label in labels] == [round(t, 6) for t in ticks]
    decimals = {len(label.partition(".")[2]) for label in labels}
    assert len(decimals) == 1  # one precision for the whole axis


def test_a_tight_cluster_against_a_far_claim():
    _, _, ticks, labels = y_axis([0.996, 0.989, 0.988, 0.977, 0.988, 1.06])
    assert labels == ["0.975", "1.000", "1.025", "1.050"] and ticks[0] == 0.975


def test_a_spread_too_small_to_draw_gets_the_one_value_window():
    lo, hi, _, labels = y_axis([0.0, 5.960464477539063e-08])
    assert lo < 0.0 and hi > 1e-7 and hi - lo >= 0.02
    assert all(len(label.partition(".")[2]) <= 3 for label in labels)
