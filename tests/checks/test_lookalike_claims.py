"""The claim checks judge the text a reviewer reads: invisible and look-alike characters do
not hide best-of wording."""

from __future__ import annotations

import pytest

from reviewer.checks.claims import MAX_TEXT, claim_checks, reads

GOOD = {"pgr": 0.986, "pgr_se": 0.002, "weak_acc": 0.7102, "strong_acc": 0.9494,
        "transfer_acc": 0.946, "seeds": [1, 2, 3, 4, 5], "dataset": "clusters"}

EVASIONS = [
    ("Our number is the be\u200bst of 1\u200b0 runs.", "best of 10 runs"),
    ("Our number is the be\u00adst of t\u00aden ru\u00adns.", "best of ten runs"),
    ("Our number is the be\u2060st of 1\u20600 runs.", "best of 10 runs"),
    ("Our number is the b\u0435st of t\u0435n runs.", "best of ten runs"),
    ("Our number is the \uff42\uff45\uff53\uff54 of 10 runs.", "best of 10 runs"),
    ("Our number is the best\u2011of\u201110 runs.", "best-of-10 runs"),
]


def _best_of(claimed: dict[str, object] | None, text: str) -> list[str]:
    return [c.message for c in claim_checks(claimed, text) if c.code == "best_of_n"]


@pytest.mark.parametrize(("text", "reads_as"), EVASIONS)
def test_hidden_best_of_wording_is_flagged_and_quoted_as_read(text: str, reads_as: str) -> None:
    [check] = [c for c in claim_checks(GOOD, text) if c.code == "best_of_n"]
    assert check.severity == "medium"
    assert check.detail["phrase"].lower() == reads_as
    assert f"{reads_as!r}" in check.message.lower()


@pytest.mark.parametrize(("text", "_"), EVASIONS)
def test_hidden_best_of_wording_is_flagged_without_numbers_claimed(text: str, _: str) -> None:
    assert _best_of(None, text)


def test_plain_best_of_wording_is_still_flagged() -> None:
    [message] = _best_of(GOOD, "Our number is the best of 10 runs.")
    assert "'best of 10 runs'" in message


@pytest.mark.parametrize("text", [
    "Averaged over t\u0435n runs.", "Averaged over 1\u200b0 runs.",
    "Averaged over \uff11\uff10 runs.", "Averaged over t\u00aden runs.",
])
def test_a_hidden_count_of_runs_above_the_listed_seeds_is_flagged(text: str) -> None:
    [check] = [c for c in claim_checks({**GOOD, "seeds": [1, 2, 3]}, text)
               if c.code == "best_of_n"]
    assert check.detail["said"] == 10 and check.detail["listed"] == 3
    assert check.detail["phrase"] in ("ten runs", "10 runs")


def test_invisible_padding_does_not_push_the_phrase_past_the_cut() -> None:
    text = "\u200b" * (MAX_TEXT + 10) + "Our number is the best of 10 runs."
    assert _best_of(GOOD, text)


def test_plain_and_honest_text_raises_nothing() -> None:
    assert claim_checks(GOOD, "On clusters, 5 seeds: PGR 0.986 \u00b1 0.002 in 3 \u03bcs.") == []
    assert claim_checks(GOOD, "\u0410\u0433\u0435\u043d\u0442 \u0432\u0435\u0441\u044c") == []


def test_reads_folds_long_text_like_the_whole_fold() -> None:
    # Pieces are folded apart; a combining mark on a chunk's edge stays with its letter.
    text = ("x\u0435 " * 3000) + "e\u0301" * 2000 + "\ufb01" * 500
    assert reads(text) == ("xe " * 3000) + "\u00e9" * 2000 + "fi" * 500
    assert len(reads("\ufdfa" * 200_000)) == MAX_TEXT


@pytest.mark.parametrize("text", ["We train four runs per seed and average them.",
                                  "An ensemble of 5 runs for each seed."])
def test_runs_per_seed_count_an_ensemble_not_seeds(text: str) -> None:
    claimed = {"pgr": 0.5, "pgr_se": 0.02, "seeds": [1, 2, 3]}
    assert not [c for c in claim_checks(claimed, text) if c.code == "best_of_n"]
    assert [c for c in claim_checks(claimed, "We ran 10 runs, as usual.") if c.code == "best_of_n"]
