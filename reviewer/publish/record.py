"""What the audit trail says about a proposal's publication.

Kept free of heavy imports so `reviewer.shapes` can use `published()` without a cycle.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from store import ReviewStore
from store.audit import Event

PUBLISH = "publish"
FAILED = "publish_failed"
WITHDRAW = "withdraw"
# Recorded before a publish writes a file, so an attempt killed before its `publish` or
# `publish_failed` event is still finished (retried) or taken back (withdrawn) later.
STARTED = "publish_started"
NAMED = "publisher_named"  # the store's ledger name, recorded before its first push
REJECTION = "rejection"
# The status a record stands for: a live one whose proposal left it is withdrawn, and one
# whose files never landed is published again while its proposal holds it.
STANDS_FOR = {"finding": "approved", REJECTION: "rejected"}
# Stages of attempts that stopped before writing: the folder or its repository unfit (a
# branch other than publish.branch), the publish lock not taken, or a refusal (another
# proposal's record in the way), which only a person can settle.
FOLDER_STAGE = "folder"
LOCK_STAGE = "lock"
REFUSED_STAGE = "refused"
PUSH_STAGE = "push"
# Failures where nothing landed (the folder was put back as it was), so a retry is safe.
UNLANDED_STAGES = ("write", "commit", FOLDER_STAGE, LOCK_STAGE)


def publisher_ids(store: ReviewStore) -> list[str]:
    """Every name this store has published under in the ledger, oldest first (usually one).

    Failed attempts count too: their commit may have been made and pushed by a later try.
    """
    return store.payload_values((NAMED, PUBLISH, FAILED), "store")


def publisher_id(store: ReviewStore) -> str | None:
    """The name this store publishes under in the ledger, once it has one."""
    ids = publisher_ids(store)
    return ids[0] if ids else None


def name_publisher(store: ReviewStore, pid: str, *, actor: str) -> str:
    """`publisher_id`, or a fresh random one, recorded (a `publisher_named` event on `pid`)
    before any commit carries it.

    A random name keeps two stores apart even when one database file was copied from the
    other before either published. Recording it first matters: a first publish killed after
    its push but before its `publish` event left the retry a new name, and the ledger a
    phantom store vouching for a record an undo could then never remove.
    """
    known = publisher_id(store)
    if known is not None:
        return known
    name = secrets.token_hex(8)
    store.annotate(pid, NAMED, {"store": name}, actor=actor)
    return name


def last_attempt(store: ReviewStore, pid: str) -> Event | None:
    """The newest `publish`, `publish_failed`, `withdraw` or `publish_started` event of a
    proposal."""
    last = None
    for event in store.events(pid):
        if event.action in (PUBLISH, FAILED, WITHDRAW, STARTED):
            last = event
    return last


def _ends_attempt(event: Event) -> bool:
    """Whether `event` closes an earlier `publish_started`: a `publish`, a `withdraw`, or a
    publish's own failure that took its files back (or a refusal). A failed withdrawal, a
    retry stopped before it looked at the files (stage `folder` or `lock`), or a failed push,
    whose commit stays in the clone for the next push of any record to carry along, leaves
    the attempt open: the next ingest finishes it, or an undo withdraws it."""
    return event.action in (PUBLISH, WITHDRAW) or (
        event.action == FAILED and not event.payload.get("withdraw")
        and event.payload.get("stage") not in (FOLDER_STAGE, LOCK_STAGE, PUSH_STAGE))


def _kind(event: Event) -> str:
    return str(event.payload.get("kind", "finding"))


@dataclass
class Standing:
    """A proposal's records that may sit in the shared findings, one slot per kind (a finding
    and a rejection can both stand at once, as when a withdrawal failed and the rejection
    published after it): the live `publish` of each kind, and each kind's `publish_started`
    whose attempt never ended (killed, or its push failed: its files may have landed)."""

    live: dict[str, Event] = field(default_factory=dict)
    started: dict[str, Event] = field(default_factory=dict)

    def apply(self, event: Event) -> None:
        kind = _kind(event)
        if event.action == STARTED:
            self.started[kind] = event
            return
        if _ends_attempt(event):
            self.started.pop(kind, None)
        if event.action == PUBLISH:
            self.live[kind] = event
        elif event.action == WITHDRAW:
            self.live.pop(kind, None)

    def records(self) -> dict[str, Event]:
        """Each standing kind's record: the open start, else the live publish."""
        return {kind: self.started.get(kind) or self.live[kind]
                for kind in dict.fromkeys([*self.live, *self.started])}

    def unbacked(self, status: str | None) -> list[str]:
        """The kinds standing that `status` no longer stands for, to be withdrawn."""
        return [kind for kind in self.records() if STANDS_FOR.get(kind) != status]


