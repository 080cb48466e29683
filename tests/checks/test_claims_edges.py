"""claim_checks pinned where mutation testing found it unpinned: seed counts in words, a
claim without listed seeds, a zero SE, equal accuracies and the cost of folding long text."""

from __future__ import annotations

from typing import Any

import pytest

from reviewer import lookalike
from reviewer.checks import claims
from reviewer.checks.claims import claim_checks


def _codes(claimed: dict[str, Any], text: str = "") -> list[str]:
    return [c.code for c in claim_checks(claimed, text)]


@pytest.mark.parametrize(("word", "count"), [("twenty", 20), ("fifty", 50)])
def test_a_count_in_words_is_compared_with_the_listed_seeds(word: str, count: int) -> None:
    base = {"pgr": 0.5, "pgr_se": 0.02}
    text = f"averaged over {word} seeds"
    assert _codes({**base, "seeds": list(range(count))}, text) == []
    [check] = claim_checks({**base, "seeds": list(range(count - 1))}, text)
    assert check.code == "best_of_n"
    assert check.detail == {"phrase": f"{word} seeds", "said": count, "listed": count - 1}


def test_a_count_in_the_text_of_a_claim_listing_no_seeds_is_not_compared() -> None:
    # With no seeds listed there is nothing to compare "10 seeds" with: only few_seeds.
    assert _codes({"pgr": 0.5, "pgr_se": 0.02}, "we ran 10 seeds and report their mean") == [
        "few_seeds"]


def test_a_zero_se_is_not_called_negative() -> None:
    found = claim_checks({"pgr": 0.5, "pgr_se": 0.0, "seeds": [1, 2, 3]}, "")
    assert [c.code for c in found] == ["no_se"]
    assert not any("negative" in c.message for c in found)


def test_equal_weak_and_strong_accuracies_give_one_finding_not_a_pgr_mismatch_too() -> None:
    # weak_acc == strong_acc: PGR is undefined, so a PGR of -0.5 cannot also "not match".
    claimed = {"weak_acc": 0.8, "strong_acc": 0.8, "transfer_acc": 0.8, "pgr": -0.5,
               "pgr_se": 0.01, "seeds": [1, 2, 3]}
    [check] = claim_checks(claimed, "")
    assert check.code == "claim_inconsistent"
    assert check.message.startswith("weak_acc 0.8 >= strong_acc 0.8")


def test_long_text_is_folded_only_up_to_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    # A million non-ASCII characters: folding stops once MAX_TEXT characters are read,
    # about MAX_TEXT / _FOLD_CHUNK pieces, not the whole text.
    folded: list[int] = []
    real_fold = lookalike.fold

    def counting_fold(text: str) -> str:
        folded.append(len(text))
        return real_fold(text)

    monkeypatch.setattr(lookalike, "fold", counting_fold)
    out = claims.reads("\u00e9" * 1_000_000)
    assert out == "\u00e9" * claims.MAX_TEXT
    assert sum(folded) <= claims.MAX_TEXT + claims._FOLD_CHUNK


@pytest.mark.parametrize("pgr", [1, 1.0, 0, 0.0])
def test_a_whole_number_pgr_is_checked_against_the_accuracies_as_its_decimal_is(pgr) -> None:
    # Accuracies imply PGR (0.7 - 0.5) / (0.9 - 0.5) = 0.5; `"pgr": 1` once took 0.5 of
    # rounding slack and passed beside them, where 1.0 did not.
    claimed = {"weak_acc": 0.5, "strong_acc": 0.9, "transfer_acc": 0.7, "pgr": pgr,
               "pgr_se": 0.01, "seeds": [1, 2, 3]}
    assert "claim_inconsistent" in _codes(claimed)
