"""Gather what a review report covers: decided proposals, their reruns and the audit state."""

from __future__ import annotations

import math
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from reviewer.publish.finding import approved_measurement
from reviewer.shapes import show
from store import ReviewStore, StoreError
from store.proposals import LIFECYCLE_ACTIONS, Lifecycle
from store.signing import SignatureCheck
from store.verify import verify_store

DECISION_ACTIONS = (*LIFECYCLE_ACTIONS, "override")
VERDICTS = ("reproduced", "not_reproduced", "failed", "refused")
NOT_MEASURED = "not_measured"
MEASURED_FROM = (
    "measured values come from the rerun an approval rested on (none for an override), and for "
    "other proposals from the newest finished rerun of the decided diff."
)
PAGE = 500


def parse_when(text: str) -> datetime:
    """An ISO date or date-time as an aware UTC datetime; naive input is taken as UTC.

    Raises ValueError with a message fit for the user.
    """
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            f"expected an ISO date such as 2026-01-31 or 2026-01-31T09:00:00Z, got {text!r}"
        ) from None
    try:
        return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"{text!r} is out of range in UTC") from None


def _when_or_none(ts: str | None) -> datetime | None:
    try:
        return None if ts is None else parse_when(ts)
    except ValueError:
        return None


def finite(value: Any) -> float | None:
    """A plottable number, or None for missing, non-numeric or non-finite values."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None  # an integer past the float range, as a forged result may hold
    return number if math.isfinite(number) else None


def mean_gap(pairs: list[tuple[float, float]]) -> float | None:
    """The mean of claimed minus measured, or None for no pairs.

    Each term is scaled down before it is summed, so claims near the float limit cannot
    overflow to inf; a mean beyond that limit is clamped to it.
    """
    if not pairs:
        return None
    count = len(pairs)
    quarter = math.fsum((claimed / 4 - measured / 4) / count for claimed, measured in pairs)
    return max(-sys.float_info.max, min(sys.float_info.max, quarter * 4))


@dataclass(frozen=True)
class Decision:
    """One decision event (approve, reject, undo, invalidate, override) and whether it stands."""

    seq: int
    at: str
    actor: str
    action: str
    reason: str | None
    hash: str
    unmet: list[str] = field(default_factory=list)
    live: bool = True


@dataclass(frozen=True)
class Entry:
    """One reviewed proposal: the `show --json` object plus what the report derives from it."""

    number: int
    proposal: dict[str, Any]
    decisions: list[Decision]
    measured: dict[str, Any] | None
    stale_reruns: list[int]

    @property
    def id(self) -> str:
        return str(self.proposal["id"])

    @property
    def decided_at(self) -> str | None:
        return self.decisions[-1].at if self.decisions else None

    @property
    def verdict(self) -> str:
        verdict = (self.measured or {}).get("verdict")
        return str(verdict) if verdict else NOT_MEASURED

    @property
    def claimed_pgr(self) -> float | None:
        return finite((self.proposal.get("claimed") or {}).get("pgr"))

    @property
    def measured_pgr(self) -> float | None:
        return finite((self.measured or {}).get("pgr_mean"))

    @property
    def overrides(self) -> list[Decision]:
        return [d for d in self.decisions if d.action == "override"]

    @property
    def deciders(self) -> list[str]:
        """Who made the decisions that stand: the live approvers, or the rejecter."""
        return list(dict.fromkeys(
            d.actor for d in self.decisions if d.live and d.action in ("approve", "reject")
        ))  # fmt: skip


@dataclass(frozen=True)
class AuditStatus:
    """The chain's head and what `reviewer audit verify` said when the report was made."""

    ok: bool
    events: int
    head_seq: int
    head_hash: str
    problems: list[str]
    warnings: list[str]
    signed: str | None = None  # the signed-checkpoint result, where [audit] names signers


