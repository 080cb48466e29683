"""Which proposals a report covers, and what it derives from each."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from reviewer.report import collect as collect_mod
from reviewer.report.collect import collect, parse_when, pick_rerun
from store import ReviewStore, StoreError
from tests.report.helpers import add, finish_rerun, populated, rerun_result


class Clock:
    def __init__(self) -> None:
        self.now = "2026-01-10T09:00:00+00:00"

    def __call__(self) -> str:
        return self.now


def test_every_decided_proposal_and_only_those(mem_store):
    ids = populated(mem_store)
    report = collect(mem_store, clock=lambda: "T")
    covered = {e.id for e in report.entries}
    # The undone one stays: it was decided once, and the report shows the reverted decision.
    assert covered == {ids["good"], ids["inflated"], ids["override"], ids["undone"]}
    assert [e.number for e in report.entries] == [1, 2, 3, 4]
    assert report.generated_at == "T" and report.scope == "every decided proposal"


def test_counts(mem_store):
    populated(mem_store)
    counts = collect(mem_store).counts()
    assert counts["reviewed"] == 4
    assert (counts["approved"], counts["rejected"], counts["pending"]) == (2, 1, 1)
    assert counts["overrides"] == 1
    assert (counts["reproduced"], counts["not_reproduced"]) == (1, 1)
    assert (counts["failed"], counts["refused"], counts["not_measured"]) == (0, 0, 2)
    assert (counts["checks_high"], counts["checks_medium"], counts["checks_low"]) == (1, 0, 1)


def test_entry_details(mem_store):
    ids = populated(mem_store)
    by_id = {e.id: e for e in collect(mem_store).entries}
    good = by_id[ids["good"]]
    assert good.measured is not None and good.verdict == "reproduced"
    assert good.claimed_pgr == pytest.approx(0.61)
    assert good.measured_pgr == pytest.approx(0.60)
    assert good.deciders == ["alice@example.org"]
    override = by_id[ids["override"]]
    assert [d.action for d in override.decisions] == ["override", "approve"]
    assert override.overrides[0].reason == "no GPU on this machine today"
    assert override.overrides[0].unmet  # the gate it skipped is named
    undone = by_id[ids["undone"]]
    assert [(d.action, d.live) for d in undone.decisions] == [("approve", False), ("undo", True)]
    assert undone.deciders == []


def test_one_proposal_by_id_prefix_even_undecided(mem_store):
    ids = populated(mem_store)
    report = collect(mem_store, ref=ids["untouched"][:8])
    assert [e.id for e in report.entries] == [ids["untouched"]]
    assert report.entries[0].decisions == []


@pytest.mark.parametrize("ref", ["zzzz", "0000000000"])
def test_bad_id_raises_a_store_error(mem_store, ref):
    populated(mem_store)
    with pytest.raises(StoreError):
        collect(mem_store, ref=ref)


def test_since_keeps_proposals_decided_on_or_after_the_date():
    clock = Clock()
    store = ReviewStore.memory(clock=clock)
    early, late, redecided = (add(store, i, 0.5) for i in range(3))
    clock.now = "2026-01-10T09:00:00+00:00"
    store.approve(early, reason="ok", actor="alice")
    store.approve(redecided, reason="ok", actor="alice")
    clock.now = "2026-02-01T00:00:00+00:00"
    store.reject(late, reason="no", actor="bob")
    store.undo(redecided, actor="alice", reason="second look")
    since = parse_when("2026-02-01")
    covered = {e.id for e in collect(store, since=since).entries}
    assert covered == {late, redecided}
    assert {e.id for e in collect(store, since=parse_when("2026-02-01T00:00:01Z")).entries} == set()
    store.close()


def test_pages_through_the_store(mem_store, monkeypatch):
    monkeypatch.setattr(collect_mod, "PAGE", 2)
    pids = [add(mem_store, i, 0.5) for i in range(5)]
    for pid in pids:
        mem_store.approve(pid, reason="ok", actor="alice")
    assert {e.id for e in collect(mem_store).entries} == set(pids)


def test_a_rerun_of_an_earlier_diff_does_not_count(mem_store):
    pid = add(mem_store, 1, 0.6)
    stale = rerun_result(mem_store, pid, 0.6, diff_sha256="0" * 64)
    stale_job = finish_rerun(mem_store, pid, stale)
    mem_store.approve(pid, reason="ok", actor="alice")
    entry = collect(mem_store).entries[0]
    assert entry.measured is None and entry.stale_reruns == [stale_job]
    assert entry.verdict == "not_measured"
    # The approval rested on no measurement of its diff; a rerun after it changes nothing.
    finish_rerun(mem_store, pid, rerun_result(mem_store, pid, 0.6))
    entry = collect(mem_store).entries[0]
    assert entry.measured is None and entry.verdict == "not_measured"


def test_pick_rerun_prefers_the_newest_finished_verdict():
    reruns = [
        {"id": 1, "state": "done", "verdict": "reproduced", "env": {"diff_sha256": "a"}},
        {"id": 2, "state": "done", "verdict": "failed", "env": {}},
        {"id": 3, "state": "running", "verdict": None, "env": None},
    ]
    chosen, stale = pick_rerun(reruns, "a")
    assert chosen is not None and chosen["id"] == 2 and stale == []


def test_audit_status_is_recorded(mem_store):
    populated(mem_store)
    audit = collect(mem_store).audit
    head = max(e.seq for e in mem_store.events())
    assert audit.ok and audit.head_seq == head and len(audit.head_hash) == 64
    assert audit.events == head


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01-31", datetime(2026, 1, 31, tzinfo=UTC)),
        ("2026-01-31T10:00:00Z", datetime(2026, 1, 31, 10, tzinfo=UTC)),
        ("2026-01-31T12:00:00+02:00", datetime(2026, 1, 31, 10, tzinfo=UTC)),
    ],
)
def test_parse_when(text, expected):
    assert parse_when(text) == expected


@pytest.mark.parametrize("text", ["yesterday", "2026-13-01", "31/01/2026", ""])
def test_parse_when_rejects_non_iso_dates(text):
    with pytest.raises(ValueError, match="ISO date"):
        parse_when(text)


def test_agents_sum_their_entries_and_their_overclaim(mem_store):
    populated(mem_store)
    rows = {r.agent: r for r in collect(mem_store).agents()}
    assert [r.agent for r in collect(mem_store).agents()] == ["agent-1", "agent-0", "agent-2"]
    one, zero, two = rows["agent-1"], rows["agent-0"], rows["agent-2"]
    # agent-1: the reproduced approval and the undone one; agent-2: the inflated rejection.
    assert (one.counts["reviewed"], one.counts["approved"], one.counts["reproduced"],
            one.counts["not_measured"]) == (2, 1, 1, 1)
    assert one.overclaim == pytest.approx(0.01)
    assert (two.counts["rejected"], two.counts["not_reproduced"]) == (1, 1)
    assert two.overclaim == pytest.approx(0.30)
    assert zero.counts["not_measured"] == 1 and zero.overclaim is None
    assert sum(r.counts["reviewed"] for r in rows.values()) == collect(mem_store).counts()[
        "reviewed"]
