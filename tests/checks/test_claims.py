"""claim_checks: inconsistent numbers, too few seeds, missing SE and best-of-n wording."""

from __future__ import annotations

import json

import pytest

from reviewer.checks.claims import claim_checks

GOOD = {"pgr": 0.986, "pgr_se": 0.002, "weak_acc": 0.7102, "strong_acc": 0.9494,
        "transfer_acc": 0.946, "seeds": [1, 2, 3, 4, 5], "dataset": "clusters"}


def _claim(**changes):
    return {**GOOD, **changes}


def _codes(claimed, text=""):
    return sorted(c.code for c in claim_checks(claimed, text))


def test_a_consistent_claim_is_clean():
    assert claim_checks(GOOD, "On clusters, 5 seeds: PGR 0.986 +- 0.002.") == []


def test_nothing_claimed():
    assert claim_checks(None, "") == []
    assert claim_checks({}, "A plain idea.") == []


@pytest.mark.parametrize("pgr", [0.97, 0.90, 0.5])
def test_pgr_that_does_not_follow_from_the_accuracies(pgr):
    [check] = claim_checks(_claim(pgr=pgr), "")
    assert (check.code, check.severity) == ("claim_inconsistent", "high")
    assert check.message == (f"PGR {pgr:g} does not match (transfer_acc - weak_acc) /"
                             " (strong_acc - weak_acc) = 0.986 from the claimed accuracies")
    assert check.detail["field"] == "pgr"


def test_rounding_of_printed_digits_is_allowed():
    # (0.77 - 0.71) / (0.95 - 0.71) = 0.25, but inputs rounded to two digits allow PGRs from
    # (0.765 - 0.715) / (0.955 - 0.715) = 0.208 to (0.775 - 0.705) / (0.945 - 0.705) = 0.292.
    two_digits = {"weak_acc": 0.71, "strong_acc": 0.95, "transfer_acc": 0.77, "pgr_se": 0.01}
    for pgr in (0.2, 0.25, 0.3):
        assert claim_checks(_claim(**two_digits, pgr=pgr), "") == [], pgr
    for pgr in (0.19, 0.31):
        assert _codes(_claim(**two_digits, pgr=pgr)) == ["claim_inconsistent"], pgr
    assert claim_checks(_claim(pgr=0.995), "") == []  # within the 0.01 floor


def test_impossible_values():
    messages = [c.message for c in claim_checks(
        _claim(weak_acc=0.9, strong_acc=0.8, transfer_acc=1.2, pgr_se=-0.1, pgr=1.5), "")]
    assert "transfer_acc 1.2 lies outside [0, 1]" in messages
    assert "pgr_se -0.1 is negative" in messages
    assert any(m.startswith("weak_acc 0.9 >= strong_acc 0.8") for m in messages)
    assert "transfer_acc 1.2 is above the strong ceiling (strong_acc 0.8)" in messages
    assert "PGR 1.5 is above 1: the student would beat the strong ceiling" in messages


def test_transfer_above_the_ceiling_within_rounding_is_allowed():
    claimed = _claim(strong_acc=0.95, transfer_acc=0.95, pgr=1.0)
    assert claim_checks(claimed, "") == []


@pytest.mark.parametrize(("seeds", "expected"), [
    ([1, 2, 3], []), ([7], ["few_seeds"]), ([1, 2], ["few_seeds"]), (None, ["few_seeds"])])
def test_few_seeds(seeds, expected):
    claimed = _claim(seeds=seeds)
    assert _codes(claimed) == expected


def test_unknown_seeds_message():
    [check] = claim_checks(_claim(seeds=None), "")
    assert check.severity == "medium" and "unknown" in check.message


@pytest.mark.parametrize(("se", "seeds", "needle"), [
    (None, [1, 2, 3], "no standard error"),
    (0.0, [1, 2, 3, 4, 5], "over 5 seeds"),
    (0.0, [7], "single seed")])
def test_missing_or_zero_se(se, seeds, needle):
    checks = [c for c in claim_checks(_claim(pgr_se=se, seeds=seeds), "") if c.code == "no_se"]
    assert len(checks) == 1 and needle in checks[0].message
    assert checks[0].severity == "medium"


@pytest.mark.parametrize("text", [
    "We report the best of 10 runs.", "Best run: 0.99", "top-1 of 20 restarts",
    "max over seeds", "We cherry-picked nothing, honestly", "We selected the best checkpoint",
    "best seed was 3", "Best-of-5 sampling"])
def test_best_of_n_wording(text):
    [check] = claim_checks(_claim(), text)
    assert (check.code, check.severity) == ("best_of_n", "medium")


def test_runs_mentioned_but_not_listed():
    [check] = claim_checks(_claim(seeds=[1, 2, 3]), "Averaged over ten runs.")
    assert check.code == "best_of_n"
    assert check.detail == {"phrase": "ten runs", "said": 10, "listed": 3}
    assert claim_checks(_claim(), "PGR 0.986 on 5 seeds; it costs 4x the compute.") == []


def test_wrong_types_are_ignored_not_crashed_on():
    assert _codes({"pgr": "high", "pgr_se": True, "seeds": "many"}) == ["few_seeds"]


def test_one_seed_listed_five_times_is_few_seeds() -> None:
    from reviewer.checks.claims import claim_checks

    found = claim_checks({"pgr": 0.5, "pgr_se": 0.02, "seeds": [7, 7, 7, 7, 7]}, "")
    [few] = [c for c in found if c.code == "few_seeds"]
    assert "only 1 different seed" in few.message and few.detail["count"] == 1


def test_the_checks_and_the_verdict_count_the_same_different_seeds() -> None:
    """A hand-edited row listing 1, "1" and 1.0 has three different seeds for both: the
    few-seeds check must not call the claim thinner than the verdict's n_claim takes it."""
    from reviewer.checks.claims import claim_checks
    from reviewer.rerun.jobs import _distinct_seeds

    seeds = [1, "1", 1.0, 1]
    row = {"claimed_seeds": json.dumps(seeds), "claimed_num_seeds": 4}
    assert _distinct_seeds(row) == 3
    found = claim_checks({"pgr": 0.5, "pgr_se": 0.02, "seeds": seeds}, "")
    assert [c for c in found if c.code == "few_seeds"] == []
