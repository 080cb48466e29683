"""A publish whose files cannot all be written (a full disk, a directory in the way) takes
back what it wrote, records `publish_failed`, and a later `reviewer publish` finishes it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from reviewer.decide import decide, undo
from reviewer.publish import PublishConfig, PublishError, publish, published
from reviewer.publish.deliver import retry_unlanded
from reviewer.publish.export import export_findings
from reviewer.publish.record import FAILED, unlanded
from store import ReviewStore
from tests.factories import new_file_diff
from tests.publish.helpers import (
    add,
    approve_via_decide,
    approved,
    bare_remote,
    clone,
    configure,
    finish_rerun,
    git,
)


def everything(folder: Path) -> list[str]:
    """Every entry under `folder`, hidden temp files included, but not git's own."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                  if ".git" not in p.relative_to(folder).parts)


def in_the_way(path: Path) -> Path:
    """A directory where a record file must go: a write failure any user can cause."""
    path.mkdir(parents=True)
    return path


def test_an_approval_whose_patch_cannot_be_written_leaves_the_folder_as_it_was(
        mem_store, tmp_path):
    folder = tmp_path / "shared"
    configure(folder)
    pid = add(mem_store, 1)
    blocker = in_the_way(folder / f"{pid[:12]}_idea_1.patch")
    finish_rerun(mem_store, pid)
    outcome = decide(mem_store, pid, "approve", reason="reproduced", actor="alice",
                     override="test approval" if mem_store.gates(pid) else None)

    assert outcome.status == "approved" and outcome.published is None
    assert everything(folder) == [blocker.name]  # no .json, no temp file
    assert str(blocker) in outcome.publish_error
    assert "nothing was published" in outcome.publish_error
    assert f"reviewer publish {pid[:12]}" in outcome.publish_error
    failed = mem_store.latest_event(pid, FAILED)
    assert failed is not None and failed.payload["stage"] == "write"
    assert str(blocker) in failed.payload["error"]
    assert published(mem_store, pid) is None and mem_store.verify().ok

    # Undoing now has nothing to withdraw, and the folder keeps no revoked record.
    blocker.rmdir()
    assert undo(mem_store, pid, actor="bob").withdrawn is None
    assert everything(folder) == []


def test_publish_retries_a_failed_write_once_the_way_is_clear(mem_store, tmp_path):
    folder = tmp_path / "shared"
    config = configure(folder)
    pid = add(mem_store, 2)
    blocker = in_the_way(folder / f"{pid[:12]}_idea_2.md")
    finish_rerun(mem_store, pid)
    decide(mem_store, pid, "approve", reason="ok", actor="alice",
           override="test approval" if mem_store.gates(pid) else None)
    assert mem_store.latest_event(pid, FAILED) is not None

    blocker.rmdir()
    result = publish(mem_store, pid, actor="alice", config=config)
    assert len(result.written) == 3 and published(mem_store, pid) is not None
    assert len(everything(folder)) == 3


def test_a_rejection_record_that_cannot_be_written_is_recorded_as_failed(mem_store, tmp_path):
    folder = tmp_path / "shared"
    configure(folder, "rejected = true\n")
    pid = add(mem_store, 3)
    blocker = in_the_way(folder / "rejected" / f"{pid[:12]}_idea_3.json")
    outcome = decide(mem_store, pid, "reject", reason="no", actor="bob")

    failed = mem_store.latest_event(pid, FAILED)
    assert failed is not None and failed.payload["stage"] == "write"
    assert failed.payload["kind"] == "rejection"
    assert outcome.status == "rejected" and "nothing was published" in outcome.publish_error
    assert everything(folder) == ["rejected", f"rejected/{blocker.name}"]


def test_a_republish_that_fails_leaves_the_older_record_untouched(mem_store, tmp_path):
    folder = tmp_path / "shared"
    config = PublishConfig(folder=folder)
    pid = approved(mem_store, 4)
    first = publish(mem_store, pid, actor="alice", config=config)
    record = first.file
    edited = b'{"edited": "by someone else"}'
    record.write_bytes(edited)
    card = record.with_suffix(".md")
    card.unlink()
    in_the_way(card)

    with pytest.raises(PublishError) as failed:
        publish(mem_store, pid, actor="alice", config=config)
    assert record.read_bytes() == edited  # not replaced by half of a new record
    assert "nothing was published" in str(failed.value)
    assert not [n for n in everything(folder) if n.endswith(".tmp")]


def test_a_git_folder_whose_record_cannot_be_written_keeps_a_clean_work_tree(
        mem_store, tmp_path):
    folder = clone(bare_remote(tmp_path), tmp_path / "shared")
    configure(folder)
    before = git(folder, "rev-parse", "HEAD")
    pid = add(mem_store, 5)
    in_the_way(folder / f"{pid[:12]}_idea_5.patch")
    finish_rerun(mem_store, pid)
    outcome = decide(mem_store, pid, "approve", reason="ok", actor="alice",
                     override="test approval" if mem_store.gates(pid) else None)

    assert git(folder, "status", "--porcelain", "--untracked-files=all") == ""
    assert git(folder, "rev-parse", "HEAD") == before
    assert mem_store.latest_event(pid, FAILED).payload["stage"] == "write"
    assert outcome.status == "approved" and "nothing was published" in outcome.publish_error


