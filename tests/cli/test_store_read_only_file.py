"""A store file this user cannot write (mode 444, another user's, a read-only bind) is read by
the reading commands and refused by the others with an error naming the file, before SQLite
half-makes a write that leaves `-wal`/`-shm` behind; and such leftovers in a read-only folder
do not hide the folder's own message."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from reviewer.cli import cli
from store import ReviewStore
from tests.factories import make_proposal

needs_bwrap = pytest.mark.skipif(shutil.which("bwrap") is None,
                                 reason="bubblewrap not installed")

WRITES = [["comment", "{pid}", "hi"], ["reject", "{pid}", "--reason", "r"],
          ["rerun", "{pid}", "--seeds", "1"], ["check", "--all"], ["ingest", "{proposal}"]]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _stored(folder: Path) -> tuple[Path, str]:
    folder.mkdir()
    db = folder / "review.db"
    store = ReviewStore.open(db)
    try:
        pid = store.add_proposal(make_proposal(1), actor="ingest")
    finally:
        store.close()
    return db, pid


def _with_read_only(paths: list[Path], *args: str) -> subprocess.CompletedProcess[str]:
    """Run the CLI with each of `paths` bound read-only over itself: the kernel refuses its
    writes even to root, as a mode of 444 does to its non-root owner."""
    binds = [part for p in paths for part in ("--ro-bind", str(p), str(p))]
    argv = ["bwrap", "--bind", "/", "/", *binds, "--dev", "/dev", "--proc", "/proc",
            sys.executable, "-m", "reviewer", *args]
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)


def _args(command: list[str], pid: str, proposal: Path) -> list[str]:
    return [part.format(pid=pid, proposal=proposal) for part in command]


@needs_bwrap
@pytest.mark.parametrize("command", WRITES)
def test_a_write_to_a_read_only_store_file_names_the_file(tmp_path, command):
    db, pid = _stored(tmp_path / "st")
    proposal = tmp_path / "p.json"
    proposal.write_text('{"agent": "a"}')
    before, files = _digest(db), sorted(db.parent.iterdir())
    result = _with_read_only([db], "--db", str(db), *_args(command, pid, proposal))
    assert result.returncode == 1, result.stdout
    assert result.stderr.startswith(
        f"Error: {db}: cannot change the store: the file {db} is read-only for this user")
    assert "readonly database" not in result.stderr and "run the ingest again" not in result.stderr
    assert _digest(db) == before
    assert sorted(db.parent.iterdir()) == files  # no -wal, no -shm


@needs_bwrap
@pytest.mark.parametrize("command", [["list"], ["show", "{pid}"], ["agents"]])
def test_the_reading_commands_read_a_read_only_store_file(tmp_path, command):
    db, pid = _stored(tmp_path / "st")
    before = _digest(db)
    result = _with_read_only([db], "--db", str(db), *_args(command, pid, tmp_path))
    assert result.returncode == 0, result.stderr
    assert pid[:12] in result.stdout or command == ["agents"]
    assert _digest(db) == before


@needs_bwrap
def test_another_users_shm_file_is_named(tmp_path):
    db, pid = _stored(tmp_path / "st")
    _leave_wal_files(db)
    shm = Path(f"{db}-shm")
    result = _with_read_only([shm], "--db", str(db), "comment", pid, "hi")
    assert result.returncode == 1
    assert result.stderr.startswith(
        f"Error: {db}: cannot change the store: the file {shm} is read-only for this user")


def _leave_wal_files(db: Path) -> None:
    """What a reader that cannot write the store leaves in a writable folder: -wal and -shm."""
    conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    finally:
        conn.close()
    assert Path(f"{db}-wal").exists() and Path(f"{db}-shm").exists()


@needs_bwrap
def test_leftover_wal_files_in_a_read_only_folder_still_name_the_folder(tmp_path):
    db, pid = _stored(tmp_path / "st")
    _leave_wal_files(db)
    result = _with_read_only([db.parent], "--db", str(db), "comment", pid, "hi")
    assert result.returncode == 1
    assert result.stderr.startswith(
        f"Error: {db}: cannot change the store: its folder {db.parent} is read-only")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes a file of mode 444")
def test_a_store_file_of_mode_444_names_the_file(tmp_path):
    db, pid = _stored(tmp_path / "st")
    db.chmod(0o444)
    result = CliRunner().invoke(cli, ["--db", str(db), "comment", pid, "hi"])
    assert result.exit_code == 1
    assert result.output.startswith(
        f"Error: {db}: cannot change the store: the file {db} is read-only for this user")
    assert CliRunner().invoke(cli, ["--db", str(db), "show", pid]).exit_code == 0
