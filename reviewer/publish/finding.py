"""Build the published finding: sandbox finding JSON (DESIGN §4.2) with measured numbers.

The top-level metrics are what the reviewer's rerun measured; the agent's claim is kept
beside them under `claimed`, so nothing an agent asserted passes as a measurement.
Everything is derived from the store, so building twice gives the same bytes.
"""

from __future__ import annotations

import json
import math
import re
import statistics
from dataclasses import dataclass
from typing import Any

from reviewer import shapes
from reviewer.publish.errors import PublishError
from store import ReviewStore
from store.audit import Event
from store.jobs import Job
from store.model import sha256_hex

FORMAT = "w2s-reviewer/finding-1"
# The verdict string of reviewer.rerun.stats, not imported so that this module stays free of scipy.
REPRODUCED = "reproduced"
ID_LEN = 12
MAX_IDEA = 64
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")
# json.dumps leaves these raw; escaping them keeps the value and spares terminals.
_RAW = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")
# Fields of the sandbox format that only an agent's original finding can fill.
_PASSTHROUGH = ("weak_model", "strong_model", "config", "run_id", "post_id")
MEASURED_FIELDS = (
    "verdict", "pgr_mean", "pgr_se", "pgr_ci", "baseline_pgr_mean", "gain_mean",
    "gain_p_value", "fixed_baseline_pgr", "per_seed", "seeds", "task", "size", "notes", "env",
)  # fmt: skip

# What two records of one finding must share for either to stand in for the other: the
# proposal, its diff, the agent's claim and every measured number, not who reviewed it.
_SUBSTANCE = (
    "format", "finding_type", "proposal_id", "diff_sha256", "claimed", "dataset", "pgr",
    "pgr_se", "pgr_delta", "transfer_acc", "transfer_acc_se", "weak_acc", "strong_acc",
    "num_seeds", "seeds", "worked", "measured",
)  # fmt: skip
_PER_STORE = ("job", "env")  # a rerun's queue number and machine differ between two stores


@dataclass(frozen=True)
class Built:
    """One finding ready to write: its file stem, JSON bytes, patch and provenance card."""

    proposal_id: str
    stem: str
    finding: dict[str, Any]
    data: bytes
    patch: bytes | None
    card: str

    @property
    def finding_sha256(self) -> str:
        return sha256_hex(self.data)


def safe_name(idea: str | None) -> str:
    """The idea as a file-name part: [A-Za-z0-9_.-] only, no '..', no leading '.' or '-'."""
    name = _UNSAFE.sub("_", idea or "")
    name = re.sub(r"\.{2,}", "_", name).lstrip(".-")[:MAX_IDEA].rstrip(".")
    return name or "finding"


