"""A proposal's timeline as text: decisions, comments, assessments and publications."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reviewer.textsafe import clean, short

PREDICTIONS = ("reproduced", "not_reproduced", "unsure")


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a proposal's timeline: a decision, a comment or an assessment; `seq` is
    its audit event's, which orders the timeline."""

    at: str
    actor: str
    action: str
    text: str
    seq: int = 0


def assessment_text(assessment: dict[str, Any]) -> str:
    """`predicted not_reproduced (blinded): note` for one recorded assessment."""
    verdict = short(str(assessment.get("predicted_verdict") or "-"), 40)
    blinded = " (blinded)" if assessment.get("blinded") else ""
    note = clean(assessment.get("note"))
    return f"predicted {verdict}{blinded}" + (f": {note}" if note else "")


def publication_text(action: str, payload: dict[str, Any]) -> str:
    """One line on a publish, a failed publish or a withdrawal, from its event payload."""
    if action == "withdraw":
        if payload.get("kept"):
            return (
                "left the shared record in place, since another reviewer's store still "
                f"approves it: {clean(payload.get('reason'))}"
            )
        removed = payload.get("removed") or []
        return f"removed {len(removed)} file(s): {clean(payload.get('reason'))}"
    if action == "publish_failed":
        what = "withdrawal" if payload.get("withdraw") else "publish"
        return f"{what} failed at {payload.get('stage')}: {clean(payload.get('error'))}"
    if action == "publish_started":
        # Never read as a landed publish: its `publish` event says where it landed.
        return (f"publishing started, not finished: {clean(str(payload.get('file') or ''))} "
                "(the next ingest or `reviewer publish` finishes it)")
    text = clean(str(payload.get("file") or payload.get("folder") or ""))
    if payload.get("commit"):
        text += f", commit {str(payload['commit'])[:12]}"
    if payload.get("pushed"):
        text += ", pushed"
    if payload.get("kept_remote"):
        text += " (another reviewer's record was there first)"
    return text


def timeline(data: dict[str, Any]) -> list[TimelineEntry]:
    """Decisions, comments, assessments and publications of a proposal's view, oldest first."""
    entries = [
        TimelineEntry(
            d.get("at") or "",
            clean(d.get("actor"), single_line=True),
            d["action"],
            clean(d.get("reason")),
            _seq(d),
        )
        for d in data.get("decisions", [])
    ]
    entries += [
        TimelineEntry(
            c.get("at") or "",
            clean(c.get("actor"), single_line=True),
            "comment",
            clean(c.get("text")),
            _seq(c),
        )
        for c in data.get("comments", [])
    ]
    entries += [
        TimelineEntry(
            a.get("at") or "",
            clean(a.get("actor"), single_line=True),
            "assess",
            assessment_text(a),
            _seq(a),
        )
        for a in data.get("assessments", [])
    ]
    entries += [
        TimelineEntry(
            p.get("at") or "",
            clean(p.get("actor"), single_line=True),
            p["action"],
            publication_text(p["action"], p.get("payload") or {}),
            _seq(p),
        )
        for p in data.get("publications", [])
    ]
    # Audit order, not the clock's: a clock set back must not show an undo before its approval.
    return sorted(entries, key=lambda e: (e.seq, e.at))


def _seq(item: dict[str, Any]) -> int:
    seq = item.get("seq")
    return seq if isinstance(seq, int) else 0
