"""Which claimed values blinding masks, pinned where mutation testing found them unpinned:
a queue row's claims, and a claim with only some of its accuracies."""

from __future__ import annotations

import json
import math

import pytest

from reviewer.blinding import WITHHELD, blind, claim_values, list_claims


def test_a_queue_row_lists_its_claimed_pgr_and_se_as_magnitudes() -> None:
    assert list_claims({"claimed_pgr": -0.42, "claimed_pgr_se": 0.03}) == [0.42, 0.03]
    assert list_claims({"claimed_pgr": 0.9731, "claimed_pgr_se": None}) == [0.9731]
    assert list_claims({"claimed_pgr": math.nan, "claimed_pgr_se": True}) == []
    assert blind("PGR 0.97 +- 0.03", list_claims(
        {"claimed_pgr": 0.9731, "claimed_pgr_se": 0.03})) == f"PGR {WITHHELD} +- {WITHHELD}"


def test_a_claim_with_only_some_accuracies_implies_no_pgr() -> None:
    # No transfer accuracy: no implied PGR to add, and no arithmetic on a missing value.
    row = {"claimed": {"pgr": 0.5, "weak_acc": 0.6, "strong_acc": 0.8},
           "original": json.dumps({"weak_acc": 0.6})}
    assert claim_values(row) == [0.5, 0.6, 0.8, 0.6]


def test_all_three_accuracies_add_the_pgr_they_imply() -> None:
    # (0.7 - 0.6) / (0.8 - 0.6) = 0.5
    values = claim_values({"claimed": {"weak_acc": 0.6, "strong_acc": 0.8,
                                       "transfer_acc": 0.7}})
    assert values[:3] == [0.6, 0.8, 0.7]
    assert values[3] == pytest.approx(0.5)
    assert len(values) == 4
