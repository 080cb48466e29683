"""What the TUI reads from the store beyond `shapes.show`: assessments, audit pages, changes.

Read-only queries with no Textual import, so the screens stay thin and these are tested alone.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from reviewer.blinding import claim_values
from reviewer.present import ACTIVE_JOB_STATES, BLIND_SORTS
from reviewer.publish.record import STARTED
from reviewer.shapes import show
from store import ReviewStore
from store.query import QUEUE_SORT

ASSESSMENT = "assessment"


def assessments(store: ReviewStore, pid: str) -> list[dict[str, Any]]:
    """Every assessment recorded on a proposal, oldest first."""
    return [
        {
            "actor": e.actor,
            "at": e.ts,
            "predicted_verdict": e.payload.get("predicted_verdict"),
            "note": e.payload.get("note"),
            "blinded": bool(e.payload.get("blinded")),
            "seq": e.seq,
        }
        for e in store.events(pid)
        if e.action == ASSESSMENT
    ]


PUBLICATION_ACTIONS = ("publish", "publish_failed", "withdraw")


def publications(store: ReviewStore, pid: str) -> list[dict[str, Any]]:
    """Every publish, failed publish and withdrawal of a proposal, oldest first, and a
    `publish_started` that nothing followed (a publish cut short, which the next ingest
    finishes): every publish starts with one, shown only while it is all there is."""
    events = [e for e in store.events(pid) if e.action in (*PUBLICATION_ACTIONS, STARTED)]
    return [
        {"actor": e.actor, "at": e.ts, "action": e.action, "payload": e.payload, "seq": e.seq}
        for i, e in enumerate(events)
        if e.action != STARTED or i == len(events) - 1
    ]


def proposal_view(store: ReviewStore, ref: str, actor: str | None = None) -> dict[str, Any]:
    """`shapes.show()` (its gates for an approval by `actor`) plus assessments and
    publications, which the timeline and blinding use, and `claims`: every claimed value,
    which blinded review masks in the agent's text."""
    row = store.get(ref)
    data = show(store, ref, row, actor)
    data["assessments"] = assessments(store, data["id"])
    data["publications"] = publications(store, data["id"])
    data["claims"] = claim_values(row)
    data["current_rerun"] = current_rerun(store, data["id"], data["diff_sha256"])
    # The screen shows only the finding's snippet, and compares this view on every poll.
    original = data.get("original")
    if isinstance(original, dict):
        data["original"] = {"code_snippet": original.get("code_snippet")}
    return data


def current_rerun(store: ReviewStore, pid: str, diff_sha256: str | None) -> int | None:
    """The newest rerun of this diff of the proposal still queued or running, or None."""
    active = [
        job.id
        for job in store.jobs.for_proposal(pid)
        if job.kind == "rerun" and job.state in ACTIVE_JOB_STATES
        and job.params.get("diff_sha256") == diff_sha256
    ]
    return max(active, default=None)


@dataclass(frozen=True)
class QueueView:
    """The queue's filters and sort as a proposal was opened from it: the order `R` walks."""

    status: str | None = None
    agent: str | None = None
    verdict: str | None = None
    text: str | None = None
    builds_on: str | None = None
    line: bool = False
    sort: str = QUEUE_SORT

    def blinded(self) -> QueueView:
        """This view as blinded review allows it: no verdict filter and no sort by the claim."""
        sort = self.sort if self.sort in BLIND_SORTS else "newest"
        return replace(self, verdict=None, sort=sort)


def next_to_rerun(store: ReviewStore, pid: str, view: QueueView) -> str | None:
    """The proposal with code after `pid` in `view`'s order: a pending one, or one of the
    status the view shows when it shows only approved or only rejected ones; None past the
    last."""
    return store.next_in_order(
        pid,
        sort=view.sort,
        status=view.status or "pending",
        agent=view.agent,
        text=view.text,
        verdict=view.verdict,
        builds_on=view.builds_on,
        line=view.line and view.builds_on is not None,
        with_code=True,
    )


def assessed_by(data: dict[str, Any], actor: str) -> bool:
    """Whether `actor` has recorded an assessment in this proposal view."""
    return any(a.get("actor") == actor for a in data.get("assessments") or [])


def assessed_among(store: ReviewStore, ids: Sequence[str], actor: str) -> set[str]:
    """Which of `ids` `actor` has assessed, in one indexed query for a page of the queue."""
    if not ids:
        return set()
    marks = ",".join("?" * len(ids))
    rows = store.conn.execute(
        f"SELECT DISTINCT proposal_id FROM events WHERE proposal_id IN ({marks}) "
        "AND +action = ? AND actor = ?",  # `+`: by proposal (events_proposal), not by kind
        (*ids, ASSESSMENT, actor),
    ).fetchall()
    return {str(r[0]) for r in rows}


