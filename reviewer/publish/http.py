"""Share a published finding with a W2S sandbox server (`POST /api/findings/share`)."""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass

from reviewer.publish.errors import PublishError

SHARE_PATH = "/api/findings/share"


class HttpError(PublishError):
    """The server refused the finding or could not be reached."""

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


def share(base_url: str, body: bytes, timeout: float) -> Shared:
    """POST the finding JSON; anything but a 2xx answer raises HttpError."""
    url = base_url.rstrip("/") + SHARE_PATH
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": "w2s-reviewer"},
    )
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=timeout) as response:
            status = int(response.status)
            response.read(1 << 16)
    except urllib.error.HTTPError as exc:
        raise HttpError(f"POST {url} answered {exc.code} {exc.reason}", url, exc.code) from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise HttpError(f"POST {url} failed: {reason}", url, None) from exc
    if not 200 <= status < 300:
        raise HttpError(f"POST {url} answered {status}", url, status)
    return Shared(url, status)
