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
