"""`reviewer publish ID`, `reviewer findings list` and `reviewer findings export`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from reviewer import paths
from reviewer.cli import cli
from store import ReviewStore
from tests.publish.helpers import add, approved


@pytest.fixture
def env(tmp_path):
    db = tmp_path / "cli.db"
    store = ReviewStore.open(db)

    def run(*args: str):
        return CliRunner().invoke(cli, ["--db", str(db), "--actor", "alice@example.org", *args],
                                  catch_exceptions=False)

    def configure(body: str) -> None:
        paths.config_file().parent.mkdir(parents=True, exist_ok=True)
        paths.config_file().write_text(body)

    yield store, run, configure
    store.close()


def test_publish_without_config_says_how_to_configure(env):
    store, run, _ = env
    pid = approved(store, 1)
    result = run("publish", pid[:8])
    assert result.exit_code == 1
    assert "publishing is not configured" in result.output
    assert "[publish]" in result.output and str(paths.config_file()) in result.output
    # An empty list with nothing configured said only "0 published findings".
    listed = run("findings", "list").output
    assert "0 published findings" in listed and "no [publish] folder is set" in listed


def test_bad_config_names_the_key(env):
    store, run, configure = env
    pid = approved(store, 1)
    configure('[publish]\nfolder = "not/absolute"\n')
    result = run("publish", pid)
    assert result.exit_code == 1 and "publish.folder: must be an absolute path" in result.output


def test_publish_then_list_then_export(env, tmp_path):
    store, run, configure = env
    folder = tmp_path / "shared"
    configure(f'[publish]\nfolder = "{folder}"\n')
    first, second = approved(store, 1), approved(store, 2)
    pending = add(store, 3)

    out = run("publish", first[:8])
    assert out.exit_code == 0, out.output
    assert out.output.startswith(f"published {first[:12]}: {folder}/{first[:12]}_idea_1.json")
    data = json.loads(run("publish", "--json", second).output)
    assert data["unchanged"] is False and data["file"].endswith("_idea_2.json")
    again = json.loads(run("publish", "--json", second).output)
    assert again["unchanged"] is True and again["finding_sha256"] == data["finding_sha256"]
    refused = run("publish", pending)
    assert refused.exit_code == 1 and "only approved proposals are published" in refused.output

    rows = json.loads(run("findings", "list", "--json").output)
    assert [r["proposal_id"] for r in rows] == [first, second]
    assert rows[0]["pgr"] == pytest.approx(0.6) and rows[0]["status"] == "approved"
    assert rows[0]["file"] == f"{folder}/{first[:12]}_idea_1.json" and rows[0]["commit"] is None
    text = run("findings", "list").output
    assert first[:12] in text and "0.600" in text

    store.undo(second, actor="bob", reason="second look")
    export = tmp_path / "export"
    listed = json.loads(run("findings", "export", "--json", str(export)).output)
    names = sorted(Path(p).name for p in listed["files"])
    stem = f"{first[:12]}_idea_1"
    assert names == [f"{stem}.json", f"{stem}.md", f"{stem}.patch"]  # the undone one is left out
    assert (export / f"{stem}.json").read_bytes() == (folder / f"{stem}.json").read_bytes()
    assert not (export / ".git").exists()
    busy = run("findings", "export", str(export))
    assert busy.exit_code == 1 and "is not empty" in busy.output


def test_publish_a_rejection_when_configured(env, tmp_path):
    store, run, configure = env
    folder = tmp_path / "shared"
    configure(f'[publish]\nfolder = "{folder}"\nrejected = true\n')
    pid = add(store, 4)
    store.reject(pid, reason="reads labels", actor="bob")
    out = run("publish", pid)
    assert out.exit_code == 0, out.output
    assert out.output.startswith(f"rejection recorded {pid[:12]}")
    assert (folder / "rejected" / f"{pid[:12]}_idea_4.json").exists()
    assert json.loads(run("findings", "list", "--json").output) == []
