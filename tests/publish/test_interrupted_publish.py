"""A publish killed before its `publish` event (mid-push, after its commit, after its write):
`publish_started` keeps it in sight, so the next ingest lands it once and an undo takes back
whatever landed, for findings and rejections alike."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from reviewer.decide import undo
from reviewer.present import timeline
from reviewer.publish import published
from reviewer.publish.record import STARTED, unlanded
from reviewer.publish.withdraw import unbacked
from reviewer.tuidata import proposal_view
from store import ReviewStore
from tests.ingest.helpers import FINDING, write_json
from tests.publish.helpers import (
    add,
    bare_remote,
    clone,
    configure,
    decidable,
    finish_rerun,
    git,
)
from tests.publish.test_git import commits, files_on

WAIT_S = 120  # for the killed command to reach its hook, and for each later command


@dataclass(frozen=True)
class Shared:
    """A store with one proposal ready to decide, and a findings clone of a bare remote."""

    db: Path
    remote: Path
    folder: Path
    pid: str
    tmp: Path

    def reviewer(self, *args: str, new_session: bool = False) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "reviewer", "--db", str(self.db), "--actor",
             "alice@example.org", *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=new_session)

    def run(self, *args: str) -> tuple[int, str]:
        """The command run to its end: its exit status and its stdout."""
        proc = self.reviewer(*args)
        out, err = proc.communicate(timeout=WAIT_S)
        assert b"Traceback" not in err, err
        return proc.returncode, out.decode()

    def killed_in(self, hooks: Path, name: str, *args: str) -> None:
        """Run `reviewer *args` and SIGKILL its whole process group (a closed terminal, a
        power cut) while the git hook `name` in `hooks` runs; the hook is gone after."""
        marker = self.tmp / f"{name}.ran"
        hook = hooks / name
        # Marks that git got this far, then hangs so the kill lands right there.
        hook.write_text(f"#!/bin/sh\ntouch '{marker}'\nsleep {WAIT_S}\n")
        hook.chmod(0o755)
        proc = self.reviewer(*args, new_session=True)
        deadline = time.monotonic() + WAIT_S
        while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert marker.exists(), proc.communicate()
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        hook.unlink()

    def ingest(self) -> dict:
        """A real ingest of an unrelated finding, whose retries follow what it stores."""
        code, out = self.run("ingest", str(write_json(self.tmp / "new.json", FINDING)), "--json")
        assert code == 0, out
        return json.loads(out)

    def mine(self, repo: Path) -> list[str]:
        """The proposal's files on the remote's main, or in a work tree."""
        names = (files_on(repo) if repo == self.remote else
                 [str(p.relative_to(repo)) for p in repo.rglob("*") if ".git" not in p.parts])
        return sorted(n for n in names if Path(n).name.startswith(self.pid[:12]))

    def open(self) -> ReviewStore:
        return ReviewStore.open(self.db)


@pytest.fixture
def shared(tmp_path: Path) -> Shared:
    remote, folder, db, pid = decidable(tmp_path, 1)
    configure(folder, "rejected = true\n")
    return Shared(db, remote, folder, pid, tmp_path)


APPROVE = ("--reason", "holds up", "--override", "checked by hand")


def publish_commits(shared: Shared, ref: str = "main") -> list[dict]:
    return [c for c in commits(shared.remote, ref)
            if c["subject"].startswith(f"Publish {shared.pid[:12]}")]


def assert_started_only(shared: Shared) -> None:
    """What the kill left in the store: the attempt begun, nothing published."""
    store = shared.open()
    assert published(store, shared.pid) is None
    assert store.latest_event(shared.pid, STARTED) is not None
    assert store.latest_event(shared.pid, "publish") is None
    assert unlanded(store) == [shared.pid]
    assert any("publishing started, not finished" in text for text in timeline_texts(shared))
    store.close()


def timeline_texts(shared: Shared) -> list[str]:
    """The lines of the proposal screen's timeline."""
    store = shared.open()
    try:
        return [e.text for e in timeline(proposal_view(store, shared.pid))]
    finally:
        store.close()


