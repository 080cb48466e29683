"""A report measures an approved proposal by the rerun its approval rested on."""

from __future__ import annotations

from pathlib import Path

from reviewer.report.collect import collect
from store import ReviewStore
from tests.publish.helpers import add, finish_rerun, rerun_result


def test_a_rerun_after_the_approval_does_not_change_what_the_report_measures(tmp_path: Path):
    store = ReviewStore.open(tmp_path / "report.db")
    pid = add(store, 1)
    first = finish_rerun(store, pid)
    store.approve(pid, reason="reproduced on 5 seeds", actor="alice@example.org")
    later = finish_rerun(store, pid, rerun_result(store, pid, claim=0.99))
    [entry] = collect(store).entries
    reruns = {r["id"]: r for r in entry.proposal["reruns"]}
    assert reruns[later]["verdict"] != reruns[first]["verdict"]
    assert entry.measured is not None and entry.measured["id"] == first
    store.close()


def test_a_pending_proposal_is_measured_by_its_newest_rerun(tmp_path: Path):
    store = ReviewStore.open(tmp_path / "report.db")
    pid = add(store, 1)
    finish_rerun(store, pid)
    later = finish_rerun(store, pid, rerun_result(store, pid, claim=0.99))
    [entry] = collect(store, ref=pid).entries
    assert entry.measured is not None and entry.measured["id"] == later
    store.close()


def test_an_override_approval_on_no_rerun_is_not_measured_by_a_later_one(tmp_path: Path):
    store = ReviewStore.open(tmp_path / "report.db")
    pid = add(store, 1)
    store.approve(pid, reason="trusted without a rerun", actor="alice@example.org")
    assert store.latest_event(pid, "approve").payload["rerun_job"] is None
    finish_rerun(store, pid)
    [entry] = collect(store).entries
    assert entry.measured is None and entry.verdict == "not_measured"
    store.close()


def test_an_approval_from_before_rerun_job_rests_on_the_newest_rerun_before_it(tmp_path: Path):
    from reviewer.publish.finding import approved_measurement

    store = ReviewStore.open(tmp_path / "report.db")
    pid = add(store, 1)
    first = finish_rerun(store, pid)
    row = store.get(pid)
    # The approve event as a store from before `rerun_job` wrote it.
    with store._write():
        store._event("alice@example.org", "approve", pid, {
            "reason": "ok", "required_approvals": 1, "diff_sha256": row["diff_sha256"]})
        store._set_status(pid, "approved")
    finish_rerun(store, pid, rerun_result(store, pid, claim=0.99))
    job = approved_measurement(store, pid, row["diff_sha256"])
    assert job is not None and job.id == first
    [entry] = collect(store).entries
    assert entry.measured is not None and entry.measured["id"] == first
    store.close()