def dumps(value: Any) -> bytes:
    """Canonical JSON: sorted keys, indented, UTF-8, with C1 and bidi characters escaped."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, indent=2, allow_nan=False)
    return (_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n").encode("utf-8")


def _substance(record: dict[str, Any]) -> dict[str, Any]:
    out = {key: record.get(key) for key in _SUBSTANCE}
    if isinstance(out["measured"], dict):
        out["measured"] = {k: v for k, v in out["measured"].items() if k not in _PER_STORE}
    return out


def same_finding(ours: bytes, theirs: bytes) -> bool:
    """Whether the record `theirs` is the finding `ours` records: the same proposal, diff,
    claim and measured numbers, whoever reviewed it (two stores' records differ there)."""
    try:
        other = json.loads(theirs)
    except (ValueError, RecursionError):
        return False
    return isinstance(other, dict) and _substance(json.loads(ours)) == _substance(other)


def _measures(job: Job, diff_sha256: str | None) -> bool:
    """Whether `job` is a done rerun with per-seed values of this exact diff."""
    result = job.result or {}
    if job.kind != "rerun" or job.state != "done" or not result.get("per_seed"):
        return False
    measured_sha = (result.get("env") or {}).get("diff_sha256")
    # A measurement of other code says nothing about this diff.
    return measured_sha is None or measured_sha == diff_sha256


def latest_measurement(store: ReviewStore, pid: str, diff_sha256: str | None) -> Job | None:
    """The newest done rerun that measured this exact diff, or None."""
    jobs = reversed(store.jobs.for_proposal(pid))
    return next((job for job in jobs if _measures(job, diff_sha256)), None)


def approval_in_force(store: ReviewStore, pid: str) -> Event | None:
    """The newest approval still in force, or else (a record whose withdrawal is still due)
    the newest approval ever given; None when nobody approved."""
    live = {d["seq"] for d in live_decisions(store, pid) if d["action"] == "approve"}
    approvals = list(store.events(pid, actions=("approve",)))
    in_force = [e for e in approvals if e.seq in live]
    nobody: list[Event | None] = [None]
    return (in_force or approvals or nobody)[-1]


def approved_measurement(store: ReviewStore, pid: str, diff_sha256: str | None) -> Job | None:
    """The measurement the approval in force rested on, so that a later rerun changes
    nothing published: its `rerun_job`, or when that rerun measured nothing (it failed), the
    newest rerun of the diff that had measured it by then; None without one (an override).

    An approval recorded before approvals named their rerun rested on the newest rerun of the
    diff that had measured it by then.
    """
    approval = approval_in_force(store, pid)
    if approval is None:
        return latest_measurement(store, pid, diff_sha256)
    pinned = approval.payload.get("rerun_job")
    if pinned is None and "rerun_job" in approval.payload:
        return None
    finished = {e.payload.get("job") for e in store.events(pid, actions=("rerun_finished",))
                if e.seq < approval.seq}
    jobs = [j for j in store.jobs.for_proposal(pid)
            if j.id in finished and _measures(j, diff_sha256)]
    # An approval from before approvals named their rerun rested on the newest then.
    return next((j for j in jobs if j.id == pinned), jobs[-1] if jobs else None)


def live_decisions(store: ReviewStore, pid: str) -> list[dict[str, Any]]:
    """Approvals and rejections still in force, replaying undo and invalidation."""
    live: list[dict[str, Any]] = []
    for d in store.decisions(pid):
        if d["action"] in ("approve", "reject"):
            live.append(d)
        elif d["action"] == "undo" and live:
            live.pop()
        elif d["action"] == "invalidate":  # new code voids the approvals given to the old
            live = [x for x in live if x["action"] != "approve"]
    return live


def _mean(values: list[Any]) -> float | None:
    finite = [float(v) for v in values if isinstance(v, int | float) and math.isfinite(v)]
    return sum(finite) / len(finite) if finite else None


def _se(values: list[Any]) -> float | None:
    finite = [float(v) for v in values if isinstance(v, int | float) and math.isfinite(v)]
    if len(finite) < 2:
        return None
    return statistics.stdev(finite) / math.sqrt(len(finite))


def _metrics(job: Job | None) -> dict[str, Any]:
    """The sandbox format's metric fields from a rerun (all null without one)."""
    if job is None:
        keys = ("pgr", "pgr_se", "pgr_delta", "transfer_acc", "transfer_acc_se", "weak_acc",
                "strong_acc", "num_seeds", "seeds")  # fmt: skip
        return {**dict.fromkeys(keys), "measured": None, "worked": None}
    result = job.result or {}
    rows = result["per_seed"]
    measured = {key: result.get(key) for key in MEASURED_FIELDS}
    measured["job"] = job.id
    measured["seeds"] = [row.get("seed") for row in rows]
    return {
        "pgr": result.get("pgr_mean"),
        "pgr_se": result.get("pgr_se"),
        "pgr_delta": result.get("gain_mean"),
        "transfer_acc": _mean([r.get("transfer_acc") for r in rows]),
        "transfer_acc_se": _se([r.get("transfer_acc") for r in rows]),
        "weak_acc": _mean([r.get("weak_acc") for r in rows]),
        "strong_acc": _mean([r.get("ceiling_acc") for r in rows]),
        "num_seeds": len(rows),
        "seeds": measured["seeds"],
        "measured": measured,
        "worked": result.get("verdict") == REPRODUCED,
    }


def _original(row: dict[str, Any]) -> dict[str, Any]:
    try:
        value = json.loads(row["original"] or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def approval_event(store: ReviewStore, pid: str) -> Event:
    """The approval in force, which the finding's audit hash names."""
    event = store.latest_event(pid, "approve")
    if event is None:
        raise PublishError(f"{pid[:12]} has no approval event")
    return event


def build_finding(store: ReviewStore, ref: str) -> Built:
    """The finding, patch and card of an approved proposal."""
    # Imported here: the card module is presentation and the finding is its only input.
    from reviewer.publish.card import render

    row = store.get(ref)
    pid = row["id"]
    if row["status"] != "approved":
        raise PublishError(f"{pid[:12]} is {row['status']}: only approved proposals are published")
    approval = approval_event(store, pid)
    original = _original(row) if row["source_format"] == "sandbox_finding" else {}
    job = approved_measurement(store, pid, row["diff_sha256"])
    live = live_decisions(store, pid)
    idea_name = safe_name(row["idea"])
    finding: dict[str, Any] = {
        "format": FORMAT,
        "id": pid[:ID_LEN],
        "proposal_id": pid,
        "external_id": row["external_id"],
        "title": row["title"],
        "content": row["summary"],
        "finding_type": "result",
        "idea_name": idea_name,
        "idea": row["idea"],
        "agent": row["agent"],
        "harness": row["harness"],
        "dataset": (job.result or {}).get("task") if job else row["claimed"].get("dataset"),
        **{key: original.get(key) for key in _PASSTHROUGH},
        **_metrics(job),
        "commit_id": row["base"],
        "parent_commit_id": row["parent"],
        "files_snapshot": None,
        "code_snippet": None,
        "created_at": approval.ts,
        "claimed": row["claimed"],
        "reviewed_by": list(dict.fromkeys(d["actor"] for d in live if d["action"] == "approve")),
        "decisions": store.decisions(pid),
        "overrides": [
            {"actor": e.actor, "at": e.ts, "seq": e.seq, "payload": e.payload}
            for e in store.events(pid)
            if e.action == "override"
        ],
        "checks": shapes.show(store, pid)["checks"],
        "diff_sha256": row["diff_sha256"],
        "audit_hash": approval.hash,
        "audit_seq": approval.seq,
    }
    if finding["dataset"] is None:
        finding["dataset"] = row["claimed"].get("dataset")
    stem = f"{pid[:ID_LEN]}_{idea_name}"
    return Built(pid, stem, finding, dumps(finding), row["diff"], render(finding))


def build_rejection(store: ReviewStore, ref: str) -> Built:
    """The record of a rejected proposal: what was claimed and why it was turned down."""
    row = store.get(ref)
    pid = row["id"]
    if row["status"] != "rejected":
        raise PublishError(f"{pid[:12]} is {row['status']}, not rejected")
    event = store.latest_event(pid, "reject")
    if event is None:
        raise PublishError(f"{pid[:12]} has no rejection event")
    live = [d for d in live_decisions(store, pid) if d["action"] == "reject"]
    idea_name = safe_name(row["idea"])
    record = {
        "format": FORMAT,
        "id": pid[:ID_LEN],
        "proposal_id": pid,
        "external_id": row["external_id"],
        "title": row["title"],
        "finding_type": "rejected",
        "idea_name": idea_name,
        "agent": row["agent"],
        "claimed": row["claimed"],
        "rejected_by": list(dict.fromkeys(d["actor"] for d in live)),
        "reasons": [d["reason"] for d in live],
        "created_at": event.ts,
        "diff_sha256": row["diff_sha256"],
        "audit_hash": event.hash,
        "audit_seq": event.seq,
    }
    return Built(pid, f"{pid[:ID_LEN]}_{idea_name}", record, dumps(record), None, "")
