"""Per-agent track record: how many proposals each agent sent, how they were decided, and
how their claims held up when rerun. It is what tells a reviewer which agents to watch.

Every count comes from an index or a small table, never from a scan of the wide proposal
rows, so the summary stays quick on a store of 100k proposals.
"""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, dataclass
from typing import Any

# Count by (agent, status) from the (status, agent, ingested_at) index alone.
_BY_STATUS = (
    "SELECT agent, status, count(*) FROM proposals INDEXED BY proposals_status_agent "
    "GROUP BY agent, status"
)
# Each proposal's latest finished rerun is one row of latest_reruns (migration 0006).
_BY_VERDICT = (
    # CROSS JOIN keeps the few reruns outside: the planner would look up every proposal.
    "SELECT p.agent, lr.verdict, count(*) FROM latest_reruns lr "
    "CROSS JOIN proposals p ON p.id = lr.proposal_id GROUP BY p.agent, lr.verdict"
)
# Open high-severity checks on the proposal's current diff (or made without one), as
# `checks.current` reads them for one proposal.
_FLAGGED = (
    "SELECT p.agent, count(DISTINCT c.proposal_id) FROM checks c "
    "JOIN proposals p ON p.id = c.proposal_id "
    "WHERE c.severity = 'high' AND c.resolved_seq IS NULL "
    "AND (c.diff_sha256 IS NULL OR c.diff_sha256 IS p.diff_sha256) GROUP BY p.agent"
)


@dataclass
class AgentRecord:
    """One agent's proposals by status, by their latest rerun's verdict, and flagged."""

    agent: str
    proposals: int = 0
    pending: int = 0
    approved: int = 0
    rejected: int = 0
    reran: int = 0
    reproduced: int = 0
    not_reproduced: int = 0
    failed: int = 0  # the rerun failed, or the diff was refused
    flagged: int = 0  # with an open high-severity check

    @property
    def reproduced_share(self) -> float | None:
        """The share of judged rerun claims that reproduced, or None before any was judged.

        A rerun with no verdict (one seed, or no claim) judged nothing: counting it would
        hold a coin flip against the agent."""
        judged = self.reproduced + self.not_reproduced + self.failed
        return self.reproduced / judged if judged else None

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "reproduced_share": self.reproduced_share}


def agent_records(conn: sqlite3.Connection) -> list[AgentRecord]:
    """Every agent's record, most proposals first, ties by name."""
    records: dict[str, AgentRecord] = {}

    def record(agent: str) -> AgentRecord:
        return records.setdefault(agent, AgentRecord(agent))

    for agent, status, n in conn.execute(_BY_STATUS):
        rec = record(agent)
        rec.proposals += n
        setattr(rec, status, getattr(rec, status) + n)
    for agent, verdict, n in conn.execute(_BY_VERDICT):
        rec = record(agent)
        rec.reran += n
        if verdict in ("reproduced", "not_reproduced"):
            setattr(rec, verdict, getattr(rec, verdict) + n)
        elif verdict in ("failed", "refused"):
            rec.failed += n
    for agent, n in conn.execute(_FLAGGED):
        record(agent).flagged += n
    return sorted_records(list(records.values()), "total")


def _held_key(r: AgentRecord) -> tuple[bool, float, str]:
    share = r.reproduced_share
    return (share is None, share if share is not None else 0.0, r.agent)


# How `reviewer agents --sort` orders the records; every order ends with the name.
ORDERS = {
    "total": lambda r: (-r.proposals, r.agent),
    "flagged": lambda r: (-r.flagged, -r.proposals, r.agent),
    "held": _held_key,  # lowest share of reproduced claims first; no reruns yet last
    "name": lambda r: (r.agent,),
}


def sorted_records(records: list[AgentRecord], order: str) -> list[AgentRecord]:
    """`records` in one of ORDERS."""
    return sorted(records, key=ORDERS[order])
