"""POST a landed finding to the W2S sandbox server and record the server's answer."""

from __future__ import annotations

from typing import Any

from reviewer.publish import http
from reviewer.publish.config import PublishConfig
from reviewer.publish.finding import Built
from reviewer.publish.record import FAILED, PUBLISH
from store import ReviewStore


def http_field(
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


def post(
    store: ReviewStore, built: Built, cfg: PublishConfig, actor: str, landed: dict[str, Any]
) -> tuple[dict[str, Any], int]:
    """POST the finding and record the answer: a `publish` event naming it, or
    `publish_failed` at stage `http` (the files stay published) before raising HttpError."""
    assert cfg.http_url is not None
    try:
        shared = http.share(cfg.http_url, built.data, cfg.http_timeout_s)
    except http.HttpError as exc:
        failed = {
            **landed,
            "stage": "http",
            "error": str(exc),
            "http": {"url": exc.url, "status": exc.status},
        }
        store.annotate(built.proposal_id, FAILED, failed, actor=actor)
        raise
    payload = {**landed, "http": shared.to_json()}
    return payload, store.annotate(built.proposal_id, PUBLISH, payload, actor=actor).seq


def _posted_before(base_url: str, built: Built, previous: dict[str, Any]) -> dict[str, Any] | None:
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
