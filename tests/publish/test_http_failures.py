"""A sandbox server that fails, drips, hangs or garbles its answer to the finding's POST.

Each server here is a real loopback server the test starts. A server that never finishes its
answer is bounded by `http_timeout_s`, the code's own deadline; the tests assert what was
recorded, never how long it took.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from reviewer import paths
from reviewer.decide import undo
from reviewer.publish import PublishConfig, PublishError, publish, published
from reviewer.publish.withdraw import unbacked, withdraw
from store import ReviewStore
from tests.loopback import running
from tests.publish.helpers import (
    approve_via_decide,
    approved,
    bare_remote,
    clone,
    decidable,
)
from tests.publish.test_git import files_on

DRIP_S = 0.2  # between bytes: under any http_timeout_s here, so no single read times out
DRIP_BYTES = 100  # then the answer ends, so code without a deadline finishes (and fails) too


@dataclass
class Server:
    """A loopback sandbox server whose POST handler is `answer`."""

    answer: Callable[[Server, BaseHTTPRequestHandler], None]
    url: str = ""
    arrived: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    answered: threading.Event = field(default_factory=threading.Event)


@contextmanager
def serving(answer: Callable[[Server, BaseHTTPRequestHandler], None]) -> Iterator[Server]:
    state = Server(answer)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            state.arrived.set()
            try:
                state.answer(state, self)
            except OSError:
                pass  # the client gave up on a dripping answer
            state.answered.set()

        def log_message(self, *args: object) -> None:
            pass

    with running(Handler) as url:
        state.url = url
        try:
            yield state
        finally:
            state.release.set()  # frees a handler still dripping or held


def status_500(server: Server, h: BaseHTTPRequestHandler) -> None:
    h.send_response(500)
    h.send_header("Content-Length", "4")
    h.end_headers()
    h.wfile.write(b"boom")


def drip_body(server: Server, h: BaseHTTPRequestHandler) -> None:
    h.send_response(200)
    h.send_header("Connection", "close")
    h.end_headers()
    h.wfile.flush()
    for _ in range(DRIP_BYTES):
        if server.release.wait(DRIP_S):
            return
        h.wfile.write(b" ")
        h.wfile.flush()


def drip_headers(server: Server, h: BaseHTTPRequestHandler) -> None:
    h.wfile.write(b"HTTP/1.1 200 OK\r\nX-Pad: ")
    for _ in range(DRIP_BYTES):
        if server.release.wait(DRIP_S):
            return
        h.wfile.write(b"a")
        h.wfile.flush()
    h.wfile.write(b"\r\nContent-Length: 0\r\n\r\n")


def held(server: Server, h: BaseHTTPRequestHandler) -> None:
    """Answer only once the test releases it (or a minute passed)."""
    server.release.wait(60)
    h.send_response(201)
    h.send_header("Content-Length", "0")
    h.end_headers()


def bad_status(server: Server, h: BaseHTTPRequestHandler) -> None:
    h.wfile.write(b"garbage not http\r\n\r\n")
    h.close_connection = True


def bad_chunk(server: Server, h: BaseHTTPRequestHandler) -> None:
    h.wfile.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n")
    h.close_connection = True


def cut_short(server: Server, h: BaseHTTPRequestHandler) -> None:
    h.send_response(200)
    h.send_header("Content-Length", "100")
    h.end_headers()
    h.wfile.write(b"0123456789")
    h.close_connection = True


def configure(folder: Path, url: str, timeout: float = 30) -> None:
    paths.config_file().parent.mkdir(parents=True, exist_ok=True)
    paths.config_file().write_text(
        f'[publish]\nfolder = "{folder}"\nhttp_url = "{url}"\nhttp_timeout_s = {timeout}\n')


def mine(remote: Path, pid: str) -> list[str]:
    return [f for f in files_on(remote) if f.startswith(pid[:12])]


# 1. A POST that fails, or a publish killed during it, leaves a record the store knows is live.


def test_a_failed_post_leaves_a_live_record_that_undo_withdraws(mem_store, tmp_path):
    remote = bare_remote(tmp_path)
    folder = clone(remote, tmp_path / "findings")
    with serving(status_500) as server:
        configure(folder, server.url)
        pid, outcome = approve_via_decide(mem_store, 1)
    assert "answered 500" in outcome.publish_error
    assert len(mine(remote, pid)) == 3  # the files landed before the POST
    failed = mem_store.latest_event(pid, "publish_failed")
    assert failed.payload["stage"] == "http" and failed.payload["http"]["status"] == 500
    live = published(mem_store, pid)
    assert live is not None and live["pushed"] and live["commit"]
    assert live["http"] == {"url": server.url + "/api/findings/share", "status": None}

    gone = undo(mem_store, pid, actor="bob", reason="changed my mind")
    assert gone.publish_error is None and gone.withdrawn is not None
    assert len(gone.withdrawn.removed) == 3
    assert mine(remote, pid) == [] and published(mem_store, pid) is None


def test_the_next_ingest_retries_a_record_whose_post_failed(mem_store, tmp_path):
    remote = bare_remote(tmp_path)
    folder = clone(remote, tmp_path / "findings")
    with serving(status_500) as server:
        configure(folder, server.url)
        pid, _ = approve_via_decide(mem_store, 2)
    mem_store.undo(pid, actor="bob")  # an undo whose withdrawal never ran
    assert unbacked(mem_store) == [pid]
    cfg = PublishConfig(folder=folder, http_url=server.url)
    withdraw(mem_store, pid, actor="ingest", reason="no longer approved", config=cfg)
    assert mine(remote, pid) == [] and unbacked(mem_store) == []


def test_a_publish_killed_during_its_post_can_be_undone(tmp_path):
    remote, folder, db, pid = decidable(tmp_path, 3)

    def reviewer(*args: str, **kwargs: object) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "reviewer", "--db", str(db), "--actor", "alice", *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs)

    with serving(held) as server:
        configure(folder, server.url)
        first = reviewer("approve", pid, "--reason", "holds up", "--override", "by hand",
                         start_new_session=True)
        try:
            assert server.arrived.wait(120), first.communicate()
        finally:
            os.killpg(first.pid, signal.SIGKILL)  # a power cut while the server holds the POST
            first.communicate()
    assert len(mine(remote, pid)) == 3

    _, err = reviewer("undo", pid, "--reason", "withdraw it").communicate(timeout=300)
    assert b"Traceback" not in err and b"warning: the undo stands" not in err, err
    assert mine(remote, pid) == []
    store = ReviewStore.open(db)
    assert published(store, pid) is None
    assert store.latest_event(pid, "withdraw").payload["http_copy"] == (
        server.url + "/api/findings/share")
    store.close()


# 2. The POST has one deadline for the whole answer, and holds no lock while it waits.


@pytest.mark.parametrize("answer", [drip_body, drip_headers], ids=["body", "headers"])
def test_a_dripping_answer_fails_at_the_timeout(mem_store, tmp_path, answer):
    pid = approved(mem_store, 4)
    with serving(answer) as server:
        cfg = PublishConfig(folder=tmp_path / "f", http_url=server.url, http_timeout_s=1)
        with pytest.raises(PublishError, match=r"within 1 s \(publish\.http_timeout_s\)"):
            publish(mem_store, pid, actor="alice", config=cfg)
        assert not server.answered.is_set()  # given up on, not waited out
    failed = mem_store.latest_event(pid, "publish_failed")
    assert failed.payload["stage"] == "http"
    assert failed.payload["http"] == {"url": server.url + "/api/findings/share", "status": None}
    assert published(mem_store, pid)["file"] == failed.payload["file"]


def test_a_dripping_answer_is_a_warning_after_approve(tmp_path):
    db = tmp_path / "store.db"
    store = ReviewStore.open(db)
    with serving(drip_body) as server:
        configure(tmp_path / "f", server.url, timeout=1)
        pid, outcome = approve_via_decide(store, 5)
    assert outcome.status == "approved"
    assert "no complete answer within 1 s" in outcome.publish_error
    assert store.latest_event(pid, "publish_failed").payload["stage"] == "http"
    store.close()


def test_a_held_post_does_not_block_another_publish_to_the_folder(tmp_path):
    db = tmp_path / "store.db"
    store = ReviewStore.open(db)
    slow, quick = approved(store, 6), approved(store, 7)
    folder = tmp_path / "f"
    errors: list[BaseException] = []

    with serving(held) as server:

        def first() -> None:
            own = ReviewStore.open(db)  # a connection belongs to its thread
            try:
                publish(own, slow, actor="alice",
                        config=PublishConfig(folder=folder, http_url=server.url,
                                             http_timeout_s=120))
            except BaseException as exc:  # reported to the test below
                errors.append(exc)
            finally:
                own.close()

        thread = threading.Thread(target=first)
        thread.start()
        assert server.arrived.wait(120)
        publish(store, quick, actor="bob", config=PublishConfig(folder=folder))
        assert not server.answered.is_set()  # published while the other POST was still held
        server.release.set()
        thread.join()
    assert errors == []
    assert published(store, quick)["http"] is None
    assert published(store, slow)["http"]["status"] == 201
    store.close()


# 3. An answer that is not HTTP is a publish failure naming the server, not a traceback.


@pytest.mark.parametrize(("answer", "what"), [(bad_status, "is not valid HTTP"),
                                              (bad_chunk, "is not valid HTTP"),
                                              (cut_short, "was cut short")],
                         ids=["status", "chunk", "cut"])
def test_an_answer_that_is_not_http_records_publish_failed(tmp_path, answer, what):
    db = tmp_path / "store.db"
    store = ReviewStore.open(db)
    with serving(answer) as server:
        configure(tmp_path / "f", server.url)
        pid, outcome = approve_via_decide(store, 8)
    url = server.url + "/api/findings/share"
    assert outcome.status == "approved"
    assert f"POST {url}: the server's answer {what}" in outcome.publish_error
    failed = store.latest_event(pid, "publish_failed")
    assert failed.payload["stage"] == "http" and failed.payload["http"] == {"url": url,
                                                                          "status": None}
    store.close()
