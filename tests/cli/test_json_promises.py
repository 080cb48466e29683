"""Every verb that takes `--json` prints JSON, and `--version` names the JSON shapes' version."""

from __future__ import annotations

import json
from importlib.metadata import version
from pathlib import Path

from click.testing import CliRunner

from reviewer.cli import cli
from reviewer.shape_version import SHAPE_VERSION
from tests.cli.test_cli import ingest_ids, native, proposals_file, run  # noqa: F401  (fixtures)
from tests.cli.test_decide_publish import write_config
from tests.factories import new_file_diff

HACK = Path(__file__).resolve().parents[2] / "samples" / "proposals" / "05_hack_majority_class.json"

# The keys the README's JSON shapes section documents for `publish --json`.
PUBLISH_KEYS = {"proposal_id", "kind", "folder", "file", "written", "commit", "committed",
                "pushed", "push_attempts", "remote", "http", "finding_sha256", "diff_sha256",
                "event_seq", "unchanged"}


def _queued_job(run, tmp_path: Path) -> tuple[str, int]:  # noqa: F811
    """A proposal with code and the number of the rerun queued for it."""
    path = tmp_path / "coded.json"
    path.write_text(json.dumps(native(1, diff=new_file_diff("methods/variant_1.py", "x = 1\n"))))
    pid = ingest_ids(run, path)[0]
    queued = run("rerun", pid, "--seeds", "2", "--unsafe-no-sandbox", "--json")
    assert queued.exit_code == 0, queued.output
    return pid, json.loads(queued.stdout)["id"]


def test_check_all_json_is_an_array_of_what_check_id_json_prints(run, proposals_file):  # noqa: F811
    ids = ingest_ids(run, proposals_file)
    result = run("check", "--all", "--json")
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert sorted(item["id"] for item in printed) == sorted(ids)
    for item in printed:
        assert item == json.loads(run("check", item["id"], "--json").stdout)


def test_check_all_json_on_an_empty_store_is_an_empty_array(run, tmp_path):  # noqa: F811
    path = tmp_path / "none.json"
    path.write_text("[]")
    assert run("ingest", str(path)).exit_code == 0
    result = run("check", "--all", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout) == []


def test_resolving_a_check_with_json_prints_the_resolution(run):  # noqa: F811
    pid = ingest_ids(run, HACK)[0]
    check = json.loads(run("check", pid, "--json").stdout)["checks"][0]
    result = run("check", pid, "--resolve", str(check["id"]), "--reason", "read it", "--json")
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert printed == {"id": pid, "check": check["id"],
                       "resolved": {**printed["resolved"], "by": "alice@example.org",
                                    "reason": "read it"}}
    shown = json.loads(run("check", pid, "--json").stdout)["checks"]
    assert next(c for c in shown if c["id"] == check["id"])["resolved"] == printed["resolved"]


def test_cancel_json_prints_the_job_as_jobs_json_does(run, tmp_path):  # noqa: F811
    pid, job = _queued_job(run, tmp_path)
    result = run("rerun", "--cancel", str(job), "--json")
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert printed["id"] == job and printed["state"] == "cancelled"
    assert printed["proposal_id"] == pid
    listed = json.loads(run("jobs", "--all", "--json").stdout)
    assert printed == next(item for item in listed if item["id"] == job)


def test_a_failed_cancel_with_json_says_why_on_stderr_and_exits_1(run, tmp_path):  # noqa: F811
    _, job = _queued_job(run, tmp_path)
    assert run("rerun", "--cancel", str(job)).exit_code == 0
    again = run("rerun", "--cancel", str(job), "--json")
    assert again.exit_code == 1 and again.stdout == ""
    assert f"job {job} is already cancelled" in again.stderr


def test_version_names_the_package_and_the_json_shapes_version():
    result = CliRunner().invoke(cli, ["--version"], prog_name="reviewer")
    assert result.exit_code == 0
    wanted = f"reviewer {version('w2s-reviewer')} (JSON shapes version {SHAPE_VERSION})\n"
    assert result.stdout == wanted


def test_publish_json_prints_the_documented_keys(run, proposals_file, tmp_path):  # noqa: F811
    folder = tmp_path / "findings"
    folder.mkdir()
    write_config(f'[publish]\nfolder = "{folder}"\n')
    pid = ingest_ids(run, proposals_file)[0]
    assert run("approve", pid, "--reason", "ok", "--override", "no GPU here").exit_code == 0
    result = run("publish", pid, "--json")
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert set(printed) == PUBLISH_KEYS
    assert printed["proposal_id"] == pid and printed["unchanged"] is True