@dataclass(frozen=True)
class AgentRow:
    """One agent's share of a report: its proposals by decision and verdict, and overclaim."""

    agent: str
    counts: dict[str, int]  # reviewed, approved, rejected, and each verdict of AGENT_COUNTS
    overclaim: float | None  # mean claimed minus measured PGR, where a proposal has both


AGENT_COUNTS = ("reviewed", "approved", "rejected", *VERDICTS, NOT_MEASURED)


@dataclass(frozen=True)
class Report:
    """Everything the renderers need; no store access happens after `collect`."""

    generated_at: str
    scope: str
    entries: list[Entry]
    audit: AuditStatus

    def counts(self) -> dict[str, int]:
        """Summary counts: proposals by status and verdict, overrides, checks by severity."""
        status = Counter(e.proposal["status"] for e in self.entries)
        verdicts = Counter(e.verdict for e in self.entries)
        severities = Counter(
            str(c.get("severity")) for e in self.entries for c in e.proposal.get("checks") or []
        )
        counts = {
            "reviewed": len(self.entries),
            "approved": status["approved"],
            "rejected": status["rejected"],
            "pending": status["pending"],
            "overrides": sum(len(e.overrides) for e in self.entries),
        }
        for verdict in (*VERDICTS, NOT_MEASURED):
            counts[verdict] = verdicts.pop(verdict, 0)
        counts["other_verdict"] = sum(verdicts.values())
        for severity in ("high", "medium", "low"):
            counts[f"checks_{severity}"] = severities.pop(severity, 0)
        return counts

    def agents(self) -> list[AgentRow]:
        """The entries by agent, most reviewed first: which agents' claims held up."""
        by_agent: dict[str, list[Entry]] = {}
        for e in self.entries:
            by_agent.setdefault(str(e.proposal.get("agent")), []).append(e)
        rows = []
        for agent, entries in by_agent.items():
            status = Counter(e.proposal["status"] for e in entries)
            verdicts = Counter(e.verdict for e in entries)
            counts = {"reviewed": len(entries), "approved": status["approved"],
                      "rejected": status["rejected"]}
            counts |= {v: verdicts[v] for v in (*VERDICTS, NOT_MEASURED)}
            pairs = [(claimed, measured) for e in entries
                     if (claimed := e.claimed_pgr) is not None
                     and (measured := e.measured_pgr) is not None]
            rows.append(AgentRow(agent, counts, mean_gap(pairs)))
        return sorted(rows, key=lambda r: (-r.counts["reviewed"], r.agent))


def _decided_since(store: ReviewStore, since: datetime | None) -> dict[str, str | None]:
    """Proposal id -> time of its latest decision event, for every proposal with one.

    One pass over the events table is cheaper than replaying every proposal's events.
    """
    marks = ", ".join("?" for _ in DECISION_ACTIONS)
    latest: dict[str, str | None] = {}
    for pid, ts in store.conn.execute(
        f"SELECT proposal_id, ts FROM events WHERE proposal_id IS NOT NULL AND action IN ({marks}) "
        "ORDER BY seq",
        DECISION_ACTIONS,
    ):
        latest[pid] = ts
    # Approved or rejected rows come from the paged list too, so a decided row is never missed.
    for status in ("approved", "rejected"):
        for row in _paged(store, status):
            latest.setdefault(row["id"], None)
    if since is None:
        return latest
    return {
        pid: ts
        for pid, ts in latest.items()
        if (when := _when_or_none(ts)) is not None and when >= since
    }


def _paged(store: ReviewStore, status: str) -> Iterator[dict[str, Any]]:
    offset = 0
    while True:
        rows = store.list(status=status, sort="oldest", limit=PAGE, offset=offset)
        yield from rows
        if len(rows) < PAGE:
            return
        offset += PAGE


