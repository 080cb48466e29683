"""Share a published finding with a W2S sandbox server (`POST /api/findings/share`)."""

from __future__ import annotations

import http.client
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from reviewer.deadline_http import Deadline, DeadlineHTTP, DeadlineHTTPS
from reviewer.publish.errors import PublishError
from reviewer.textsafe import short

SHARE_PATH = "/api/findings/share"
_ANSWER_BYTES = 1 << 16  # of the answer's body, read only to see it arrive whole


class HttpError(PublishError):
    """The server refused the finding, could not be reached, or did not answer in time."""

    def __init__(self, message: str, url: str, status: int | None) -> None:
        super().__init__(message)
        self.url, self.status = url, status


@dataclass(frozen=True)
class Shared:
    """Where the finding was posted and the server's status code."""

    url: str
    status: int

    def to_json(self) -> dict[str, object]:
        return {"url": self.url, "status": self.status}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect would resend the finding somewhere not configured, so it is an error."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def share_url(base_url: str) -> str:
    """The share endpoint under `base_url`."""
    return base_url.rstrip("/") + SHARE_PATH


def share(base_url: str, body: bytes, timeout: float) -> Shared:
    """POST the finding JSON; anything but a whole 2xx answer within `timeout` seconds, all
    told, raises HttpError.

    The deadline covers the whole exchange: a server dripping its answer a byte at a time
    beats a per-read socket timeout, and would otherwise keep the publish waiting for ever.
    """
    url = share_url(base_url)
    deadline = Deadline(timeout)
    deadline.timer.start()
    try:
        status = _post(url, body, timeout, deadline)
    except HttpError:
        if deadline.expired:
            raise _late(url, timeout) from None
        raise
    finally:
        deadline.timer.cancel()
    if deadline.expired:  # the cut connection read as the end of a shorter answer
        raise _late(url, timeout)
    if not 200 <= status < 300:
        raise HttpError(f"POST {url} answered {status}", url, status)
    return Shared(url, status)


def _late(url: str, timeout: float) -> HttpError:
    return HttpError(f"POST {url}: no complete answer within {timeout:g} s "
                     f"(publish.http_timeout_s)", url, None)


def _post(url: str, body: bytes, timeout: float, deadline: Deadline) -> int:
    """The server's status code, once its whole answer arrived (HttpError otherwise)."""
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": "w2s-reviewer"},
    )
    opener = urllib.request.build_opener(_NoRedirect, DeadlineHTTP(deadline),
                                         DeadlineHTTPS(deadline))
    try:
        with opener.open(request, timeout=timeout) as response:
            _drain(response, url, time.monotonic() + timeout)
            return int(response.status)
    except urllib.error.HTTPError as exc:
        raise HttpError(f"POST {url} answered {exc.code} {exc.reason}", url, exc.code) from exc
    except http.client.HTTPException as exc:
        # A status line that is not HTTP, a chunk that does not parse, a body cut short.
        name, text = type(exc).__name__, str(exc)
        what = short(text if text.startswith(name) else f"{name}: {text}", 200)
        raise HttpError(f"POST {url}: the server's answer is not valid HTTP or was cut "
                        f"short ({what})", url, None) from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise HttpError(f"POST {url} failed: {reason}", url, None) from exc


def _drain(response: Any, url: str, until: float) -> None:
    """Read the start of the answer's body as it arrives, up to the deadline: a response
    that will close holds a socket `Deadline` cannot reach, and would drip for ever."""
    left = _ANSWER_BYTES
    while left > 0:
        if time.monotonic() > until:
            raise HttpError(f"POST {url}: the answer was still arriving at the timeout", url, None)
        chunk = response.read1(left)
        if not chunk:
            if response.length:  # http.client reads a body cut short as a shorter one
                raise HttpError(f"POST {url}: the server's answer was cut short "
                                f"({response.length} bytes of its body never came)", url, None)
            return
        left -= len(chunk)
