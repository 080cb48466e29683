"""What a rerun runs; a plain record so queueing code never imports torch."""

from __future__ import annotations

from dataclasses import dataclass


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
