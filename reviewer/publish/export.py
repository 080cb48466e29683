"""List the published findings and export them afresh into a plain folder."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from reviewer.publish.errors import PublishError
from reviewer.publish.finding import ID_LEN, approved_measurement, build_finding
from reviewer.publish.folder import ensure_folder, remove, target, write_all
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

    The folder must not exist or be empty, so an export never mixes with older files. An
    export that fails (a full disk) removes what it wrote, so it can simply be run again.
    """
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise PublishError(f"{folder} is not a folder")
    if folder.is_dir() and any(folder.iterdir()):
        raise PublishError(f"{folder} is not empty: export into a new or empty folder")
    created = not folder.exists()
    ensure_folder(folder)
    written: list[Path] = []
    try:
        for event in latest_publications(store):
            assert event.proposal_id is not None
            if store.get(event.proposal_id)["status"] == "approved":
                written += _export_one(store, event.proposal_id, folder)
    except BaseException:
        _take_back(folder, written, created)
        raise
    return written


def _export_one(store: ReviewStore, pid: str, folder: Path) -> list[Path]:
    """Write one finding's files into `folder`; returns their paths."""
    built = build_finding(store, pid)
    files = [(".json", built.data), (".md", built.card.encode("utf-8"))]
    if built.patch:
        files.append((".patch", built.patch))
    paths_ = [target(folder, built.stem + suffix) for suffix, _ in files]
    write_all([(path, data) for path, (_, data) in zip(paths_, files, strict=True)])
    return paths_


def _take_back(folder: Path, written: list[Path], created: bool) -> None:
    """Remove what a failed export wrote (and the folder it made), best effort."""
    for path in written:
        with contextlib.suppress(PublishError):
            remove(path)
    if created:
        with contextlib.suppress(OSError):
            folder.rmdir()
