"""A publish that stops before it writes a file (the findings folder on the wrong branch, a
detached HEAD, a publish lock that cannot be taken) is recorded as `publish_failed` and the
next ingest publishes it; a refusal is recorded but left to a person; with publishing off,
the ingest's retry stays quiet; a decision the retry publishes is named in its report."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from reviewer import paths
from reviewer.cli import cli
from reviewer.commands.ingest import withdraw_voided
from reviewer.commands.ingest_report import IngestReport
from reviewer.decide import decide
from reviewer.publish import published
from reviewer.publish.record import FAILED, unlanded
from store import ReviewStore
from tests.publish.helpers import (
    add,
    approve_via_decide,
    bare_remote,
    clone,
    configure,
    finish_rerun,
    git,
)


def ingest_retry(store: ReviewStore) -> IngestReport:
    """What an ingest that stores nothing new does after storing: its retries."""
    report = IngestReport()
    withdraw_voided(store, [], "ingest", report)
    return report


def failed_stage(store: ReviewStore, pid: str) -> str | None:
    event = store.latest_event(pid, FAILED)
    return None if event is None else str(event.payload["stage"])


def shared_clone(tmp_path: Path) -> Path:
    return clone(bare_remote(tmp_path), tmp_path / "shared")


def test_an_approval_into_a_folder_on_another_branch_is_recorded_and_the_ingest_lands_it(
        mem_store, tmp_path):
    folder = shared_clone(tmp_path)
    configure(folder, 'branch = "main"\n')
    git(folder, "checkout", "--quiet", "-b", "other")
    pid, outcome = approve_via_decide(mem_store, 1)

    assert outcome.status == "approved" and outcome.published is None
    assert "is on branch 'other' but publish.branch is 'main'" in outcome.publish_error
    assert failed_stage(mem_store, pid) == "folder"
    assert unlanded(mem_store) == [pid]
    assert ingest_retry(mem_store).warnings[0].startswith(f"{pid[:12]}: ")  # still wrong

    git(folder, "checkout", "--quiet", "main")
    report = ingest_retry(mem_store)
    assert report.warnings == [] and unlanded(mem_store) == []
    live = published(mem_store, pid)
    assert live is not None and live["pushed"]
    assert git(folder, "log", "-1", "--format=%s", "origin/main").startswith(f"Publish {pid[:12]}")
    assert mem_store.verify().ok


def test_a_rejection_into_a_detached_head_is_recorded_and_the_ingest_lands_it(
        mem_store, tmp_path):
    folder = shared_clone(tmp_path)
    configure(folder, "rejected = true\n")
    git(folder, "checkout", "--quiet", "--detach")
    pid = add(mem_store, 2)
    outcome = decide(mem_store, pid, "reject", reason="no", actor="bob")

    assert outcome.status == "rejected" and "detached HEAD" in outcome.publish_error
    failed = mem_store.latest_event(pid, FAILED)
    assert failed is not None and failed.payload["stage"] == "folder"
    assert failed.payload["kind"] == "rejection"
    assert unlanded(mem_store) == [pid]

    git(folder, "checkout", "--quiet", "main")
    assert ingest_retry(mem_store).warnings == []
    live = published(mem_store, pid)
    assert live is not None and live["kind"] == "rejection"
    assert (folder / "rejected" / Path(live["file"]).name).is_file()


def test_a_publish_lock_that_cannot_be_taken_is_recorded_and_the_ingest_lands_it(
        mem_store, tmp_path):
    folder = tmp_path / "shared"
    configure(folder)
    # A file where the lock folder goes: the cache folder is unfit to hold the lock.
    blocker = paths.cache_dir() / "publish-locks"
    blocker.parent.mkdir(parents=True, exist_ok=True)
    blocker.write_text("not a folder\n")
    pid, outcome = approve_via_decide(mem_store, 3)

    assert outcome.status == "approved" and "publish lock" in outcome.publish_error
    assert str(paths.cache_dir()) in outcome.publish_error
    assert failed_stage(mem_store, pid) == "lock"
    assert unlanded(mem_store) == [pid]

    blocker.unlink()
    assert ingest_retry(mem_store).warnings == []
    assert published(mem_store, pid) is not None and unlanded(mem_store) == []


def test_another_proposals_record_in_the_way_is_recorded_but_left_to_a_person(
        mem_store, tmp_path):
    folder = tmp_path / "shared"
    configure(folder)
    pid = add(mem_store, 4)
    finish_rerun(mem_store, pid)
    # An id an agent ground to share the 12-hex prefix: the file name is the same.
    other = pid[:12] + "f" * 52 if pid[12:] != "f" * 52 else pid[:12] + "e" * 52
    folder.mkdir()
    record = folder / f"{pid[:12]}_idea_4.json"
    record.write_text(json.dumps({"proposal_id": other}))
    outcome = decide(mem_store, pid, "approve", reason="ok", actor="alice",
                     override="test approval" if mem_store.gates(pid) else None)

    assert outcome.status == "approved" and "another proposal" in outcome.publish_error
    assert failed_stage(mem_store, pid) == "refused"
    assert unlanded(mem_store) == []  # no ingest replaces it behind a person's back
    assert ingest_retry(mem_store).warnings == []
    assert json.loads(record.read_text()) == {"proposal_id": other}


def unlanded_by_a_write_failure(store: ReviewStore, folder: Path, i: int) -> tuple[str, Path]:
    """An approval whose record could not be written (a directory where its card goes)."""
    pid = add(store, i)
    finish_rerun(store, pid)
    blocker = folder / f"{pid[:12]}_idea_{i}.md"
    blocker.mkdir(parents=True)
    outcome = decide(store, pid, "approve", reason="ok", actor="alice",
                     override="test approval" if store.gates(pid) else None)
    assert outcome.publish_error is not None and unlanded(store) == [pid]
    return pid, blocker


def test_with_publishing_off_the_ingest_retry_stays_quiet(mem_store, tmp_path):
    folder = tmp_path / "shared"
    configure(folder)
    pid, blocker = unlanded_by_a_write_failure(mem_store, folder, 5)
    blocker.rmdir()

    paths.config_file().write_text("")  # [publish] removed
    for _ in range(2):
        report = ingest_retry(mem_store)
        assert report.warnings == [] and report.notes == []
    assert published(mem_store, pid) is None and unlanded(mem_store) == [pid]
    assert failed_stage(mem_store, pid) == "write"  # nothing was tried, so nothing failed

    configure(folder)  # publishing on again: the decision is published
    assert ingest_retry(mem_store).warnings == [] and published(mem_store, pid) is not None


def test_the_ingest_report_names_the_decision_its_retry_published(tmp_path):
    db = tmp_path / "review.db"
    store = ReviewStore.open(db)
    folder = tmp_path / "shared"
    configure(folder)
    pid, blocker = unlanded_by_a_write_failure(store, folder, 6)
    blocker.rmdir()
    empty = tmp_path / "inbox"
    empty.mkdir()

    ran = CliRunner().invoke(cli, ["--db", str(db), "ingest", str(empty)],
                             catch_exceptions=False)
    live = published(store, pid)
    assert live is not None
    assert ran.exit_code == 0, ran.output
    assert f"note: {pid[:12]}: published {live['file']}" in ran.stderr
    assert "warning" not in ran.stderr

    # A later ingest has nothing left to publish, and says nothing of it.
    again = CliRunner().invoke(cli, ["--db", str(db), "ingest", "--json", str(empty)],
                               catch_exceptions=False)
    assert json.loads(again.stdout)["notes"] == []
    store.close()


def test_the_ingest_json_lists_what_its_retry_published(mem_store, tmp_path):
    folder = tmp_path / "shared"
    configure(folder)
    pid, blocker = unlanded_by_a_write_failure(mem_store, folder, 7)
    blocker.rmdir()

    notes = ingest_retry(mem_store).to_json()["notes"]
    assert len(notes) == 1 and notes[0].startswith(f"{pid[:12]}: published {folder}")
    assert notes[0].endswith("which an earlier publish of its decision did not land")