def _decisions(store: ReviewStore, pid: str) -> list[Decision]:
    events = [e for e in store.events(pid) if e.action in DECISION_ACTIONS]
    life = Lifecycle()
    try:
        for e in events:
            if e.action in LIFECYCLE_ACTIONS:
                life.apply(e.seq, e.action, pid, e.actor, e.payload)
        live = {seq for seq, _, _ in life.decisions}
    except StoreError:
        live = {e.seq for e in events}  # a chain verify rejects: show every event as standing
    out = []
    for e in events:
        reason = e.payload.get("reason")
        unmet = e.payload.get("unmet") if e.action == "override" else None
        out.append(
            Decision(
                seq=e.seq,
                at=e.ts,
                actor=e.actor,
                action=e.action,
                reason=reason if isinstance(reason, str) else None,
                hash=e.hash,
                unmet=[str(u) for u in unmet] if isinstance(unmet, list) else [],
                live=e.action not in ("approve", "reject") or e.seq in live,
            )
        )
    return out


def pick_rerun(
    reruns: list[dict[str, Any]], diff_sha256: str | None
) -> tuple[dict[str, Any] | None, list[int]]:
    """The newest finished rerun with a verdict that ran the current diff, and stale rerun ids.

    A rerun of an earlier diff says nothing about the code that was decided on.
    """
    chosen: dict[str, Any] | None = None
    stale: list[int] = []
    for rerun in reversed(reruns):
        if rerun.get("state") != "done" or not rerun.get("verdict"):
            continue
        ran = (rerun.get("env") or {}).get("diff_sha256")
        if ran is not None and diff_sha256 is not None and ran != diff_sha256:
            stale.append(rerun["id"])
        elif chosen is None:
            chosen = rerun
    return chosen, sorted(stale)


def _approved_rerun(store: ReviewStore, data: dict[str, Any]) -> dict[str, Any] | None:
    """The rerun an approved proposal's approval rested on, as the published record has it
    (None for an approval that rested on none, an override), so that a rerun finished after
    the approval does not change what the report measures."""
    job = approved_measurement(store, data["id"], data.get("diff_sha256"))
    return next((r for r in data["reruns"] if job is not None and r["id"] == job.id), None)


def _audit(store: ReviewStore, signatures: SignatureCheck | None) -> AuditStatus:
    report = verify_store(store, signatures=signatures)
    signed = report.signed
    line = None
    if signed is not None:
        line = (
            "no signed checkpoint found"
            if signed.latest_seq is None
            else f"signed checkpoint at event {signed.latest_seq} "
            + ("verified" if signed.ok else "FAILED")
        )
    return AuditStatus(
        ok=bool(report.ok),
        events=int(report.events),
        head_seq=int(report.head_seq),
        head_hash=str(report.head_hash),
        problems=list(report.problems),
        warnings=list(report.warnings),
        signed=line,
    )


def collect(
    store: ReviewStore,
    *,
    ref: str | None = None,
    since: datetime | None = None,
    clock: Callable[[], str] | None = None,
    signatures: SignatureCheck | None = None,
) -> Report:
    """The report for proposal `ref`, or for every decided proposal (decided on/after `since`).

    The audit status is what `reviewer audit verify` would say now, with `signatures` checked.

    Raises StoreError (e.g. NotFound, Ambiguous) for a bad `ref`.
    """
    if ref is not None:
        pids = [store.resolve(ref)]
        scope = f"proposal {pids[0]}"
    else:
        decided = _decided_since(store, since)
        pids = sorted(decided, key=lambda p: (decided[p] is None, decided[p] or "", p))
        scope = "every decided proposal" + (
            f" with a decision on or after {since.isoformat()}" if since else ""
        )
    entries = []
    for number, pid in enumerate(pids, start=1):
        data = show(store, pid)
        measured, stale = pick_rerun(data["reruns"], data.get("diff_sha256"))
        if data["status"] == "approved":
            measured = _approved_rerun(store, data)
        entries.append(Entry(number, data, _decisions(store, pid), measured, stale))
    generated = (clock or (lambda: datetime.now(UTC).isoformat(timespec="seconds")))()
    audit = _audit(store, signatures)
    return Report(generated_at=generated, scope=scope, entries=entries, audit=audit)
