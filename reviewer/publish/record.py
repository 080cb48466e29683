"""What the audit trail says about a proposal's publication.

Kept free of heavy imports so `reviewer.shapes` can use `published()` without a cycle.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from store import ReviewStore
from store.audit import Event

PUBLISH = "publish"
FAILED = "publish_failed"
REJECTION = "rejection"


def last_attempt(store: ReviewStore, pid: str) -> Event | None:
    """The newest `publish` or `publish_failed` event of a proposal."""
    last = None
    for event in store.events(pid):
        if event.action in (PUBLISH, FAILED):
            last = event
    return last


def published(store: ReviewStore, pid: str) -> dict[str, Any] | None:
    """Where the proposal's finding was published, from its latest `publish` event, or None.

    The object is the event's payload plus `at`, `actor` and `seq`, for `show --json`.
    """
    event = store.latest_event(pid, PUBLISH)
    if event is None:
        return None
    return {**event.payload, "at": event.ts, "actor": event.actor, "seq": event.seq}


def latest_publications(store: ReviewStore) -> Iterator[Event]:
    """The newest finding `publish` event of every proposal, in the order first published."""
    latest: dict[str, Event] = {}
    for event in store.events():
        if event.action == PUBLISH and event.proposal_id is not None:
            latest[event.proposal_id] = event
    for event in latest.values():
        if event.payload.get("kind", "finding") != REJECTION:
            yield event
