from __future__ import annotations

import json
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import pytest

from reviewer.ingest import IngestError, fetch_findings
from tests.ingest.helpers import FINDING
from tests.loopback import running, serving


@pytest.fixture
def server() -> Iterator[tuple[str, dict[str, tuple[int, bytes]]]]:
    routes: dict[str, tuple[int, bytes]] = {}
    with serving(lambda path: routes.get(path, (404, b"not found"))) as url:
        yield url, routes


def test_fetch_findings(server):
    base, routes = server
    second = dict(FINDING, id=43, title="Second")
    routes["/api/findings/all"] = (200, json.dumps({"findings": [FINDING, second]}).encode())
    proposals, rejected = fetch_findings(base + "/", timeout=5)
    assert rejected == []
    assert [p.external_id for p in proposals] == ["42", "43"]
    assert proposals[0].original == FINDING
    assert proposals[0].diff is None
    assert proposals[0].source == base + "/api/findings/all"


def test_server_error_is_clean(server):
    base, routes = server
    routes["/api/findings/all"] = (500, b"boom")
    with pytest.raises(IngestError) as info:
        fetch_findings(base, timeout=5)
    assert str(info.value) == f"{base}/api/findings/all: HTTP status 500, not 200"


def test_oversized_body_is_clean(server):
    base, routes = server
    routes["/api/findings/all"] = (200, b'{"findings": []}' + b" " * 5000)
    with pytest.raises(IngestError, match="over the limit of 1000"):
        fetch_findings(base, timeout=5, max_bytes=1000)


def test_a_bad_finding_is_named_and_the_good_ones_still_map(server):
    # One agent's malformed finding on a shared server held back every other finding.
    base, routes = server
    bad, later = dict(FINDING, pgr="high"), dict(FINDING, id=44, title="Later")
    routes["/api/findings/all"] = (200, json.dumps({"findings": [FINDING, bad, 7, later]}).encode())
    proposals, rejected = fetch_findings(base, timeout=5)
    assert [p.external_id for p in proposals] == ["42", "44"]
    assert [str(err) for _, err in rejected] == [
        f'{base}/api/findings/all: findings[1].pgr: expected a number, got "high"',
        f"{base}/api/findings/all: findings[2]: expected a finding object, got 7"]


def test_nan_in_body_is_clean(server):
    base, routes = server
    routes["/api/findings/all"] = (200, b'{"findings": [{"id": 1, "title": "t", "pgr": NaN}]}')
    with pytest.raises(IngestError, match=r"findings\[0\]\.pgr: NaN"):
        fetch_findings(base, timeout=5)


def dripping(opening: bytes, drip: bytes, count: int) -> type[BaseHTTPRequestHandler]:
    """A handler that sends `opening`, then `drip` every 0.1 s, `count` times."""

    class Dripping(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            try:
                self.wfile.write(opening)
                for _ in range(count):
                    self.wfile.write(drip)
                    self.wfile.flush()
                    time.sleep(0.1)
            except OSError:
                pass  # the client gave up, as it should

        def log_message(self, *args: object) -> None:
            pass

    return Dripping


def test_a_server_that_drips_its_body_is_cut_off_at_the_timeout():
    # Each byte beat the socket timeout, so a 3 s timeout waited for the whole minute.
    with running(dripping(b"HTTP/1.1 200 OK\r\n\r\n", b" ", 60)) as base:
        # Uncut, the whole minute of spaces would arrive and fail as bad JSON instead.
        with pytest.raises(IngestError, match="at the timeout"):
            fetch_findings(base, timeout=1)


def test_a_server_that_drips_its_headers_is_cut_off_at_the_timeout():
    # Headers a byte a second beat every socket timeout: `pull --timeout 5` hung for ever.
    with running(dripping(b"HTTP/1.1 200 OK\r\n", b"X", 600)) as base:
        with pytest.raises(IngestError, match="no complete answer at the timeout"):
            fetch_findings(base, timeout=1)


def test_wrong_shape(server):
    base, routes = server
    routes["/api/findings/all"] = (200, b"[1, 2]")
    with pytest.raises(IngestError, match="expected"):
        fetch_findings(base, timeout=5)


def test_redirect_to_file_scheme_refused(server):
    base, routes = server
    routes["/api/findings/all"] = (302, b"file:///etc/passwd")
    with pytest.raises(IngestError, match="302 \\(redirect refused\\)"):
        fetch_findings(base, timeout=5)


def test_redirect_to_ftp_refused(server):
    base, routes = server
    routes["/api/findings/all"] = (302, b"ftp://127.0.0.1/x")
    with pytest.raises(IngestError, match="refused a redirect to a non-HTTP URL"):
        fetch_findings(base, timeout=5)


def test_redirect_to_http_followed(server):
    base, routes = server
    routes["/api/findings/all"] = (302, f"{base}/elsewhere".encode())
    routes["/elsewhere"] = (200, json.dumps({"findings": [FINDING]}).encode())
    assert len(fetch_findings(base, timeout=5)[0]) == 1


def test_redirect_to_another_host_refused(server):
    # The server is the agents': it must not point the reviewer's machine at another host
    # (here the same server under another name, which would answer if asked).
    base, routes = server
    assert base.startswith("http://127.0.0.1:")
    routes["/api/findings/all"] = (302, base.replace("127.0.0.1", "localhost").encode()
                                   + b"/elsewhere")
    routes["/elsewhere"] = (200, json.dumps({"findings": [FINDING]}).encode())
    with pytest.raises(IngestError, match="refused a redirect to another host"):
        fetch_findings(base, timeout=5)
    routes["/api/findings/all"] = (302, b"/elsewhere")  # a relative one stays on the host
    assert len(fetch_findings(base, timeout=5)[0]) == 1


@pytest.mark.parametrize("url", ["file:///etc", "ftp://example.org", "javascript:x", "nohost"])
def test_only_http_schemes(url):
    with pytest.raises(IngestError, match="only http and https"):
        fetch_findings(url)


def test_connection_refused_is_clean():
    with pytest.raises(IngestError, match="cannot fetch"):
        fetch_findings("http://127.0.0.1:9", timeout=2)


def test_credentials_not_shown():
    with pytest.raises(IngestError) as info:
        fetch_findings("http://user:hunter2@127.0.0.1:9", timeout=2)
    assert "hunter2" not in str(info.value)
    assert "credentials in the URL are not supported" in str(info.value)
    assert info.value.path == "http://127.0.0.1:9/api/findings/all"
