"""Approval gates, overrides, invalidation on a new diff, and the two-person rule."""

from __future__ import annotations

import dataclasses

import pytest

from store import IllegalTransition, ReviewStore
from store.errors import GateError
from store.gates import GatePolicy
from store.model import sha256_hex
from tests.factories import make_proposal, new_file_diff

DIFF = new_file_diff("methods/m.py", "def run(view):\n    return view.weak_probs\n").encode()


def finish_rerun(
    store: ReviewStore,
    pid: str,
    *,
    verdict: str = "reproduced",
    ablation: bool | None = True,
    outcome: str | None = None,
    sha: str | None = None,
    requester: str = "carol",
    checks: list[dict] | None = None,
    task: str | None = None,
) -> int:
    job = store.jobs.enqueue(pid, kind="rerun", params={"seeds": [1, 2, 3]}, actor=requester)
    claimed = store.jobs.claim("worker-1")
    assert claimed is not None and claimed.id == job.id
    result: dict = {
        "verdict": verdict,
        "pgr_mean": 0.5,
        "per_seed": [{"seed": seed, "pgr": pgr} for seed, pgr in [(1, 0.4), (2, 0.5), (3, 0.6)]],
        "env": {"diff_sha256": sha or store.get(pid)["diff_sha256"]},
        "checks": checks or [],
    }
    if task is not None:
        result["task"] = task
    if ablation is not None:
        result["ablation"] = {"passed": ablation, "drop": 0.4, "p_value": 0.001}
        if outcome is not None:
            result["ablation"]["outcome"] = outcome
    store.jobs.complete(job.id, claimed.attempt, result)
    return job.id


@pytest.fixture
def gated(mem_store: ReviewStore) -> ReviewStore:
    mem_store.gate_policy = GatePolicy.defaults()
    return mem_store


def add(store: ReviewStore, i: int = 0, diff: bytes | None = DIFF) -> str:
    return scanned(store, store.add_proposal(make_proposal(i, diff=diff), actor="ingest"))


def scanned(store: ReviewStore, pid: str) -> str:
    """`pid` after the static scan of its current diff found nothing, as an ingest leaves it."""
    store.record_checks(pid, "static", [], actor="ingest")
    return pid


def test_no_rerun_blocks_approval_and_writes_nothing(gated):
    pid = add(gated)
    seq_before = max(e.seq for e in gated.events())
    with pytest.raises(GateError) as err:
        gated.approve(pid, reason="looks fine", actor="alice")
    assert "no finished rerun" in str(err.value)
    assert gated.get(pid)["status"] == "pending"
    assert max(e.seq for e in gated.events()) == seq_before


def test_reproduced_rerun_with_ablation_passes(gated):
    pid = add(gated)
    finish_rerun(gated, pid)
    assert gated.gates(pid) == []
    gated.approve(pid, reason="reproduced", actor="alice")
    assert gated.get(pid)["status"] == "approved"
    assert gated.verify().ok


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"verdict": "not_reproduced"}, "(job 1) says not_reproduced (fix these"),
        ({"verdict": "failed"}, "(job 1) says failed, not reproduced"),
        ({"ablation": False}, "ablation did not pass"),
        ({"ablation": False, "outcome": "no_drop"}, "ablation did not pass"),
        ({"ablation": False, "outcome": "inconclusive"}, "inconclusive (some seed kept its PGR"),
        ({"ablation": None}, "ablation did not run"),
        ({"sha": "f" * 64}, "no finished rerun of the current diff"),
    ],
)
def test_each_rerun_gate(gated, kwargs, expected):
    pid = add(gated)
    finish_rerun(gated, pid, **kwargs)
    with pytest.raises(GateError) as err:
        gated.approve(pid, reason="x", actor="alice")
    assert expected in str(err.value)


