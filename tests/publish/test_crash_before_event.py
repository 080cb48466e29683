"""A publish cut off after its push landed, before its `publish` event: the retry heals it."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from reviewer.publish import PublishConfig, publish, published
from reviewer.publish.record import FAILED, NAMED, PUBLISH
from store import ReviewStore
from tests.publish.helpers import approved, bare_remote, clone, git
from tests.publish.test_git import commits, files_on


def snapshot_on_receive(remote: Path, db: Path, snapshot: Path) -> None:
    """A post-receive hook copying the store as it is once the push has landed: the state a
    process killed then leaves behind (its `publish` event not yet written)."""
    hook = remote / "hooks" / "post-receive"
    copy = (
        "import sqlite3, sys; src = sqlite3.connect(sys.argv[1]); "
        "dst = sqlite3.connect(sys.argv[2]); src.backup(dst); dst.close(); src.close()"
    )
    hook.write_text(f'#!/bin/sh\nexec "{sys.executable}" -c "{copy}" "{db}" "{snapshot}"\n')
    hook.chmod(0o755)


def test_publishing_again_records_the_landed_push_without_a_new_commit(tmp_path):
    remote = bare_remote(tmp_path)
    folder = clone(remote, tmp_path / "findings")
    db, snapshot = tmp_path / "store.db", tmp_path / "at-push.db"
    config = PublishConfig(folder=folder)
    store = ReviewStore.open(db)
    pid = approved(store, 1)
    snapshot_on_receive(remote, db, snapshot)
    first = publish(store, pid, actor="alice@example.org", config=config)
    store.close()
    (remote / "hooks" / "post-receive").unlink()
    # Back to the store as the push left it: named as a publisher, with no `publish` event.
    for leftover in (db.with_name("store.db-wal"), db.with_name("store.db-shm")):
        leftover.unlink(missing_ok=True)
    shutil.copyfile(snapshot, db)
    store = ReviewStore.open(db)
    assert published(store, pid) is None
    assert [e.action for e in store.events(pid, (NAMED, PUBLISH, FAILED))] == [NAMED]
    landed_files, landed_commits = files_on(remote), commits(remote)

    again = publish(store, pid, actor="alice@example.org", config=config)

    assert again.event_seq is not None and not again.written and not again.committed
    assert again.commit == first.commit == landed_commits[0]["sha"]
    assert again.file == first.file and again.pushed
    assert files_on(remote) == landed_files and commits(remote) == landed_commits
    assert git(folder, "status", "--porcelain") == ""
    record = published(store, pid)
    assert record is not None and record["commit"] == first.commit
    assert record["store"] == first_store_name(landed_commits)
    assert [e.action for e in store.events(pid, (NAMED, PUBLISH, FAILED))] == [NAMED, PUBLISH]
    assert publish(store, pid, actor="alice@example.org", config=config).unchanged
    store.close()


def first_store_name(rows: list[dict]) -> str:
    """The store name the landed commit vouches under in the ledger."""
    names = [value for key, value in rows[0]["trailers"] if key == "Store"]
    assert len(names) == 1, rows[0]["trailers"]
    return names[0]
