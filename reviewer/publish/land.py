"""Land a record in the findings folder (written, committed, pushed) and record `publish`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reviewer.publish import git
from reviewer.publish.config import PublishConfig
from reviewer.publish.errors import NotUndone, PublishError
from reviewer.publish.finding import Built
from reviewer.publish.folder import Landing, ensure_folder, record_owner, target, write_all
from reviewer.publish.post import http_field
from reviewer.publish.push import commit_message, push_record
from reviewer.publish.record import (
    FAILED,
    FOLDER_STAGE,
    PUBLISH,
    PUSH_STAGE,
    REFUSED_STAGE,
    REJECTION,
    STARTED,
    last_attempt,
    name_publisher,
)
from reviewer.textsafe import short
from store import ReviewStore
from store.audit import Event

REJECTED_DIR = "rejected"


@dataclass(frozen=True)
class Landed:
    """The files in place (committed and pushed in a git folder) and the `publish` event
    that says so; `post` when the finding is still to be POSTed."""

    payload: dict[str, Any]
    seq: int | None
    written: tuple[Path, ...]
    committed: bool
    attempts: int
    post: bool


def place(store: ReviewStore, built: Built, cfg: PublishConfig, actor: str, kind: str) -> Landed:
    """Write, commit and push the record (the caller holds the folder lock), then record
    `publish`: as soon as the files have landed, before any POST, so a POST that fails or
    is killed leaves a record that an undo and the next ingest can find. `publish_started`
    is recorded before any file is written, so a publish killed before its `publish` event
    is retried, or withdrawn once its decision is gone, like one that failed.

    Files that cannot all be written or committed are taken back out, so the folder (and a
    git work tree) is as it was, and `publish_failed` records the attempt; so it does when
    the folder or its repository is not fit to publish into (stage `folder`, retried like a
    failed write) and when another proposal's record is in the way (stage `refused`, left
    to a person).
    """
    folder = cfg.folder
    assert folder is not None
    subdir = REJECTED_DIR if kind == REJECTION else None
    files = _files(built, subdir)
    # What `publish_failed` says of an attempt that stops before it writes a file.
    unplaced: dict[str, Any] = {
        "kind": kind, "folder": str(folder), "file": str(folder / files[0][0]), "commit": None,
        "pushed": False, "finding_sha256": built.finding_sha256,
        "diff_sha256": built.finding.get("diff_sha256"),
    }
    repo = _open_folder(store, built, cfg, subdir, actor, unplaced)
    paths_ = _refusable(store, built, folder, files, actor, unplaced)
    last = last_attempt(store, built.proposal_id)
    previous = last.payload if last is not None and last.action == PUBLISH else {}
    store_id = name_publisher(store, built.proposal_id, actor=actor)
    payload: dict[str, Any] = {
        "kind": kind,
        "folder": str(folder),
        "file": str(paths_[0]),
        "commit": None,
        "pushed": False,
        "remote": repo.remote if repo else None,
        "http": None,
        "finding_sha256": built.finding_sha256,
        "diff_sha256": built.finding.get("diff_sha256"),
        "store": store_id,
    }
    rels = [rel for rel, _ in files]
    if not _same_record(last, unplaced):
        store.annotate(built.proposal_id, STARTED, {**_started(unplaced), "paths": rels},
                       actor=actor)
    committed, attempts, stage = False, 0, "write"
    try:
        landing = write_all([(p, data) for p, (_, data) in zip(paths_, files, strict=True)])
        written = landing.paths
        if repo is not None:
            stage = "commit"
            committed = _commit(repo, rels, commit_message(built, kind, store_id), landing)
            stage = PUSH_STAGE
            attempts, rewritten = push_record(repo, built, files, kind, store_id, cfg)
            if rewritten:
                committed = True
                again = (target(folder, rel) for rel in rewritten)
                written = tuple(dict.fromkeys((*written, *again)))
            payload["pushed"] = repo.remote is not None
            payload["commit"] = git.last_commit(repo, *rels)
    except PublishError as exc:
        failed = {**payload, "stage": stage, "error": str(exc)}
        if isinstance(exc, NotUndone):
            failed["left"] = exc.paths
        store.annotate(built.proposal_id, FAILED, failed, actor=actor)
        if stage == PUSH_STAGE:
            raise
        raise PublishError(_not_landed(exc, folder, built.proposal_id)) from exc
    payload["http"], post = http_field(cfg, built, kind, previous)
    seq = None
    if previous != payload:
        seq = store.annotate(built.proposal_id, PUBLISH, payload, actor=actor).seq
    return Landed(payload, seq, written, committed, attempts, post)


def _started(unplaced: dict[str, Any]) -> dict[str, Any]:
    """What `publish_started` says: where the record goes and which record it is."""
    keys = ("kind", "folder", "file", "finding_sha256", "diff_sha256")
    return {key: unplaced[key] for key in keys}


def _same_record(last: Event | None, unplaced: dict[str, Any]) -> bool:
    """Whether the newest attempt, a `publish` or a `publish_started` left open, already
    names these very bytes in this place: that event then accounts for whatever a publish
    cut short leaves, and an unchanged publish records nothing at all."""
    return last is not None and last.action in (PUBLISH, STARTED) and all(
        last.payload.get(key) == value for key, value in _started(unplaced).items())


def _open_folder(store: ReviewStore, built: Built, cfg: PublishConfig, subdir: str | None,
                 actor: str, unplaced: dict[str, Any]) -> git.Repo | None:
    """The folder, created if missing, and its repository; when either is unfit (a file in
    the way, a branch other than publish.branch, a detached HEAD), `publish_failed` at stage
    `folder` records it, so the next ingest publishes it once the folder is put right."""
    folder = cfg.folder
    assert folder is not None
    try:
        ensure_folder(folder, subdir)
        return git.open_repo(folder, cfg.remote, cfg.branch)
    except PublishError as exc:
        failed = {**unplaced, "stage": FOLDER_STAGE, "error": str(exc)}
        store.annotate(built.proposal_id, FAILED, failed, actor=actor)
        raise PublishError(_not_landed(exc, folder, built.proposal_id)) from exc


def _refusable(store: ReviewStore, built: Built, folder: Path, files: list[tuple[str, bytes]],
               actor: str, unplaced: dict[str, Any]) -> list[Path]:
    """`_targets`; a refusal is recorded at stage `refused`, which no ingest retries: the
    record of another proposal stays until a person decides, then runs `reviewer publish`."""
    try:
        return _targets(folder, files, built)
    except PublishError as exc:
        failed = {**unplaced, "stage": REFUSED_STAGE, "error": str(exc)}
        store.annotate(built.proposal_id, FAILED, failed, actor=actor)
        raise


def _not_landed(exc: PublishError, folder: Path, pid: str) -> str:
    """What a person reads when the files did not land: what is left, and how to retry."""
    state = "some files stay (named above)" if isinstance(exc, NotUndone) else (
        f"{folder} is as it was")
    return (f"{exc}; nothing was published ({state}), publish_failed records it and "
            f"`reviewer publish {pid[:12]}`, or the next ingest, retries")


def _commit(repo: git.Repo, rels: list[str], message: str, landing: Landing) -> bool:
    """Commit the landed files; when that fails, take them back out of the index and the
    work tree, so an uncommitted record is never left for a later publish to sweep along."""
    try:
        return git.commit(repo, rels, message)
    except PublishError as exc:
        git.unstage(repo, rels)
        stuck = [str(p) for p in landing.undo()]
        if stuck:
            raise NotUndone(f"{exc}; could not put back {', '.join(stuck)}", stuck) from exc
        raise


def _files(built: Built, subdir: str | None) -> list[tuple[str, bytes]]:
    prefix = f"{subdir}/" if subdir else ""
    files = [(f"{prefix}{built.stem}.json", built.data)]
    if built.patch:
        files.append((f"{prefix}{built.stem}.patch", built.patch))
    if built.card:
        files.append((f"{prefix}{built.stem}.md", built.card.encode("utf-8")))
    return files


def _targets(folder: Path, files: list[tuple[str, bytes]], built: Built) -> list[Path]:
    """Where the files go; refused when the record there is another proposal's."""
    paths_ = [target(folder, rel) for rel, _ in files]
    owner = record_owner(paths_[0])
    if owner is not None and owner != built.proposal_id:
        # Files are named by a 12-hex prefix, which an agent can make two of its own
        # proposals share: the second record must not replace the first.
        raise PublishError(
            f"{paths_[0]} is the record of another proposal ({short(owner, 64)}) whose id "
            f"starts as {built.proposal_id[:12]}'s does; nothing was written"
        )
    return paths_
