"""Take a published record back out of the shared findings once its decision is gone.

Only approved findings may sit in the shared findings (DESIGN §4.6), so undoing an approval,
or a new diff voiding it, removes the finding's files (one commit, pushed, in a git folder)
and records a `withdraw` event. A rejection record under `rejected/` goes the same way when
its rejection is undone. A copy POSTed to a sandbox server stays there: its API has no
delete, so the event names the URL for a person to follow up. In a git folder the log is a
ledger of which reviewers' stores vouch for the record (`reviewer.publish.ledger`): while
another store still does, the files stay and only this store's withdrawal is committed.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reviewer.publish import git, ledger
from reviewer.publish.config import PublishConfig
from reviewer.publish.errors import PublishError
from reviewer.publish.folder import lock_failure, locked, remove, target
from reviewer.publish.record import (
    FAILED,
    LOCK_STAGE,
    PUBLISH,
    WITHDRAW,
    backlog,
    publisher_ids,
    standing,
)
from reviewer.textsafe import short
from store import ReviewStore


@dataclass(frozen=True)
class WithdrawResult:
    """What a withdrawal removed, committed and pushed, and the copy it could not reach."""

    proposal_id: str
    kind: str
    folder: Path
    removed: tuple[Path, ...]
    commit: str | None
    pushed: bool
    http_copy: str | None
    event_seq: int
    kept: str | None = None  # why the shared record stays, when it does

    def to_json(self) -> dict[str, Any]:
        return {
            "proposal_id": self.proposal_id,
            "kind": self.kind,
            "folder": str(self.folder),
            "removed": [str(p) for p in self.removed],
            "commit": self.commit,
            "pushed": self.pushed,
            "http_copy": self.http_copy,
            "event_seq": self.event_seq,
            "kept": self.kept,
        }

    def describe(self) -> str:
        """One line for the person who undid the decision: what left, or why nothing did."""
        if not self.removed and self.commit is None and not self.kept:
            return f"nothing of it had reached {self.folder}; the withdrawal is recorded"
        text = f"withdrew it from {self.folder} ({len(self.removed)} files removed)"
        return f"{text}; {self.kept}" if self.kept else text


def unbacked(store: ReviewStore) -> list[str]:
    """Proposals whose live record their status no longer stands for, oldest record first:
    a withdrawal cut short (an interrupt, a crash, a failed push) after the change that
    voided it, left for the next ingest to retry."""
    return backlog(store)[0]


def withdraw(
    store: ReviewStore, ref: str, *, actor: str, reason: str, config: PublishConfig
) -> WithdrawResult | None:
    """Withdraw the proposal's live record if its decision no longer holds; None if none.

    A publish cut short after `publish_started` counts as live (its files may have landed);
    withdrawing files that never landed removes nothing and records that.

    Raises PublishError (after recording `publish_failed`) when the publish lock cannot be
    taken or the files cannot be removed, committed or pushed, and when the record lives in a
    folder other than the configured one.
    """
    pid = store.resolve(ref)
    records = standing(store, pid)
    stale = records.unbacked(store.get(pid)["status"])
    if not stale:
        return None
    kind = stale[0]  # another stale kind, if any, is the next ingest's to withdraw
    live = records.records()[kind]
    posted = records.live.get(kind)
    folder = Path(str(live.payload["folder"]))
    if config.folder is None or config.folder.resolve() != folder.resolve():
        raise PublishError(
            f"{pid[:12]} was published to {folder}, not to the configured [publish] folder "
            f"({config.folder or 'none'}); set folder back to withdraw it"
        )
    try:
        main = Path(str(live.payload["file"])).relative_to(folder)
    except ValueError:
        raise PublishError(f"{pid[:12]}: its publish event names a file outside {folder}") from None
    names = [str(main.with_suffix(s)) for s in (".json", ".patch", ".md")]
    payload: dict[str, Any] = {"kind": kind, "folder": str(folder), "file": str(folder / main),
                               "reason": reason, "removed": [], "commit": None, "pushed": False,
                               "http_copy": ((posted.payload if posted else {}).get("http")
                                             or {}).get("url")}
    if live.payload.get("kept_remote") and live.payload.get("store") is None:
        # Published before the ledger: the shared record is another reviewer's, whose
        # approval this undo does not touch.
        payload["kept"] = "the shared record is another reviewer's publication"
        event = store.annotate(pid, WITHDRAW, payload, actor=actor)
        return WithdrawResult(pid, kind, folder, (), None, False, payload["http_copy"], event.seq,
                              payload["kept"])
    stage = "remove"
    with ExitStack() as held:
        _lock(held, store, pid, folder, payload, actor)
        try:
            repo = git.open_repo(folder, config.remote, config.branch)
            if repo is not None:
                stage = "ledger"
                # The live publish event is among the store's own, so its name is in here.
                mine = {*publisher_ids(store), *_own_legacy(store, pid)}
                removed, others, wrote = _by_ledger(
                    repo, folder, names, kind, mine, pid,
                    _message(live.payload, pid, actor, reason, mine), config.push_retries)
                payload["removed"] = [str(folder / name) for name in removed]
                payload["pushed"] = wrote and repo.remote is not None
                if others:
                    # Store names are whatever a pusher wrote: one clean, short line each.
                    payload["kept"] = (
                        f"the shared record stays: {len(others)} other reviewer store(s) still "
                        f"vouch for it ({', '.join(short(o, 40) for o in sorted(others))})"
                    )
                payload["commit"] = git.head(repo) if wrote else None
            else:
                removed = [name for name in names if remove(target(folder, name))]
                payload["removed"] = [str(folder / name) for name in removed]
        except PublishError as exc:
            failed = {**payload, "stage": stage, "error": str(exc), "withdraw": True}
            store.annotate(pid, FAILED, failed, actor=actor)
            raise
    event = store.annotate(pid, WITHDRAW, payload, actor=actor)
    return WithdrawResult(pid, kind, folder, tuple(Path(p) for p in payload["removed"]),
                          payload["commit"], payload["pushed"], payload["http_copy"], event.seq,
                          payload.get("kept"))


def _lock(held: ExitStack, store: ReviewStore, pid: str, folder: Path, payload: dict[str, Any],
          actor: str) -> None:
    """Take the folder's publish lock into `held`, as a publish takes it; a lock that cannot
    be taken (its cache folder unwritable) records `publish_failed` at stage `lock`, and the
    next ingest retries the withdrawal, and raises PublishError naming the cache folder."""
    try:
        held.enter_context(locked(folder))
    except OSError as exc:
        error = lock_failure(folder, exc)
        failed = {**payload, "stage": LOCK_STAGE, "error": error, "withdraw": True}
        store.annotate(pid, FAILED, failed, actor=actor)
        raise PublishError(f"{error}; nothing was withdrawn, publish_failed records it and the "
                           "next ingest retries") from exc


def _own_legacy(store: ReviewStore, pid: str) -> set[str]:
    """Vouchers of records this store published before the ledger (its own, not kept)."""
    return {ledger.legacy(str(e.payload["commit"])) for e in store.events(pid, (PUBLISH,))
            if "store" not in e.payload and e.payload.get("commit")
            and not e.payload.get("kept_remote")}


def _by_ledger(repo: git.Repo, folder: Path, names: list[str], kind: str, mine: set[str],
               pid: str, message: str, retries: int) -> tuple[list[str], set[str], bool]:
    """Withdraw this store's word in the ledger, removing the files if no other store vouches;
    also says whether it committed anything. A publish cut short before its commit left no
    file and no vouch of this store's, so there is nothing to commit or push.

    The decision is made on the remote's newest log and pushed without a rebase: a push that
    lost a race is undone and decided again on what the winner pushed. So of two stores
    withdrawing at once, the one that pushes second sees the other's withdrawal, and the
    record is never left standing with no store behind it.
    """
    for attempt in range(1, retries + 2):
        if repo.remote is not None:
            git.catch_up(repo)
        others = ledger.vouchers(repo, pid, kind) - mine
        removed = [] if others else [name for name in names if remove(target(folder, name))]
        known = git.tracked(repo, removed)
        if not (known and git.commit(repo, known, message)):
            if not mine & ledger.vouchers(repo, pid, kind, committed=False):
                return removed, others, False
            git.commit_empty(repo, message)  # the ledger entry, with nothing to remove
        try:
            if repo.remote is None or git.try_push(repo, last=attempt > retries, attempt=attempt):
                return removed, others, True
        except PublishError:
            git.drop_last_commit(repo)  # a later try decides afresh, never on this stale view
            raise
        git.drop_last_commit(repo)
    raise AssertionError("unreachable")  # the last attempt returns or raises


def _message(published: dict[str, Any], pid: str, actor: str, reason: str,
             mine: set[str]) -> str:
    """The withdrawal commit's message; `mine` are the vouchers it retires, for the ledger."""
    title = f"Withdraw {pid[:12]}: {short(reason, 60)}"
    trailers = [("Withdrawn-by", short(actor, 200)), ("Proposal-Id", pid),
                ("Diff-SHA256", str(published.get("diff_sha256") or "none"))]
    if mine:
        trailers += ledger.trailers(str(published.get("kind", "finding")), mine, ledger.WITHDRAW)
    return git.message(title, "", trailers)
