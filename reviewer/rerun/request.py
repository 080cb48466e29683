"""What a rerun runs; a plain record so queueing code never imports torch."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RerunRequest:
    """What to run: the proposal's code and claim, and the reviewer's choice of seeds."""

    proposal_id: str
    idea: str | None
    base: str | None
    diff: bytes | None
    diff_sha256: str | None
    claim_pgr: float | None
    claim_se: float | None
    claim_seeds: int | None
    seeds: list[int]
    task: str
    size: int
    device: str = "auto"
    timeout_s: float = 1800.0
    unsafe_no_sandbox: bool = False
    harness: str = "builtin"
    ablation: bool = True  # teacher-shuffle ablation: a second sandboxed run
    heldout: bool = False  # the other task families: twice more, each with its baseline


def outcome(verdict: str, reason: str, req: RerunRequest, **extra: Any) -> dict[str, Any]:
    """A result with no measurement (`refused` or `failed`), shaped like a measured one."""
    return {
        "seeds": req.seeds,
        "per_seed": [],
        "pgr_mean": None,
        "pgr_se": None,
        "pgr_ci": [None, None],
        "baseline_pgr_mean": None,
        "gain_mean": None,
        "gain_p_value": None,
        "fixed_baseline_pgr": None,
        "verdict": verdict,
        "reason": reason,
        "notes": [reason],
        "checks": [],
        "task": req.task,
        "size": req.size,
        **extra,
    }
