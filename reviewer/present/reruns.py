"""Rerun history as text: the latest result, the active job, log tails and ablations."""

from __future__ import annotations

import re
from typing import Any

from reviewer.present.values import pm
from reviewer.textsafe import clean, short

ACTIVE_JOB_STATES = ("queued", "running")
LOG_TAIL_LINES = 8
FAILED_LOG_LINES = 12
LOG_LINE_CHARS = 200
MAX_INDENT = 40
# Bounds on what is cleaned: a log's last lines (blank ones past them are not searched),
# and the start of each, enough for 200 characters once escapes are gone.
LOG_SCAN_LINES = 1_000
RAW_LINE_CHARS = 2_000
# A Python exception's last traceback line: a dotted class name such as `TypeError` or
# `torch.cuda.OutOfMemoryError`, alone or followed by `: message`.
_EXCEPTION = re.compile(
    r"(?:[A-Za-z_]\w*\.)*[A-Z]\w*(?:Error|Exception|Exit|Interrupt|Iteration|Warning)(?::\s.*)?"
)


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


def ended_in_failure(rerun: dict[str, Any]) -> bool:
    """Whether a rerun is over because it failed: its job failed, or its verdict is `failed`."""
    return rerun.get("state") == "failed" or (
        rerun.get("state") == "done" and rerun.get("verdict") == "failed"
    )


def _raw_log(rerun: dict[str, Any]) -> object:
    """What the method printed: live while running; once failed, the log stored with the
    result, else (a job that failed without one) its last heartbeat's."""
    progress = rerun.get("progress")
    live = progress.get("log_tail") if isinstance(progress, dict) else None
    if rerun.get("state") == "running":
        return live
    if ended_in_failure(rerun):
        stored = rerun.get("log_tail")
        return stored if isinstance(stored, str) else live
    return None


def log_tail_lines(rerun: dict[str, Any], count: int | None = None) -> list[str]:
    """The last lines a running rerun printed, or a failed one printed before it ended (8
    and 12 unless `count` says), each cleaned to one line of at most 200 characters."""
    tail = _raw_log(rerun)
    if not isinstance(tail, str):
        return []
    if count is None:
        count = LOG_TAIL_LINES if rerun.get("state") == "running" else FAILED_LOG_LINES
    lines: list[str] = []
    # No escape sequence spans a newline, so each line is cleaned alone, and only as much of
    # it as can be shown: a tampered log's megabyte line costs no more than a short one.
    for raw in reversed(tail.split("\n")[-LOG_SCAN_LINES:]):
        if len(lines) >= count:
            break
        line = _one_line(raw[:RAW_LINE_CHARS])[:LOG_LINE_CHARS]
        if line:
            lines.append(line)
    return lines[::-1]


def _one_line(line: str) -> str:
    """A cleaned log line on one line, keeping some indentation so a traceback reads."""
    text = clean(line, single_line=True)
    indent = min(len(line) - len(line.lstrip()), MAX_INDENT)
    return " " * indent + text if text else ""


def raised_line(rerun: dict[str, Any]) -> str | None:
    """A failed rerun's last output line when it reads as a Python exception, cleaned and cut
    to 200 characters; the method's own text, so callers label it as such."""
    if not ended_in_failure(rerun):
        return None
    lines = log_tail_lines(rerun, 1)
    return lines[0] if lines and _EXCEPTION.fullmatch(lines[0]) else None


def no_verdict(rerun: dict[str, Any]) -> str:
    """Why a measured rerun has no verdict: its proposal claims no PGR, or only one seed
    measured one (a claim beside a single run is a coin flip, so none is given)."""
    notes = rerun.get("notes") or []
    if notes and str(notes[0]).startswith("no claimed PGR"):
        return "no claim"
    measured = [row for row in rerun.get("per_seed") or [] if row.get("pgr") is not None]
    return "one seed, no verdict" if len(measured) == 1 else "no claim"


def rerun_line(rerun: dict[str, Any], *, hide_verdict: bool = False) -> str:
    """One line of rerun history: id, state, seeds, stage or verdict (unless blinded)."""
    seeds = rerun.get("seeds") or []
    parts = [f"#{rerun.get('id')}", str(rerun.get("state")), f"{len(seeds)} seeds"]
    progress = rerun.get("progress") or {}
    if rerun.get("state") == "running" and progress.get("stage"):
        parts.append(f"stage {short(str(progress['stage']), 40)}")
    if rerun.get("verdict") or rerun.get("pgr_mean") is not None:
        named = short(str(rerun["verdict"]), 40) if rerun.get("verdict") else no_verdict(rerun)
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
