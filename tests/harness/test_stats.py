"""Rerun statistics: known values, verdicts and best-of-N notes."""

from __future__ import annotations

import math

import numpy as np
import pytest

from reviewer.rerun import stats


def test_summary_known_values() -> None:
    s = stats.summarize([0.1, 0.2, 0.3, 0.4, 0.5])
    assert s.mean == pytest.approx(0.3)
    sd = math.sqrt(0.025)  # sample variance of 0.1..0.5 is 0.025
    assert s.se == pytest.approx(sd / math.sqrt(5))
    half = 2.7764451051977987 * s.se  # t(0.975, df=4)
    assert s.ci == pytest.approx((0.3 - half, 0.3 + half))


def test_summary_small_samples() -> None:
    assert math.isnan(stats.summarize([]).mean)
    one = stats.summarize([0.4])
    assert one.mean == 0.4 and math.isnan(one.se) and math.isnan(one.ci[0])


def test_paired_gain_matches_hand_computed_t() -> None:
    a = [0.5, 0.6, 0.55, 0.58, 0.52]
    b = [0.25, 0.3, 0.28, 0.26, 0.31]
    gain, p = stats.paired_gain(a, b)
    d = np.subtract(a, b)
    t = d.mean() / (d.std(ddof=1) / math.sqrt(5))
    from scipy import stats as sps

    assert gain == pytest.approx(d.mean())
    assert p == pytest.approx(2 * sps.t.sf(abs(t), df=4))
    assert p < 0.001


def test_paired_gain_constant_difference_and_mismatch() -> None:
    assert stats.paired_gain([0.3, 0.4], [0.3, 0.4]) == (0.0, 1.0)
    assert stats.paired_gain([0.5, 0.6], [0.3, 0.4]) == pytest.approx((0.2, 0.0))
    with pytest.raises(ValueError):
        stats.paired_gain([0.1], [0.1, 0.2])


def _rows(pgrs: list[float]) -> list[stats.SeedRow]:
    return [stats.SeedRow(i + 1, 0.8, 0.7, 0.95, p) for i, p in enumerate(pgrs)]


@pytest.mark.parametrize(
    ("claim", "verdict", "note"),
    [
        (0.50, stats.REPRODUCED, None),
        (0.90, stats.NOT_REPRODUCED, "above"),
        (0.10, stats.REPRODUCED, "below"),
        (None, None, "no claimed"),
    ],
)
def test_verdicts(claim: float | None, verdict: str | None, note: str | None) -> None:
    res = stats.rerun_stats(_rows([0.45, 0.5, 0.55, 0.52, 0.48]), claim=claim)
    assert res.verdict == verdict
    if note:
        assert any(note in n for n in res.notes)
    else:
        assert res.notes == []


def test_failed_run() -> None:
    res = stats.rerun_stats([], claim=0.5, valid=False)
    assert res.verdict == stats.FAILED
    out = res.to_json()
    assert out["pgr_mean"] is None and out["pgr_ci"] == [None, None]


def test_best_of_n_note() -> None:
    pgrs = [0.30, 0.35, 0.40, 0.45, 0.62]
    res = stats.rerun_stats(_rows(pgrs), claim=0.60)
    assert any("best-of-N" in n for n in res.notes)
    assert not stats.best_of_n_notes(0.43, pgrs)
    assert not stats.best_of_n_notes(2.0, pgrs)  # far above everything: not a best seed


def test_claimed_se_too_small_note() -> None:
    pgrs = [0.3, 0.5, 0.4, 0.6, 0.45]
    notes = stats.best_of_n_notes(0.45, pgrs, claimed_se=0.005, claimed_seeds=5)
    assert any("more seeds than it used" in n for n in notes)
    assert not stats.best_of_n_notes(0.45, pgrs, claimed_se=0.05, claimed_seeds=5)


def test_to_json_fields() -> None:
    res = stats.rerun_stats(_rows([0.4, 0.5, 0.6]), baseline_pgr=[0.2, 0.25, 0.3], claim=0.5,
                            fixed_baseline_pgr=0.5)
    out = res.to_json()
    assert set(out) >= {"seeds", "per_seed", "pgr_mean", "pgr_se", "pgr_ci",
                        "baseline_pgr_mean", "gain_p_value", "verdict", "notes",
                        "fixed_baseline_pgr"}
    assert out["seeds"] == [1, 2, 3]
    assert set(out["per_seed"][0]) == {"seed", "transfer_acc", "weak_acc", "ceiling_acc", "pgr"}
    assert out["baseline_pgr_mean"] == pytest.approx(0.25)


