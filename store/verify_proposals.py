"""`audit verify` for proposals: replay each one's ingest and lifecycle events from the chain,
then check every proposals row against its own hashes and that replay."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from store import audit
from store.errors import IllegalTransition
from store.model import sha256_hex
from store.proposals import LIFECYCLE_ACTIONS, Lifecycle, fields_hash, stored_identity_hash

if TYPE_CHECKING:
    from store.verify_report import VerifyReport


@dataclass
class Replay:
    """One proposal as the log leaves it: its lifecycle, ingest payload and diff's sha256."""

    life: Lifecycle = field(default_factory=Lifecycle)
    ingest: dict[str, Any] | None = None
    diff_sha256: str | None = None


def replay_event(report: VerifyReport, replay: dict[str, Replay], event: audit.Event) -> bool:
    """Apply one chained event to its proposal's replay; False once the log breaks (reported)."""
    seq, action, pid, payload = event.seq, event.action, event.proposal_id, event.payload
    if pid is None:
        return True
    state = replay.get(pid)
    if action == "ingest":
        if state is not None:
            report.add(f"seq {seq}: proposal {pid[:12]} ingested twice", seq)
            return False
        replay[pid] = Replay(ingest=payload, diff_sha256=payload.get("diff_sha256"))
        return True
    if state is None:
        report.add(f"seq {seq}: {action} of proposal {pid[:12]} before its ingest", seq)
        return False
    if action == "attach_diff":
        state.diff_sha256 = payload.get("diff_sha256")
    elif action in LIFECYCLE_ACTIONS:
        required = payload.get("required_approvals", 1)
        if action == "approve" and (
            not isinstance(required, int) or isinstance(required, bool) or required < 1
        ):
            report.add(f"seq {seq}: approve with a malformed required_approvals "
                       f"({json.dumps(required)[:40]}); the store writes a count of at least 1",
                       seq)
            return False
        try:
            state.life.apply(seq, action, pid, event.actor, payload)
        except IllegalTransition as exc:
            report.add(f"seq {seq}: illegal transition in the log: {exc}", seq)
            return False
    return True


def check_state(
    conn: Any, report: VerifyReport, replay: dict[str, Replay], chain_ok: bool
) -> None:
    """Every proposals row against its hashes and, with a sound chain, the replayed log,
    which must also hold no proposal the table lacks."""
    cursor = conn.execute("SELECT * FROM proposals ORDER BY id")
    names = [d[0] for d in cursor.description]
    seen: set[str] = set()
    for values in cursor:
        row = dict(zip(names, values, strict=True))
        report.proposals += 1
        pid = row["id"]
        seen.add(pid)
        try:
            _check_row(report, row, replay if chain_ok else None)
        except Exception as exc:
            report.add(f"proposal {str(pid)[:12]}: cannot be checked ({type(exc).__name__}: "
                       f"{exc}); the row was edited")
    if chain_ok:
        for pid in sorted(set(replay) - seen):
            report.add(f"proposal {pid[:12]}: in the audit log but missing from the store")


def _check_row(
    report: VerifyReport, row: dict[str, Any], replay: dict[str, Replay] | None
) -> None:
    """One proposals row against its own hashes and, with a sound chain, the replayed log."""
    pid = row["id"]
    problem = _row_problem(row)
    if problem is not None:
        report.add(f"proposal {str(pid)[:12]}: {problem}")
        if not isinstance(pid, str):
            return
    else:
        if stored_identity_hash(row) != pid:
            report.add(f"proposal {pid[:12]}: content hash mismatch (original or diff edited)")
        diff = row["diff"]
        actual_sha = None if diff is None else sha256_hex(bytes(diff))
        if actual_sha != row["diff_sha256"]:
            report.add(f"proposal {pid[:12]}: diff does not match its stored sha256")
    if replay is None:
        return
    state = replay.get(pid)
    if state is None or state.ingest is None:
        report.add(f"proposal {pid[:12]}: has no ingest event in the audit log")
        return
    if state.ingest.get("fields_hash") != fields_hash(row):
        report.add(f"proposal {pid[:12]}: fields differ from what was ingested")
    if state.diff_sha256 != row["diff_sha256"]:
        report.add(f"proposal {pid[:12]}: diff differs from the one the log recorded")
    if state.life.status != row["status"]:
        report.add(
            f"proposal {pid[:12]}: status is {row['status']} but replaying the log "
            f"gives {state.life.status}"
        )


def _row_problem(row: dict[str, Any]) -> str | None:
    """What makes a proposals row unreadable to the store's own readers, if anything."""
    if not isinstance(row["id"], str):
        return "its id is not text (the row was edited)"
    diff = row["diff"]
    if diff is not None and not isinstance(diff, bytes):
        kind = "text" if isinstance(diff, str) else type(diff).__name__
        return f"diff is stored as {kind}, not bytes (the row was edited)"
    if not isinstance(row["original"], str):
        return "original is not text (the row was edited)"
    try:
        json.loads(row["original"])
    except ValueError:
        return "original is not valid JSON (the row was edited)"
    return None
