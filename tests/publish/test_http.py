"""POSTing published findings to a W2S sandbox server started on 127.0.0.1 by the test."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

import pytest

from reviewer.publish import PublishConfig, PublishError, publish, published
from tests.loopback import running
from tests.publish.helpers import approved


@dataclass
class Server:
    url: str
    status: int = 201
    requests: list[tuple[str, str, bytes]] = field(default_factory=list)


@pytest.fixture
def server() -> Iterator[Server]:
    state = Server(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.requests.append((self.path, self.headers["Content-Type"], body))
            self.send_response(state.status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args: object) -> None:
            pass

    with running(Handler) as url:
        state.url = url
        yield state


def test_the_finding_json_is_posted(mem_store, server, tmp_path):
    pid = approved(mem_store, 1)
    cfg = PublishConfig(folder=tmp_path / "f", http_url=server.url + "/", http_timeout_s=10)
    result = publish(mem_store, pid, actor="alice", config=cfg)
    [(path, ctype, body)] = server.requests
    assert path == "/api/findings/share" and ctype.startswith("application/json")
    assert body == result.file.read_bytes()
    sent = json.loads(body)
    assert sent["id"] == pid[:12] and sent["pgr"] == pytest.approx(0.6)
    assert sent["claimed"]["pgr"] == 0.57
    url = server.url + "/api/findings/share"
    assert result.http == {"url": url, "status": 201}
    assert published(mem_store, pid)["http"] == {"url": url, "status": 201}

    again = publish(mem_store, pid, actor="alice", config=cfg)
    assert again.unchanged and len(server.requests) == 1  # the same bytes are not re-sent


def test_a_server_error_records_publish_failed(mem_store, server, tmp_path):
    server.status = 500
    pid = approved(mem_store, 2)
    cfg = PublishConfig(folder=tmp_path / "f", http_url=server.url)
    with pytest.raises(PublishError, match=r"POST http://127\.0\.0\.1:\d+/api/findings/share "
                                           r"answered 500"):
        publish(mem_store, pid, actor="alice", config=cfg)
    failed = mem_store.latest_event(pid, "publish_failed")
    assert failed.payload["stage"] == "http"
    assert failed.payload["http"] == {"url": server.url + "/api/findings/share", "status": 500}
    assert "500" in failed.payload["error"]
    # The files landed before the POST, so the record is live (an undo withdraws it); the
    # POST's answer is what the later publish_failed says.
    assert published(mem_store, pid)["http"] == {"url": server.url + "/api/findings/share",
                                                 "status": None}
    assert (tmp_path / "f" / f"{pid[:12]}_idea_2.json").exists()  # the folder copy stays

    server.status = 200
    result = publish(mem_store, pid, actor="alice", config=cfg)
    assert result.http["status"] == 200 and len(server.requests) == 2
    assert published(mem_store, pid)["http"]["status"] == 200


def test_an_unreachable_server_is_a_clear_error(mem_store, server, tmp_path):
    pid = approved(mem_store, 3)
    dead = server.url.rsplit(":", 1)[0] + ":1"
    with pytest.raises(PublishError, match=r"POST http://127\.0\.0\.1:1/api/findings/share failed"):
        publish(mem_store, pid, actor="alice",
                config=PublishConfig(folder=tmp_path / "f", http_url=dead, http_timeout_s=5))
    assert mem_store.latest_event(pid, "publish_failed").payload["http"]["status"] is None


def test_withdrawing_names_the_copy_the_server_keeps(mem_store, server, tmp_path):
    from click.testing import CliRunner

    from reviewer import paths
    from reviewer.cli import cli
    from store import ReviewStore

    folder = tmp_path / "f"
    paths.config_file().parent.mkdir(parents=True, exist_ok=True)
    paths.config_file().write_text(
        f'[publish]\nfolder = "{folder}"\nhttp_url = "{server.url}"\n')
    db = tmp_path / "cli.db"
    store = ReviewStore.open(db)
    pid = approved(store, 1)
    publish(store, pid, actor="alice", config=PublishConfig(folder=folder, http_url=server.url))
    store.close()
    assert len(server.requests) == 1
    result = CliRunner().invoke(cli, ["--db", str(db), "--actor", "bob", "undo", pid])
    assert result.exit_code == 0, result.output
    assert f"any copy sent to {server.url}/api/findings/share stays there" in result.output
    store = ReviewStore.open(db)
    event = store.latest_event(pid, "withdraw")
    assert event.payload["http_copy"] == f"{server.url}/api/findings/share"
    assert len(server.requests) == 1  # nothing is sent on withdrawal
    store.close()
