"""Publish approved findings into the shared findings (DESIGN §4.6).

`publish()` writes `{id}_{idea}.json` (sandbox finding format, measured numbers, claim
beside them), the patch and a Markdown provenance card into the configured folder,
commits and pushes them when the folder is a git repository, and records a `publish`
event; then, outside the folder lock, it optionally POSTs the finding to a W2S sandbox
server and records the answer. Publishing again with nothing changed writes, commits,
posts and records nothing new.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reviewer import paths
from reviewer.config import ConfigError
from reviewer.publish import git, http, ledger
from reviewer.publish.config import PublishConfig, load_config
from reviewer.publish.errors import NotConfigured, PublishError
from reviewer.publish.finding import Built, build_finding, build_rejection, same_finding
from reviewer.publish.folder import ensure_folder, locked, record_owner, target, write_atomic
from reviewer.publish.record import (
    FAILED,
    PUBLISH,
    REJECTION,
    last_attempt,
    name_publisher,
    published,
)
from reviewer.textsafe import short
from store import ReviewStore

__all__ = [
    "NotConfigured",
    "PublishConfig",
    "PublishError",
    "PublishResult",
    "load_config",
    "publish",
    "publish_rejection",
    "published",
]

REJECTED_DIR = "rejected"


@dataclass(frozen=True)
class PublishResult:
    """What one publish did: the files, the commit, the push and the POST."""

    proposal_id: str
    kind: str
    folder: Path
    file: Path
    written: tuple[Path, ...]
    commit: str | None
    committed: bool
    pushed: bool
    push_attempts: int
    remote: str | None
    http: dict[str, Any] | None
    finding_sha256: str
    diff_sha256: str | None
    event_seq: int | None
    # Always False now (a remote record of the same finding is replaced by this store's, and
    # any other fails the publish); kept so `publish --json` keeps its shape.
    kept_remote: bool = False

    @property
    def unchanged(self) -> bool:
        """Nothing was written, committed or recorded: it was already published as is."""
        return not self.written and not self.committed and self.event_seq is None

    def to_json(self) -> dict[str, Any]:
        return {
            "proposal_id": self.proposal_id,
            "kind": self.kind,
            "folder": str(self.folder),
            "file": str(self.file),
            "written": [str(p) for p in self.written],
            "commit": self.commit,
            "committed": self.committed,
            "pushed": self.pushed,
            "push_attempts": self.push_attempts,
            "remote": self.remote,
            "http": self.http,
            "finding_sha256": self.finding_sha256,
            "diff_sha256": self.diff_sha256,
            "event_seq": self.event_seq,
            "unchanged": self.unchanged,
            "kept_remote": self.kept_remote,
        }


def how_to_configure(config: PublishConfig) -> str:
    file = config.source or paths.config_file()
    return (
        f"publishing is not configured: add a [publish] table with "
        f'folder = "/absolute/path/to/findings" to {file}'
    )


def _config(config: PublishConfig | None) -> PublishConfig:
    if config is not None:
        return config
    try:
        return load_config()
    except ConfigError as exc:
        raise PublishError(str(exc)) from exc


def publish(
    store: ReviewStore, ref: str, *, actor: str, config: PublishConfig | None = None
) -> PublishResult:
    """Publish an approved proposal's finding; refuses any other status.

    Raises NotConfigured without a `[publish] folder`, PublishError when refused, and
    PublishError after recording `publish_failed` when the push or the POST fails.
    """
    cfg = _config(config)
    if not cfg.enabled:
        raise NotConfigured(how_to_configure(cfg))
    return _deliver(store, build_finding(store, ref), cfg, actor, kind="finding")


def publish_rejection(
    store: ReviewStore, ref: str, *, actor: str, config: PublishConfig | None = None
) -> PublishResult | None:
    """Record a rejected proposal under `rejected/` when `[publish] rejected = true`.

    Returns None when rejections are not published; never POSTs (it is not a finding).
    """
    cfg = _config(config)
    if not (cfg.enabled and cfg.rejected):
        return None
    return _deliver(store, build_rejection(store, ref), cfg, actor, kind=REJECTION)


def _files(built: Built, subdir: str | None) -> list[tuple[str, bytes]]:
    prefix = f"{subdir}/" if subdir else ""
    files = [(f"{prefix}{built.stem}.json", built.data)]
    if built.patch:
        files.append((f"{prefix}{built.stem}.patch", built.patch))
    if built.card:
        files.append((f"{prefix}{built.stem}.md", built.card.encode("utf-8")))
    return files


def _commit_message(built: Built, kind: str, store_id: str, *, also: bool = False) -> str:
    """The publish commit's message; `also` for the empty commit of a store whose record
    lost the push race to another store's record of the same finding."""
    f = built.finding
    verb = "Publish" if kind == "finding" else "Record rejection of"
    if also:
        verb = "Also approve" if kind == "finding" else "Also record rejection of"
    people = f.get("reviewed_by") if kind == "finding" else f.get("rejected_by")
    key = "Reviewed-by" if kind == "finding" else "Rejected-by"
    trailers = [(key, short(actor, 200)) for actor in people or []]
    trailers += [
        ("Proposal-Id", built.proposal_id),
        ("Diff-SHA256", f.get("diff_sha256") or "none"),
        ("Audit-Hash", f["audit_hash"]),
    ]
    trailers += ledger.trailers(kind, [store_id], ledger.VOUCH)
    # The subject names the idea, whose name holds only [A-Za-z0-9_.-], never the agent's
    # title: a forge reads "Fixes #1", "org/repo#7" and "@user" in a pushed commit message.
    return git.message(f"{verb} {f['id']}: {f['idea_name']}", "", trailers)


