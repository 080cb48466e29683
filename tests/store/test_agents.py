"""Each agent's record: proposals by status, by their latest rerun's verdict, and flagged."""

from __future__ import annotations

from store.agents import AgentRecord
from tests.factories import make_proposal, new_file_diff
from tests.store.test_gates import finish_rerun

HIGH = {"code": "network", "severity": "high", "message": "imports socket"}
MEDIUM = {"code": "few_seeds", "severity": "medium", "message": "one seed"}


def _add(store, i: int, agent: str) -> str:
    diff = new_file_diff(f"methods/m{i}.py", f"x = {i}\n").encode()
    return store.add_proposal(make_proposal(i, agent=agent, diff=diff), actor="ingest")


def test_counts_by_status_verdict_and_open_high_checks(mem_store):
    a = [_add(mem_store, i, "alpha") for i in range(5)]
    b = [_add(mem_store, 10 + i, "beta") for i in range(2)]
    mem_store.approve(a[0], reason="ok", actor="r")
    mem_store.reject(a[1], reason="no", actor="r")
    mem_store.reject(b[0], reason="no", actor="r")
    # Only the latest finished rerun of a proposal counts.
    finish_rerun(mem_store, a[0], verdict="not_reproduced")
    finish_rerun(mem_store, a[0], verdict="reproduced")
    finish_rerun(mem_store, a[1], verdict="not_reproduced")
    finish_rerun(mem_store, a[2], verdict="refused")
    finish_rerun(mem_store, b[1], verdict="failed")
    # Open high checks flag a proposal once; medium, resolved or stale ones do not.
    mem_store.record_checks(a[3], "static", [HIGH, {**HIGH, "code": "labels"}], actor="c")
    mem_store.record_checks(a[4], "static", [MEDIUM], actor="c")
    mem_store.record_checks(b[0], "static", [HIGH], actor="c")
    mem_store.resolve_check(b[0], mem_store.checks(b[0])[0]["id"], reason="fine", actor="r")
    finish_rerun(mem_store, b[1], verdict="failed", sha="0" * 64, checks=[HIGH])

    alpha, beta = mem_store.agent_records()
    assert alpha == AgentRecord("alpha", proposals=5, pending=3, approved=1, rejected=1,
                                reran=3, reproduced=1, not_reproduced=1, failed=1, flagged=1)
    assert beta == AgentRecord("beta", proposals=2, pending=1, rejected=1, reran=1, failed=1)
    assert alpha.to_json()["reproduced_share"] == 1 / 3
    assert beta.to_json()["reproduced_share"] == 0 and AgentRecord("x").reproduced_share is None
    assert sorted(alpha.to_json()) == sorted([*AgentRecord.__dataclass_fields__,
                                              "reproduced_share"])


def test_most_proposals_first_then_by_name(mem_store):
    for i, agent in enumerate(["zed", "amy", "bob", "zed"]):
        _add(mem_store, i, agent)
    assert [r.agent for r in mem_store.agent_records()] == ["zed", "amy", "bob"]
    assert mem_store.agent_records() == mem_store.agent_records()


def test_an_empty_store_has_no_agents(mem_store):
    assert mem_store.agent_records() == []


def test_no_count_reads_the_wide_proposal_rows(mem_store):
    """Each query reads an index or a small table, and proposals only by their id."""
    from store import agents

    for query in (agents._BY_STATUS, agents._BY_VERDICT, agents._FLAGGED):
        plan = [row[3] for row in mem_store.conn.execute("EXPLAIN QUERY PLAN " + query)]
        scans = [step for step in plan if step.startswith("SCAN")]
        assert all("proposals" not in s or "COVERING INDEX" in s for s in scans), plan
        assert not any(s.split()[:2] == ["SCAN", "p"] for s in scans), plan


def test_orders_for_the_most_suspicious_first():
    from store.agents import sorted_records

    records = [
        AgentRecord("amy", proposals=5, reran=4, reproduced=3, not_reproduced=1, flagged=1),
        AgentRecord("bob", proposals=9, reran=2, reproduced=0, not_reproduced=2, flagged=4),
        AgentRecord("cat", proposals=2),
        AgentRecord("dan", proposals=9, reran=1, reproduced=1, flagged=4),
    ]

    def names(order: str) -> list[str]:
        return [r.agent for r in sorted_records(records, order)]

    assert names("total") == ["bob", "dan", "amy", "cat"]
    assert names("flagged") == ["bob", "dan", "amy", "cat"]
    assert names("held") == ["bob", "amy", "dan", "cat"]  # 0%, 75%, 100%, never rerun
    assert names("name") == ["amy", "bob", "cat", "dan"]


def test_a_rerun_without_a_verdict_is_not_held_against_the_agent(mem_store):
    # One seed gives no verdict now; counted as a rerun, it lowered the share held up as a
    # failure would.
    pids = [_add(mem_store, i, "gamma") for i in range(2)]
    finish_rerun(mem_store, pids[0], verdict="reproduced")
    finish_rerun(mem_store, pids[1], verdict=None)
    (gamma,) = mem_store.agent_records()
    assert gamma.reran == 2 and gamma.reproduced_share == 1.0
