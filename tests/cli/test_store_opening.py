"""Which file counts as a store, and how one in a folder nobody may write is read: a command
that needs a store refuses a database with no tables instead of making one there, and the
reading commands read a store on a read-only mount as `audit verify` does."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from store import ReviewStore
from tests.cli.test_cli import ingest_ids, proposals_file, run  # noqa: F401  (fixtures)
from tests.factories import make_proposal

needs_bwrap = pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap not installed")


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _tables(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    finally:
        conn.close()


def _tableless(path: Path) -> Path:
    # A valid SQLite file and nothing in it (a user version or application id set would mark
    # it as another program's: see tests/store/test_foreign_file_untouched.py).
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE gone (x)")
    conn.execute("DROP TABLE gone")
    conn.close()
    return path


@pytest.mark.parametrize("command", [["list"], ["show", "abcd"], ["agents"], ["jobs"]])
def test_a_database_with_no_tables_is_no_store(run, command):  # noqa: F811
    db = _tableless(run.db)
    before = _digest(db)
    result = run(*command)
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: no store at {db}: ingest proposals first")
    assert _digest(db) == before and _tables(db) == []


def test_ingest_still_makes_a_store_in_a_database_with_no_tables(run, proposals_file):  # noqa: F811
    _tableless(run.db)
    assert len(ingest_ids(run, proposals_file)) == 3
    assert run("list").exit_code == 0


def test_list_leaves_another_programs_database_as_it_was(run):  # noqa: F811
    conn = sqlite3.connect(run.db)
    conn.execute("CREATE TABLE notes (body TEXT)")
    conn.commit()
    conn.close()
    before = _digest(run.db)
    result = run("list")
    assert result.exit_code == 1 and "tables of another program (notes)" in result.output
    assert _digest(run.db) == before
    assert not Path(f"{run.db}-wal").exists()


def _in_read_only_folder(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the CLI with `folder` mounted read-only, as on a read-only copy of a store."""
    argv = ["bwrap", "--bind", "/", "/", "--ro-bind", str(folder), str(folder), "--dev", "/dev",
            "--proc", "/proc", sys.executable, "-m", "reviewer", *args]
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)


def _stored(folder: Path) -> tuple[Path, str]:
    folder.mkdir()
    db = folder / "review.db"
    store = ReviewStore.open(db)
    try:
        pid = store.add_proposal(make_proposal(1), actor="ingest")
        store.comment(pid, "looked at it", actor="bob@example.org")
    finally:
        store.close()
    return db, pid


@needs_bwrap
@pytest.mark.parametrize(
    "command",
    [["list"], ["show", "{pid}"], ["search", "logconf"], ["agents"], ["jobs", "--all"],
     ["report", "{pid}"], ["findings", "list"], ["list", "--json"]],
)
def test_reading_commands_read_a_store_in_a_read_only_folder(tmp_path, command):
    # Opened for writing (WAL needs a -shm file beside the store) they failed with "unable
    # to open database file", though `audit verify` read the same store.
    db, pid = _stored(tmp_path / "copy")
    before, files = _digest(db), sorted(db.parent.iterdir())
    args = [part.format(pid=pid) for part in command]
    result = _in_read_only_folder(db.parent, "--db", str(db), *args)
    assert result.returncode == 0, result.stderr
    if args == ["list", "--json"]:
        assert [row["id"] for row in json.loads(result.stdout)] == [pid]
    assert _digest(db) == before and sorted(db.parent.iterdir()) == files


@needs_bwrap
@pytest.mark.parametrize("command",
                         [["comment", "{pid}", "hi"], ["reject", "{pid}", "--reason", "r"]])
def test_a_write_in_a_read_only_folder_names_the_folder(tmp_path, command):
    db, pid = _stored(tmp_path / "copy")
    result = _in_read_only_folder(db.parent, "--db", str(db),
                                  *[part.format(pid=pid) for part in command])
    assert result.returncode == 1
    assert result.stderr.startswith(
        f"Error: {db}: cannot change the store: its folder {db.parent} is read-only")
    assert "`audit verify` and `audit export` still work" in result.stderr
    assert "Traceback" not in result.stderr