def _deliver(
    store: ReviewStore, built: Built, cfg: PublishConfig, actor: str, *, kind: str
) -> PublishResult:
    folder = cfg.folder
    assert folder is not None
    with locked(folder):
        landed = _place(store, built, cfg, actor, kind)
    payload, seq = landed.payload, landed.seq
    if landed.post:
        # Outside the folder lock: a slow server must not hold up every other publish.
        payload, seq = _post(store, built, cfg, actor, payload)
    return PublishResult(
        proposal_id=built.proposal_id,
        kind=kind,
        folder=folder,
        file=Path(payload["file"]),
        written=landed.written,
        commit=payload["commit"],
        committed=landed.committed,
        pushed=payload["pushed"],
        push_attempts=landed.attempts,
        remote=payload["remote"],
        http=payload["http"],
        finding_sha256=built.finding_sha256,
        diff_sha256=payload["diff_sha256"],
        event_seq=seq,
    )


@dataclass(frozen=True)
class _Landed:
    """The files in place (committed and pushed in a git folder) and the `publish` event
    that says so; `post` when the finding is still to be POSTed."""

    payload: dict[str, Any]
    seq: int | None
    written: tuple[Path, ...]
    committed: bool
    attempts: int
    post: bool


def _place(
    store: ReviewStore, built: Built, cfg: PublishConfig, actor: str, kind: str
) -> _Landed:
    """Write, commit and push the record (the caller holds the folder lock), then record
    `publish`: as soon as the files have landed, before any POST, so a POST that fails or
    is killed leaves a record that an undo and the next ingest can find.
    """
    folder = cfg.folder
    assert folder is not None
    subdir = REJECTED_DIR if kind == REJECTION else None
    files = _files(built, subdir)
    ensure_folder(folder, subdir)
    repo = git.open_repo(folder, cfg.remote, cfg.branch)
    paths_ = _targets(folder, files, built)
    written = tuple(
        p for p, (_, data) in zip(paths_, files, strict=True) if write_atomic(p, data)
    )
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
    committed, attempts, stage = False, 0, "commit"
    try:
        if repo is not None:
            rels = [rel for rel, _ in files]
            committed = git.commit(repo, rels, _commit_message(built, kind, store_id))
            stage = "push"
            attempts, rewritten = _push_record(repo, built, files, kind, store_id, cfg)
            if rewritten:
                committed = True
                again = (target(folder, rel) for rel in rewritten)
                written = tuple(dict.fromkeys((*written, *again)))
            payload["pushed"] = repo.remote is not None
            payload["commit"] = git.last_commit(repo, *rels)
    except PublishError as exc:
        failed = {**payload, "stage": stage, "error": str(exc)}
        store.annotate(built.proposal_id, FAILED, failed, actor=actor)
        raise
    payload["http"], post = _http_field(cfg, built, kind, previous)
    seq = None
    if previous != payload:
        seq = store.annotate(built.proposal_id, PUBLISH, payload, actor=actor).seq
    return _Landed(payload, seq, written, committed, attempts, post)


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


