"""Plain-text presentation of the audit log and of `verify`'s report for the audit screen.

Pure functions with no Textual import; every payload string passes through `textsafe`.
"""

from __future__ import annotations

import json
from typing import Any

from reviewer.present import Column, num
from reviewer.textsafe import clean, short

EVENT_COLUMNS: tuple[Column, ...] = (
    Column("seq", "seq", 7, right=True),
    Column("time", "time (UTC)", 19),
    Column("actor", "actor", 18, least=10),
    Column("action", "action", 16, least=12),
    Column("proposal", "proposal", 12),
    Column("payload", "payload", 0),
)
# Payload fields worth a glance, in the order they are shown.
_SUMMARY_KEYS = (
    "job",
    "attempt",
    "reverted_action",
    "predicted_verdict",
    "reason",
    "text",
    "note",
    "error",
    "source_format",
    "diff_sha256",
)
SUMMARY_WIDTH = 160


def payload_summary(payload: Any, *, blinded: bool = False) -> str:
    """A one-line glance at an event's payload: its telling fields, else compact JSON.

    In blinded review a rerun's verdict and PGR read `hidden`, as on every other screen: a
    verdict compares the measurement with the claim.
    """
    if not isinstance(payload, dict):
        return short(str(payload), SUMMARY_WIDTH)
    parts: list[str] = []
    result = payload.get("result")
    if isinstance(result, dict) and blinded:
        parts.append("verdict=hidden")
    elif isinstance(result, dict):
        parts.append(f"verdict={short(str(result.get('verdict')), 30)}")
        if num(result.get("pgr_mean")) != "-":
            parts.append(f"pgr={num(result.get('pgr_mean'))}")
    params = payload.get("params")
    if isinstance(params, dict) and isinstance(params.get("seeds"), list):
        parts.append(f"seeds={len(params['seeds'])}")
    for key in _SUMMARY_KEYS:
        if key in payload:
            value = payload[key]
            if key == "diff_sha256" and isinstance(value, str):
                value = value[:12]
            parts.append(f"{key}={short(str(value), 80)}")
    if not parts:
        return short(json.dumps(payload, ensure_ascii=False, sort_keys=True), SUMMARY_WIDTH)
    return short(" ".join(parts), SUMMARY_WIDTH)


def event_cells(row: dict[str, Any], *, blinded: bool = False) -> dict[str, str]:
    """The cells of one audit row, every stored string cleaned to one line."""
    pid = row.get("proposal_id")
    return {
        "seq": str(row.get("seq")),
        "time": clean(str(row.get("ts") or "-"), single_line=True)[:19].replace("T", " "),
        "actor": short(row.get("actor"), 200),
        "action": short(row.get("action"), 60),
        "proposal": clean(pid, single_line=True)[:12] if pid else "-",
        "payload": payload_summary(row.get("payload"), blinded=blinded),
    }


def verify_lines(report: dict[str, Any]) -> tuple[bool, str, list[str]]:
    """(ok, headline, detail lines) for a verify report in its `audit verify --json` shape."""
    problems = [str(p) for p in report.get("problems") or []]
    warnings = [short(str(w), 200) for w in report.get("warnings") or []]
    if report.get("ok") and not problems:
        head = report.get("head") or {}
        digest = str(head.get("hash") or "")[:12]
        headline = (
            f"chain OK · {report.get('events')} events · head {digest} (seq {head.get('seq')})"
        )
        return True, headline, warnings
    first = report.get("first_bad_seq")
    where = f"first bad row seq {first}" if first else "damaged"
    reason = short(problems[0], 160) if problems else "verify failed"
    more = [short(p, 200) for p in problems[1:4]]
    hidden = max(0, len(problems) - 4) + int(report.get("problems_not_shown") or 0)
    if hidden:
        more.append(f"… and {hidden} more (reviewer audit verify)")
    return False, f"chain BROKEN · {where} · {reason}", more + warnings