def test_a_rerun_on_another_task_than_the_claim_does_not_pass(gated):
    claim = {"pgr": 0.98, "pgr_se": 0.01, "seeds": [1, 2, 3], "dataset": "imbalanced"}
    pid = scanned(gated, gated.add_proposal(make_proposal(1, diff=DIFF, claimed=claim),
                                            actor="ingest"))
    finish_rerun(gated, pid, task="clusters")
    assert gated.gates(pid) == [
        "the latest rerun (job 1) ran on clusters; the claim is about imbalanced"]
    finish_rerun(gated, pid, task="imbalanced")
    assert gated.gates(pid) == []
    # A claim naming no dataset, or a rerun recording no task, has nothing to compare.
    other = scanned(gated, gated.add_proposal(make_proposal(2, diff=DIFF), actor="ingest"))
    finish_rerun(gated, other, task="entangled")
    assert gated.gates(other) == []


def test_high_check_blocks_until_resolved(gated):
    pid = add(gated)
    finish_rerun(gated, pid)
    gated.record_checks(
        pid, "static", [{"code": "network", "severity": "high", "message": "imports socket"}],
        actor="checks",
    )
    assert gated.gates(pid) == ["unresolved high-severity checks: network"]
    with pytest.raises(GateError):
        gated.approve(pid, reason="x", actor="alice")
    check_id = gated.checks(pid)[0]["id"]
    gated.resolve_check(pid, check_id, reason="socket only used in a comment", actor="alice")
    gated.approve(pid, reason="ok", actor="alice")
    assert gated.get(pid)["status"] == "approved"


def test_rerun_findings_become_checks_and_gate(gated):
    pid = add(gated)
    decoy = {"code": "decoy_match", "severity": "high", "message": "follows decoy 2"}
    finish_rerun(gated, pid, checks=[decoy])
    codes = [(c["code"], c["source"]) for c in gated.checks(pid)]
    assert codes == [("decoy_match", f"rerun:{gated.jobs.for_proposal(pid)[0].id}")]
    assert "decoy_match" in gated.gates(pid)[0]


def test_override_is_its_own_event_before_the_approval(gated):
    pid = add(gated)
    event = gated.approve(pid, reason="trusted", actor="alice", override="demo: no GPU here")
    events = list(gated.events(pid))
    override = next(e for e in events if e.action == "override")
    assert event.payload["override_seq"] == override.seq == event.seq - 1
    assert override.payload["reason"] == "demo: no GPU here"
    assert override.payload["unmet"]
    assert gated.get(pid)["status"] == "approved"
    assert [d["action"] for d in gated.decisions(pid)] == ["override", "approve"]
    assert gated.verify().ok


def test_a_new_diff_voids_the_approval(gated):
    # A sandbox finding's identity leaves out its code, so a later patch attaches to it.
    finding = dataclasses.replace(make_proposal(0), source_format="sandbox_finding")
    pid = gated.add_proposal(finding, actor="ingest")
    gated.approve(pid, reason="text only", actor="alice", override="no code yet")
    assert gated.get(pid)["status"] == "approved"
    result = gated.add_proposals([dataclasses.replace(finding, diff=DIFF)], actor="ingest")
    assert result.attached == [pid]
    row = gated.get(pid)
    assert row["status"] == "pending"
    assert row["diff_sha256"] == sha256_hex(DIFF)
    assert [e.action for e in gated.events(pid)][-2:] == ["attach_diff", "invalidate"]
    report = gated.verify()
    assert report.ok, report.problems


def test_two_person_rule(mem_store):
    mem_store.gate_policy = dataclasses.replace(GatePolicy(), required_approvals=2)
    pid = add(mem_store)
    mem_store.approve(pid, reason="first look", actor="alice")
    assert mem_store.get(pid)["status"] == "pending"
    with pytest.raises(IllegalTransition, match="twice"):
        mem_store.approve(pid, reason="again", actor="alice")
    mem_store.approve(pid, reason="second look", actor="bob")
    assert mem_store.get(pid)["status"] == "approved"
    mem_store.undo(pid, actor="bob")
    assert mem_store.get(pid)["status"] == "pending"
    assert mem_store.verify().ok