def _push_record(
    repo: git.Repo,
    built: Built,
    files: list[tuple[str, bytes]],
    kind: str,
    store_id: str,
    cfg: PublishConfig,
) -> tuple[int, list[str]]:
    """Push the committed record, and this store's vouch for it; as `_land` returns."""
    attempts, rewritten = _land(repo, built, files, kind, store_id, cfg)
    if store_id not in ledger.vouchers(repo, built.proposal_id, kind, committed=False):
        # Our very bytes were there already (published from a copy of this database,
        # or by this store before the ledger): say in the ledger that we vouch too.
        git.commit_empty(repo, _commit_message(built, kind, store_id, also=True))
        if repo.remote is not None:
            attempts += git.push(repo, cfg.push_retries).attempts
    return attempts, rewritten


def _http_field(
    cfg: PublishConfig, built: Built, kind: str, previous: dict[str, Any]
) -> tuple[dict[str, Any] | None, bool]:
    """The `publish` event's `http` before any POST, and whether the POST is still due."""
    if not (cfg.http_url and kind == "finding"):
        return None, False
    sent = _posted_before(cfg.http_url, built, previous)
    if sent is not None:
        return sent, False
    # Until the server answers, the URL with no status: a POST cut short may still have
    # reached it, and a withdrawal then says where a copy may be.
    return {"url": http.share_url(cfg.http_url), "status": None}, True


def _post(
    store: ReviewStore, built: Built, cfg: PublishConfig, actor: str, landed: dict[str, Any]
) -> tuple[dict[str, Any], int]:
    """POST the finding and record the answer: a `publish` event naming it, or
    `publish_failed` at stage `http` (the files stay published) before raising HttpError."""
    assert cfg.http_url is not None
    try:
        shared = http.share(cfg.http_url, built.data, cfg.http_timeout_s)
    except http.HttpError as exc:
        failed = {**landed, "stage": "http", "error": str(exc),
                  "http": {"url": exc.url, "status": exc.status}}
        store.annotate(built.proposal_id, FAILED, failed, actor=actor)
        raise
    payload = {**landed, "http": shared.to_json()}
    return payload, store.annotate(built.proposal_id, PUBLISH, payload, actor=actor).seq


def _land(
    repo: git.Repo,
    built: Built,
    files: list[tuple[str, bytes]],
    kind: str,
    store_id: str,
    cfg: PublishConfig,
) -> tuple[int, list[str]]:
    """Push, then make sure HEAD holds exactly the bytes this store built.

    A fetch can bring in an edit of the record (a lost race, or a stale clone catching up):
    the record is then written, committed and pushed again. Returns the push attempts and
    the files rewritten. Raises PublishError when the remote holds a record of the finding
    that is not this store's in substance.
    """
    rels = [rel for rel, _ in files]
    attempts, rewritten = 0, []
    for _ in range(cfg.push_retries + 1):
        if repo.remote is not None:
            try:
                attempts += git.push(repo, cfg.push_retries, rels, _accept(built)).attempts
            except git.RecordConflict as exc:
                raise PublishError(_conflict_message(built, exc)) from exc
        stale = [rel for rel, data in files if git.blob(repo, "HEAD", rel) != data]
        if not stale:
            return attempts, rewritten
        for rel, data in files:
            if write_atomic(target(repo.root, rel), data) and rel not in rewritten:
                rewritten.append(rel)
        git.commit(repo, rels, _commit_message(built, kind, store_id))
    raise PublishError(
        f"{built.proposal_id[:12]}: the remote changed {', '.join(rels)} again on "
        f"each of {cfg.push_retries + 1} tries (publish.push_retries)"
    )


def _accept(built: Built) -> Callable[[bytes], bool]:
    """Whether a record found on the remote may be replaced by this store's: only another
    record of the same finding, whose numbers this one repeats."""
    return lambda theirs: same_finding(built.data, theirs)


def _conflict_message(built: Built, exc: git.RecordConflict) -> str:
    ref = built.proposal_id[:12]
    return (
        f"{ref}: the shared {exc.path} was written by commit {exc.commit}, and it is not "
        f"this store's record (another proposal, diff, claim or measured numbers); nothing "
        f"was pushed and this store vouches for none of it. Inspect that commit; "
        f"`reviewer publish {ref}` then replaces it with this store's record"
    )


def _posted_before(
    base_url: str, built: Built, previous: dict[str, Any]
) -> dict[str, Any] | None:
    """The server's earlier answer when the same bytes already went to the same URL."""
    before = previous.get("http") or {}
    if (
        previous.get("finding_sha256") == built.finding_sha256
        and before.get("url") == http.share_url(base_url)
        and isinstance(before.get("status"), int)
        and 200 <= before["status"] < 300
    ):
        return dict(before)
    return None
