"""Integrity findings per proposal: stored by source, bound to the diff they were made on.

A source (`static`, `rerun:<job id>`, ...) replaces its own rows each time it reports,
so rerunning the static scan never piles up stale findings; resolutions are audit events.
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from store.db import select_in
from store.errors import StoreError
from store.lineage import Reads, descends_from_rejected
from store.risk import risk_score

SEVERITIES = ("high", "medium", "low")
MAX_MESSAGE = 2000
MAX_CHECKS = 500
_DETAIL = json.JSONEncoder(sort_keys=True)  # json.dumps(detail, sort_keys=True), built once
_CODE_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")
_INSERT = (
    "INSERT INTO checks (proposal_id, source, diff_sha256, code, severity, message, detail, "
    "event_seq, resolved_seq, resolved_by, resolved_reason) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


@dataclass(frozen=True)
class IngestChecks:
    """Findings a caller made on a new proposal's row before it is stored, so that they are
    recorded in the ingest's own transaction (see ReviewStore.add_proposal_groups)."""

    source: str
    checks: Sequence[Mapping[str, Any]]
    code: str  # the normalised code, for the near-duplicate cache (fingerprints)


# Given the row a new proposal will be stored as, its findings, or None to record none now.
IngestChecker = Callable[[dict[str, Any]], IngestChecks | None]


_SCALARS = (str, bool, type(None))


def _plain(detail: dict[Any, Any]) -> bool:
    """Whether `detail` holds only text keys and text, boolean, null, finite or 64-bit whole
    values, which json writes without fail (a huge integer it may refuse to print)."""
    for key, value in detail.items():
        if type(key) is not str:
            return False
        if type(value) is float:
            if not math.isfinite(value):
                return False
        elif type(value) is int:
            if value.bit_length() > 64:
                return False
        elif type(value) not in _SCALARS:
            return False
    return True


