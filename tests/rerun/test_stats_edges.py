"""Rerun statistics pinned where mutation testing found them unpinned: one-pair gains, the
two-seed interval, the honest reach, the tolerance boundary and the best-of-N notes.

Every expected value here can be checked by hand; the t and F quantiles are quoted.
"""

from __future__ import annotations

import math

import pytest

from reviewer.rerun import stats

T_975_DF1 = 12.706204736174707  # t(0.975, df=1)
T_975_DF2 = 4.302652729911275  # t(0.975, df=2)
T_975_DF4 = 2.7764451051977987  # t(0.975, df=4)


def _rows(pgrs: list[float]) -> list[stats.SeedRow]:
    return [stats.SeedRow(i + 1, 0.8, 0.7, 0.95, p) for i, p in enumerate(pgrs)]


def test_one_pair_gives_a_gain_but_no_p_value() -> None:
    # One seed has no spread: its gain is known, its significance is not (p = 0 would say
    # "certain" from one run).
    gain, p = stats.paired_gain([0.5], [0.3])
    assert gain == pytest.approx(0.2)
    assert math.isnan(p)
    empty_gain, empty_p = stats.paired_gain([], [])
    assert math.isnan(empty_gain) and math.isnan(empty_p)


def test_one_seed_worse_than_the_baseline_is_not_called_significantly_worse() -> None:
    res = stats.rerun_stats(_rows([0.1]), baseline_pgr=[0.3], claim=0.1)
    assert res.gain_mean == pytest.approx(-0.2)
    assert res.to_json()["gain_p_value"] is None
    assert not any("worse" in n for n in res.notes), res.notes


def test_two_seeds_give_a_t_interval() -> None:
    # mean 0.5; sample sd of (0.4, 0.6) is sqrt(0.02), so SE = sqrt(0.02 / 2) = 0.1.
    s = stats.summarize([0.4, 0.6])
    assert s.n == 2
    assert s.mean == pytest.approx(0.5)
    assert s.se == pytest.approx(0.1)
    assert s.ci == pytest.approx((0.5 - T_975_DF1 * 0.1, 0.5 + T_975_DF1 * 0.1))


def test_the_interval_reaches_json_in_order() -> None:
    # (0.4, 0.5, 0.6): mean 0.5, sd 0.1, SE 0.1 / sqrt(3).
    half = T_975_DF2 * 0.1 / math.sqrt(3)
    out = stats.rerun_stats(_rows([0.4, 0.5, 0.6]), claim=0.5).to_json()
    assert out["pgr_ci"] == pytest.approx([0.5 - half, 0.5 + half])
    assert out["pgr_mean"] == pytest.approx(0.5)
    assert out["pgr_se"] == pytest.approx(0.1 / math.sqrt(3))


def test_honest_reach_is_mean_plus_t_sd_sqrt_of_both_seed_counts() -> None:
    # (0.44, 0.47, 0.45, 0.48, 0.46): mean 0.46, squared deviations sum to 0.001, so the
    # sample variance is 0.00025; t(0.975, 4) on a 5-seed rerun beside a 5-seed claim.
    summary = stats.summarize([0.44, 0.47, 0.45, 0.48, 0.46])
    expected = 0.46 + T_975_DF4 * math.sqrt(0.00025) * math.sqrt(1 / 5 + 1 / 5)
    assert stats.honest_reach(summary, 5) == pytest.approx(expected)  # 0.48776


def test_a_claim_exactly_the_tolerance_above_the_mean_is_reproduced() -> None:
    # Mean 0.0 exactly; the claim is TOLERANCE (0.10) above it, not more. sd 0.05 puts the
    # interval's top at 4.30 * 0.05 / sqrt(3) = 0.124 and the honest reach at 0.176.
    assert stats.TOLERANCE == 0.10
    res = stats.rerun_stats(_rows([-0.05, 0.0, 0.05]), claim=0.1)
    assert res.pgr_mean == 0.0
    assert res.verdict == stats.REPRODUCED
    assert res.notes == []


def test_a_claimed_se_is_checked_against_two_seeds_too() -> None:
    # Two seeds 0.3 and 0.5 (sd 0.141): 5 honest seeds give an SE near 0.063, not 0.001.
    notes = stats.best_of_n_notes(0.4, [0.3, 0.5], claimed_se=0.001, claimed_seeds=5)
    assert any("more seeds than it used" in n for n in notes), notes


def test_the_too_small_se_threshold_uses_both_seed_counts() -> None:
    # sd of (0.3, 0.4, 0.5) is 0.1, so 5 seeds give 0.1 / sqrt(5) = 0.045; the factor is
    # sqrt(F(0.05; 5 - 1, 3 - 1)) = sqrt(0.1440) = 0.38.
    notes = stats.best_of_n_notes(0.4, [0.3, 0.4, 0.5], claimed_se=0.01, claimed_seeds=5)
    assert any("claimed SE 0.010 is under 0.38 of the 0.045 that 5 seeds give here" in n
               for n in notes), notes


def test_a_claim_above_the_reach_but_nearer_the_mean_than_the_best_seed_is_not_best_of_n() -> None:
    # Mean 0.512, best seed 0.80; the 90% honest reach of a 10-seed claim is 0.605.
    pgrs = [0.40, 0.42, 0.44, 0.46, 0.48, 0.50, 0.52, 0.54, 0.56, 0.80]
    # 0.62 is 0.108 from the mean and 0.18 from the best seed: nearer the mean.
    assert not stats.best_of_n_notes(0.62, pgrs, claimed_seeds=10)
    # 0.75 is 0.05 from the best seed and 0.238 from the mean: a best-of-N look.
    notes = stats.best_of_n_notes(0.75, pgrs, claimed_seeds=10)
    assert any("possibly best-of-N" in n for n in notes), notes


def test_worse_than_the_baseline_needs_p_under_0_05() -> None:
    # Per-seed gains (-0.1, 0, -0.1, 0, -0.1): mean -0.06, sd sqrt(0.003), t = -2.449 on
    # 4 degrees of freedom, two-sided p = 0.0705: worse, but not significantly.
    res = stats.rerun_stats(_rows([0.2, 0.3, 0.2, 0.3, 0.2]), baseline_pgr=[0.3] * 5,
                            claim=0.24)
    assert res.gain_mean == pytest.approx(-0.06)
    assert res.gain_p_value == pytest.approx(0.0705, abs=5e-4)
    assert not any("worse" in n for n in res.notes), res.notes
