"""Take a published record back out of the shared findings once its decision is gone.

Only approved findings may sit in the shared findings (DESIGN §4.6), so undoing an approval,
or a new diff voiding it, removes the finding's files (one commit, pushed, in a git folder)
and records a `withdraw` event. A rejection record under `rejected/` goes the same way when
its rejection is undone. A copy POSTed to a sandbox server stays there: its API has no
delete, so the event names the URL for a person to follow up. Where another reviewer's
record of the same finding won the push race, it stays: their approval still stands.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reviewer.publish import git
from reviewer.publish.config import PublishConfig
from reviewer.publish.errors import PublishError
from reviewer.publish.folder import locked, remove, target
from reviewer.publish.record import FAILED, REJECTION, WITHDRAW, live_publication
from reviewer.textsafe import short
from store import ReviewStore

# The status a live record stands for; once the proposal leaves it, the record goes.
_STANDS_FOR = {"finding": "approved", REJECTION: "rejected"}


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
        }


def withdraw(
    store: ReviewStore, ref: str, *, actor: str, reason: str, config: PublishConfig
) -> WithdrawResult | None:
    """Withdraw the proposal's live record if its decision no longer holds; None if none.

    Raises PublishError (after recording `publish_failed`) when the files cannot be removed,
    committed or pushed, and when the record lives in a folder other than the configured one.
    """
    pid = store.resolve(ref)
    live = live_publication(store, pid)
    if live is None:
        return None
    kind = str(live.payload.get("kind", "finding"))
    if store.get(pid)["status"] == _STANDS_FOR.get(kind):
        return None
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
                               "http_copy": (live.payload.get("http") or {}).get("url")}
    if live.payload.get("kept_remote"):
        # The shared record is another reviewer's, whose approval this undo does not touch.
        payload["kept"] = "the shared record is another reviewer's publication"
        event = store.annotate(pid, WITHDRAW, payload, actor=actor)
        return WithdrawResult(pid, kind, folder, (), None, False, payload["http_copy"], event.seq)
    stage = "remove"
    with locked(folder):
        try:
            repo = git.open_repo(folder, config.remote, config.branch)
            removed = [name for name in names if remove(target(folder, name))]
            payload["removed"] = [str(folder / name) for name in removed]
            if repo is not None:
                stage = "commit"
                if removed:
                    git.commit(repo, removed, _message(live.payload, pid, actor, reason))
                if repo.remote is not None:
                    stage = "push"  # also after an earlier try committed but could not push
                    git.push(repo, config.push_retries)
                    payload["pushed"] = True
                payload["commit"] = git.head(repo)  # after the push: a rebase may move it
        except PublishError as exc:
            failed = {**payload, "stage": stage, "error": str(exc), "withdraw": True}
            store.annotate(pid, FAILED, failed, actor=actor)
            raise
    event = store.annotate(pid, WITHDRAW, payload, actor=actor)
    return WithdrawResult(pid, kind, folder, tuple(Path(p) for p in payload["removed"]),
                          payload["commit"], payload["pushed"], payload["http_copy"], event.seq)


def _message(published: dict[str, Any], pid: str, actor: str, reason: str) -> str:
    title = f"Withdraw {pid[:12]}: {short(reason, 60)}"
    trailers = [("Withdrawn-by", short(actor, 200)), ("Proposal-Id", pid),
                ("Diff-SHA256", str(published.get("diff_sha256") or "none"))]
    return git.message(title, "", trailers)