def test_a_lowered_approval_count_lets_the_first_approver_complete_it(mem_store):
    # Approved once under `required_approvals = 2`, then the policy went to 1: the proposal
    # stayed pending, and its approver was refused as approving twice.
    mem_store.gate_policy = dataclasses.replace(GatePolicy(), required_approvals=2)
    pid = add(mem_store)
    mem_store.approve(pid, reason="first look", actor="alice")
    mem_store.gate_policy = GatePolicy()
    mem_store.approve(pid, reason="one is enough now", actor="alice")
    assert mem_store.get(pid)["status"] == "approved"
    mem_store.undo(pid, actor="alice")  # back to the first approval, which asked for two
    assert mem_store.get(pid)["status"] == "pending"
    assert mem_store.verify().ok


def test_requester_cannot_be_the_only_approver(mem_store):
    mem_store.gate_policy = dataclasses.replace(
        GatePolicy.defaults(), independent_approver=True
    )
    pid = add(mem_store)
    finish_rerun(mem_store, pid, requester="carol")
    with pytest.raises(GateError, match="carol requested the rerun"):
        mem_store.approve(pid, reason="mine", actor="carol")
    mem_store.approve(pid, reason="checked carol's rerun", actor="dave")
    assert mem_store.get(pid)["status"] == "approved"


def test_reject_needs_no_gates(gated):
    pid = add(gated)
    gated.reject(pid, reason="skips the teacher", actor="alice")
    assert gated.get(pid)["status"] == "rejected"


@pytest.mark.parametrize("per_seed", [
    [{"seed": 1, "pgr": 0.5}],  # one seed: no interval
    [{"seed": 1, "pgr": 0.5}, {"seed": 2, "pgr": None}],  # the other had no PGR
    None,  # a damaged result
])
def test_a_rerun_on_fewer_than_two_measured_seeds_does_not_pass(gated, per_seed):
    pid = add(gated)
    job = gated.jobs.enqueue(pid, kind="rerun", params={"seeds": [1]}, actor="carol")
    claimed = gated.jobs.claim("worker-1")
    assert claimed is not None
    gated.jobs.complete(job.id, claimed.attempt, {
        "verdict": "reproduced", "per_seed": per_seed, "ablation": {"passed": True},
        "env": {"diff_sha256": gated.get(pid)["diff_sha256"]}})
    measured = 0 if per_seed is None else 1
    assert gated.gates(pid) == [
        f"the latest rerun (job {job.id}) says reproduced on {measured} seed(s) with a PGR: "
        "rerun on 2 or more seeds"]
    job = gated.jobs.enqueue(pid, kind="rerun", params={"seeds": [1]}, actor="carol")
    claimed = gated.jobs.claim("worker-1")
    assert claimed is not None
    gated.jobs.complete(job.id, claimed.attempt, {  # what a one-seed rerun records now
        "verdict": None, "per_seed": [{"seed": 1, "pgr": 0.5}], "ablation": {"passed": True},
        "env": {"diff_sha256": gated.get(pid)["diff_sha256"]}})
    assert gated.gates(pid) == [
        f"the latest rerun (job {job.id}) measured one seed with a PGR, which gives no "
        "interval: rerun on 2 or more seeds"]


def test_a_proposal_the_static_scan_never_saw_does_not_pass(gated):
    # An ingest killed between storing a batch and recording its checks left a label-reading
    # hack with no checks at all: the high-check gate passed.
    pid = gated.add_proposal(make_proposal(7, diff=DIFF), actor="ingest")
    finish_rerun(gated, pid)
    assert gated.gates(pid) == [
        "the static checks have not run on the current diff (`reviewer check ID`)"]
    scanned(gated, pid)
    assert gated.gates(pid) == []
