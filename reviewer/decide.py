"""Approve or reject, then publish: the one path the CLI and the TUI both take.

The decision commits first; publishing is a consequence of it, so a publish failure is
reported beside the decision (and recorded as `publish_failed`) but never undoes it.
"""

from __future__ import annotations

from dataclasses import dataclass

from reviewer.publish import PublishError, PublishResult, load_config, publish, publish_rejection
from store import ReviewStore
from store.audit import Event


@dataclass(frozen=True)
class Outcome:
    """The decision's event, the proposal's status after it, and what publishing did."""

    event: Event
    status: str
    published: PublishResult | None = None
    publish_error: str | None = None


def decide(
    store: ReviewStore,
    ref: str,
    action: str,
    *,
    reason: str,
    actor: str,
    override: str | None = None,
) -> Outcome:
    """Record the decision (gates apply; StoreError/GateError propagate), then publish it.

    The `[publish]` table is read first, so a broken config (ConfigError) stops the decision
    instead of leaving an approval that silently never publishes.
    """
    config = load_config()
    event = store.decide(ref, action, reason=reason, actor=actor, override=override)
    pid = event.proposal_id
    assert pid is not None
    status = store.get(pid)["status"]
    try:
        if not config.enabled:
            return Outcome(event, status)
        if status == "approved":
            return Outcome(event, status, published=publish(store, pid, actor=actor, config=config))
        if status == "rejected" and config.rejected:
            publish_rejection(store, pid, actor=actor, config=config)
    except PublishError as exc:
        return Outcome(event, status, publish_error=str(exc))
    return Outcome(event, status)
