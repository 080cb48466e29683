"""The head checkpoint `<db>.head.json`: failures are reported, not silent; its temporary
file is never a planted path; odd files are refused, not read; a symlinked store shares it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from store import ReviewStore
from store.audit import checkpoint_path, head, read_checkpoint, write_checkpoint
from store.signing import checkpoints_dir
from store.verify import verify_store
from tests.factories import make_proposal

DIGEST = "ab" * 32


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


# -- 1. a failed write is reported and leaves no temporary file ------------------------------


def test_a_head_checkpoint_replaced_by_a_folder_is_reported_and_the_write_kept(file_store):
    path = file_store.checkpoint_file
    file_store.add_proposal(make_proposal(1), actor="ingest")
    path.unlink()
    path.mkdir()
    pid = file_store.add_proposal(make_proposal(2), actor="ingest")
    assert file_store.get(pid) is not None  # committed despite the failed checkpoint
    problem = file_store.checkpoint_problem
    assert problem is not None
    assert problem.startswith(f"the head checkpoint {path} could not be written: ")
    assert problem.endswith("cannot detect truncation of the audit chain at all until it can")


def test_a_failed_head_checkpoint_write_leaves_no_temporary_file(file_store):
    path = file_store.checkpoint_file
    path.mkdir()
    for n in range(3):
        file_store.add_proposal(make_proposal(n), actor="ingest")
    assert leftovers(path.parent) == []


def test_the_warning_names_the_last_recorded_seq_and_clears_once_written(file_store):
    path = file_store.checkpoint_file
    file_store.add_proposal(make_proposal(1), actor="ingest")
    recorded = read_checkpoint(path)
    assert recorded is not None
    lock = path.with_name(path.name + ".lock")
    lock.unlink()
    lock.symlink_to(path.parent / "elsewhere")  # refused, so this write's checkpoint fails
    file_store.add_proposal(make_proposal(2), actor="ingest")
    assert f"truncation of the audit chain past seq {recorded[0]} until" in (
        file_store.checkpoint_problem or "")
    lock.unlink()
    file_store.add_proposal(make_proposal(3), actor="ingest")
    assert file_store.checkpoint_problem is None
    assert read_checkpoint(path) == head(file_store.conn)


# -- 2. the temporary file is fresh, and odd head files are refused --------------------------


def test_the_temporary_file_never_writes_through_a_planted_symlink(tmp_path):
    path = checkpoint_path(tmp_path / "t.db")
    victim = tmp_path / "victim"
    victim.write_text("precious")
    # The name the checkpoint's temporary file used to have: predictable from the pid.
    (tmp_path / f"{path.name}.{os.getpid()}.tmp").symlink_to(victim)
    write_checkpoint(path, 1, DIGEST)
    assert victim.read_text() == "precious"
    assert not path.is_symlink() and read_checkpoint(path) == (1, DIGEST)
    assert oct(path.stat().st_mode & 0o777) == oct(0o644)


def big_checkpoint(path: Path) -> None:
    path.write_text(json.dumps({"seq": 1, "hash": DIGEST}).ljust(70_086))


def symlinked(path: Path) -> None:
    target = path.with_name("real-head.json")
    target.write_text(json.dumps({"seq": 1, "hash": DIGEST}))
    path.symlink_to(target)


def fifo(path: Path) -> None:
    os.mkfifo(path)


def folder(path: Path) -> None:
    path.mkdir()


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (big_checkpoint, "is 70086 bytes, over the 65536-byte limit (not read)"),
        (symlinked, "is a symbolic link (not followed)"),
        (fifo, "is not a regular file (not read)"),
        (folder, "is not a regular file (not read)"),
    ],
    ids=["over-64KiB", "symlink", "fifo", "folder"],
)
def test_an_odd_head_checkpoint_is_refused_not_read(tmp_path, make, says):
    path = checkpoint_path(tmp_path / "t.db")
    make(path)
    with pytest.raises(ValueError) as caught:
        read_checkpoint(path)
    assert str(caught.value) == f"{path}: unreadable head checkpoint: {says}"


def test_verify_names_an_odd_head_checkpoint_as_a_problem(file_store):
    file_store.add_proposal(make_proposal(1), actor="ingest")
    big_checkpoint(file_store.checkpoint_file)
    report = verify_store(file_store)
    assert not report.ok
    assert "over the 65536-byte limit" in report.problems[0]


# -- 3. a symlink to the store shares the store's head and signed checkpoints ---------------


def test_a_symlinked_store_path_keeps_its_head_beside_the_real_file(tmp_path):
    real = tmp_path / "real.db"
    link = tmp_path / "link.db"
    store = ReviewStore.open(real)
    store.add_proposal(make_proposal(1), actor="ingest")
    store.close()
    link.symlink_to(real)
    via_link = ReviewStore.open(link)
    try:
        via_link.add_proposal(make_proposal(2), actor="ingest")
        latest = head(via_link.conn)
    finally:
        via_link.close()
    assert not (tmp_path / "link.db.head.json").exists()
    assert checkpoint_path(link) == checkpoint_path(real)
    assert read_checkpoint(checkpoint_path(real)) == latest
    assert checkpoints_dir(link) == checkpoints_dir(real) == tmp_path / "real.db.checkpoints"


def test_a_fifo_for_the_head_lock_is_refused_not_waited_on(tmp_path):
    # A FIFO planted as `<db>.head.json.lock` hung every writing command after its commit.
    db = tmp_path / "s.db"
    store = ReviewStore.open(db)
    try:
        pid = store.add_proposal(make_proposal(1), actor="ingest")
        lock = checkpoint_path(db).with_name(checkpoint_path(db).name + ".lock")
        lock.unlink(missing_ok=True)
        os.mkfifo(lock)
        store.comment(pid, "still saved", actor="a")
        assert store.checkpoint_problem is not None
        assert "lock is not a regular file" in store.checkpoint_problem
        assert [e.action for e in store.events()][-1] == "comment"
    finally:
        store.close()
