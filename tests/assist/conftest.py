"""Fixtures: a real HTTP server on 127.0.0.1 that speaks enough of the Messages API."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler

import pytest

from tests.assist.fakeapi import FAKE_KEY, FakeAPI, write_config
from tests.loopback import running


@pytest.fixture
def api():
    release = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            raw = self.rfile.read(int(self.headers.get("content-length") or 0))
            headers = {k.lower(): v for k, v in self.headers.items()}
            with fake.lock:
                fake.received.append({"path": self.path, "headers": headers,
                                      "raw": raw.decode(), "json": json.loads(raw)})
            reply = fake.next_reply()
            if reply.delay_s:
                release.wait(reply.delay_s)  # woken at teardown, so no thread lingers
            try:
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)
            except OSError:
                pass  # the client gave up (the timeout test)

        def log_message(self, *args):
            pass

    with running(Handler) as url:
        fake = FakeAPI(url, release)
        try:
            yield fake
        finally:
            release.set()  # wakes any delayed reply before the server shuts down


@pytest.fixture
def assist_env(api, monkeypatch):
    """The key set and `[assist]` pointed at the fake API with no retries."""
    monkeypatch.setenv("ANTHROPIC_API_KEY", FAKE_KEY)
    monkeypatch.delenv("ANTHROPIC_BASE_URL", raising=False)
    write_config(f'[assist]\nbase_url = "{api.url}"\nmax_retries = 0\ntimeout_s = 10\n')
    return api
