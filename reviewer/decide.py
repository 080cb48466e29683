"""Approve, reject or undo, then publish or withdraw: the one path the CLI and TUI take.

The decision commits first; publishing is a consequence of it, so a publish failure is
reported beside the decision (and recorded as `publish_failed`) but never undoes it. An
undo that leaves a published record without its decision withdraws the record.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reviewer.publish import PublishError, PublishResult, load_config, publish, publish_rejection
from reviewer.publish.withdraw import WithdrawResult, withdraw
from store import ReviewStore, Seen
from store.audit import Event


@dataclass(frozen=True)
class Outcome:
    """The decision's event, the proposal's status after it, and what publishing did."""

    event: Event
    status: str
    published: PublishResult | None = None
    publish_error: str | None = None
    withdrawn: WithdrawResult | None = None
    # After a rejection: pending proposals that build on it, and all those that descend from
    # it through pending ones (whose approval it now gates), and whether that count is whole.
    pending_children: int = 0
    pending_line: int = 0
    line_complete: bool = True


def decide(
    store: ReviewStore,
    ref: str,
    action: str,
    *,
    reason: str,
    actor: str,
    override: str | None = None,
    seen: Seen | None = None,
) -> Outcome:
    """Record the decision (gates apply; StoreError/GateError propagate), then publish it.

    `seen` is the proposal as the reviewer saw it (see `store.Seen`).

    The `[publish]` table is read first, so a broken config (ConfigError) stops the decision
    instead of leaving an approval that silently never publishes.
    """
    config = load_config()
    event = store.decide(ref, action, reason=reason, actor=actor, override=override, seen=seen)
    pid = event.proposal_id
    assert pid is not None
    status = store.get(pid)["status"]
    line = _line(store, pid) if status == "rejected" else {}
    try:
        if not config.enabled:
            return Outcome(event, status, **line)
        if status == "approved":
            return Outcome(event, status, published=publish(store, pid, actor=actor, config=config))
        if status == "rejected" and config.rejected:
            publish_rejection(store, pid, actor=actor, config=config)
    # OSError too (the publish lock, a full disk): the decision stands either way.
    except (PublishError, OSError) as exc:
        return Outcome(event, status, publish_error=str(exc), **line)
    return Outcome(event, status, **line)


def _line(store: ReviewStore, pid: str) -> dict[str, Any]:
    """The pending proposals a rejection of pid now gates, as Outcome's fields."""
    total, complete = store.pending_line(pid)
    return {"pending_children": store.pending_children(pid), "pending_line": total,
            "line_complete": complete}


def undo(
    store: ReviewStore, ref: str, *, actor: str, reason: str | None = None,
    seen: Seen | None = None,
) -> Outcome:
    """Revert the last decision (StoreError propagates), then withdraw what it published."""
    config = load_config()
    event = store.undo(ref, actor=actor, reason=reason, seen=seen)
    pid = event.proposal_id
    assert pid is not None
    status = store.get(pid)["status"]
    why = reason or f"{event.payload['reverted_action']} undone"
    try:
        return Outcome(event, status, withdrawn=withdraw(store, pid, actor=actor, reason=why,
                                                         config=config))
    except (PublishError, OSError) as exc:
        return Outcome(event, status, publish_error=str(exc))
