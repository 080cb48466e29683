"""Stored checks: replaced per source, bound to the diff, resolved by events, scored as risk."""

from __future__ import annotations

import pytest

from store import IllegalTransition, StoreError
from tests.factories import make_proposal, new_file_diff
from tests.store.test_gates import finish_rerun

HIGH = {"code": "network", "severity": "high", "message": "imports socket"}
LOW = {"code": "duplicate", "severity": "low", "message": "like abc", "detail": {"other_id": "ab"}}


def test_a_source_replaces_its_own_findings(mem_store):
    pid = mem_store.add_proposal(make_proposal(1), actor="a")
    mem_store.record_checks(pid, "static", [HIGH, LOW], actor="checks")
    mem_store.record_checks(pid, "assist", [{**LOW, "code": "second_opinion"}], actor="x")
    mem_store.record_checks(pid, "static", [LOW], actor="checks")
    found = mem_store.checks(pid)
    assert sorted((c["source"], c["code"]) for c in found) == [
        ("assist", "second_opinion"),
        ("static", "duplicate"),
    ]
    assert found[0]["detail"] in ({"other_id": "ab"},)
    assert [e.action for e in mem_store.events(pid)].count("checks") == 3
    assert mem_store.verify().ok


def test_most_severe_first_and_risk_follows(mem_store):
    pid = mem_store.add_proposal(make_proposal(2), actor="a")
    base = mem_store.get(pid)["risk"]
    mem_store.record_checks(pid, "static", [LOW, HIGH], actor="checks")
    row = mem_store.get(pid)
    assert [c["severity"] for c in mem_store.checks(pid)] == ["high", "low"]
    assert row["risk"] > base and row["flags"] == 2
    mem_store.resolve_check(pid, mem_store.checks(pid)[0]["id"], reason="fine", actor="b")
    assert mem_store.get(pid)["flags"] == 1
    with pytest.raises(IllegalTransition):
        mem_store.resolve_check(pid, mem_store.checks(pid)[0]["id"], reason="again", actor="b")
    assert mem_store.list(sort="risk")[0]["id"] == pid


def test_verdict_moves_risk(mem_store):
    diff = new_file_diff("methods/m.py", "x = 1\n").encode()
    a = mem_store.add_proposal(make_proposal(3, diff=diff), actor="a")
    b = mem_store.add_proposal(make_proposal(4, diff=diff + b"\n"), actor="a")
    finish_rerun(mem_store, a, verdict="not_reproduced")
    finish_rerun(mem_store, b, verdict="reproduced")
    assert mem_store.get(a)["risk"] > mem_store.get(b)["risk"]
    assert [r["id"] for r in mem_store.list(sort="risk")][:2] == [a, b]


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({**HIGH, "severity": "critical"}, "severity"),
        ({**HIGH, "code": "Bad Code"}, "code"),
        ({**HIGH, "message": " "}, "message"),
        ({**HIGH, "detail": {"x": float("nan")}}, "detail"),
    ],
)
def test_malformed_checks_are_refused_whole(mem_store, bad, field):
    pid = mem_store.add_proposal(make_proposal(5), actor="a")
    mem_store.record_checks(pid, "static", [LOW], actor="checks")
    with pytest.raises(StoreError, match=rf"checks\[1\]\.{field}"):
        mem_store.record_checks(pid, "static", [LOW, bad], actor="checks")
    assert [c["code"] for c in mem_store.checks(pid)] == ["duplicate"]


def test_riskier_jobs_are_claimed_first(mem_store):
    calm = mem_store.add_proposal(make_proposal(6), actor="a")
    risky = mem_store.add_proposal(make_proposal(7), actor="a")
    mem_store.record_checks(risky, "static", [HIGH], actor="checks")
    mem_store.jobs.enqueue(calm, kind="rerun", params={}, actor="a")
    mem_store.jobs.enqueue(risky, kind="rerun", params={}, actor="a")
    assert mem_store.jobs.claim("w").proposal_id == risky


def test_next_pending_follows_the_risk_order_and_wraps(mem_store):
    ids = [mem_store.add_proposal(make_proposal(10 + i), actor="a") for i in range(4)]
    mem_store.record_checks(ids[2], "static", [HIGH], actor="checks")
    mem_store.reject(ids[1], reason="no", actor="b")
    order = [r["id"] for r in mem_store.list(status="pending", sort="risk")]
    assert order[0] == ids[2] and ids[1] not in order
    walked = [order[0]]
    for _ in range(len(order)):
        walked.append(mem_store.next_pending(walked[-1]))
    assert walked == [*order, order[0]]


def test_filter_by_latest_verdict(mem_store):
    diff = new_file_diff("methods/m.py", "x = 2\n").encode()
    a = mem_store.add_proposal(make_proposal(20, diff=diff), actor="a")
    b = mem_store.add_proposal(make_proposal(21, diff=diff + b"\n"), actor="a")
    c = mem_store.add_proposal(make_proposal(22), actor="a")
    finish_rerun(mem_store, a, verdict="not_reproduced")
    finish_rerun(mem_store, a, verdict="reproduced")  # the latest counts
    finish_rerun(mem_store, b, verdict="not_reproduced")
    assert [r["id"] for r in mem_store.list(verdict="reproduced")] == [a]
    assert [r["id"] for r in mem_store.list(verdict="not_reproduced")] == [b]
    assert [r["id"] for r in mem_store.list(verdict="none")] == [c]
    assert mem_store.count(verdict="none", agent="agent-1") == 1
    with pytest.raises(ValueError, match="verdict must be one of"):
        mem_store.list(verdict="maybe")


def test_a_rescan_that_finds_the_same_writes_nothing_and_keeps_the_ids(mem_store):
    # `check --all` wrote an event per proposal each time and renumbered every check, so an
    # id read before it was gone (`--resolve` failed) and the log filled with repeats.
    found = [{"code": "net_access", "severity": "high", "message": "opens a socket"},
             {"code": "style", "severity": "low", "message": "long line"}]
    pid = mem_store.add_proposal(make_proposal(0), actor="ingest")
    first = mem_store.record_checks(pid, "static", found, actor="scan")
    ids = [c["id"] for c in mem_store.checks(pid)]
    events = len(list(mem_store.events(pid)))
    again = mem_store.record_checks(pid, "static", [dict(c) for c in found], actor="scan")
    assert again.seq == first.seq and len(list(mem_store.events(pid))) == events
    assert [c["id"] for c in mem_store.checks(pid)] == ids
    changed = mem_store.record_checks(pid, "static", found[:1], actor="scan")
    assert changed.seq > first.seq and len(mem_store.checks(pid)) == 1
    assert mem_store.verify().ok
