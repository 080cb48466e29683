"""The documented JSON shapes of `show --json` and `list --json` (DESIGN §4.5)."""

from __future__ import annotations

import json
from typing import Any

from reviewer.assist.core import latest_assist
from reviewer.publish.record import published
from store import ReviewStore
from store.jobs import Job

SANDBOX_FINDING = "sandbox_finding"  # reviewer.ingest.finding.SOURCE_FORMAT


def list_item(row: dict[str, Any]) -> dict[str, Any]:
    """One element of `reviewer list --json`."""
    return {
        "id": row["id"],
        "status": row["status"],
        "agent": row["agent"],
        "idea": row["idea"],
        "title": row["title"],
        "claimed_pgr": row["claimed_pgr"],
        "measured_pgr": row.get("measured_pgr"),
        "measured_pgr_se": row.get("measured_pgr_se"),
        "verdict": row.get("verdict"),
        "risk": row.get("risk"),
        "flags": row.get("flags"),
        "ingested_at": row["ingested_at"],
    }


RESULT_FIELDS = (
    "per_seed",
    "pgr_mean",
    "pgr_se",
    "pgr_ci",
    "baseline_pgr_mean",
    "gain_mean",
    "gain_p_value",
    "fixed_baseline_pgr",
    "verdict",
    "reason",
    "notes",
    "checks",
    "ablation",
    "heldout",
    "task",
    "size",
    "env",
)


def rerun_item(job: Job) -> dict[str, Any]:
    """One element of `reruns`: the job's state and, once done, its measured result."""
    result = job.result or {}
    seeds = job.params.get("seeds")
    item: dict[str, Any] = {
        "id": job.id,
        "state": job.state,
        "attempt": job.attempt,
        "requested_by": job.requested_by,
        # A list as `reviewer rerun` stores it; anything else (a row written by hand) is none,
        # so no reader counts what is not a list.
        "seeds": seeds if isinstance(seeds, list) else None,
        "unsafe_no_sandbox": bool(job.params.get("unsafe_no_sandbox")),
        "progress": job.progress,
        "error": job.error,
    }
    for key in RESULT_FIELDS:
        item[key] = result.get(key)
    item["pgr_ci"] = result.get("pgr_ci") or [None, None]
    # What the method printed, as stored: agent text that every reader must clean.
    tail = result.get("log_tail")
    item["log_tail"] = tail if isinstance(tail, str) else None
    return item


def checks_of(store: ReviewStore, pid: str, reruns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Integrity findings for the current diff, most severe first: static and rerun ones.

    Reruns finished before checks were stored still contribute theirs from the job result.
    """
    found = store.checks(pid)
    seen = {(c["code"], c["message"]) for c in found}
    for rerun in reruns:
        for check in rerun.get("checks") or []:
            key = (check.get("code"), check.get("message"))
            if key not in seen:
                seen.add(key)
                found.append({**check, "source": f"rerun:{rerun['id']}", "resolved": None})
    return found


def show(
    store: ReviewStore, ref: str, row: dict[str, Any] | None = None, actor: str | None = None
) -> dict[str, Any]:
    """The object `reviewer show ID --json` prints; `row` is its `store.get`, if read already.

    With `actor`, `gates` is what an approval by them would fail (the two-person rule's
    independence gate included).
    """
    row = store.get(ref) if row is None else row
    pid = row["id"]
    reruns = [rerun_item(j) for j in store.jobs.for_proposal(pid) if j.kind == "rerun"]
    comments = [
        {"actor": e.actor, "text": e.payload.get("text"), "at": e.ts, "seq": e.seq}
        for e in store.events(pid)
        if e.action == "comment"
    ]
    return {
        "id": pid,
        "status": row["status"],
        "agent": row["agent"],
        "idea": row["idea"],
        "title": row["title"],
        "summary": row["summary"],
        "harness": row["harness"],
        "base": row["base"],
        "diff_sha256": row["diff_sha256"],
        "claimed": row["claimed"],
        "source_format": row["source_format"],
        "external_id": row["external_id"],
        "parent": row["parent"],
        "created_at": row["created_at"],
        "ingested_at": row["ingested_at"],
        "risk": row["risk"],
        "checks": checks_of(store, pid, reruns),
        "gates": store.gates(pid, actor=actor),
        "reruns": reruns,
        "decisions": store.decisions(pid),
        "comments": comments,
        "published": published(store, pid),
        "assist": latest_assist(store, pid),
        "lineage": store.lineage(pid).to_json(),
        "original": original_of(row),
    }


def original_of(row: dict[str, Any]) -> Any:
    """A sandbox finding's object as it was ingested, every field kept; None for a native
    proposal or a commit, whose original repeats the fields above and holds the whole diff."""
    if row.get("source_format") != SANDBOX_FINDING:
        return None
    try:
        return json.loads(row.get("original") or "null")
    except (TypeError, ValueError):
        # A row edited by hand is reported by `reviewer audit verify`; show must still open.
        return None
