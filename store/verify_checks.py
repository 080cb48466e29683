"""`audit verify` for integrity findings: replay the log's `checks` events, the findings of
finished jobs and `check_resolved` events into the rows store/checks.py writes, and compare
them with the `checks` table, which the approval gate trusts.

Row ids are replayed too: a `check_resolved` event names a row by id, and SQLite gives a new
row (no AUTOINCREMENT) one more than the largest id left in the table. Each replayed row keeps
digests of its text, not the text, so a store with 100k proposals replays in little memory.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import sqlite3
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from store.audit import Event
from store.checks import validate
from store.verify_jobs import FINISHED

if TYPE_CHECKING:
    from store.verify_report import VerifyReport

Resolution = tuple[int, str, str]  # (resolved_seq, resolved_by, resolved_reason)


def _digest(*parts: Any) -> bytes:
    return hashlib.blake2b(
        json.dumps(parts, ensure_ascii=False).encode("utf-8", "surrogatepass"), digest_size=16
    ).digest()


@dataclass(frozen=True)
class _Row:
    proposal_id: str
    source: str
    severity: str
    key: bytes  # digest of (code, message, diff_sha256): what a re-scan keeps a resolution by
    detail: bytes  # digest of the detail JSON as insert_new writes it
    event_seq: int
    resolved: Resolution | None


class CheckReplay:
    """The `checks` table as the chain's events rebuild it."""

    def __init__(self) -> None:
        self.rows: dict[int, _Row] = {}
        self.by_source: dict[tuple[str, str], list[int]] = {}
        self._ids: list[int] = []  # a max-heap (negated) of ids; deleted ones dropped lazily
        self._interned: dict[str, str] = {}

    def apply(self, report: VerifyReport, event: Event) -> bool:
        """Replay one event; False (a broken log) for an event the store could not have written."""
        seq, action, pid, payload = event.seq, event.action, event.proposal_id, event.payload
        if pid is None:
            return True
        if action == "checks":
            source = payload.get("source")
            try:
                found = validate(payload.get("checks"))  # type: ignore[arg-type]
            except Exception:
                found = None
            if not isinstance(source, str) or found is None:
                report.add(f"seq {seq}: checks event holds findings the store would refuse", seq)
                return False
            self._replace(pid, source, _text_or_none(payload.get("diff_sha256")), found, seq)
        elif action.endswith(FINISHED):
            job = payload.get("job")
            if isinstance(job, int) and not isinstance(job, bool):
                self._finished(pid, job, payload.get("result"), seq)
        elif action == "check_resolved":
            return self._resolve(report, seq, event.actor, pid, payload)
        return True

    def _finished(self, pid: str, job: int, result: Any, seq: int) -> None:
        """What jobs.JobQueue._record_findings writes for a finished job."""
        result = result if isinstance(result, dict) else {}
        found = result.get("checks") or []
        try:
            rows = validate(found if isinstance(found, list) else [])
        except Exception:
            rows = []
        env = result.get("env")
        sha = _text_or_none(env.get("diff_sha256")) if isinstance(env, dict) else None
        self._replace(pid, f"rerun:{job}", sha, rows, seq)

    def _replace(
        self, pid: str, source: str, sha: str | None, found: Sequence[dict[str, Any]], seq: int
    ) -> None:
        """checks.replace: drop the source's rows, keeping resolutions of the same finding."""
        pid = self._interned.setdefault(pid, pid)
        source = sys.intern(source)
        kept: dict[bytes, Resolution] = {}
        for cid in self.by_source.pop((pid, source), []):
            row = self.rows.pop(cid)
            if row.resolved is not None:
                kept[row.key] = row.resolved
        if not found:
            return
        next_id = self._max_id() + 1
        ids = []
        for c in found:
            key = _digest(c["code"], c["message"], sha)
            detail = _digest(json.dumps(c.get("detail") or {}, sort_keys=True))
            self.rows[next_id] = _Row(
                pid, source, sys.intern(c["severity"]), key, detail, seq, kept.get(key)
            )
            heapq.heappush(self._ids, -next_id)
            ids.append(next_id)
            next_id += 1
        self.by_source[(pid, source)] = ids

    def _max_id(self) -> int:
        while self._ids and -self._ids[0] not in self.rows:
            heapq.heappop(self._ids)
        return -self._ids[0] if self._ids else 0

    def _resolve(
        self, report: VerifyReport, seq: int, actor: str, pid: str, payload: dict[str, Any]
    ) -> bool:
        cid, reason = payload.get("check"), payload.get("reason")
        row = self.rows.get(cid) if isinstance(cid, int) else None
        if row is None or row.proposal_id != pid or row.resolved is not None:
            report.add(f"seq {seq}: resolves check {cid}, which the log does not hold open "
                       f"for proposal {pid[:12]}", seq)
            return False
        if not isinstance(reason, str):
            report.add(f"seq {seq}: resolves check {cid} without a reason", seq)
            return False
        assert isinstance(cid, int)  # row was found under it
        self.rows[cid] = _Row(row.proposal_id, row.source, row.severity, row.key, row.detail,
                              row.event_seq, (seq, actor, reason))
        return True


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def check_checks(conn: sqlite3.Connection, report: VerifyReport, replay: CheckReplay) -> None:
    """Compare the `checks` table, row by row in id order, with the replayed rows."""
    try:
        _compare(conn, report, replay)
    except sqlite3.DatabaseError as exc:  # a dropped or damaged table: report it, never raise
        report.add(f"checks: cannot read them back: {exc}")


