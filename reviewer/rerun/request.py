"""What a rerun runs; a plain record so queueing code never imports torch."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

DEVICES = "auto, cpu, cuda or cuda:N"
_DEVICE = re.compile(r"auto|cpu|cuda(?::[0-9]{1,3})?")


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


def device_syntax_problem(device: str) -> str | None:
    """Why `device` is not one of the names a rerun takes, or None; needs no torch."""
    if _DEVICE.fullmatch(device):
        return None
    return f"{device!r} is not one of {DEVICES}"


def device_problem(device: str) -> str | None:
    """Why the built-in harness cannot run on `device` in this process, or None.

    Torch is imported only for a CUDA device, so queueing a CPU rerun stays fast.
    """
    problem = device_syntax_problem(device)
    if problem is not None or not device.startswith("cuda"):
        return problem
    import torch

    if not torch.cuda.is_available():
        return f"{device!r}: torch here has no CUDA device; use cpu or auto"
    index, count = int(device.partition(":")[2] or 0), torch.cuda.device_count()
    if index >= count:
        return f"{device!r}: torch here sees {count} CUDA device(s), cuda:0 to cuda:{count - 1}"
    return None