def test_stats_module_does_not_import_torch() -> None:
    import subprocess
    import sys

    code = "import sys, reviewer.rerun.stats; assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_claim_near_the_mean_of_a_very_wide_interval_is_reproduced_with_a_note() -> None:
    res = stats.rerun_stats(_rows([-1.0, 0.5, 1.2]), claim=0.3)
    assert res.verdict == stats.REPRODUCED
    assert any("wide, so it holds the claim but tells little" in n for n in res.notes)
    narrow = stats.rerun_stats(_rows([0.45, 0.5, 0.55]), claim=0.5)
    assert not any("wide" in n for n in narrow.notes)


@pytest.mark.parametrize(("pgrs", "claim"), [
    ([0.0, 0.0, -0.499], 0.3),  # one seed wrecked on purpose: mean -0.17, interval to 0.55
    ([-2.0, -0.5, -0.26], 0.88),  # 0.88 claimed against three seeds averaging -0.92
    ([-0.84, 0.55, 0.57, 0.47, 0.68], 0.95),
])
def test_a_claim_far_above_the_mean_is_not_reproduced_though_inside_the_interval(
        pgrs: list[float], claim: float) -> None:
    res = stats.rerun_stats(_rows(pgrs), claim=claim)
    assert res.pgr_ci[0] <= claim <= res.pgr_ci[1]
    assert res.verdict == stats.NOT_REPRODUCED
    assert any("only because the seeds disagree" in n for n in res.notes), res.notes


@pytest.mark.parametrize("claim", [0.60, 0.56 + stats.TOLERANCE - 1e-9])
def test_a_claim_within_the_tolerance_of_the_mean_is_reproduced(claim: float) -> None:
    assert stats.rerun_stats(_rows([0.45, 0.67, 0.56]), claim=claim).verdict == stats.REPRODUCED


def test_a_seed_without_a_pgr_is_left_out_not_let_through() -> None:
    # A NaN mean made the interval NaN, and `claim > nan` is False: any claim "reproduced".
    res = stats.rerun_stats(_rows([math.nan, 0.5, 0.52]), baseline_pgr=[0.1, 0.2, 0.25],
                            claim=5.0)
    assert res.verdict == stats.NOT_REPRODUCED
    assert res.pgr_mean == pytest.approx(0.51)
    assert res.gain_mean == pytest.approx(((0.5 - 0.2) + (0.52 - 0.25)) / 2)
    assert res.notes[0].startswith("1 of 3 seeds have no PGR")
    assert not any("one seed" in n for n in res.notes)
    none = stats.rerun_stats(_rows([math.nan, math.nan]), claim=0.2)
    assert none.verdict is None and "no seed has a PGR" in " ".join(none.notes)


def test_one_seed_gives_no_verdict() -> None:
    # Compared with one seed's PGR, an honest claim of its own mean came out "not
    # reproduced" three times in four, each time counted against the agent.
    for claim in (0.7565, 0.758, 0.2):
        res = stats.rerun_stats(_rows([0.756458]), claim=claim)
        assert res.verdict is None
        assert res.notes[0].startswith("one seed (0.756): no interval, so no verdict")


def test_a_method_significantly_worse_than_the_baseline_says_so() -> None:
    # A teacher echo claims 0.0 honestly and holds up; it is still worse than `naive`.
    res = stats.rerun_stats(_rows([0.0] * 5), baseline_pgr=[0.25, 0.3, 0.22, 0.27, 0.2],
                            claim=0.0)
    assert res.verdict == stats.REPRODUCED
    assert any(n.startswith("the method measured worse than the paired baseline method")
               for n in res.notes), res.notes
    better = stats.rerun_stats(_rows([0.3, 0.35, 0.3, 0.32, 0.3]),
                               baseline_pgr=[0.25, 0.3, 0.22, 0.27, 0.2], claim=0.3)
    assert not any("worse" in n for n in better.notes)


def test_a_ceiling_not_above_the_teacher_gives_no_pgr() -> None:
    from reviewer.harness.scorer import SeedScore, fixed_baseline_pgr

    # Worse than the teacher (0.70 against 0.80) scored PGR +5.0 under a lower ceiling.
    flipped = SeedScore(1, transfer_acc=0.70, weak_acc=0.80, ceiling_acc=0.78)
    assert math.isnan(flipped.pgr)
    assert math.isnan(SeedScore(1, 0.7, 0.8, 0.8).pgr)
    assert SeedScore(1, 0.85, 0.8, 0.9).pgr == pytest.approx(0.5)
    assert math.isnan(fixed_baseline_pgr([flipped]))