def _compare(conn: sqlite3.Connection, report: VerifyReport, replay: CheckReplay) -> None:
    seen: set[int] = set()
    cursor = conn.execute(
        "SELECT id, proposal_id, source, diff_sha256, code, severity, message, detail, "
        "event_seq, resolved_seq, resolved_by, resolved_reason FROM checks ORDER BY id"
    )
    for cid, pid, source, sha, code, severity, message, detail, seq, *resolution in cursor:
        seen.add(cid)
        problem = _row_problem(
            replay.rows.get(cid), pid, source, sha, code, severity, message, detail, seq,
            resolution,
        )
        if problem is not None:
            report.add(f"check {cid} of proposal {str(pid)[:12]}: {problem}")
    for cid in sorted(set(replay.rows) - seen):
        row = replay.rows[cid]
        report.add(f"check {cid} of proposal {row.proposal_id[:12]}: recorded at seq "
                   f"{row.event_seq} but missing from the store")


def _row_problem(
    want: _Row | None,
    pid: Any,
    source: Any,
    sha: Any,
    code: Any,
    severity: Any,
    message: Any,
    detail: Any,
    seq: Any,
    resolution: list[Any],
) -> str | None:
    if want is None:
        return "in the store but not in the log"
    if pid != want.proposal_id:
        return f"the log recorded it for proposal {want.proposal_id[:12]}"
    if source != want.source:
        return f"its source is {source} but the log recorded {want.source}"
    if seq != want.event_seq:
        return f"the store says seq {seq} recorded it but the log says seq {want.event_seq}"
    if severity != want.severity:
        return f"severity is {severity} but the log recorded {want.severity}"
    if _digest(code, message, sha) != want.key or not _same_detail(detail, want.detail):
        return f"code, message, detail or diff differ from what the log recorded at seq {seq}"
    have = None if resolution == [None, None, None] else tuple(resolution)
    if have == want.resolved:
        return None
    if want.resolved is None:
        return f"marked resolved (by {resolution[1]}) but the log never resolved it"
    if have is None:
        return f"open in the store but the log resolved it at seq {want.resolved[0]}"
    return (f"its resolution differs from the log's (resolved at seq {want.resolved[0]} "
            f"by {want.resolved[1]})")


def _same_detail(text: Any, want: bytes) -> bool:
    if _digest(text) == want:
        return True
    try:  # the same object written with other spacing still says the same
        return _digest(json.dumps(json.loads(text), sort_keys=True)) == want
    except (TypeError, ValueError):
        return False
