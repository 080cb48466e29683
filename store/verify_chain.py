"""`audit verify` for the chain itself: each row's link and content hash, walked in order and
replayed, and the head and signed checkpoints that pin where it ends."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from store import audit
from store.signing import SignatureCheck, SigningError, checkpoints_dir, verify_checkpoints
from store.verify_checks import CheckReplay
from store.verify_jobs import Finished, Requested, note_finished, note_job_event
from store.verify_proposals import Replay, replay_event

if TYPE_CHECKING:
    from store.review_store import ReviewStore
    from store.verify_report import VerifyReport


@dataclass
class Derived:
    """What the chain's events rebuild besides proposals: jobs and integrity findings."""

    finished: dict[int, Finished] = field(default_factory=dict)
    requested: dict[int, Requested] = field(default_factory=dict)
    checks: CheckReplay = field(default_factory=CheckReplay)


def check_chain(
    conn: Any,
    report: VerifyReport,
    replay: dict[str, Replay],
    hashes: dict[int, str],
    derived: Derived,
) -> bool:
    """Walk the events in seq order, checking each link and hash and replaying each event
    into `replay` and `derived`; False at the first bad row (reported), which ends the walk."""
    prev = audit.GENESIS
    expected_seq = 1
    cursor = conn.execute(
        "SELECT seq, ts, actor, action, proposal_id, payload, prev_hash, hash "
        "FROM events ORDER BY seq"
    )
    for seq, ts, actor, action, pid, payload_json, prev_hash, digest in cursor:
        report.events += 1
        if seq != expected_seq:
            report.add(f"seq {expected_seq}: missing (the next row is seq {seq})", expected_seq)
            return False
        if prev_hash != prev:
            report.add(f"seq {seq}: prev_hash does not link to the hash of seq {seq - 1}", seq)
            return False
        try:
            recomputed = audit.row_hash(prev, seq, ts, actor, action, pid, payload_json)
        except (TypeError, ValueError):
            recomputed = None  # a value of a type the store never writes
        if recomputed != digest:
            report.add(f"seq {seq}: content hash mismatch (the row was edited)", seq)
            return False
        try:
            payload = json.loads(payload_json)
        except (TypeError, ValueError):
            report.add(f"seq {seq}: payload is not valid JSON", seq)
            return False
        if not isinstance(payload, dict):
            report.add(f"seq {seq}: payload is not a JSON object", seq)
            return False
        event = audit.Event(seq, ts, actor, action, pid, payload, prev_hash, digest)
        if not (
            replay_event(report, replay, event)
            and note_finished(derived.finished, report, event)
            and note_job_event(derived.requested, report, event)
            and derived.checks.apply(report, event)
        ):
            return False
        hashes[seq] = digest
        prev = digest
        expected_seq += 1
    report.head_seq, report.head_hash = expected_seq - 1, prev
    return True


NO_CHECKPOINT = "none"


def read_head_checkpoint(path: Path, report: VerifyReport) -> tuple[int, str] | str | None:
    """The head checkpoint, read before the tables (it is written after each commit);
    NO_CHECKPOINT when there is none, None when it cannot be read (reported)."""
    try:
        checkpoint = audit.read_checkpoint(path)
    except ValueError as exc:
        report.add(str(exc))
        return None
    report.checkpoint = checkpoint
    return NO_CHECKPOINT if checkpoint is None else checkpoint


def check_head_checkpoint(
    report: VerifyReport, hashes: dict[int, str], checkpoint: tuple[int, str]
) -> None:
    """The chain must still reach the head checkpoint's seq and hold the hash it recorded."""
    seq, digest = checkpoint
    if seq > report.head_seq:
        report.add(
            f"seq {report.head_seq + 1}: missing; the head checkpoint records seq {seq} "
            f"but the log ends at seq {report.head_seq} (rows were cut off the end)",
            report.head_seq + 1,
        )
    elif hashes.get(seq) != digest:
        report.add(
            f"seq {seq}: hash differs from the head checkpoint (the chain was rewritten)", seq
        )


def check_signed(
    store: ReviewStore, check: SignatureCheck
) -> Callable[[VerifyReport], None]:
    """Verify the signed checkpoints now; what they found goes into a report through the
    function returned, so it keeps its place after the chain's problems."""
    if store.path is None:
        return lambda report: report.add("signed checkpoints: an in-memory store has none")
    try:
        signed = verify_checkpoints(
            store.conn,
            checkpoints_dir(store.path),
            allowed_signers=check.allowed_signers,
            namespace=check.namespace,
            identity=check.identity,
            all_checkpoints=check.all_checkpoints,
        )
    except SigningError as exc:
        message = f"signed checkpoints: cannot check them: {exc}"
        return lambda report: report.add(message)
    head_seq = audit.head(store.conn)[0]

    def add(report: VerifyReport) -> None:
        report.signed = signed
        for problem in signed.problems:
            report.add(problem.message, problem.seq)
        if signed.ok and signed.latest_seq is not None and signed.latest_seq < head_seq:
            first = signed.latest_seq + 1
            span = f"seq {first}" if first == head_seq else f"seq {first}..{head_seq}"
            report.warnings.append(f"{span}: not covered by a signed checkpoint yet")

    return add
