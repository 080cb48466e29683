"""Rerun history as text: the latest result, the active job, log tails and ablations."""

from __future__ import annotations

from typing import Any

from reviewer.present.values import pm
from reviewer.textsafe import clean, short

ACTIVE_JOB_STATES = ("queued", "running")
LOG_TAIL_LINES = 8


def latest_result(data: dict[str, Any]) -> dict[str, Any] | None:
    """The newest rerun that finished with a result, or None."""
    done = [r for r in data.get("reruns", []) if r.get("state") == "done"]
    return done[-1] if done else None


def has_active_rerun(data: dict[str, Any]) -> bool:
    return active_rerun_id(data) is not None


def active_rerun_id(data: dict[str, Any]) -> int | None:
    """The newest rerun still queued or running, which the cancel key stops."""
    active = [r for r in data.get("reruns", []) if r.get("state") in ACTIVE_JOB_STATES]
    job_id = active[-1].get("id") if active else None
    return job_id if isinstance(job_id, int) else None


def log_tail_lines(rerun: dict[str, Any], count: int = LOG_TAIL_LINES) -> list[str]:
    """The last `count` lines a running rerun printed, each cleaned to one line."""
    if rerun.get("state") != "running":
        return []
    tail = (rerun.get("progress") or {}).get("log_tail")
    if not isinstance(tail, str):
        return []
    lines = [clean(line, single_line=True) for line in clean(tail).splitlines()]
    return [line[:200] for line in lines if line][-count:]


def rerun_line(rerun: dict[str, Any], *, hide_verdict: bool = False) -> str:
    """One line of rerun history: id, state, seeds, stage or verdict (unless blinded)."""
    seeds = rerun.get("seeds") or []
    parts = [f"#{rerun.get('id')}", str(rerun.get("state")), f"{len(seeds)} seeds"]
    progress = rerun.get("progress") or {}
    if rerun.get("state") == "running" and progress.get("stage"):
        parts.append(f"stage {short(str(progress['stage']), 40)}")
    if rerun.get("verdict") or rerun.get("pgr_mean") is not None:
        # A rerun of a proposal without a claimed PGR measures it and has no verdict.
        named = short(str(rerun["verdict"]), 40) if rerun.get("verdict") else "no claim"
        verdict = "verdict hidden" if hide_verdict else named
        parts.append(f"{verdict}: PGR {pm(rerun.get('pgr_mean'), rerun.get('pgr_se'))}")
    if rerun.get("error"):
        parts.append(short(str(rerun["error"]), 80))
    if rerun.get("unsafe_no_sandbox"):
        parts.append("UNSAFE: no sandbox")
    return "  ".join(parts)


def ablation_word(ablation: dict[str, Any]) -> str:
    """`passed`, `INCONCLUSIVE` or `FAILED` for a rerun's teacher-shuffle ablation object.

    Results stored before `outcome` existed say only whether the ablation passed.
    """
    if ablation.get("passed"):
        return "passed"
    return "INCONCLUSIVE" if ablation.get("outcome") == "inconclusive" else "FAILED"
