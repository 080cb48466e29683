"""Which reviewers' stores vouch for a shared record, read from the findings repository's log.

Two reviewers' stores can approve the same proposal. Each store's publish commit writes
its own record of it, the later replacing the earlier, and both vouch. A withdrawal removes
the files only when no other store still vouches, and otherwise adds an empty commit saying
this one no longer does. Empty commits change no file, so they never conflict, and every
clone reads the same ledger from the log.

Each ledger commit carries `Proposal-Id`, `Record` (finding or rejection), `Store` (a
store's `record.publisher_id`, or `legacy:<commit>` for a record published before the
ledger; one trailer per voucher) and `Ledger` (vouch or withdraw) trailers. Anyone who can
push can write such trailers, so a store's vouch counts only once that store has committed
the record's files itself: an empty `Store: ...` vouch alone keeps nothing up.
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


def record_paths(pid: str, kind: str) -> list[str]:
    """Git pathspecs of the files a `kind` record of the proposal is written to."""
    where = "rejected/" if kind == "rejection" else ""
    return [f":(glob){where}{pid[:12]}_*"]


def vouchers(repo: git.Repo, pid: str, kind: str, *, committed: bool = True) -> set[str]:
    """The stores that vouch for the proposal's `kind` record at HEAD, replaying the log.

    With `committed`, only stores whose own vouching commit changed the record's files
    count, and legacy records only when their publish commit did; otherwise every vouch
    that was not withdrawn counts (what a store has said, not what it can back).
    """
    grep = f"Proposal-Id: {pid}"
    wrote = git.touching(repo, grep, record_paths(pid, kind))
    current: set[str] = set()
    authors: set[str] = set()
    for entry in git.trailer_log(repo, grep):
        if pid not in entry.get("Proposal-Id", ()):
            continue  # the id appeared elsewhere in the message
        verb, sha = _last(entry, LEDGER), entry["sha"][0]
        if verb is None:
            subject = entry["subject"][0]
            published = subject.startswith(_LEGACY_SUBJECTS.get(kind, "\0")) and (
                sha in wrote or not committed
            )
            if published or subject.startswith("Withdraw "):
                # An old publish overwrote the files an older one wrote; a withdrawal removed them.
                current = {v for v in current if not v.startswith(f"{LEGACY}:")}
            if published:
                current.add(legacy(sha))
                authors.add(legacy(sha))
            continue
        if _last(entry, RECORD) != kind:
            continue
        stores: Sequence[str] = entry.get(STORE, ())
        if verb == VOUCH:
            current.update(stores)
            if sha in wrote:
                authors.update(stores)
        elif verb == WITHDRAW:
            current.difference_update(stores)
    return current & authors if committed else current
