"""Commit messages: subject, body and the claim in trailers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reviewer.ingest.errors import IngestError
from reviewer.ingest.trailers import Fields, failure, split_message

FAIL = failure("repo@abc")


def test_the_last_paragraph_is_trailers_only_when_every_line_is_one():
    m = split_message("Subject\nwrapped\n\nBody one.\n\nBody two.\n\nIdea: x\nSeeds: 1,\n  2, 3\n")
    assert m.title == "Subject wrapped" and m.body == "Body one.\n\nBody two."
    assert m.trailers == [("Idea", "x"), ("Seeds", "1, 2, 3")]
    prose = split_message("Subject\n\nNote: this is prose.\nAnd so is this line.")
    assert prose.trailers == [] and prose.body == "Note: this is prose.\nAnd so is this line."
    # The subject alone is never read as trailers.
    assert split_message("Idea: x").trailers == [] and split_message("").title == ""


def test_claims_from_trailers():
    fields = Fields([("claimed-pgr", "0.61 ± 0.02"), ("Seeds", "1-3, 7"), ("Agent", "aar-1"),
                     ("Claimed-Weak-Acc", "0.7"), ("Reviewed-by", "x")], FAIL)  # fmt: skip
    assert fields.claimed == {"pgr": 0.61, "pgr_se": 0.02, "seeds": [1, 2, 3, 7],
                              "weak_acc": 0.7}  # fmt: skip
    assert fields.text == {"agent": "aar-1"} and fields.other == [["Reviewed-by", "x"]]
    assert Fields([("Claimed-PGR", "0.5 +- 0.1")], FAIL).claimed == {"pgr": 0.5, "pgr_se": 0.1}
    assert Fields([("Claimed-PGR", "0.5 +/- 0.1")], FAIL).claimed["pgr_se"] == 0.1


@pytest.mark.parametrize("trailers, field, words", [
    ([("Claimed-PGR", "nan")], "trailer Claimed-PGR", "expected a number"),
    ([("Claimed-PGR", "1_0")], "trailer Claimed-PGR", "expected a number"),
    ([("Claimed-PGR-SE", "inf")], "trailer Claimed-PGR-SE", "expected a number"),
    ([("Seeds", "1-1000000")], "trailer Seeds", "at most 1000 seeds"),
    ([("Seeds", "a")], "trailer Seeds", "such as 1,2,3"),
    ([("Idea", "a"), ("idea", "b")], "trailer idea", "given twice"),
    ([("Claimed-PGR-SE", "0.1"), ("Claimed-PGR", "0.5 ± 0.2")], "trailer Claimed-PGR",
     "also given"),
])  # fmt: skip
def test_bad_trailers_name_their_key(trailers, field, words):
    with pytest.raises(IngestError) as caught:
        Fields(trailers, FAIL)
    assert caught.value.field == field and words in caught.value.message
    assert caught.value.path == "repo@abc"


@given(st.text())
def test_any_message_splits_without_error(text):
    m = split_message(text)
    assert "\n" not in m.title
    assert all(":" not in key for key, _ in m.trailers)


def test_every_bad_trailer_of_a_commit_is_named():
    # Only the first was reported: `Seeds: 1-five` surfaced after `Claimed-PGR: high` was fixed.
    with pytest.raises(IngestError) as caught:
        Fields([("Claimed-PGR", "high"), ("Seeds", "1-five"), ("Idea", "x")], FAIL)
    assert caught.value.field == "trailer Claimed-PGR"
    assert "expected a number" in caught.value.message
    assert "also trailer Seeds: expected seeds such as 1,2,3" in caught.value.message
