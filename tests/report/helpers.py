"""Builders for the report tests: a store with decided proposals and finished reruns."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from reviewer.ingest import read_paths
from reviewer.rerun.stats import SeedRow, rerun_stats
from store import ReviewStore
from store.gates import GatePolicy
from tests.factories import make_proposal, new_file_diff

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "proposals"
SEEDS = (11, 12, 13, 14, 15)
WEAK, CEILING = 0.70, 0.90
# Transfer accuracies whose per-seed PGRs are 0.55, 0.65, 0.50, 0.60, 0.70 (mean 0.60).
TRANSFER = (0.81, 0.83, 0.80, 0.82, 0.84)
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
HOSTILE = (
    "\x1b[2J\x1b]8;;javascript:alert(1)\x1b\\<script>alert(1)</script>\u202e|`x`|[y](javascript:z)"
)


def claim(pgr: float, **extra: Any) -> dict[str, Any]:
    return {"pgr": pgr, "pgr_se": 0.02, "weak_acc": WEAK, "strong_acc": CEILING,
            "transfer_acc": WEAK + pgr * (CEILING - WEAK), "seeds": [1, 2, 3, 4, 5],
            "dataset": "w2s-synth", **extra}  # fmt: skip


def rerun_result(
    store: ReviewStore, pid: str, claimed: float, transfer: Sequence[float] = TRANSFER, **env: Any
) -> dict[str, Any]:
    """A result dict as the worker writes it, from the real statistics code."""
    rows = [
        SeedRow(seed, acc, WEAK, CEILING, (acc - WEAK) / (CEILING - WEAK))
        for seed, acc in zip(SEEDS, transfer, strict=True)
    ]
    stats = rerun_stats(rows, [0.30, 0.28, 0.33, 0.31, 0.29], claimed, 0.02, 5)
    return {
        **stats.to_json(),
        "reason": None,
        "checks": [],
        "task": "blobs",
        "size": 1,
        "env": {"harness": "f" * 40, "diff_sha256": store.get(pid)["diff_sha256"],
                "torch": "2.4.0", "device": "cpu", "device_name": "cpu", "sandbox": "bubblewrap",
                "wall_s": 12.5, **env},
    }  # fmt: skip


def finish_rerun(store: ReviewStore, pid: str, result: dict[str, Any]) -> int:
    """Enqueue, claim and complete a rerun through the store's lease queue."""
    job = store.jobs.enqueue(pid, kind="rerun", params={"seeds": list(SEEDS)}, actor="carol")
    claimed = store.jobs.claim("worker-1", job_id=job.id)
    assert claimed is not None
    store.jobs.complete(job.id, claimed.attempt, result)
    return job.id


def add(store: ReviewStore, i: int, pgr: float, **extra: Any) -> str:
    diff = new_file_diff(f"methods/idea_{i}.py", f"def run(view):\n    return {i}\n").encode()
    return store.add_proposal(make_proposal(i, claimed=claim(pgr), diff=diff, **extra), actor="ing")


def populated(store: ReviewStore) -> dict[str, str]:
    """Five proposals: reproduced+approved, inflated+rejected, overridden, undone, undecided."""
    ids = {name: add(store, i, pgr) for i, (name, pgr) in enumerate(
        [("good", 0.61), ("inflated", 0.90), ("override", 0.55), ("undone", 0.40),
         ("untouched", 0.50)], start=1)}  # fmt: skip
    finish_rerun(store, ids["good"], rerun_result(store, ids["good"], 0.61))
    finish_rerun(store, ids["inflated"], rerun_result(store, ids["inflated"], 0.90))
    store.record_checks(
        ids["inflated"],
        "static",
        [{"code": "best_of_n", "severity": "high", "message": "claimed seeds look cherry-picked"},
         {"code": "wide_se", "severity": "low", "message": "standard error is wide"}],
        actor="checker",
    )  # fmt: skip
    store.approve(ids["good"], reason="reproduced on 5 seeds", actor="alice@example.org")
    store.reject(ids["inflated"], reason="claim is far above the interval", actor="bob@example.org")
    store.gate_policy = GatePolicy(require_rerun=True)
    store.approve(
        ids["override"], reason="trusted method", actor="dana@example.org",
        override="no GPU on this machine today",
    )  # fmt: skip
    store.gate_policy = GatePolicy()
    store.approve(ids["undone"], reason="looked fine", actor="erin@example.org")
    store.undo(ids["undone"], actor="erin@example.org", reason="approved the wrong one")
    return ids


def hostile(store: ReviewStore) -> str:
    """The hostile-text sample, decided and rerun with hostile text in every free field."""
    results = read_paths([SAMPLES / "11_hostile_text.json"])
    assert not results[0].error
    pid = store.add_proposal(results[0].proposals[0], actor="ing")
    store.record_checks(
        pid, "static", [{"code": "odd_text", "severity": "medium", "message": HOSTILE}],
        actor="checker",
    )  # fmt: skip
    result = rerun_result(store, pid, 0.653, device_name=HOSTILE)
    result["notes"] = [HOSTILE]
    # Unvalidated rerun findings reach `show` straight from the job result.
    result["checks"] = [{"code": HOSTILE, "severity": "<b>" + HOSTILE, "message": HOSTILE}]
    finish_rerun(store, pid, result)
    store.comment(pid, HOSTILE, actor="mallory")
    store.reject(pid, reason="hostile " + HOSTILE + BIDI, actor="rev" + HOSTILE)
    return pid
