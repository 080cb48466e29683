"""The documented JSON shapes of `show --json` and `list --json` (DESIGN §4.5)."""

from __future__ import annotations

from typing import Any

from store import ReviewStore

SHAPE_VERSION = 1


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
        "verdict": row.get("verdict"),
        "risk": row.get("risk"),
        "ingested_at": row["ingested_at"],
    }


def show(store: ReviewStore, ref: str) -> dict[str, Any]:
    """The object `reviewer show ID --json` prints."""
    row = store.get(ref)
    pid = row["id"]
    comments = [
        {"actor": e.actor, "text": e.payload.get("text"), "at": e.ts}
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
        "checks": [],
        "reruns": [],
        "decisions": store.decisions(pid),
        "comments": comments,
        "published": None,
    }
