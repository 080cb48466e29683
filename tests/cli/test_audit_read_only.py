"""`audit verify` and `audit export` open an existing store read-only: they change nothing,
refuse a path with no store, and work on a copy in a folder nobody may write."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from reviewer.cli import cli
from store import ReviewStore
from tests.factories import as_before_0005, make_proposal

needs_bwrap = pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap not installed")


def audit(db: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", str(db), "audit", *args])


def stored(tmp_path: Path, name: str = "review.db") -> Path:
    path = tmp_path / name
    store = ReviewStore.open(path)
    try:
        pid = store.add_proposal(make_proposal(1), actor="ingest")
        store.reject(pid, reason="reads the labels", actor="bob@example.org")
    finally:
        store.close()
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("command", [["verify"], ["export"]])
def test_a_path_with_no_store_is_an_error_and_creates_nothing(tmp_path, command):
    # Verify once made an empty store at a mistyped path and said "ok: 0 events".
    typo = tmp_path / "reveiw.db"
    result = audit(typo, *command)
    assert result.exit_code == 1
    assert f"no store at {typo}" in result.output
    assert list(tmp_path.iterdir()) == []


def test_verify_does_not_upgrade_an_older_store(tmp_path):
    db = stored(tmp_path)
    as_before_0005(db)
    before = digest(db)
    result = audit(db, "verify")
    assert result.exit_code == 1
    assert "made by an older reviewer" in result.output and "0005_sort_indexes" in result.output
    assert digest(db) == before


def test_verify_refuses_another_programs_database(tmp_path):
    db = tmp_path / "other.db"
    sqlite3.connect(db).execute("CREATE TABLE notes (x)").connection.commit()
    result = audit(db, "verify")
    assert result.exit_code == 1 and "not a reviewer store" in result.output
    assert sqlite3.connect(db).execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'").fetchall() == [("notes",)]


def test_verify_still_finds_tampering_when_read_only(tmp_path):
    db = stored(tmp_path)
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("DROP TRIGGER IF EXISTS events_no_update")
    conn.execute("UPDATE events SET actor = 'mallory' WHERE seq = 2")
    conn.close()
    result = audit(db, "verify")
    assert result.exit_code == 1 and "FAILED" in result.output and "seq 2" in result.output


def _in_read_only_folder(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the CLI with `folder` mounted read-only, as on a read-only copy of a store."""
    argv = ["bwrap", "--bind", "/", "/", "--ro-bind", str(folder), str(folder), "--dev", "/dev",
            "--proc", "/proc", sys.executable, "-m", "reviewer", *args]
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)


@needs_bwrap
def test_verify_and_export_work_in_a_read_only_folder(tmp_path):
    # Opening for a write (WAL, migrations, the head checkpoint) failed there: "unable to
    # open database file", so a read-only copy of a store could not be audited at all.
    folder = tmp_path / "copy"
    folder.mkdir()
    db = stored(folder)
    verified = _in_read_only_folder(folder, "--db", str(db), "audit", "verify")
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.startswith("ok: 2 events, 1 proposals")
    exported = _in_read_only_folder(folder, "--db", str(db), "audit", "export")
    assert exported.returncode == 0, exported.stderr
    assert [line.count('"seq"') for line in exported.stdout.splitlines()] == [1, 1]


@needs_bwrap
def test_a_read_only_folder_with_a_pending_log_is_a_clear_error(tmp_path):
    # Read as immutable, the log's later writes would be missed, so verify would judge an
    # older chain than the one the store holds.
    live = stored(tmp_path)
    writer = sqlite3.connect(live, isolation_level=None)
    writer.execute("PRAGMA wal_autocheckpoint = 0")
    writer.execute("DROP TRIGGER IF EXISTS events_no_update")
    writer.execute("UPDATE events SET actor = actor WHERE seq = 1")
    folder = tmp_path / "copy"
    folder.mkdir()
    for suffix in ("", "-wal"):
        shutil.copy(f"{live}{suffix}", folder / f"review.db{suffix}")
    writer.close()
    result = _in_read_only_folder(folder, "--db", str(folder / "review.db"), "audit", "verify")
    assert result.returncode == 1
    assert "write-ahead log review.db-wal holds changes" in result.stderr
    assert "Traceback" not in result.stderr
