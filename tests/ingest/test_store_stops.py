"""An ingest the store stops part-way (a full disk): what was stored is reported, with how
many files were not, and the parsing pool is shut down before the process exits."""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import resource
import string
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from reviewer.commands import ingest as ingest_cmd
from reviewer.commands.ingest import ingest_paths
from reviewer.ingest import parallel
from store import ReviewStore
from tests.ingest.helpers import NATIVE, write_json

ACTOR = "tester@example.org"


def _proposals(folder: Path, count: int, summary_bytes: int = 20, start: int = 0) -> None:
    for i in range(start, start + count):
        # Seeded letters, a different text in each, so the store cannot share their words.
        summary = "".join(random.Random(i).choices(string.ascii_lowercase + " ", k=summary_bytes))
        write_json(folder / f"{i:03d}.json",
                   {**NATIVE, "title": f"{NATIVE['title']} {i}", "summary": f"s{i} {summary}"})


def test_a_store_that_fills_after_the_first_batch_reports_what_it_stored(tmp_path, monkeypatch):
    monkeypatch.setattr(ingest_cmd, "FILES_PER_TRANSACTION", 4)
    folder = tmp_path / "in"
    _proposals(folder, 10, summary_bytes=30_000)
    store = ReviewStore.open(tmp_path / "store.db")

    def fill_the_store(done: int, _files: int) -> None:
        # The store's file may grow no further: every later batch meets SQLITE_FULL.
        pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
        store.conn.execute(f"PRAGMA max_page_count = {pages}")

    report = ingest_paths(store, [folder], ACTOR, fill_the_store)
    stored = store.conn.execute("SELECT count(*) FROM proposals").fetchone()[0]
    store.close()
    assert report.to_json()["error"] == {"message": "database or disk is full",
                                         "files_done": 4, "files_not_stored": 6}
    assert len(report.added) == stored == 4 and report.errors == [] and report.failed
    assert "stopped after 4 of 10 files (counted above), 6 not stored: run the ingest again" in (
        report.stopped.line())


def test_a_stopped_scan_leaves_the_files_it_did_not_store_for_the_next(tmp_path, monkeypatch):
    monkeypatch.setattr(ingest_cmd, "FILES_PER_TRANSACTION", 4)
    folder = tmp_path / "in"
    _proposals(folder, 10, summary_bytes=30_000)
    store = ReviewStore.open(tmp_path / "store.db")
    pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
    store.conn.execute(f"PRAGMA max_page_count = {pages}")  # not even one batch fits
    seen: set = set()
    first, _ = ingest_cmd.ingest_changed(store, [folder], ACTOR, seen)
    store.conn.execute("PRAGMA max_page_count = 1073741823")
    second, skipped = ingest_cmd.ingest_changed(store, [folder], ACTOR, seen)
    store.close()
    assert first.to_json()["error"] == {"message": "database or disk is full",
                                        "files_done": 0, "files_not_stored": 10}
    assert not first.added and not first.present
    assert (len(second.added), skipped, second.to_json()["error"]) == (10, 0, None)


def _manager_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate()
            if type(t).__name__ == "_ExecutorManagerThread" and t.is_alive()]


def test_a_reader_closed_early_has_shut_its_pool_down(tmp_path, monkeypatch):
    # A pool still finishing its windows when the process exited raced the interpreter's
    # exit handler, which then wrote to a closed pipe (an EBADF traceback after the error).
    monkeypatch.setattr(parallel, "PARALLEL_MIN_FILES", 1)
    monkeypatch.setattr(parallel, "WINDOW", 20)
    monkeypatch.setattr(parallel, "usable_cores", lambda: 3)
    monkeypatch.setattr(parallel, "pool_context", lambda: multiprocessing.get_context("fork"))
    folder = tmp_path / "in"
    _proposals(folder, 200, summary_bytes=2000)
    reader = parallel.iter_read([folder])
    next(reader)
    reader.close()
    assert _manager_threads() == []
    assert multiprocessing.active_children() == []


# A CLI process whose batches are 5 files, parsed in a pool of 2 even on one core.
CLI = """
import sys
from reviewer.commands import ingest
from reviewer.ingest import parallel
ingest.FILES_PER_TRANSACTION = 5
parallel.PARALLEL_MIN_FILES, parallel.WINDOW, parallel.usable_cores = 1, 2, lambda: 3
from reviewer.cli import main
sys.argv[0] = "reviewer"
main()
"""
FILE_LIMIT = 3 * 1024 * 1024  # the first, small batch fits under it; the second cannot


def _ingest_with_a_file_size_limit(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    folder = tmp_path / "in"
    _proposals(folder, 5)
    _proposals(folder, 5, summary_bytes=190_000, start=5)
    env = {**os.environ, "REVIEWER_DB": str(tmp_path / "store.db")}

    def limit() -> None:
        # Python ignores SIGXFSZ, so a write past the limit fails with EFBIG, as on a full disk.
        resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_LIMIT, FILE_LIMIT))

    return subprocess.run([sys.executable, "-c", CLI, "ingest", *args, str(folder)], env=env,
                          capture_output=True, text=True, timeout=120, preexec_fn=limit,
                          check=False)


def test_the_cli_reports_a_stopped_ingest_as_json(tmp_path):
    done = _ingest_with_a_file_size_limit(tmp_path, "--json")
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert len(report["added"]) == 5 and report["errors"] == []
    assert report["error"]["files_done"] == 5 and report["error"]["files_not_stored"] == 5
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr
    store = ReviewStore.open(tmp_path / "store.db")
    stored = {pid for (pid,) in store.conn.execute("SELECT id FROM proposals")}
    store.close()
    assert stored == set(report["added"])


def test_the_cli_says_what_a_stopped_ingest_stored(tmp_path):
    done = _ingest_with_a_file_size_limit(tmp_path)
    assert done.returncode == 1, done.stderr
    assert done.stdout.startswith("added 5, already present 0, diff attached 0, rejected files 0")
    [line] = [x for x in done.stderr.splitlines() if x.startswith("error: the store: ")]
    assert line.endswith("the ingest stopped after 5 of 10 files (counted above), 5 not "
                         "stored: run the ingest again to store them")
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr


@pytest.mark.parametrize("as_json", [False, True])
def test_a_report_with_no_stop_has_a_null_error(as_json, capsys):
    from reviewer.commands.ingest_report import IngestReport, print_report

    print_report(IngestReport(added=["a" * 64]), as_json)
    out = capsys.readouterr().out
    assert json.loads(out)["error"] is None if as_json else out.startswith("added 1,")


def test_a_last_scan_the_store_stopped_exits_1_and_says_so(capsys):
    import click

    from reviewer.commands.ingest_report import IngestReport
    from reviewer.commands.repeat import run_rounds

    def once():
        report = IngestReport()
        report.stop("the store: database or disk is full", 0, 500)
        return report, 0

    with pytest.raises(click.exceptions.Exit) as caught:
        run_rounds(once, "scan", 0.0, 1, False)
    assert caught.value.exit_code == 1
    assert "scan 1: added 0" in capsys.readouterr().out
