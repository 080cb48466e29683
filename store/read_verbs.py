"""ReadVerbs: proposals and their events, lineage and agents, read by id or in full."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from store import audit
from store.agents import AgentRecord, agent_records
from store.db import select_in
from store.errors import NotFound
from store.lineage import Lineage, children_of, ingested_commits, lineage, through_pending
from store.proposals import claimed_of
from store.seen import DECISION_EVENTS
from store.store_base import StoreBase

_FULL_ID = re.compile(r"[0-9a-f]{64}")


class ReadVerbs(StoreBase):
    """Reads of named proposals (one, many, their titles, statuses, decisions and lineage)
    and of what the whole store holds (agents, event payload values)."""

    def get(self, ref: str) -> dict[str, Any]:
        """One proposal with every column, `claimed` as an object and the diff as bytes."""
        pid = self.resolve(ref)
        cursor = self.conn.execute("SELECT * FROM proposals WHERE id = ?", (pid,))
        names = [d[0] for d in cursor.description]
        row = dict(zip(names, cursor.fetchone(), strict=True))
        row["claimed"] = claimed_of(row)
        if row["diff"] is not None:
            row["diff"] = bytes(row["diff"])
        return row

    def ingested_commits(self, shas: list[str]) -> dict[str, str]:
        """The id of the proposal each of `shas` was ingested as, for those already stored."""
        return ingested_commits(self.conn, shas)

    def statuses(self, ids: Sequence[str]) -> dict[str, str]:
        """The status of each of these full ids that is stored, read in one query per 500."""
        found: dict[str, str] = {}
        for cursor in select_in(self.conn, "SELECT id, status FROM proposals WHERE id IN ({marks})",
                                ids):
            found.update(cursor)
        return found

    def get_many(self, refs: Sequence[str]) -> list[dict[str, Any]]:
        """`get` for many refs in their order, full ids read in one query per 500."""
        pids = [ref if _FULL_ID.fullmatch(ref) else self.resolve(ref) for ref in refs]
        found: dict[str, dict[str, Any]] = {}
        for cursor in select_in(self.conn, "SELECT * FROM proposals WHERE id IN ({marks})", pids):
            names = [d[0] for d in cursor.description]
            for values in cursor:
                row = dict(zip(names, values, strict=True))
                row["claimed"] = claimed_of(row)
                if row["diff"] is not None:
                    row["diff"] = bytes(row["diff"])
                found[row["id"]] = row
        missing = [pid for pid in pids if pid not in found]
        if missing:
            raise NotFound(f"no proposal with id {missing[0]}")
        return [found[pid] for pid in pids]

    def acted_on_by_others(self, actor: str) -> bool:
        """Whether anyone but `actor` recorded an event: a seeded store holds someone's work."""
        found = self.conn.execute("SELECT 1 FROM events WHERE actor != ? LIMIT 1", (actor,))
        return found.fetchone() is not None

    def agents(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT DISTINCT agent FROM proposals ORDER BY 1")]

    def titles(self, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Title and claimed PGR (± SE) by proposal id, for lists that name many proposals;
        blinded review masks the claim in a title."""
        wanted = list(dict.fromkeys(ids))
        out: dict[str, dict[str, Any]] = {}
        sql = "SELECT id, title, claimed_pgr, claimed_pgr_se FROM proposals WHERE id IN ({marks})"
        for cursor in select_in(self.conn, sql, wanted):
            for pid, title, pgr, se in cursor:
                out[pid] = {"title": title, "claimed_pgr": pgr, "claimed_pgr_se": se}
        return out

    def agent_records(self) -> list[AgentRecord]:
        """Each agent's proposals by status and latest verdict, and how many are flagged."""
        return agent_records(self.conn)

    def payload_values(self, actions: Iterable[str], key: str) -> list[str]:
        """Distinct string values of payload field `key` in events of `actions`, oldest first."""
        if not key.isidentifier():
            raise ValueError(f"payload key {key!r} is not a plain field name")
        names = list(actions)
        marks = ", ".join("?" * len(names))
        seen: dict[str, None] = {}
        for (value,) in self.conn.execute(
            f"SELECT json_extract(payload, '$.{key}') FROM events WHERE action IN ({marks}) "
            "ORDER BY seq",
            names,
        ):
            if isinstance(value, str):
                seen.setdefault(value)
        return list(seen)

    def decisions(self, ref: str) -> list[dict[str, Any]]:
        """Approvals, rejections, undos, invalidations and overrides of one proposal, oldest
        first, each with its event's seq."""
        pid = self.resolve(ref)
        return [
            {"actor": e.actor, "action": e.action, "reason": e.payload.get("reason"), "at": e.ts,
             "seq": e.seq}
            for e in self.events(pid)
            if e.action in DECISION_EVENTS
        ]

    def latest_event(self, ref: str, action: str) -> audit.Event | None:
        """The newest event of one kind for a proposal, or None."""
        pid = self.resolve(ref)
        row = self.conn.execute(
            # `+action`: the proposal's own events (events_proposal), not all of this kind.
            "SELECT seq FROM events WHERE proposal_id = ? AND +action = ? "
            "ORDER BY seq DESC LIMIT 1",
            (pid, action),
        ).fetchone()
        if row is None:
            return None
        return next(audit.iter_events(self.conn, proposal_id=pid, after=row[0] - 1))

    def lineage(self, ref: str, limit: int = 20) -> Lineage:
        """What the proposal says it builds on, and what names it as a parent."""
        return lineage(self.conn, self.resolve(ref), limit)

    def pending_children(self, ref: str) -> int:
        """How many pending proposals name this one as their parent."""
        return children_of(self.conn, self.resolve(ref), 0, status="pending")[1]

    def pending_line(self, ref: str) -> tuple[int, bool]:
        """How many pending proposals descend from this one through pending ones (those whose
        approval a rejection of it gates), and whether that count is complete."""
        found, complete = through_pending(self.conn, self.resolve(ref))
        return sum(r.status == "pending" for r in found), complete
