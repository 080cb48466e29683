"""The second opinion masks the claims of the proposals this one builds on, not just its own."""

from __future__ import annotations

from reviewer.assist import AssistConfig, second_opinion
from reviewer.assist.lineage import MAX_ANCESTORS, parent_notes
from reviewer.assist.prompt import build_request
from reviewer.blinding import WITHHELD
from tests.assist.fakeapi import FAKE_KEY
from tests.factories import make_proposal

ENV = {"ANTHROPIC_API_KEY": FAKE_KEY}


def _claim(pgr: float, se: float) -> dict:
    return {"pgr": pgr, "pgr_se": se, "seeds": [1, 2, 3, 4, 5]}


def test_the_parents_and_grandparents_claims_quoted_in_the_child_are_masked(mem_store, api):
    root = mem_store.add_proposal(make_proposal(1, claimed=_claim(0.912, 0.031)), actor="a")
    parent = mem_store.add_proposal(
        make_proposal(2, claimed=_claim(0.986, 0.004), parent=root[:12]), actor="a")
    child = mem_store.add_proposal(make_proposal(
        3, claimed=_claim(0.997, 0.002), parent=parent[:12],
        title="Calibrated logconf: beats 0.986",
        summary="PGR 0.997, up from 0.986 for the parent and 0.912 for the first (lr 0.003)."),
        actor="a")  # fmt: skip
    second_opinion(mem_store, child, config=AssistConfig(base_url=api.url, max_retries=0,
                                                         timeout_s=10),
                   actor="bob", checks=[], environ=ENV)
    sent = api.bodies[0]["messages"][0]["content"]
    for number in ("0.997", "0.986", "0.912", "0.004", "0.031"):
        assert number not in sent, number
    assert f"PGR {WITHHELD}, up from {WITHHELD} for the parent and {WITHHELD} for the first " \
           "(lr 0.003)." in sent
    assert f"beats {WITHHELD}" in sent


def test_a_note_carries_its_parents_claims_and_its_ancestors(mem_store):
    root = mem_store.add_proposal(make_proposal(1, claimed=_claim(0.41, 0.05)), actor="a")
    parent = mem_store.add_proposal(
        make_proposal(2, claimed=_claim(0.52, 0.06), parent=root[:12]), actor="a")
    child = mem_store.add_proposal(make_proposal(3, parent=parent[:12]), actor="a")
    [note] = parent_notes(mem_store, child)
    assert note.id == parent
    assert {0.52, 0.06, 0.41, 0.05} <= set(note.claims)
    request = build_request(mem_store.get(child), [], parents=[note], tag="0" * 16)
    assert "idea_3" in request.user  # the child's own text still goes


def test_a_long_chain_ends_the_walk(mem_store):
    # Each proposal names the one before; the first names one not in the store.
    ids: list[str] = []
    for i in range(MAX_ANCESTORS + 5):
        prior = {"parent": ids[-1][:12]} if ids else {"parent": "f" * 12}
        ids.append(mem_store.add_proposal(
            make_proposal(i, claimed=_claim(0.1 + i / 1000, 0.01), **prior), actor="a"))
    child = mem_store.add_proposal(make_proposal(99, parent=ids[-1][:12]), actor="a")
    [note] = parent_notes(mem_store, child)
    # The parent's own claims, then at most MAX_ANCESTORS ancestors' (two values each).
    assert len(note.claims) == 2 * (MAX_ANCESTORS + 1)
    assert round(note.claims[0], 4) == round(0.1 + (MAX_ANCESTORS + 4) / 1000, 4)
