"""`reviewer ingest --every`: each scan reads only what is new or changed since the last."""

from __future__ import annotations

import json
import os
from pathlib import Path

from click.testing import CliRunner

from reviewer.cli import cli
from reviewer.commands.ingest import ingest_changed
from store import ReviewStore
from tests.factories import new_file_diff
from tests.ingest.helpers import FINDING, NATIVE, write_json


def scan(store: ReviewStore, folder: Path, seen: set) -> tuple[int, int, int, int, int]:
    report, skipped = ingest_changed(store, [folder], "watcher", seen)
    return (len(report.added), len(report.present), len(report.attached), len(report.errors),
            skipped)  # fmt: skip


def test_each_scan_reads_new_and_changed_files_and_reports_an_error_once(tmp_path):
    folder = tmp_path / "synced"
    write_json(folder / "a.json", NATIVE)
    (folder / "bad.json").write_text("{not json")
    (folder / "link.json").symlink_to(folder / "a.json")
    store = ReviewStore.open(tmp_path / "s.db")
    seen: set = set()
    try:
        assert scan(store, folder, seen) == (1, 0, 0, 2, 0)  # the bad file and the symlink
        assert scan(store, folder, seen) == (0, 0, 0, 0, 3)
        write_json(folder / "b.json", {**NATIVE, "title": "Another"})
        assert scan(store, folder, seen) == (1, 0, 0, 0, 3)
        # A rewritten file is read again: here into a new proposal, the old one stays.
        write_json(folder / "a.json", {**NATIVE, "title": "Rewritten"})
        os.utime(folder / "a.json", ns=(1, 1))
        assert scan(store, folder, seen) == (1, 0, 0, 0, 3)
        # A finding without code, then its patch beside it: the finding is read again.
        write_json(folder / "42_conf_weight.json", FINDING)
        assert scan(store, folder, seen) == (1, 0, 0, 0, 4)
        diff = new_file_diff("w2s_research/ideas/conf_weight/run.py", "print(1)\n")
        (folder / "42_conf_weight.patch").write_text(diff)
        # A patch changes the folder's files, so all of them are read again, bad.json too,
        # but its error is not said again while the file is as it was.
        assert scan(store, folder, seen) == (0, 2, 1, 0, 1)
        assert store.count() == 4
        (folder / "bad.json").write_text("{still not json")
        assert scan(store, folder, seen) == (0, 0, 0, 1, 4)
    finally:
        store.close()


def test_ingest_every_prints_a_json_line_per_scan(tmp_path):
    folder = tmp_path / "synced"
    write_json(folder / "a.json", NATIVE)
    db = str(tmp_path / "s.db")
    out = CliRunner().invoke(cli, ["--db", db, "ingest", str(folder), "--every", "1",
                                   "--rounds", "1", "--json"])  # fmt: skip
    assert out.exit_code == 0, out.output
    [line] = [json.loads(x) for x in out.stdout.splitlines()]
    assert line["scan"] == 1 and len(line["added"]) == 1 and line["unchanged"] == 0
    out = CliRunner().invoke(cli, ["--db", db, "ingest", str(folder), "--rounds", "2"])
    assert out.exit_code == 2 and "--rounds needs --every" in out.output