def validate(checks: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Normalised copies of `checks`; a malformed one raises StoreError naming its index."""
    if len(checks) > MAX_CHECKS:
        raise StoreError(f"too many checks in one report ({len(checks)} > {MAX_CHECKS})")
    out: list[dict[str, Any]] = []
    for i, check in enumerate(checks):
        code, severity, message = check.get("code"), check.get("severity"), check.get("message")
        if not isinstance(code, str) or not code or not set(code) <= _CODE_CHARS:
            raise StoreError(f"checks[{i}].code: must be lowercase letters, digits and _")
        if severity not in SEVERITIES:
            raise StoreError(f"checks[{i}].severity: must be one of {', '.join(SEVERITIES)}")
        if not isinstance(message, str) or not message.strip():
            raise StoreError(f"checks[{i}].message: must be a non-empty string")
        detail = check.get("detail") or {}
        if not isinstance(detail, dict):
            raise StoreError(f"checks[{i}].detail: must be an object")
        if not _plain(detail):
            try:
                json.dumps(detail, allow_nan=False)
            except (TypeError, ValueError) as exc:
                raise StoreError(f"checks[{i}].detail: not JSON ({exc})") from exc
        out.append(
            {"code": code, "severity": severity, "message": message[:MAX_MESSAGE], "detail": detail}
        )
    return out


def replace(
    conn: sqlite3.Connection,
    pid: str,
    source: str,
    diff_sha256: str | None,
    checks: Iterable[Mapping[str, Any]],
    event_seq: int,
) -> None:
    """Make `checks` the current findings of `source` for the proposal.

    A finding a human already resolved stays resolved when the same source reports it
    again for the same diff, so a re-scan never re-opens cleared work.
    """
    kept = {
        (code, message, sha): (rseq, rby, rreason)
        for code, message, sha, rseq, rby, rreason in conn.execute(
            "SELECT code, message, diff_sha256, resolved_seq, resolved_by, resolved_reason "
            "FROM checks WHERE proposal_id = ? AND source = ? AND resolved_seq IS NOT NULL",
            (pid, source),
        )
    }
    conn.execute("DELETE FROM checks WHERE proposal_id = ? AND source = ?", (pid, source))
    insert_new(conn, pid, source, diff_sha256, checks, event_seq, kept=kept)


def insert_new(
    conn: sqlite3.Connection,
    pid: str,
    source: str,
    diff_sha256: str | None,
    checks: Iterable[Mapping[str, Any]],
    event_seq: int,
    *,
    kept: Mapping[tuple[Any, ...], tuple[Any, ...]] | None = None,
) -> None:
    """Write `checks` as rows for a source that has none stored (a proposal stored in this
    same transaction, or after `replace` cleared them), carrying over the resolution `kept`
    holds for the same finding."""
    kept = kept or {}
    conn.executemany(
        _INSERT,
        [
            (
                pid,
                source,
                diff_sha256,
                c["code"],
                c["severity"],
                c["message"],
                _DETAIL.encode(c.get("detail") or {}),
                event_seq,
                *kept.get((c["code"], c["message"], diff_sha256), (None, None, None)),
            )
            for c in checks
        ],
    )


_COLUMNS = (
    "id, source, code, severity, message, detail, diff_sha256, event_seq, resolved_seq, "
    "resolved_by, resolved_reason"
)
_ORDER = "CASE severity WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END, id"


STATIC_SOURCE = "static"  # the source ingest and `reviewer check` record their scan under


def never_checked(conn: sqlite3.Connection, ids: Sequence[str], source: str) -> list[str]:
    """Of these proposals (full ids, each once), those with no `checks` event from `source`
    for the diff they carry now: an ingest stopped between storing and checking left them so."""
    found: set[str] = set()
    # `+e.action`: each proposal's own events (events_proposal); on `e.action = 'checks'`
    # the planner walked every `checks` event in the store once per proposal.
    sql = ("SELECT p.id FROM proposals p WHERE p.id IN ({marks}) AND NOT EXISTS ("
           "  SELECT 1 FROM events e WHERE e.proposal_id = p.id AND +e.action = 'checks'"
           "  AND json_extract(e.payload, '$.source') = ?"
           "  AND json_extract(e.payload, '$.diff_sha256') IS p.diff_sha256)")
    for cursor in select_in(conn, sql, ids, source):
        found.update(row[0] for row in cursor)
    return [pid for pid in ids if pid in found]


def current(conn: sqlite3.Connection, pid: str) -> list[dict[str, Any]]:
    """Findings for the proposal's current diff (or made without one), most severe first."""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM checks c WHERE proposal_id = ? AND (c.diff_sha256 IS NULL OR "
        "c.diff_sha256 IS (SELECT diff_sha256 FROM proposals WHERE id = ?)) "
        f"ORDER BY {_ORDER}",
        (pid, pid),
    ).fetchall()
    out = []
    for cid, source, code, sev, message, detail, sha, seq, rseq, rby, rreason in rows:
        out.append(
            {
                "id": cid,
                "code": code,
                "severity": sev,
                "message": message,
                "detail": json.loads(detail),
                "source": source,
                "diff_sha256": sha,
                "event_seq": seq,
                "resolved": None
                if rseq is None
                else {"seq": rseq, "by": rby, "reason": rreason},
            }
        )
    return out


def latest_verdict(conn: sqlite3.Connection, pid: str) -> str | None:
    row = conn.execute(
        "SELECT json_extract(result, '$.verdict') FROM jobs WHERE proposal_id = ? "
        "AND kind = 'rerun' AND state = 'done' ORDER BY id DESC LIMIT 1",
        (pid,),
    ).fetchone()
    return None if row is None else row[0]


def refresh_risk(conn: sqlite3.Connection, pid: str, reads: Reads | None = None) -> float:
    """Recompute the proposal's risk and open-flag count from its checks and latest rerun;
    `reads` shares lineage lookups across a transaction that changes no lineage."""
    open_checks = [c["severity"] for c in current(conn, pid) if c["resolved"] is None]
    claimed = conn.execute("SELECT claimed_pgr FROM proposals WHERE id = ?", (pid,)).fetchone()
    score = risk_score(
        None if claimed is None else claimed[0],
        open_checks,
        latest_verdict(conn, pid),
        descends_from_rejected(conn, pid, reads=reads),
    )
    conn.execute(
        "UPDATE proposals SET risk = ?, flags = ? WHERE id = ? AND (risk IS NOT ? OR flags != ?)",
        (score, len(open_checks), pid, score, len(open_checks)),
    )
    return score
