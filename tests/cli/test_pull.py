"""`reviewer pull URL` against a real HTTP server on loopback."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from click.testing import CliRunner

from reviewer.cli import cli

FINDING = {
    "id": 41, "post_id": 7, "title": "Confidence filter at 0.8", "content": "Filtering helps.",
    "finding_type": "result", "idea_name": "conf_filter", "run_id": "run-abc",
    "dataset": "sciq", "weak_model": "qwen-0.5b", "strong_model": "qwen-7b", "pgr": 0.41,
    "pgr_se": 0.03, "pgr_delta": 0.1, "transfer_acc": 0.8, "transfer_acc_se": 0.01,
    "weak_acc": 0.7, "strong_acc": 0.94, "num_seeds": 3, "seeds": [1, 2, 3],
    "config": {"lr": 1e-5}, "worked": True, "commit_id": "a" * 40, "parent_commit_id": None,
    "files_snapshot": None, "code_snippet": "def run(): ...", "created_at": "2026-11-01T10:00:00",
}


@pytest.fixture
def server() -> Iterator[tuple[str, list[str]]]:
    paths: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            paths.append(self.path)
            if self.path == "/api/findings/all":
                body = json.dumps({"findings": [FINDING]}).encode()
                self.send_response(200)
            else:
                body = b"nope"
                self.send_response(404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", paths
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_pull_ingests_findings_and_is_idempotent(server, tmp_path):
    url, paths = server
    db = str(tmp_path / "pull.db")
    first = CliRunner().invoke(cli, ["--db", db, "pull", "--json", url + "/"])
    assert first.exit_code == 0, first.output
    added = json.loads(first.output)["added"]
    assert len(added) == 1 and paths == ["/api/findings/all"]
    second = json.loads(CliRunner().invoke(cli, ["--db", db, "pull", "--json", url]).output)
    assert second["added"] == [] and second["present"] == added
    shown = json.loads(CliRunner().invoke(cli, ["--db", db, "show", "--json", added[0]]).output)
    assert shown["title"] == FINDING["title"] and shown["claimed"]["pgr"] == 0.41
    assert shown["source_format"] == "sandbox_finding" and shown["external_id"] == "41"


def test_pull_error_is_clean_and_stores_nothing(server, tmp_path):
    url, _ = server
    db = str(tmp_path / "pull.db")
    result = CliRunner().invoke(cli, ["--db", db, "pull", url + "/missing"])
    assert result.exit_code == 1 and "404" in result.output
    listed = CliRunner().invoke(cli, ["--db", db, "list", "--json"]).output
    assert json.loads(listed) == []