def test_a_seed_range_is_counted_before_it_is_expanded() -> None:
    # `--seed-list 0-2000000000` built a list of two billion ints before any check.
    from reviewer.rerun.jobs import read_seed_list

    with pytest.raises(ValueError, match="more than 64 seeds"):
        read_seed_list("0-2000000000")
    assert read_seed_list("-3-1,7") == [-3, -2, -1, 0, 1, 7]
    with pytest.raises(ValueError, match="not an integer or a range"):
        read_seed_list("1-x")
    with pytest.raises(ValueError, match="runs backwards"):
        read_seed_list("1,9-5")  # was [1]: the backwards range vanished without a word
    with pytest.raises(ValueError, match="not an integer or a range"):
        read_seed_list("²")


def _honest_share(claim_seeds: int, rerun_seeds: int, trials: int = 3000) -> tuple[float, float]:
    """Shares of honest claims (the mean and SE of the agent's own seeds) that the verdict
    calls not_reproduced, and that draw a best-of-N or too-small-SE note."""
    rng = np.random.default_rng(7)
    rejected = noted = 0
    for _ in range(trials):
        own = rng.normal(0.46, 0.036, claim_seeds)
        claim, se = float(own.mean()), float(own.std(ddof=1) / np.sqrt(claim_seeds))
        res = stats.rerun_stats(_rows(list(rng.normal(0.46, 0.036, rerun_seeds))),
                                claim=claim, claimed_se=se, claimed_seeds=claim_seeds)
        rejected += res.verdict == stats.NOT_REPRODUCED
        noted += any("best-of-N" in n or "more seeds" in n for n in res.notes)
    return rejected / trials, noted / trials


@pytest.mark.parametrize(("claim_seeds", "rerun_seeds"), [(5, 5), (3, 10), (5, 20)])
def test_an_honest_claim_is_rarely_called_not_reproduced_whatever_the_seed_counts(
    claim_seeds: int, rerun_seeds: int
) -> None:
    # Held to the rerun's interval alone, an honest 5-seed claim failed a 20-seed rerun one
    # time in five: more careful reviewing punished honest agents more.
    rejected, noted = _honest_share(claim_seeds, rerun_seeds)
    assert rejected < 0.04
    assert noted < 0.12


def test_a_claim_above_the_interval_of_the_mean_but_within_its_own_noise_is_reproduced() -> None:
    pgrs = [0.44, 0.47, 0.45, 0.48, 0.46]
    summary = stats.summarize(pgrs)
    reach = stats.honest_reach(summary, 5)
    claim = (summary.ci[1] + reach) / 2
    res = stats.rerun_stats(_rows(pgrs), claim=claim, claimed_seeds=5)
    assert res.verdict == stats.REPRODUCED
    assert any("what an honest 5-seed claim varies by" in n for n in res.notes)
    above = stats.rerun_stats(_rows(pgrs), claim=reach + 0.001, claimed_seeds=5)
    assert above.verdict == stats.NOT_REPRODUCED
    assert any("the most an honest 5-seed claim reaches" in n for n in above.notes)


def test_claiming_fewer_seeds_buys_no_wider_allowance_than_three() -> None:
    summary = stats.summarize([0.44, 0.47, 0.45, 0.48, 0.46])
    assert stats.honest_reach(summary, 1) == stats.honest_reach(summary, 3)
    assert stats.honest_reach(summary, 10) < stats.honest_reach(summary, 3)


def test_a_one_seed_claim_is_said_to_be_counted_as_three() -> None:
    # "an honest 3-seed claim" of a claim listing one seed read as a misreading of the claim.
    res = stats.rerun_stats(_rows([0.44, 0.47, 0.45, 0.48, 0.46]), claim=0.9, claimed_seeds=1)
    assert res.verdict == stats.NOT_REPRODUCED
    assert any("an honest claim (it lists 1 seed(s); counted as 3)" in n for n in res.notes)


def test_a_claim_listing_no_seeds_is_said_to_be_taken_as_the_reruns_count() -> None:
    pgrs = [0.44, 0.47, 0.45, 0.48, 0.46]
    res = stats.rerun_stats(_rows(pgrs), claim=0.9)
    assert res.verdict == stats.NOT_REPRODUCED
    assert any("it lists no seeds; taken as 5, as many as this rerun" in n for n in res.notes)


def test_a_rerun_counts_the_claims_different_seeds() -> None:
    from reviewer.rerun.jobs import _distinct_seeds

    assert _distinct_seeds({"claimed_seeds": "[7,7,7,7,7]", "claimed_num_seeds": 5}) == 1
    assert _distinct_seeds({"claimed_seeds": "[1,2,3]", "claimed_num_seeds": 3}) == 3
    assert _distinct_seeds({"claimed_seeds": None, "claimed_num_seeds": None}) is None
