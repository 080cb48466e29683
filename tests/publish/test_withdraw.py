"""Undoing an approval, or a new diff voiding it, takes the finding out of the shared findings."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from reviewer import paths
from reviewer.cli import cli
from reviewer.commands.ingest import ingest_paths
from reviewer.decide import decide, undo
from reviewer.ingest import read_paths
from reviewer.publish import PublishConfig, publish, published
from reviewer.publish.export import list_findings
from reviewer.publish.record import live_publication
from reviewer.publish.withdraw import withdraw
from store import ReviewStore
from tests.ingest.helpers import FINDING, write_json
from tests.publish.helpers import add, approve, approved, bare_remote, clone, git


def configure(folder: Path, extra: str = "") -> PublishConfig:
    paths.config_file().parent.mkdir(parents=True, exist_ok=True)
    paths.config_file().write_text(f'[publish]\nfolder = "{folder}"\n{extra}')
    return PublishConfig(folder=folder)


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))


def test_undoing_an_approval_withdraws_the_finding(mem_store, tmp_path):
    folder = tmp_path / "shared"
    config = configure(folder)
    pid = approved(mem_store, 1)
    publish(mem_store, pid, actor="alice", config=config)
    assert len(names(folder)) == 3 and [f["id"] for f in list_findings(mem_store)]

    outcome = undo(mem_store, pid, actor="bob", reason="the rerun used the wrong task")
    assert outcome.status == "pending" and outcome.publish_error is None
    assert outcome.withdrawn is not None and len(outcome.withdrawn.removed) == 3
    assert names(folder) == []
    assert published(mem_store, pid) is None and list_findings(mem_store) == []
    event = mem_store.latest_event(pid, "withdraw")
    assert event.payload["reason"] == "the rerun used the wrong task" and event.actor == "bob"
    assert mem_store.verify().ok

    # Approving again publishes it again, as a new event.
    approve(mem_store, pid)
    again = publish(mem_store, pid, actor="alice", config=config)
    assert again.event_seq is not None and len(names(folder)) == 3
    assert published(mem_store, pid)["seq"] == again.event_seq


def test_undo_without_a_publication_withdraws_nothing(mem_store, tmp_path):
    configure(tmp_path / "shared")
    pid = approved(mem_store, 1)
    outcome = undo(mem_store, pid, actor="bob")
    assert outcome.withdrawn is None and outcome.publish_error is None
    assert mem_store.latest_event(pid, "withdraw") is None


def test_withdrawal_is_one_pushed_commit(mem_store, tmp_path):
    remote = bare_remote(tmp_path)
    folder = clone(remote, tmp_path / "mine")
    config = configure(folder)
    pid = approved(mem_store, 1)
    publish(mem_store, pid, actor="alice", config=config)
    stem = f"{pid[:12]}_idea_1"
    assert f"{stem}.json" in git(remote, "ls-tree", "--name-only", "main")

    outcome = undo(mem_store, pid, actor="bob@example.org")
    gone = outcome.withdrawn
    assert gone is not None and gone.pushed
    assert git(remote, "ls-tree", "--name-only", "main") == "README.md"
    assert gone.commit == git(remote, "rev-parse", "main")
    message = git(remote, "log", "-1", "--format=%B", "main")
    assert message.startswith(f"Withdraw {pid[:12]}: approve undone")
    assert "Withdrawn-by: bob@example.org" in message and f"Proposal-Id: {pid}" in message
    assert git(folder, "status", "--porcelain") == ""


def test_undoing_a_rejection_withdraws_its_record(mem_store, tmp_path):
    folder = tmp_path / "shared"
    configure(folder, "rejected = true\n")
    pid = add(mem_store, 4)
    decide(mem_store, pid, "reject", reason="leaks labels", actor="alice")
    assert names(folder / "rejected") == [f"{pid[:12]}_idea_4.json"]
    outcome = undo(mem_store, pid, actor="alice")
    assert outcome.withdrawn is not None and outcome.withdrawn.kind == "rejection"
    assert names(folder / "rejected") == []


def test_a_moved_folder_is_reported_and_the_undo_stands(mem_store, tmp_path):
    old = tmp_path / "old"
    publish(mem_store, pid := approved(mem_store, 1), actor="alice", config=PublishConfig(old))
    configure(tmp_path / "new")
    outcome = undo(mem_store, pid, actor="bob")
    assert outcome.status == "pending" and outcome.withdrawn is None
    assert "was published to" in outcome.publish_error and str(old) in outcome.publish_error
    assert len(names(old)) == 3  # left for a person; nothing half-removed
    assert live_publication(mem_store, pid) is not None


def published_finding_and_its_patch(tmp_path: Path) -> tuple[ReviewStore, str, Path, Path]:
    """A file store with an approved, published sandbox finding (no patch yet), its shared
    folder, and a folder holding the same finding with a patch the reviewer never saw."""
    store = ReviewStore.open(tmp_path / "db" / "store.db")
    folder = tmp_path / "shared"
    config = configure(folder)
    first = tmp_path / "first"
    write_json(first / "42_conf_weight.json", FINDING)
    [pid] = ingest_paths(store, [first], "a").added
    approve(store, pid)
    publish(store, pid, actor="alice", config=config)
    later = tmp_path / "later"
    write_json(later / "42_conf_weight.json", FINDING)
    (later / "42_conf_weight.patch").write_text("a diff the reviewer never saw\n")
    return store, pid, folder, later


def test_a_new_diff_voiding_the_approval_withdraws_the_finding(tmp_path):
    store, pid, folder, later = published_finding_and_its_patch(tmp_path)
    assert names(folder) == [f"{pid[:12]}_conf_weight.json", f"{pid[:12]}_conf_weight.md"]
    report = ingest_paths(store, [later], "a")
    assert report.attached == [pid] and not report.warnings
    assert store.get(pid)["status"] == "pending" and names(folder) == []
    assert store.latest_event(pid, "withdraw").payload["reason"] == (
        "a new diff voided the approval")
    store.close()


def test_a_withdrawal_cut_short_is_finished_by_the_next_ingest(tmp_path):
    # An ingest interrupted between attaching a diff (which voids the approval) and the
    # withdrawal left the finding published for good: re-ingesting found it "present".
    store, pid, folder, later = published_finding_and_its_patch(tmp_path)
    store.add_proposals([*read_paths([later])[0].proposals], actor="a")  # the attach alone
    assert store.get(pid)["status"] == "pending" and len(names(folder)) == 2

    report = ingest_paths(store, [later], "a")
    assert report.present == [pid] and report.attached == [] and not report.warnings
    assert names(folder) == [] and live_publication(store, pid) is None
    assert "did not finish" in store.latest_event(pid, "withdraw").payload["reason"]
    assert ingest_paths(store, [later], "a").warnings == []  # nothing left to retry
    assert store.verify().ok
    store.close()


def test_a_failed_withdrawal_is_retried_and_reported_until_it_succeeds(mem_store, tmp_path):
    old, new = tmp_path / "old", tmp_path / "new"
    publish(mem_store, pid := approved(mem_store, 1), actor="alice", config=PublishConfig(old))
    configure(new)
    assert undo(mem_store, pid, actor="bob").publish_error is not None
    empty = tmp_path / "empty"
    empty.mkdir()
    warned = ingest_paths(mem_store, [empty], "a").warnings
    assert [w for w in warned if pid[:12] in w and "withdrawing" in w], warned
    configure(old)
    assert ingest_paths(mem_store, [empty], "a").warnings == []
    assert names(old) == [] and live_publication(mem_store, pid) is None


def test_cli_undo_reports_the_withdrawal(tmp_path):
    db = tmp_path / "cli.db"
    store = ReviewStore.open(db)
    folder = tmp_path / "shared"
    config = configure(folder)
    pid = approved(store, 1)
    publish(store, pid, actor="alice", config=config)
    store.close()
    result = CliRunner().invoke(cli, ["--db", str(db), "--actor", "bob", "undo", pid[:10]],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert f"withdrew it from {folder} (3 files removed)" in result.output
    shown = CliRunner().invoke(cli, ["--db", str(db), "show", pid[:10], "--json"])
    assert json.loads(shown.output)["published"] is None


def test_a_live_approval_is_never_withdrawn(mem_store, tmp_path):
    folder = tmp_path / "shared"
    config = configure(folder)
    pid = approved(mem_store, 1)
    publish(mem_store, pid, actor="alice", config=config)
    assert mem_store.get(pid)["status"] == "approved"
    assert withdraw(mem_store, pid, actor="bob", reason="x", config=config) is None
    assert len(names(folder)) == 3


def test_an_os_error_while_withdrawing_is_reported_and_the_undo_stands(mem_store, tmp_path,
                                                                       monkeypatch):
    import reviewer.publish.withdraw as withdraw_module

    folder = tmp_path / "shared"
    config = configure(folder)
    pid = approved(mem_store, 1)
    publish(mem_store, pid, actor="alice", config=config)

    def no_lock(_folder):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(withdraw_module, "locked", no_lock)
    outcome = undo(mem_store, pid, actor="bob")
    assert outcome.status == "pending" and "No space left" in outcome.publish_error
    assert len(names(folder)) == 3 and live_publication(mem_store, pid) is not None
