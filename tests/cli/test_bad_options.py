"""Out-of-range numbers, dates and configs, and an unwritable stdout: an error, never a
traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from reviewer.cli import cli
from store import ReviewStore
from tests.cli.test_cli import native, run  # noqa: F401  (fixture)

TOO_BIG = str(2**63)  # one past what SQLite stores: it reached the store as OverflowError


def _one(run, tmp_path: Path, **extra) -> str:  # noqa: F811
    path = tmp_path / "p.json"
    path.write_text(json.dumps(native(1, **extra)))
    return json.loads(run("ingest", "--json", str(path)).output)["added"][0]


@pytest.mark.parametrize(
    "args",
    [
        ("list", "--offset", TOO_BIG),
        ("list", "--search", "variant", "--offset", TOO_BIG),
        ("rerun", "--cancel", TOO_BIG),
        ("rerun", "abcd", "--priority", TOO_BIG, "--unsafe-no-sandbox"),
        ("rerun", "abcd", "--seed-list", "1,2147483648", "--unsafe-no-sandbox"),
        ("rerun", "abcd", "--seed-list", "-1", "--unsafe-no-sandbox"),
    ],
)
def test_numbers_past_what_the_store_takes_are_usage_errors(run, args):  # noqa: F811
    out = run(*args)
    assert out.exit_code == 2 and "Invalid value" in out.output, out.output


def test_resolving_a_check_number_too_big_is_a_usage_error(run, tmp_path):  # noqa: F811
    pid = _one(run, tmp_path)
    out = run("check", pid, "--resolve", TOO_BIG, "--reason", "r")
    assert out.exit_code == 2 and "Invalid value for '--resolve'" in out.output


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_a_since_date_out_of_range_in_utc_is_a_usage_error(run, tmp_path, when):  # noqa: F811
    _one(run, tmp_path)
    out = run("report", "--since", when)
    assert out.exit_code == 2 and f"{when!r} is out of range in UTC" in out.output


def test_check_with_a_broken_harness_table_names_the_key(run, tmp_path, monkeypatch):  # noqa: F811
    home = tmp_path / "home"
    (home / "config").mkdir(parents=True)
    (home / "config" / "config.toml").write_text("[harness]\nx = 1\n")
    monkeypatch.setenv("REVIEWER_HOME", str(home))
    diff = "--- /dev/null\n+++ b/ideas/x.py\n@@ -0,0 +1 @@\n+x = 1\n"
    pid = _one(run, tmp_path, harness="w2s-sandbox", base="abcdef1", diff=diff)
    out = run("check", pid)
    assert out.exit_code == 1
    assert out.output.strip().endswith("config.toml: harness.x: must be a table"), out.output


def test_an_empty_override_reason_reads_right(run, tmp_path):  # noqa: F811
    pid = _one(run, tmp_path)
    out = run("approve", pid, "--reason", "r", "--override", " ")
    assert out.exit_code == 1 and "an override reason is required" in out.output


@pytest.mark.parametrize(("args", "message"), [
    (["approve", "--reason", "\u200b", "--override", "\u2060"], "a reason is required"),
    (["approve", "--reason", "fine", "--override", "\u2060\x07"],
     "an override reason is required"),
    (["reject", "--reason", "\x07\x1b"], "a reason is required"),
    (["comment", "\u200b\u200c"], "a comment is required"),
    (["comment", "caf\udce9"], "the comment holds bytes that are not UTF-8"),  # argv not UTF-8
    (["comment", "\u3164\u2800\u0301\ufe0f"], "a comment is required"),  # blank letters, marks
])
def test_text_showing_nothing_or_not_utf8_is_refused_and_nothing_recorded(
        run, tmp_path, args, message):  # noqa: F811
    """A reason of zero-width or control characters alone passed as given and printed blank,
    an override past high checks included; an argument that was not UTF-8 was a traceback."""
    pid = _one(run, tmp_path)
    out = run(args[0], pid, *args[1:])
    assert out.exit_code == 1 and message in out.output and "Traceback" not in out.output
    store = ReviewStore.open(run.db)
    try:
        actions = {e.action for e in store.events(pid)}
        assert not actions & {"approve", "override", "reject", "comment"}, actions
        assert store.get(pid)["status"] == "pending"
    finally:
        store.close()


@pytest.mark.parametrize("text", ["שלום", "é", "👍", "\U0001fae8", "a\u200bb"])
def test_text_in_any_script_or_a_newer_emoji_is_a_reason(run, tmp_path, text):  # noqa: F811
    pid = _one(run, tmp_path)
    assert run("comment", pid, text).exit_code == 0


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_disk_under_stdout_is_one_line(tmp_path):
    env = {**os.environ, "REVIEWER_HOME": str(tmp_path / "home")}
    ReviewStore.open(tmp_path / "s.db").close()
    with open("/dev/full", "w") as full:
        ran = subprocess.run([sys.executable, "-m", "reviewer", "--db", str(tmp_path / "s.db"),
                              "list", "--json"], stdout=full, stderr=subprocess.PIPE,
                             text=True, env=env, timeout=120, check=False)
    assert ran.returncode == 1
    assert ran.stderr == "Error: No space left on device\n", ran.stderr


@pytest.mark.parametrize("text", ["*", '"', "-", "  "])
def test_a_search_with_no_word_says_so(run, tmp_path, text):  # noqa: F811
    _one(run, tmp_path)
    out = run("search", text)
    assert out.exit_code == 2 and "Invalid value for TEXT: has no word to search for" in (
        out.output), out.output


@pytest.mark.parametrize("command", [["list"], ["show", "abcd"], ["report"], ["jobs"],
                                     ["agents"], ["search", "teacher"], ["worker", "--once"]])
def test_a_mistyped_store_path_is_an_error_and_creates_nothing(tmp_path, command):
    # A typo in --db made a new, empty store, and `list` said "0 of 0" as if the work were gone.
    missing = tmp_path / "stroe.db"
    out = CliRunner().invoke(cli, ["--db", str(missing), *command])
    assert out.exit_code == 1 and f"no store at {missing}" in out.output, out.output
    assert list(tmp_path.iterdir()) == []


def test_ingest_still_makes_a_new_store(tmp_path):
    file = tmp_path / "p.json"
    file.write_text(json.dumps(native(1)))
    out = CliRunner().invoke(cli, ["--db", str(tmp_path / "new.db"), "ingest", str(file)])
    assert out.exit_code == 0, out.output
    assert (tmp_path / "new.db").exists()


def test_an_empty_file_is_no_store_either(tmp_path):
    empty = tmp_path / "empty.db"
    empty.touch()
    out = CliRunner().invoke(cli, ["--db", str(empty), "list"])
    assert out.exit_code == 1 and f"no store at {empty}" in out.output
    assert empty.stat().st_size == 0


def test_a_source_that_cannot_be_read_is_not_called_a_rejected_file(tmp_path):
    import socket

    with socket.socket() as sock:  # a loopback port nothing listens on once it is closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    db = tmp_path / "s.db"
    out = CliRunner().invoke(cli, ["--db", str(db), "pull", f"http://127.0.0.1:{port}/"])
    assert out.exit_code == 1
    assert "rejected files 0, could not read 1" in out.output and "cannot fetch" in out.output
    out = CliRunner().invoke(cli, ["--db", str(db), "ingest-git", str(tmp_path / "nowhere")])
    assert "rejected commits 0, could not read 1" in out.output, out.output


def test_export_to_a_file_says_so_and_diff_parent_names_the_proposal(run, tmp_path):  # noqa: F811
    pid = _one(run, tmp_path)
    out = run("audit", "export", "-o", str(tmp_path / "log.jsonl"))
    assert out.exit_code == 0 and f"wrote {tmp_path / 'log.jsonl'}" in out.output
    out = run("diff", pid, "--parent")
    assert out.exit_code == 1
    assert f"{pid[:12]}: it names no proposal it builds on" in out.output, out.output
