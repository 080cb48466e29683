"""A decision made on what a screen showed is refused if the proposal moved on meanwhile.

The red team's cases: the agent's patch arrived while the override prompt was open, so the
override for "no code" approved code nobody read; a disputed diff raised a high check that
the override then covered unseen; `u` undid another reviewer's later rejection.
"""

from __future__ import annotations

import dataclasses
import json

import pytest

from store import ReviewStore, Seen, StaleView
from store.errors import GateError
from store.gates import GatePolicy
from store.model import sha256_hex
from store.seen import NO_DECISION
from tests.factories import make_proposal
from tests.store.test_gates import DIFF, finish_rerun, scanned


@pytest.fixture
def gated(mem_store: ReviewStore) -> ReviewStore:
    mem_store.gate_policy = GatePolicy.defaults()
    return mem_store


def finding(store: ReviewStore) -> tuple[str, object]:
    """A sandbox finding without code, as an ingest of a bare finding file stores it."""
    bare = dataclasses.replace(make_proposal(0), source_format="sandbox_finding")
    return store.add_proposal(bare, actor="ingest"), bare


def test_code_attached_after_the_screen_was_read_is_not_approved(gated):
    pid, bare = finding(gated)
    seen = Seen(None, tuple(gated.gates(pid)))
    gated.add_proposals([dataclasses.replace(bare, diff=DIFF)], actor="ingest")
    before = len(list(gated.events(pid)))
    with pytest.raises(StaleView, match="other code than you saw"):
        gated.approve(pid, reason="ok", actor="alice", override="no GPU", seen=seen)
    with pytest.raises(StaleView, match="other code than you saw"):
        gated.reject(pid, reason="no", actor="alice", seen=seen)
    assert len(list(gated.events(pid))) == before and gated.get(pid)["status"] == "pending"
    # Looked at again, the same override is recorded, bound to the code now shown.
    now = Seen(sha256_hex(DIFF), tuple(gated.gates(pid)))
    event = gated.approve(pid, reason="ok", actor="alice", override="no GPU", seen=now)
    assert event.payload["diff_sha256"] == sha256_hex(DIFF)


def test_an_override_covers_only_the_gates_that_were_shown(gated):
    pid = scanned(gated, gated.add_proposal(make_proposal(1, diff=DIFF), actor="ingest"))
    finish_rerun(gated, pid)
    seen = Seen(sha256_hex(DIFF), tuple(gated.gates(pid)))
    assert seen.gates == ()  # every gate passed when the prompt opened
    gated.record_checks(pid, "ingest", [{"code": "diff_disputed", "severity": "high",
                                         "message": "another diff was offered"}], actor="ingest")
    with pytest.raises(GateError, match="diff_disputed"):  # no override: the gate holds
        gated.approve(pid, reason="ok", actor="alice", seen=seen)
    shown = Seen(sha256_hex(DIFF), ("some other gate",))
    with pytest.raises(StaleView, match=r"did not cover.*diff_disputed"):
        gated.approve(pid, reason="ok", actor="alice", override="checked", seen=shown)
    assert gated.get(pid)["status"] == "pending"
    covered = Seen(sha256_hex(DIFF), tuple(gated.gates(pid)))
    gated.approve(pid, reason="ok", actor="alice", override="checked", seen=covered)
    assert gated.get(pid)["status"] == "approved" and gated.verify().ok


def test_undo_reverts_only_the_decision_that_was_shown(mem_store):
    pid = mem_store.add_proposal(make_proposal(2, diff=DIFF), actor="ingest")
    assert mem_store.decisions(pid) == []
    mine = mem_store.approve(pid, reason="fine", actor="alice")
    shown = Seen(sha256_hex(DIFF), last_decision=mem_store.decisions(pid)[-1]["seq"])
    assert shown.last_decision == mine.seq
    mem_store.undo(pid, actor="bob")
    mem_store.reject(pid, reason="no", actor="bob")
    with pytest.raises(StaleView, match="decided again since you looked"):
        mem_store.undo(pid, actor="alice", seen=shown)
    assert mem_store.get(pid)["status"] == "rejected"
    with pytest.raises(StaleView):  # a screen that showed no decision at all
        mem_store.undo(pid, actor="alice", seen=Seen(None, last_decision=NO_DECISION))
    latest = Seen(None, last_decision=mem_store.decisions(pid)[-1]["seq"])
    assert mem_store.undo(pid, actor="alice", seen=latest).payload["reverted_action"] == "reject"
    assert mem_store.verify().ok


def test_a_checkpoint_that_cannot_be_written_does_not_fail_a_committed_decision(tmp_path):
    # A full disk made the head checkpoint's write fail after the commit; the TUI then said
    # "refused" for a rejection that was stored.
    store = ReviewStore.open(tmp_path / "review.db")
    pid = store.add_proposal(make_proposal(3, diff=DIFF), actor="ingest")
    checkpoint = store.checkpoint_file
    lock = checkpoint.with_name(checkpoint.name + ".lock")
    lock.unlink()
    lock.mkdir()  # opening the lock now fails with an OSError, as a full disk's write did
    event = store.reject(pid, reason="no", actor="alice")
    assert store.get(pid)["status"] == "rejected" and event.action == "reject"
    report = store.verify()
    assert report.ok, report.problems  # the checkpoint is older, which verify accepts
    lock.rmdir()
    store.comment(pid, "later", actor="alice")
    assert json.loads(checkpoint.read_text())["seq"] == store.verify().head_seq
    store.close()


def test_the_two_person_gate_is_shown_to_the_requester_and_covered_only_when_shown(mem_store):
    # The independence gate was left out of `gates()`: an override typed for a shown gate
    # covered it unseen, and the TUI could not override it at all when it failed alone.
    mem_store.gate_policy = dataclasses.replace(GatePolicy.defaults(), independent_approver=True)
    pid = mem_store.add_proposal(make_proposal(4, diff=DIFF), actor="ingest")
    finish_rerun(mem_store, pid, verdict="not_reproduced", requester="carol")
    neutral = mem_store.gates(pid)
    mine = mem_store.gates(pid, actor="carol")
    assert len(mine) == len(neutral) + 1 and "carol requested the rerun" in mine[-1]
    assert mem_store.gates(pid, actor="dave") == neutral
    with pytest.raises(StaleView, match="carol requested the rerun"):
        mem_store.approve(pid, reason="ok", actor="carol", override="small task",
                          seen=Seen(sha256_hex(DIFF), tuple(neutral)))
    assert mem_store.get(pid)["status"] == "pending"
    event = mem_store.approve(pid, reason="ok", actor="carol", override="small task",
                              seen=Seen(sha256_hex(DIFF), tuple(mine)))
    overridden = [e for e in mem_store.events(pid) if e.seq == event.payload["override_seq"]]
    assert overridden[0].payload["unmet"] == mine
    # Once approved, no gate is offered for a second approval by the same reviewer.
    assert mem_store.gates(pid, actor="carol") == mem_store.gates(pid)
