"""Approving from the CLI publishes when `[publish]` is configured; a failure keeps the decision."""

from __future__ import annotations

import json
import socket

from reviewer import paths
from tests.cli.test_cli import ingest_ids, proposals_file, run  # noqa: F401  (fixtures)


def write_config(text: str) -> None:
    file = paths.config_file()
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(text)


def test_approval_publishes_into_the_folder(run, proposals_file, tmp_path):  # noqa: F811
    folder = tmp_path / "findings"
    folder.mkdir()
    write_config(f'[publish]\nfolder = "{folder}"\n')
    pid = ingest_ids(run, proposals_file)[0]
    result = run("approve", pid, "--reason", "ok", "--override", "no GPU in this test")
    assert result.exit_code == 0, result.output
    assert f"published to {folder}" in result.output
    files = sorted(p.name for p in folder.iterdir())
    assert any(name.startswith(pid[:12]) and name.endswith(".json") for name in files)
    shown = json.loads(run("show", "--json", pid).output)
    assert shown["published"] is not None and shown["status"] == "approved"


def test_a_publish_failure_keeps_the_decision(run, proposals_file, tmp_path):  # noqa: F811
    folder = tmp_path / "findings"
    folder.mkdir()
    with socket.socket() as closed:  # a port nobody listens on once this socket closes
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    write_config(f'[publish]\nfolder = "{folder}"\nhttp_url = "http://127.0.0.1:{port}"\n')
    pid = ingest_ids(run, proposals_file)[0]
    result = run("approve", pid, "--reason", "ok", "--override", "test")
    assert result.exit_code == 0
    assert "the decision stands but publishing failed" in result.output
    assert json.loads(run("show", "--json", pid).output)["status"] == "approved"
    events = json.loads(run("audit", "export", "--format", "jsonl").output.splitlines()[-1])
    assert events["action"] == "publish_failed"


def test_a_broken_publish_config_stops_the_decision(run, proposals_file, tmp_path):  # noqa: F811
    target = tmp_path / "not-a-folder"
    target.write_text("a file where the folder should be")
    write_config(f'[publish]\nfolder = "{target}"\n')
    pid = ingest_ids(run, proposals_file)[0]
    result = run("approve", pid, "--reason", "ok", "--override", "test")
    assert result.exit_code == 1 and "publish.folder" in result.output
    assert json.loads(run("show", "--json", pid).output)["status"] == "pending"


def test_reject_records_no_finding(run, proposals_file, tmp_path):  # noqa: F811
    folder = tmp_path / "findings"
    folder.mkdir()
    write_config(f'[publish]\nfolder = "{folder}"\n')
    pid = ingest_ids(run, proposals_file)[0]
    assert run("reject", pid, "--reason", "best of n").exit_code == 0
    assert list(folder.iterdir()) == []
