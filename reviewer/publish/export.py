"""List the published findings and export them afresh into a plain folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reviewer.publish.errors import PublishError
from reviewer.publish.finding import ID_LEN, approved_measurement, build_finding
from reviewer.publish.folder import ensure_folder, target, write_atomic
from reviewer.publish.record import latest_publications
from store import ReviewStore


def list_findings(store: ReviewStore) -> list[dict[str, Any]]:
    """One row per published proposal from its latest `publish` event, oldest first, with
    the measurement its approval rested on (what the published record carries)."""
    rows = []
    for event in latest_publications(store):
        pid = event.proposal_id
        assert pid is not None
        row = store.get(pid)
        job = approved_measurement(store, pid, row["diff_sha256"])
        payload = event.payload
        rows.append(
            {
                "id": pid[:ID_LEN],
                "proposal_id": pid,
                "status": row["status"],
                "idea": row["idea"],
                "title": row["title"],
                "pgr": (job.result or {}).get("pgr_mean") if job else None,
                "verdict": (job.result or {}).get("verdict") if job else None,
                "file": payload.get("file"),
                "folder": payload.get("folder"),
                "commit": payload.get("commit"),
                "pushed": payload.get("pushed"),
                "remote": payload.get("remote"),
                "http": payload.get("http"),
                "published_at": event.ts,
                "published_by": event.actor,
            }
        )
    return rows


def export_findings(store: ReviewStore, folder: Path) -> list[Path]:
    """Write every approved and published finding (JSON, patch, card) into a new folder.

    The folder must not exist or be empty, so an export never mixes with older files.
    """
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise PublishError(f"{folder} is not a folder")
    if folder.is_dir() and any(folder.iterdir()):
        raise PublishError(f"{folder} is not empty: export into a new or empty folder")
    ensure_folder(folder)
    written: list[Path] = []
    for event in latest_publications(store):
        assert event.proposal_id is not None
        if store.get(event.proposal_id)["status"] != "approved":
            continue
        built = build_finding(store, event.proposal_id)
        files = [(".json", built.data), (".md", built.card.encode("utf-8"))]
        if built.patch:
            files.append((".patch", built.patch))
        for suffix, data in files:
            path = target(folder, built.stem + suffix)
            write_atomic(path, data)
            written.append(path)
    return written