def standing(store: ReviewStore, pid: str) -> Standing:
    """The proposal's standing records (see `Standing`)."""
    found = Standing()
    for event in store.events(pid, (PUBLISH, FAILED, WITHDRAW, STARTED)):
        found.apply(event)
    return found


def live_publication(store: ReviewStore, pid: str) -> Event | None:
    """The proposal's newest `publish` event not withdrawn since, of either kind: a finding's
    late withdrawal leaves the rejection published after it live."""
    return max(standing(store, pid).live.values(), key=lambda e: e.seq, default=None)


def published(store: ReviewStore, pid: str) -> dict[str, Any] | None:
    """Where the proposal's record is published now, from its live `publish` event, or None.

    The object is the event's payload plus `at`, `actor` and `seq`, for `show --json`.
    """
    event = live_publication(store, pid)
    if event is None:
        return None
    return {**event.payload, "at": event.ts, "actor": event.actor, "seq": event.seq}


def latest_publications(store: ReviewStore) -> Iterator[Event]:
    """The live finding `publish` event of every proposal, in publishing order (a rejection
    published later leaves a finding whose withdrawal failed live: it is still there)."""
    latest: dict[tuple[str, str], Event] = {}
    for event in store.events(actions=(PUBLISH, WITHDRAW)):
        if event.proposal_id is None:
            continue
        key = (event.proposal_id, _kind(event))
        if event.action == PUBLISH:
            latest[key] = event
        elif event.action == WITHDRAW:
            latest.pop(key, None)
    for event in latest.values():
        if event.payload.get("kind", "finding") != REJECTION:
            yield event


def unlanded(store: ReviewStore) -> list[str]:
    """Proposals whose newest publish attempt failed before its files landed (a stage of
    `UNLANDED_STAGES`; not a refusal), or was cut short after `publish_started`, while their
    decision still stands, oldest attempt first: left for the next ingest to publish, as
    `withdraw.unbacked` leaves withdrawals."""
    return backlog(store)[1]


def backlog(store: ReviewStore) -> tuple[list[str], list[str]]:
    """`(unbacked, unlanded)` in one pass over the publish events: the proposals with a
    standing record (see `Standing`) their status no longer stands for (see
    `withdraw.unbacked`), and those whose decision's files never landed, or may not have
    (see `unlanded`)."""
    found: dict[str, Standing] = {}
    last: dict[str, Event] = {}
    for event in store.events(actions=(PUBLISH, FAILED, WITHDRAW, STARTED)):
        pid = event.proposal_id
        if pid is None:
            continue
        last.pop(pid, None)  # keeps the order of the newest attempts
        last[pid] = event
        found.setdefault(pid, Standing()).apply(event)
    stalled: dict[str, list[str]] = {}
    for pid, event in last.items():
        kinds = list(found[pid].started)
        if (event.action == FAILED and not event.payload.get("withdraw")
                and event.payload.get("stage") in UNLANDED_STAGES):
            kinds.append(_kind(event))
        if kinds:
            stalled[pid] = kinds
    status = store.statuses([*found, *stalled])
    return (
        [pid for pid in last if pid in found and found[pid].unbacked(status.get(pid))],
        [pid for pid in last if pid in stalled
         and any(STANDS_FOR.get(kind) == status.get(pid) for kind in stalled[pid])],
    )