def assert_landed_once(shared: Shared, report: dict) -> None:
    """The ingest published it, recorded it, and committed nothing twice."""
    notes, warnings = report["notes"], report["warnings"]
    assert any(n.startswith(f"{shared.pid[:12]}: published") for n in notes), (notes, warnings)
    # Shown only while nothing followed it.
    assert not any("publishing started" in text for text in timeline_texts(shared))
    [landed] = publish_commits(shared)
    assert len(commits(shared.remote)) == 2  # the seed commit and this one
    store = shared.open()
    record = published(store, shared.pid)
    assert record is not None and record["pushed"] and record["commit"] == landed["sha"]
    assert unlanded(store) == [] and unbacked(store) == [] and store.verify().ok
    store.close()
    assert len(shared.mine(shared.remote)) == 3
    assert git(shared.folder, "status", "--porcelain") == ""
    assert git(shared.folder, "rev-parse", "main") == git(shared.remote, "rev-parse", "main")


def test_an_approval_killed_mid_push_is_recorded_by_the_next_ingest(shared):
    # The push landed but the store never said so: the finding was in the shared findings
    # while `show` said unpublished, `findings list` left it out and no ingest retried it.
    shared.killed_in(shared.remote / "hooks", "post-receive", "approve", shared.pid, *APPROVE)
    assert len(shared.mine(shared.remote)) == 3
    assert_started_only(shared)

    assert_landed_once(shared, shared.ingest())


def test_an_approval_killed_after_its_commit_is_landed_once_by_the_next_ingest(shared):
    shared.killed_in(shared.remote / "hooks", "pre-receive", "approve", shared.pid, *APPROVE)
    assert shared.mine(shared.remote) == [] and len(shared.mine(shared.folder)) == 3
    assert git(shared.folder, "rev-list", "--count", "origin/main..main") == "1"
    assert_started_only(shared)

    assert_landed_once(shared, shared.ingest())


def test_an_approval_killed_after_its_write_is_landed_once_by_the_next_ingest(shared):
    # Killed inside `git commit`, which leaves git's own index.lock behind: the retry fails
    # and says so (still listed for the next ingest) until a person removes it.
    shared.killed_in(shared.folder / ".git" / "hooks", "pre-commit", "approve", shared.pid,
                     *APPROVE)
    assert shared.mine(shared.remote) == [] and len(shared.mine(shared.folder)) == 3
    assert git(shared.folder, "rev-list", "--count", "origin/main..main") == "0"
    assert_started_only(shared)
    lock = shared.folder / ".git" / "index.lock"
    assert lock.exists()

    [warning] = shared.ingest()["warnings"]
    assert warning.startswith(f"{shared.pid[:12]}: its decision stands but publishing it failed")
    store = shared.open()
    assert unlanded(store) == [shared.pid]
    store.close()
    lock.unlink()

    assert_landed_once(shared, shared.ingest())


def test_undo_after_a_kill_mid_push_withdraws_the_landed_finding(shared):
    shared.killed_in(shared.remote / "hooks", "post-receive", "approve", shared.pid, *APPROVE)
    assert len(shared.mine(shared.remote)) == 3

    code, out = shared.run("undo", shared.pid, "--reason", "not approved after all")

    assert code == 0 and "3 files removed" in out, out
    assert shared.mine(shared.remote) == [] and shared.mine(shared.folder) == []
    assert shared.run("audit", "verify")[0] == 0
    store = shared.open()
    assert published(store, shared.pid) is None
    assert unbacked(store) == [] and unlanded(store) == []
    store.close()