def decided_measurements(store: ReviewStore, limit: int) -> list[tuple[float, Any, Any]]:
    """(claimed PGR, measured PGR, verdict) of decided proposals, latest finished rerun each.

    Driven from `latest_reruns`, newest first, so the proposals table is read only for
    proposals that were reran; reading pages of decided rows to find them took a second at
    100k.
    """
    rows = store.conn.execute(
        # CROSS JOIN keeps the reruns outermost; else SQLite walks every decided proposal.
        "SELECT p.claimed_pgr, json_extract(j.result, '$.pgr_mean'), l.verdict "
        "FROM latest_reruns l CROSS JOIN proposals p ON p.id = l.proposal_id "
        "CROSS JOIN jobs j ON j.id = l.job_id "
        "WHERE p.status IN ('approved', 'rejected') AND p.claimed_pgr IS NOT NULL "
        "ORDER BY l.job_id DESC LIMIT ?",
        (limit,),
    )
    return [(float(c), m, v) for c, m, v in rows]


def head_seq(store: ReviewStore) -> int:
    """The newest event's seq (0 when the log is empty): one index lookup."""
    return int(store.conn.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()[0])


def change_stamp(store: ReviewStore) -> tuple[Any, ...]:
    """Changes whenever anything the queue shows may have changed.

    Every state change appends an audit event, and job counts move with rerun progress.
    """
    return (head_seq(store), tuple(sorted(store.jobs.counts().items())))


@dataclass(frozen=True)
class LogShape:
    """How many events there are, and the newest seq when they run 1..count without a gap."""

    count: int
    top: int | None


# One statement, so the count and the seqs come from one snapshot of a log being appended to.
_SHAPE_SQL = (
    "SELECT (SELECT count(*) FROM events), (SELECT min(seq) FROM events), "
    "(SELECT max(seq) FROM events)"
)


def _shape(conn: sqlite3.Connection) -> tuple[int, LogShape]:
    count, low, high = conn.execute(_SHAPE_SQL).fetchone()
    head = int(high or 0)
    gapless = count == 0 or (low == 1 and high == count)
    return head, LogShape(int(count), head if gapless else None)


def log_shape(store: ReviewStore) -> LogShape:
    """The audit log's size; `top` lets a page be a range of seqs instead of an OFFSET walk."""
    return _shape(store.conn)[1]


def provisional_shape(head: int) -> LogShape:
    """The shape of a gapless log whose newest seq is `head`, what a sound log has, to page
    by until `counted_shape` says otherwise: counting a big log cold takes a second or more."""
    return LogShape(head, head)


def counted_shape(db: Path) -> tuple[int, LogShape]:
    """`log_shape` of the store at `db`, and the newest seq it saw, through a read-only
    connection of its own, so a worker thread can count while the UI thread pages."""
    conn = sqlite3.connect(str(db), timeout=30.0)
    try:
        conn.execute("PRAGMA query_only = ON")
        return _shape(conn)
    finally:
        conn.close()


def event_page(
    store: ReviewStore, offset: int, limit: int, *, top: int | None = None
) -> list[dict[str, Any]]:
    """One page of the audit log, newest first; a payload that is not JSON stays a string.

    With `top` (a gapless log's newest seq, from `log_shape`) the page is the seqs below
    `top - offset`, an index seek; otherwise, as in a log with rows cut out, an OFFSET walk.
    Read raw rather than through `audit.iter_events`, so a tampered row is shown, not raised.
    """
    columns = "SELECT seq, ts, actor, action, proposal_id, payload FROM events "
    if top is not None:
        rows = store.conn.execute(
            columns + "WHERE seq <= ? ORDER BY seq DESC LIMIT ?", (top - offset, limit)
        ).fetchall()
    else:
        rows = store.conn.execute(
            columns + "ORDER BY seq DESC LIMIT ? OFFSET ?", (limit, offset)
        ).fetchall()
    page = []
    for seq, ts, actor, action, pid, payload in rows:
        try:
            parsed: Any = json.loads(payload)
        except (TypeError, ValueError):
            parsed = payload
        page.append(
            {
                "seq": seq,
                "ts": ts,
                "actor": actor,
                "action": action,
                "proposal_id": pid,
                "payload": parsed,
            }
        )
    return page


def event_index(store: ReviewStore, seq: int) -> int:
    """Where event `seq` sits in the newest-first list."""
    row = store.conn.execute("SELECT count(*) FROM events WHERE seq > ?", (seq,)).fetchone()
    return int(row[0])
