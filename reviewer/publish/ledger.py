"""Which reviewers' stores vouch for a shared record, read from the findings repository's log.

Two reviewers' stores can approve the same proposal. The first push owns the files; the
other store's commit of the same paths is skipped (`kept_remote`) and an empty commit says
that store vouches too. A withdrawal removes the files only when no other store still
vouches, and otherwise adds an empty commit saying this one no longer does. Empty commits
change no file, so they never conflict, and every clone reads the same ledger from the log.

Each ledger commit carries `Proposal-Id`, `Record` (finding or rejection), `Store` (a
store's `record.publisher_id`, or `legacy:<commit>` for a record published before the
ledger; one trailer per voucher) and `Ledger` (vouch or withdraw) trailers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from reviewer.publish import git

RECORD, STORE, LEDGER = "Record", "Store", "Ledger"
VOUCH, WITHDRAW = "vouch", "withdraw"
# A record published before the ledger names no store: it vouches as `legacy:<commit>`, the
# newest such commit, since each of those overwrote the files the one before had written.
LEGACY = "legacy"
_LEGACY_SUBJECTS = {"finding": "Publish ", "rejection": "Record rejection of "}


def legacy(commit: str) -> str:
    """The voucher of a record that `commit` published before the ledger existed."""
    return f"{LEGACY}:{commit}"


def trailers(kind: str, stores: Iterable[str], verb: str) -> list[tuple[str, str]]:
    """The ledger's trailers for one commit: one `Store` for each voucher it adds or retires."""
    return [(RECORD, kind), *((STORE, store) for store in sorted(stores)), (LEDGER, verb)]


def _last(entry: dict[str, list[str]], key: str) -> str | None:
    values = entry.get(key)
    return values[-1] if values else None


def vouchers(repo: git.Repo, pid: str, kind: str) -> set[str]:
    """The stores that vouch for the proposal's `kind` record at HEAD, replaying the log."""
    current: set[str] = set()
    for entry in git.trailer_log(repo, f"Proposal-Id: {pid}"):
        if pid not in entry.get("Proposal-Id", ()):
            continue  # the id appeared elsewhere in the message
        verb = _last(entry, LEDGER)
        if verb is None:
            subject = entry["subject"][0]
            published = subject.startswith(_LEGACY_SUBJECTS.get(kind, "\0"))
            if published or subject.startswith("Withdraw "):
                # An old publish overwrote the files an older one wrote; a withdrawal removed them.
                current = {v for v in current if not v.startswith(f"{LEGACY}:")}
            if published:
                current.add(legacy(entry["sha"][0]))
            continue
        if _last(entry, RECORD) != kind:
            continue
        stores: Sequence[str] = entry.get(STORE, ())
        if verb == VOUCH:
            current.update(stores)
        elif verb == WITHDRAW:
            current.difference_update(stores)
    return current