def test_undo_after_a_kill_before_the_push_keeps_the_finding_off_the_remote(shared):
    # The killed approval's commit stayed in the clone, and the next unrelated approval
    # pushed it along: a finding no longer approved, in the shared findings for good.
    shared.killed_in(shared.remote / "hooks", "pre-receive", "approve", shared.pid, *APPROVE)
    assert git(shared.folder, "rev-list", "--count", "origin/main..main") == "1"

    assert shared.run("undo", shared.pid, "--reason", "not approved after all")[0] == 0
    store = shared.open()
    other = add(store, 2)
    finish_rerun(store, other)
    store.close()
    assert shared.run("approve", other, *APPROVE)[0] == 0

    assert shared.mine(shared.remote) == [] and shared.mine(shared.folder) == []
    assert any(f.startswith(other[:12]) for f in files_on(shared.remote))
    assert shared.run("audit", "verify")[0] == 0


def test_a_retry_stopped_by_an_unfit_folder_leaves_the_killed_publish_to_withdraw(shared):
    # A retry that stopped before looking at the files says nothing of what the killed
    # attempt landed: once the approval is undone, the record must still be withdrawn.
    configure(shared.folder, 'branch = "main"\n')
    shared.killed_in(shared.remote / "hooks", "post-receive", "approve", shared.pid, *APPROVE)
    git(shared.folder, "checkout", "--quiet", "-b", "elsewhere")
    assert "publish.branch is 'main'" in shared.ingest()["warnings"][0]
    assert shared.run("undo", shared.pid, "--reason", "second look")[0] == 0
    assert len(shared.mine(shared.remote)) == 3  # the withdrawal failed too, and is recorded

    git(shared.folder, "checkout", "--quiet", "main")
    report = shared.ingest()

    assert report["warnings"] == [] and shared.mine(shared.remote) == []
    assert shared.run("audit", "verify")[0] == 0


def test_a_rejection_killed_mid_push_is_withdrawn_by_its_undo(shared):
    shared.killed_in(shared.remote / "hooks", "post-receive", "reject", shared.pid,
                     "--reason", "does not reproduce")
    assert shared.mine(shared.remote) == [f"rejected/{shared.pid[:12]}_idea_1.json"]
    assert_started_only(shared)

    assert shared.run("undo", shared.pid, "--reason", "second look")[0] == 0

    assert shared.mine(shared.remote) == [] and shared.mine(shared.folder) == []
    assert shared.run("audit", "verify")[0] == 0


@pytest.mark.parametrize("git_folder", [True, False])
@pytest.mark.parametrize("written", [False, True])
def test_undo_of_a_publish_killed_before_its_commit_commits_nothing_and_says_so(
        mem_store, tmp_path, git_folder, written):
    # The state a kill between `publish_started` and the commit leaves behind: no file, or
    # the finding written but not committed. No vouch of this store's reached the ledger,
    # so a withdrawal commit would be an empty entry on every reviewer's remote.
    remote = bare_remote(tmp_path)
    folder = clone(remote, tmp_path / "shared") if git_folder else tmp_path / "plain"
    folder.mkdir(exist_ok=True)
    configure(folder)
    before = commits(remote) if git_folder else []
    pid = add(mem_store, 1)
    finish_rerun(mem_store, pid)
    mem_store.approve(pid, reason="holds up", actor="alice", override="checked by hand")
    rel = f"{pid[:12]}_idea_1.json"
    mem_store.annotate(pid, STARTED, {
        "kind": "finding", "folder": str(folder), "file": str(folder / rel),
        "finding_sha256": "0" * 64, "diff_sha256": mem_store.get(pid)["diff_sha256"],
        "paths": [rel]}, actor="alice")
    if written:
        (folder / rel).write_text("{}")
    assert published(mem_store, pid) is None and unlanded(mem_store) == [pid]

    outcome = undo(mem_store, pid, actor="bob", reason="second look")

    assert outcome.publish_error is None and outcome.withdrawn is not None
    withdrawn = outcome.withdrawn
    assert withdrawn.removed == ((folder / rel,) if written else ())
    assert withdrawn.commit is None and not withdrawn.pushed
    event = mem_store.latest_event(pid, "withdraw")
    assert event is not None and event.payload["removed"] == [str(p) for p in withdrawn.removed]
    assert event.payload["commit"] is None and event.payload["pushed"] is False
    assert not (folder / rel).exists()
    if not written:
        assert withdrawn.describe().startswith("nothing of it had reached")
    assert unbacked(mem_store) == [] and unlanded(mem_store) == [] and mem_store.verify().ok
    if git_folder:
        assert commits(remote) == before
        assert git(folder, "rev-parse", "HEAD") == git(folder, "rev-parse", "origin/main")
        assert git(folder, "status", "--porcelain") == ""


