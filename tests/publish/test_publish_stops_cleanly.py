"""`reviewer publish` on bad state or a hostile folder: one line naming the record, exit 1,
never a traceback; and a withdrawal that cannot take the publish lock is recorded as a
publish's is."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from reviewer import paths
from reviewer.cli import cli
from reviewer.commands.ingest import withdraw_voided
from reviewer.commands.ingest_report import IngestReport
from reviewer.decide import undo
from reviewer.present.history import publication_text
from reviewer.publish import publish, published
from reviewer.publish.record import FAILED, LOCK_STAGE, unlanded
from reviewer.publish.withdraw import unbacked
from store import ReviewStore
from tests.publish.helpers import approved, configure, git


def run(db: Path, *args: str) -> Result:
    """The command, with any exception other than a clean exit raised into the test."""
    result = CliRunner().invoke(cli, ["--db", str(db), "--actor", "alice@example.org", *args],
                                catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


def one_error_line(result: Result) -> str:
    assert result.exit_code == 1, result.output
    [line] = result.stderr.splitlines()
    assert line.startswith("Error: ")
    return line


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "publish.db"


def test_a_hook_whose_output_is_not_utf8_fails_the_commit_as_any_refusal_does(db, tmp_path):
    # A pre-commit hook in the findings repository writes a byte no text decoding takes:
    # git's output could not be read, and the UnicodeDecodeError escaped the undo of the
    # record's files, leaving them staged with no publish_failed.
    store = ReviewStore.open(db)
    pid = approved(store, 1)
    store.close()
    folder = tmp_path / "shared"
    folder.mkdir()
    git(folder, "init", "--quiet", "-b", "main")
    hook = folder / ".git" / "hooks" / "pre-commit"
    hook.write_bytes(b"#!/bin/sh\nprintf 'refused \\377 here\\n' >&2\nexit 1\n")
    hook.chmod(0o755)
    configure(folder)

    line = one_error_line(run(db, "publish", pid[:12]))
    assert "git commit --quiet failed" in line and "refused \ufffd here" in line
    assert f"`reviewer publish {pid[:12]}`, or the next ingest, retries" in line
    # Taken back out: nothing staged or left in the folder, and the failure is recorded.
    assert git(folder, "status", "--porcelain").strip() == ""
    assert [p for p in folder.rglob("*.json") if ".git" not in p.parts] == []
    store = ReviewStore.open(db)
    assert [e.payload["stage"] for e in store.events(pid) if e.action == FAILED] == ["commit"]
    store.close()


def test_a_record_the_store_cannot_read_stops_the_publish_in_one_line(db, tmp_path):
    # A title tampered into bytes that are not UTF-8: reading the row raised sqlite3's
    # OperationalError as a traceback.
    store = ReviewStore.open(db)
    pid = approved(store, 2)
    store.close()
    configure(tmp_path / "shared")
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("UPDATE proposals SET title = CAST(x'ff41' AS TEXT) WHERE id = ?", (pid,))
    conn.close()

    line = one_error_line(run(db, "publish", pid))
    assert line.startswith(f"Error: {pid}: publishing stopped: the store: Could not decode "
                           "to UTF-8 column 'title'")


def test_a_measurement_tampered_to_nan_stops_the_publish_in_one_line(db, tmp_path):
    # The shared finding is strict JSON: a NaN put into the stored rerun result raised
    # ValueError from json.dumps as a traceback.
    store = ReviewStore.open(db)
    pid = approved(store, 3)
    job = store.jobs.for_proposal(pid)[-1]
    store.close()
    folder = tmp_path / "shared"
    configure(folder)
    conn = sqlite3.connect(db, isolation_level=None)
    result = json.loads(conn.execute("SELECT result FROM jobs WHERE id = ?", (job.id,))
                        .fetchone()[0])
    result["pgr_mean"] = float("nan")
    conn.execute("UPDATE jobs SET result = ? WHERE id = ?", (json.dumps(result), job.id))
    conn.close()

    line = one_error_line(run(db, "publish", pid[:8]))
    assert line.startswith(f"Error: {pid[:8]}: publishing stopped: ValueError: Out of range "
                           "float values are not JSON compliant")
    assert not folder.exists() or list(folder.iterdir()) == []


def block_the_lock_folder() -> Path:
    """A file where the lock folder goes: the cache folder is unfit to hold the lock."""
    blocker = paths.cache_dir() / "publish-locks"
    shutil.rmtree(blocker)  # the publish before made it
    blocker.write_text("not a folder\n")
    return blocker


def test_a_withdrawal_that_cannot_take_the_lock_is_recorded_and_the_ingest_finishes_it(
        mem_store, tmp_path):
    folder = tmp_path / "shared"
    config = configure(folder)
    pid = approved(mem_store, 4)
    publish(mem_store, pid, actor="alice", config=config)
    blocker = block_the_lock_folder()

    outcome = undo(mem_store, pid, actor="bob", reason="second look")
    assert outcome.status == "pending" and outcome.withdrawn is None
    assert outcome.publish_error is not None and "publish lock" in outcome.publish_error
    assert str(paths.cache_dir()) in outcome.publish_error
    failed = mem_store.latest_event(pid, FAILED)
    assert failed is not None, "the failed withdrawal left no publish_failed event"
    assert failed.payload["stage"] == LOCK_STAGE and failed.payload["withdraw"] is True
    assert failed.payload["file"] == published(mem_store, pid)["file"]
    assert publication_text(FAILED, failed.payload).startswith("withdrawal failed at lock: ")
    assert unbacked(mem_store) == [pid] and unlanded(mem_store) == []  # never published again

    blocker.unlink()
    report = IngestReport()
    withdraw_voided(mem_store, [], "ingest", report)
    assert report.warnings == [] and published(mem_store, pid) is None
    assert sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) == []
    assert mem_store.verify().ok
