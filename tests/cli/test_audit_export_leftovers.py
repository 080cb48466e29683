"""`reviewer audit export -o FILE` removes the temporary files a killed export left for FILE."""

from __future__ import annotations

import fcntl
import json
import os

from tests.cli.test_audit_export import db, export, leftovers  # noqa: F401 (db is a fixture)

# What `atomic_file` names the temporary file of an export to `audit.jsonl`.
KILLED = ".audit.jsonl.k1ll3d_x.tmp"


def test_an_export_removes_the_temporary_file_a_killed_export_left(db, tmp_path):  # noqa: F811
    (tmp_path / KILLED).write_text('{"seq": 1, "half a li')
    out = tmp_path / "audit.jsonl"
    result = export(db, "-o", str(out))
    assert result.exit_code == 0, result.output
    assert leftovers(tmp_path) == []
    assert [json.loads(line)["seq"] for line in out.read_text().splitlines()] == [1, 2]


def test_only_unlocked_temporary_files_of_the_same_output_are_removed(db, tmp_path):  # noqa: F811
    others = [
        ".other.jsonl.abcd1234.tmp",  # another output's
        ".audit.jsonl.short.tmp",  # not a name atomic_file makes
        ".audit.jsonl.live1234.tmp",  # locked below: an export to the same file still running
    ]
    for name in [KILLED, *others]:
        (tmp_path / name).write_text("partial")
    (tmp_path / ".audit.jsonl.linkxxxx.tmp").symlink_to(tmp_path / "audit.jsonl.target")
    live = os.open(tmp_path / others[2], os.O_RDONLY)
    try:
        fcntl.flock(live, fcntl.LOCK_EX)
        assert export(db, "-o", str(tmp_path / "audit.jsonl")).exit_code == 0
    finally:
        os.close(live)
    assert leftovers(tmp_path) == sorted([*others, ".audit.jsonl.linkxxxx.tmp"])
