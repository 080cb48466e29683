"""Pulling findings from a running W2S sandbox over HTTP (`GET /api/findings/all`)."""

from __future__ import annotations

import http.client
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from reviewer.deadline_http import Deadline, DeadlineHTTP, DeadlineHTTPS
from reviewer.ingest.document import findings_from_wrapper
from reviewer.ingest.errors import IngestError, describe
from reviewer.ingest.strictjson import loads
from store.model import NewProposal

ENDPOINT = "/api/findings/all"
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
_CHUNK = 256 * 1024


class _SameHostRedirects(urllib.request.HTTPRedirectHandler):
    """Follow redirects only to http(s) URLs on the host asked (a server behind a proxy that
    adds a slash, or moves to https), never to file: or ftp:, nor to another host: the
    server is the agents' own, and must not point the reviewer's machine at any other."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self.host = urllib.parse.urlsplit(url).hostname

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: Any,
        code: int,
        msg: str,
        headers: Any,
        newurl: str,
    ) -> urllib.request.Request | None:
        target = urllib.parse.urlsplit(urllib.parse.urljoin(req.full_url, newurl))
        if target.scheme.lower() not in ("http", "https"):
            raise urllib.error.URLError("refused a redirect to a non-HTTP URL")
        if target.hostname != self.host:
            raise urllib.error.URLError("refused a redirect to another host")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def findings_url(base_url: str) -> str:
    """The findings endpoint under `base_url`."""
    return base_url.rstrip("/") + ENDPOINT


def fetch_findings(
    base_url: str, *, timeout: float = 30, max_bytes: int = DEFAULT_MAX_BYTES
) -> tuple[list[NewProposal], list[tuple[str, IngestError]]]:
    """GET `<base_url>/api/findings/all` and map each finding: the good ones, and for each
    finding the mapping rejects, a digest of it and the error (`findings[3].pgr: ...`).

    Raises IngestError, with the URL (credentials removed) as its path, for a
    non-http(s) URL or one with credentials, a network failure, a status other than 200, a
    body over `max_bytes` or still arriving after `timeout` seconds, or a body that is not
    strict JSON holding `{"findings": [...]}`.
    """
    url = findings_url(base_url)
    shown = _redacted(url)
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        raise IngestError(shown, None, None, "not a valid URL") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise IngestError(shown, None, None, "only http and https URLs can be pulled")
    if "@" in parts.netloc:
        raise IngestError(shown, None, None, "credentials in the URL are not supported; "
                          "put the server behind a proxy that adds them")
    body = _get(url, shown, timeout, max_bytes)
    value = loads(body, path=shown, max_bytes=max_bytes)
    if not isinstance(value, dict) or "findings" not in value:
        raise IngestError(shown, None, None,
                          f'expected {{"findings": [...]}}, got {describe(value)}')
    rejected: list[tuple[str, IngestError]] = []
    found = findings_from_wrapper(value, path=shown, folder=None, source=shown,
                                  rejected=rejected)
    return found, rejected


def _get(url: str, shown: str, timeout: float, max_bytes: int) -> bytes:
    deadline = Deadline(timeout)
    deadline.timer.start()
    try:
        body = _open(url, shown, timeout, max_bytes, deadline)
    except IngestError:
        if deadline.expired:
            raise IngestError(shown, None, None, "no complete answer at the timeout") from None
        raise
    finally:
        deadline.timer.cancel()
    if deadline.expired:  # the cut connection read as the end of a shorter body
        raise IngestError(shown, None, None, "no complete answer at the timeout")
    return body


def _open(url: str, shown: str, timeout: float, max_bytes: int, deadline: Deadline) -> bytes:
    opener = urllib.request.build_opener(_SameHostRedirects(url), DeadlineHTTP(deadline),
                                         DeadlineHTTPS(deadline))
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    try:
        with opener.open(request, timeout=timeout) as response:
            if response.status != 200:
                raise IngestError(shown, None, None, f"HTTP status {response.status}, not 200")
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise IngestError(shown, None, None,
                                  f"body of {length} bytes is over the limit of {max_bytes}")
            return _read_capped(response, shown, max_bytes, time.monotonic() + timeout)
    except urllib.error.HTTPError as exc:
        note = " (redirect refused)" if 300 <= exc.code < 400 else ""
        raise IngestError(shown, None, None, f"HTTP status {exc.code}{note}, not 200") from None
    except urllib.error.URLError as exc:
        raise IngestError(shown, None, None, f"cannot fetch: {exc.reason}") from None
    except (OSError, http.client.HTTPException, ValueError) as exc:
        raise IngestError(shown, None, None,
                          f"cannot fetch: {type(exc).__name__}: {exc}") from None


def _read_capped(response: Any, shown: str, max_bytes: int, deadline: float) -> bytes:
    """The body, read as it arrives: a server dripping a byte a second would keep a plain
    `read(n)` waiting past any socket timeout, so the whole read has a deadline."""
    chunks: list[bytes] = []
    total = 0
    while True:
        if time.monotonic() > deadline:
            raise IngestError(shown, None, None, "the body was still arriving at the timeout")
        chunk = response.read1(min(_CHUNK, max_bytes + 1 - total))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if total > max_bytes:
            raise IngestError(shown, None, None, f"body is over the limit of {max_bytes} bytes")


def _redacted(url: str) -> str:
    """Drop user:password@ so credentials never reach error messages or logs."""
    try:
        parts = urllib.parse.urlsplit(url)
        if "@" not in parts.netloc:
            return url
        return urllib.parse.urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
    except ValueError:
        return "<invalid URL>"
