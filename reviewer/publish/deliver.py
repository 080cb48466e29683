"""The publish verbs: land a finding or a rejection under the folder lock, then POST it."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from reviewer import paths
from reviewer.config import ConfigError
from reviewer.publish.config import PublishConfig, load_config
from reviewer.publish.errors import NotConfigured, PublishError
from reviewer.publish.finding import Built, build_finding, build_rejection
from reviewer.publish.folder import lock_failure, locked
from reviewer.publish.land import place
from reviewer.publish.post import post
from reviewer.publish.record import FAILED, LOCK_STAGE, REJECTION
from reviewer.publish.result import PublishResult
from store import ReviewStore


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


@dataclass(frozen=True)
class Retried:
    """What the ingest's retry of unlanded decisions did: what it published now, and a
    warning for each that failed again."""

    published: list[PublishResult] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def retry_unlanded(
    store: ReviewStore, pids: Sequence[str], *, actor: str, config: PublishConfig
) -> Retried:
    """Publish again the decisions `pids` whose files never landed (as `record.unlanded`
    lists them): the ingest's retry, as it retries withdrawals. One that fails again is
    recorded as `publish_failed` once more; with publishing off now (no `[publish] folder`,
    or a rejection with `rejected = false`), nothing is tried and they wait for it to be on."""
    retried = Retried()
    if not config.enabled:
        return retried
    for pid in pids:
        result: PublishResult | None
        try:
            if store.get(pid)["status"] == "approved":
                result = publish(store, pid, actor=actor, config=config)
            else:
                result = publish_rejection(store, pid, actor=actor, config=config)
        except (PublishError, OSError) as exc:
            retried.warnings.append(f"{pid[:12]}: its decision stands but publishing it "
                                    f"failed again: {exc}")
            continue
        if result is not None:
            retried.published.append(result)
    return retried


def _deliver(
    store: ReviewStore, built: Built, cfg: PublishConfig, actor: str, *, kind: str
) -> PublishResult:
    folder = cfg.folder
    assert folder is not None
    with ExitStack() as held:
        _lock(held, store, built, folder, actor, kind)
        landed = place(store, built, cfg, actor, kind)
    payload, seq = landed.payload, landed.seq
    if landed.post:
        # Outside the folder lock: a slow server must not hold up every other publish.
        payload, seq = post(store, built, cfg, actor, payload)
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


def _lock(held: ExitStack, store: ReviewStore, built: Built, folder: Path, actor: str,
          kind: str) -> None:
    """Take the folder's publish lock into `held`; a lock that cannot be taken (its cache
    folder unwritable) records `publish_failed` at stage `lock`, which the next ingest
    retries, and raises PublishError naming the cache folder."""
    try:
        held.enter_context(locked(folder))
    except OSError as exc:
        error = lock_failure(folder, exc)
        failed = {"kind": kind, "folder": str(folder), "file": None, "commit": None,
                  "pushed": False, "finding_sha256": built.finding_sha256,
                  "diff_sha256": built.finding.get("diff_sha256"), "stage": LOCK_STAGE,
                  "error": error}
        store.annotate(built.proposal_id, FAILED, failed, actor=actor)
        raise PublishError(f"{error}; nothing was published, publish_failed records it and "
                           f"`reviewer publish {built.proposal_id[:12]}`, or the next "
                           "ingest, retries") from exc