def test_a_failed_push_is_pushed_by_the_next_ingest(shared):
    """A push the remote refused left its commit in the clone with the attempt closed: no
    ingest retried it, and the next unrelated publish carried it along unrecorded."""
    hook = shared.remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'findings are frozen' >&2\nexit 1\n")
    hook.chmod(0o755)
    assert shared.run("approve", shared.pid, *APPROVE)[0] == 0  # the approval stands
    assert shared.mine(shared.remote) == []
    store = shared.open()
    assert store.latest_event(shared.pid, "publish_failed").payload["stage"] == "push"
    assert unlanded(store) == [shared.pid]
    store.close()
    hook.unlink()
    assert_landed_once(shared, shared.ingest())


def test_undo_after_a_failed_push_keeps_the_finding_off_the_remote(shared):
    hook = shared.remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\nexit 1\n")
    hook.chmod(0o755)
    shared.run("approve", shared.pid, *APPROVE)
    hook.unlink()
    assert shared.run("undo", shared.pid, "--reason", "second look")[0] == 0
    store = shared.open()
    other = add(store, 2)
    finish_rerun(store, other)
    store.close()
    assert shared.run("approve", other, *APPROVE)[0] == 0  # pushes whatever the clone holds
    assert shared.mine(shared.remote) == [] and shared.mine(shared.folder) == []
    assert any(f.startswith(other[:12]) for f in files_on(shared.remote))
    assert shared.run("audit", "verify")[0] == 0


@pytest.mark.parametrize("rejection_lands", [True, False])
def test_a_finding_whose_withdrawal_failed_is_withdrawn_after_the_rejection_publishes(
        mem_store, tmp_path, rejection_lands):
    """A finding and a rejection can both stand: the undo's withdrawal failed (the remote
    away), then the rejection published (or its push failed). One slot a proposal let the
    rejection hide the finding, which then stayed in the shared findings for good."""
    from reviewer.commands.ingest import withdraw_voided
    from reviewer.commands.ingest_report import IngestReport
    from reviewer.decide import decide
    from reviewer.publish.record import backlog

    remote = bare_remote(tmp_path)
    folder = clone(remote, tmp_path / "findings")
    configure(folder, "rejected = true\n")
    pid = add(mem_store, 1)
    finish_rerun(mem_store, pid)
    decide(mem_store, pid, "approve", reason="holds up", actor="alice", override="by hand")
    assert any(f.startswith(pid[:12]) for f in files_on(remote))
    away = tmp_path / "remote.away"
    remote.rename(away)
    undo(mem_store, pid, actor="alice", reason="oops")  # its withdrawal fails
    if rejection_lands:
        away.rename(remote)
    decide(mem_store, pid, "reject", reason="does not hold", actor="alice")
    if not rejection_lands:
        away.rename(remote)
    assert backlog(mem_store)[0] == [pid]  # the finding is still to be withdrawn

    withdraw_voided(mem_store, [], "ingest", IngestReport())
    assert not any(f.startswith(pid[:12]) for f in files_on(remote)), files_on(remote)
    assert backlog(mem_store)[0] == []
    if rejection_lands:  # the finding's late withdrawal leaves the rejection's record live
        assert published(mem_store, pid)["kind"] == "rejection"