def test_a_git_commit_that_fails_takes_the_files_back_out(mem_store, tmp_path):
    folder = clone(bare_remote(tmp_path), tmp_path / "shared")
    config = configure(folder)
    hook = folder / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho 'refused by a hook' >&2\nexit 1\n")
    hook.chmod(0o755)
    before = git(folder, "rev-parse", "HEAD")
    pid, outcome = approve_via_decide(mem_store, 6)

    assert git(folder, "status", "--porcelain", "--untracked-files=all") == ""
    assert git(folder, "rev-parse", "HEAD") == before
    assert mem_store.latest_event(pid, FAILED).payload["stage"] == "commit"
    assert outcome.status == "approved" and "refused by a hook" in outcome.publish_error
    assert "nothing was published" in outcome.publish_error

    hook.unlink()
    result = publish(mem_store, pid, actor="alice", config=config)
    assert result.committed and result.pushed
    assert git(folder, "status", "--porcelain", "--untracked-files=all") == ""


# The limit is set once the store is open: SQLite's own files must not hit it.
_EXPORT = """
import resource, signal, sys
from pathlib import Path
from reviewer.publish.export import export_findings
from store import ReviewStore
store = ReviewStore.open(Path(sys.argv[1]))
store.list()
limit = int(sys.argv[3])
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))
export_findings(store, Path(sys.argv[2]))
"""


def test_an_export_that_runs_out_of_space_removes_what_it_wrote(tmp_path):
    db = tmp_path / "db" / "store.db"
    store = ReviewStore.open(db)
    config = PublishConfig(folder=tmp_path / "shared")
    small = approved(store, 7)
    big_body = "".join(f"x_{n} = {n}\n" for n in range(20000))
    big = approved(store, 8, diff=new_file_diff("methods/idea_8.py", big_body))
    for pid in (small, big):
        publish(store, pid, actor="alice", config=config)
    store.close()
    shared = sorted((tmp_path / "shared").iterdir())
    out = tmp_path / "export"

    # The first finding's files all fit, the second's big patch does not: the export fails
    # after it has written a whole finding.
    limit = 1 + max(p.stat().st_size for p in shared if not p.name.startswith(big[:12]))
    assert (tmp_path / "shared" / f"{big[:12]}_idea_8.patch").stat().st_size > limit
    ran = subprocess.run([sys.executable, "-c", _EXPORT, str(db), str(out), str(limit)],
                         capture_output=True, text=True, timeout=120, check=False)
    assert ran.returncode != 0 and "File too large" in ran.stderr, ran.stderr
    assert not out.exists() or list(out.iterdir()) == []

    store = ReviewStore.open(db)
    written = export_findings(store, out)  # a retry is not refused as "not empty"
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in written)
    assert len(written) == 6
    store.close()


def test_the_ingest_retry_publishes_a_decision_whose_files_never_landed(mem_store, tmp_path):
    folder = tmp_path / "shared"
    config = configure(folder)
    kept, undone = add(mem_store, 9), add(mem_store, 10)
    blockers = [in_the_way(folder / f"{pid[:12]}_idea_{i}.json")
                for pid, i in ((kept, 9), (undone, 10))]
    for pid in (kept, undone):
        finish_rerun(mem_store, pid)
        decide(mem_store, pid, "approve", reason="ok", actor="alice",
               override="test approval" if mem_store.gates(pid) else None)
    undo(mem_store, undone, actor="bob")
    assert unlanded(mem_store) == [kept]  # an undone approval is not published again

    retried = retry_unlanded(mem_store, unlanded(mem_store), actor="ingest", config=config)
    assert retried.warnings[0].startswith(kept[:12])
    for blocker in blockers:
        blocker.rmdir()
    retried = retry_unlanded(mem_store, unlanded(mem_store), actor="ingest", config=config)
    assert retried.warnings == []
    assert published(mem_store, kept) is not None and published(mem_store, undone) is None
    assert everything(folder) == sorted(f"{kept[:12]}_idea_9{s}" for s in (".json", ".md",
                                                                          ".patch"))
    assert unlanded(mem_store) == [] and mem_store.verify().ok


def test_an_ingest_publishes_a_decision_whose_files_never_landed(mem_store, tmp_path):
    from reviewer.commands.ingest import withdraw_voided
    from reviewer.commands.ingest_report import IngestReport

    folder = tmp_path / "shared"
    configure(folder)
    pid = add(mem_store, 11)
    finish_rerun(mem_store, pid)
    blocker = in_the_way(folder / f"{pid[:12]}_idea_11.patch")
    outcome = decide(mem_store, pid, "approve", reason="ok", actor="alice",
                     override="test approval" if mem_store.gates(pid) else None)
    assert outcome.publish_error is not None and published(mem_store, pid) is None
    blocker.rmdir()
    report = IngestReport()
    withdraw_voided(mem_store, [], "ingest", report)
    assert report.warnings == [] and published(mem_store, pid) is not None
    assert unlanded(mem_store) == []
