"""An approval records the rerun the gates judged (`rerun_job`), so what it rested on is kept."""

from __future__ import annotations

from store import ReviewStore
from store.gates import GatePolicy
from tests.store.test_gates import add, finish_rerun


def approval_payload(store: ReviewStore, pid: str) -> dict:
    event = store.latest_event(pid, "approve")
    assert event is not None
    return event.payload


def test_approval_names_the_newest_finished_rerun_of_its_diff(mem_store):
    mem_store.gate_policy = GatePolicy.defaults()
    pid = add(mem_store)
    finish_rerun(mem_store, pid, sha="0" * 64)  # a rerun of other code is not the one judged
    older = finish_rerun(mem_store, pid)
    newest = finish_rerun(mem_store, pid)
    assert older < newest
    mem_store.approve(pid, reason="reproduced", actor="alice")
    assert approval_payload(mem_store, pid)["rerun_job"] == newest
    assert mem_store.verify().ok


def test_override_approval_without_a_rerun_names_none(mem_store):
    mem_store.gate_policy = GatePolicy.defaults()
    pid = add(mem_store)
    mem_store.approve(pid, reason="trusted", actor="alice", override="no GPU today")
    payload = approval_payload(mem_store, pid)
    assert "rerun_job" in payload and payload["rerun_job"] is None
    assert mem_store.get(pid)["status"] == "approved"
    assert mem_store.verify().ok


def test_rejection_names_no_rerun(mem_store):
    pid = add(mem_store)
    finish_rerun(mem_store, pid)
    mem_store.reject(pid, reason="no", actor="alice")
    assert "rerun_job" not in mem_store.latest_event(pid, "reject").payload
