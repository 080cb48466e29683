"""Publishing into a git repository whose remote is a local bare repository."""

from __future__ import annotations

import json
import re
import stat
import threading
from pathlib import Path

import pytest

from reviewer.publish import PublishConfig, PublishError, publish, published
from reviewer.publish.record import publisher_id
from store import ReviewStore
from tests.publish.helpers import add, approved, bare_remote, clone, git

HEX64 = re.compile(r"[0-9a-f]{64}")


def commits(repo: Path, ref: str = "main") -> list[dict]:
    """Subject and trailers of every commit on `ref`, newest first."""
    out = git(repo, "log", "--format=%H%x02%s%x02%(trailers:only,unfold)%x03", ref)
    rows = []
    for record in filter(None, (r.strip("\n") for r in out.split("\x03"))):
        sha, subject, trailers = record.split("\x02")
        pairs = [line.split(": ", 1) for line in trailers.splitlines() if line]
        rows.append({"sha": sha, "subject": subject, "trailers": pairs})
    return rows


def files_on(repo: Path, ref: str = "main") -> list[str]:
    return sorted(git(repo, "ls-tree", "--name-only", "-r", ref).splitlines())


def assert_trailers(commit: dict, reviewers: list[str]) -> None:
    keys = [k for k, _ in commit["trailers"]]
    assert [v for k, v in commit["trailers"] if k == "Reviewed-by"] == reviewers
    assert keys.count("Diff-SHA256") == 1 and keys.count("Audit-Hash") == 1
    values = dict(commit["trailers"])
    assert HEX64.fullmatch(values["Diff-SHA256"]) and HEX64.fullmatch(values["Audit-Hash"])


def test_the_agents_title_never_reaches_the_commit_message(mem_store, tmp_path):
    # A forge acts on a pushed message: "Fixes #1" closes issue 1, "@octocat" notifies.
    folder = clone(bare_remote(tmp_path), tmp_path / "mine")
    title = "Fixes #1, closes acme/safety-evals#7 cc @octocat"
    pid = approved(mem_store, 1, title=title)
    publish(mem_store, pid, actor="alice@example.org", config=PublishConfig(folder=folder))
    message = git(folder, "log", "-1", "--format=%B")
    assert message.startswith(f"Publish {pid[:12]}: idea_1\n")
    assert "#" not in message and "@octocat" not in message and "Fixes" not in message


@pytest.fixture
def remote(tmp_path) -> Path:
    return bare_remote(tmp_path)


def test_publish_commits_with_trailers_and_pushes(mem_store, remote, tmp_path):
    folder = clone(remote, tmp_path / "mine")
    pid = approved(mem_store, 1, title="Logconf\x1b[31m with warm-up\nSigned-off-by: x")
    result = publish(mem_store, pid, actor="alice@example.org", config=PublishConfig(folder=folder))
    assert result.committed and result.pushed and result.remote == "origin"
    assert result.push_attempts == 1
    head = commits(remote)[0]
    assert result.commit == head["sha"] == git(folder, "rev-parse", "HEAD")
    assert head["subject"] == f"Publish {pid[:12]}: idea_1"
    assert_trailers(head, ["alice@example.org"])
    values = dict(head["trailers"])
    finding = json.loads(result.file.read_text())
    assert values["Audit-Hash"] == finding["audit_hash"]
    assert values["Diff-SHA256"] == finding["diff_sha256"]
    stem = f"{pid[:12]}_idea_1"
    assert files_on(remote) == sorted(["README.md", f"{stem}.json", f"{stem}.md", f"{stem}.patch"])
    recorded = published(mem_store, pid)
    assert recorded["commit"] == head["sha"] and recorded["pushed"] is True
    assert recorded["remote"] == "origin"

    again = publish(mem_store, pid, actor="alice@example.org", config=PublishConfig(folder=folder))
    assert again.unchanged and not again.committed and again.commit == head["sha"]
    assert len(commits(remote)) == 2  # init + one publish
    assert git(folder, "status", "--porcelain") == ""


def test_only_the_published_files_are_committed(mem_store, remote, tmp_path):
    folder = clone(remote, tmp_path / "mine")
    (folder / "notes.txt").write_text("my own staged work\n")
    git(folder, "add", "notes.txt")
    pid = approved(mem_store, 2)
    publish(mem_store, pid, actor="alice", config=PublishConfig(folder=folder))
    assert "notes.txt" not in files_on(remote)
    assert git(folder, "diff", "--cached", "--name-only") == "notes.txt"


def test_a_lost_race_is_rebased_and_retried(mem_store, remote, tmp_path):
    folder = clone(remote, tmp_path / "mine")
    other = clone(remote, tmp_path / "other")
    (other / "elsewhere.json").write_text("{}\n")
    git(other, "add", "elsewhere.json")
    git(other, "commit", "--quiet", "-m", "someone else's finding")
    git(other, "push", "--quiet", "origin", "HEAD:refs/heads/main")

    pid = approved(mem_store, 3)
    result = publish(mem_store, pid, actor="alice", config=PublishConfig(folder=folder))
    assert result.pushed and result.push_attempts == 2
    log = commits(remote)
    assert [c["subject"] for c in log] == [
        f"Publish {pid[:12]}: idea_3", "someone else's finding", "init"]
    # The recorded commit is the rebased one the remote has, not the one first made.
    assert result.commit == log[0]["sha"] == published(mem_store, pid)["commit"]
    assert_trailers(log[0], ["alice@example.org"])


def _barrier_hook(clone_dir: Path, rendezvous: Path, parties: int) -> None:
    """A pre-push hook that holds each clone's first push until all have reached it."""
    hook = clone_dir / ".git" / "hooks" / "pre-push"
    hook.write_text(
        "#!/bin/sh\n"
        f'touch "{rendezvous}/{clone_dir.name}"\n'
        "i=0\n"
        f'while [ "$(ls "{rendezvous}" | wc -l)" -lt {parties} ] && [ $i -lt 6000 ]; do\n'
        "  sleep 0.01; i=$((i+1))\n"
        "done\n"
    )
    hook.chmod(hook.stat().st_mode | stat.S_IXUSR)


def test_two_reviewer_stores_publishing_at_once_lose_nothing(remote, tmp_path):
    rendezvous = tmp_path / "rendezvous"
    rendezvous.mkdir()
    reviewers = {"alice": range(10, 14), "bob": range(20, 24)}
    results: dict[str, list] = {}
    errors: list[BaseException] = []

    def reviewer(name: str, numbers: range) -> None:
        try:
            folder = clone(remote, tmp_path / f"clone-{name}")
            _barrier_hook(folder, rendezvous, len(reviewers))
            store = ReviewStore.open(tmp_path / f"{name}.db")
            try:
                rows = []
                for i in numbers:
                    pid = approved(store, i, by=f"{name}@example.org")
                    result = publish(store, pid, actor=name, config=PublishConfig(folder=folder))
                    rows.append((pid, result, published(store, pid)))
                results[name] = rows
            finally:
                store.close()
        except BaseException as exc:  # surfaced in the main thread below
            errors.append(exc)

    threads = [threading.Thread(target=reviewer, args=item) for item in reviewers.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors

    log = commits(remote)
    publishes = [c for c in log if c["subject"].startswith("Publish ")]
    assert len(publishes) == sum(len(r) for r in reviewers.values())  # no duplicates, none lost
    tree = files_on(remote)
    all_results = [(name, *row) for name, rows in results.items() for row in rows]
    by_sha = {c["sha"]: c for c in log}
    for name, pid, result, recorded in all_results:
        stem = f"{pid[:12]}_idea_"
        assert sum(f.startswith(stem) for f in tree) == 3
        assert recorded["commit"] == result.commit and result.commit in by_sha
        assert by_sha[result.commit]["subject"].startswith(f"Publish {pid[:12]}:")
        assert_trailers(by_sha[result.commit], [f"{name}@example.org"])
    # The barrier made both first pushes race, so at least one had to rebase and retry.
    assert sum(r.push_attempts for _, _, r, _ in all_results) > len(all_results)
    assert git(tmp_path / "clone-alice", "status", "--porcelain") == ""


def test_a_push_that_fails_for_good_records_publish_failed(mem_store, remote, tmp_path):
    folder = clone(remote, tmp_path / "mine")
    hook = remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'findings are frozen' >&2\nexit 1\n")
    hook.chmod(0o755)
    pid = approved(mem_store, 4)
    cfg = PublishConfig(folder=folder, push_retries=2)
    with pytest.raises(PublishError, match=r"git push to origin failed after 3 attempt\(s\)"):
        publish(mem_store, pid, actor="alice", config=cfg)
    failed = mem_store.latest_event(pid, "publish_failed")
    assert failed.payload["stage"] == "push" and "frozen" in failed.payload["error"]
    assert failed.payload["file"].endswith(f"{pid[:12]}_idea_4.json")
    assert published(mem_store, pid) is None
    local = git(folder, "rev-parse", "HEAD")

    hook.unlink()
    result = publish(mem_store, pid, actor="alice", config=cfg)
    assert not result.committed and result.pushed and result.commit == local
    assert commits(remote)[0]["sha"] == local
    assert published(mem_store, pid)["pushed"] is True


def test_a_git_left_killed_in_the_folder_is_named_in_the_error(mem_store, remote, tmp_path):
    # A `git commit` killed mid-way leaves its lock; git names the file first and then
    # advises at length, and the message once kept only the advice.
    folder = clone(remote, tmp_path / "mine")
    lock = folder / ".git" / "index.lock"
    lock.write_text("")
    pid = approved(mem_store, 9)
    with pytest.raises(PublishError) as failed:
        publish(mem_store, pid, actor="alice", config=PublishConfig(folder=folder))
    assert f"Unable to create '{lock}': File exists" in str(failed.value)
    assert "remove the file manually" in str(failed.value)
    assert f"Unable to create '{lock}'" in mem_store.latest_event(pid, "publish_failed").payload[
        "error"]

    lock.unlink()
    assert publish(mem_store, pid, actor="alice", config=PublishConfig(folder=folder)).pushed


def test_an_unreachable_remote_fails_at_once(mem_store, tmp_path):
    folder = tmp_path / "mine"
    git(tmp_path, "init", "--quiet", "-b", "main", str(folder))
    git(folder, "remote", "add", "origin", str(tmp_path / "missing.git"))
    pid = approved(mem_store, 5)
    with pytest.raises(PublishError, match=r"failed after 1 attempt"):
        publish(mem_store, pid, actor="alice", config=PublishConfig(folder=folder))
    assert mem_store.latest_event(pid, "publish_failed") is not None
    # The commit was made locally and waits for the next publish to push it.
    assert commits(folder)[0]["subject"].startswith(f"Publish {pid[:12]}")


def test_a_repository_without_a_remote_commits_only(mem_store, tmp_path):
    folder = tmp_path / "mine"
    git(tmp_path, "init", "--quiet", "-b", "trunk", str(folder))
    pid = approved(mem_store, 6)
    result = publish(mem_store, pid, actor="alice", config=PublishConfig(folder=folder))
    assert result.committed and not result.pushed and result.remote is None
    assert commits(folder, "trunk")[0]["sha"] == result.commit


def test_a_folder_inside_another_repository_is_plain(mem_store, tmp_path):
    outer = tmp_path / "home"
    git(tmp_path, "init", "--quiet", "-b", "main", str(outer))
    pid = approved(mem_store, 7)
    result = publish(mem_store, pid, actor="alice",
                     config=PublishConfig(folder=outer / "findings"))
    assert result.commit is None and not result.committed
    assert git(outer, "rev-list", "--all") == ""


def test_git_setup_errors_come_before_any_write(mem_store, remote, tmp_path):
    folder = clone(remote, tmp_path / "mine")
    pid = approved(mem_store, 8)
    with pytest.raises(PublishError, match=r"no git remote 'upstream' \(publish.remote\)"):
        publish(mem_store, pid, actor="a", config=PublishConfig(folder=folder, remote="upstream"))
    with pytest.raises(PublishError, match=r"on branch 'main' but publish.branch is 'findings'"):
        publish(mem_store, pid, actor="a", config=PublishConfig(folder=folder, branch="findings"))
    assert files_on(folder, "HEAD") == ["README.md"] and sorted(
        p.name for p in folder.iterdir()) == [".git", "README.md"]
    assert mem_store.latest_event(pid, "publish_failed").payload["stage"] == "folder"


def test_rejections_are_committed_under_rejected(mem_store, remote, tmp_path):
    from reviewer.publish import publish_rejection

    folder = clone(remote, tmp_path / "mine")
    pid = add(mem_store, 9)
    mem_store.reject(pid, reason="hunts for labels", actor="bob")
    result = publish_rejection(mem_store, pid, actor="bob",
                               config=PublishConfig(folder=folder, rejected=True))
    assert result.pushed and files_on(remote) == ["README.md", f"rejected/{pid[:12]}_idea_9.json"]
    head = commits(remote)[0]
    assert head["subject"].startswith(f"Record rejection of {pid[:12]}:")
    assert ["Rejected-by", "bob"] in head["trailers"]


def test_the_same_finding_from_a_second_reviewer_replaces_the_first_and_both_vouch(
        remote, tmp_path):
    from reviewer.decide import undo

    alice_dir, bob_dir = clone(remote, tmp_path / "alice"), clone(remote, tmp_path / "bob")
    alice, bob = ReviewStore.open(tmp_path / "a.db"), ReviewStore.open(tmp_path / "b.db")
    try:
        pid = approved(alice, 7, by="alice@example.org")
        assert approved(bob, 7, by="bob@example.org") == pid  # the same proposal
        first = publish(alice, pid, actor="alice", config=PublishConfig(folder=alice_dir))
        second = publish(bob, pid, actor="bob", config=PublishConfig(folder=bob_dir))
        # Bob's push lost the race to Alice's record of the same numbers: his rebased commit
        # replaces it, so each store's own commit wrote the record it vouches for.
        assert second.committed and second.push_attempts == 2
        mine, hers = commits(remote)[:2]
        assert second.commit == mine["sha"] and first.commit == hers["sha"]
        assert_trailers(mine, ["bob@example.org"])
        assert ["Store", publisher_id(bob)] in mine["trailers"]
        assert ["Store", publisher_id(alice)] in hers["trailers"]
        shown = json.loads(git(remote, "show", f"main:{pid[:12]}_idea_7.json"))
        assert shown["reviewed_by"] == ["bob@example.org"]
        assert published(bob, pid)["commit"] == mine["sha"]
        assert git(bob_dir, "status", "--porcelain") == ""
        assert git(bob_dir, "rev-parse", "HEAD") == mine["sha"]

        # Bob's clone is not stuck: his next finding goes out on top.
        other = approved(bob, 8, by="bob@example.org")
        assert publish(bob, other, actor="bob", config=PublishConfig(folder=bob_dir)).pushed
        assert commits(remote)[0]["subject"].startswith(f"Publish {other[:12]}")

        # Bob undoing his approval leaves the record up: Alice's approval still stands.
        from reviewer import paths

        paths.config_file().parent.mkdir(parents=True, exist_ok=True)
        paths.config_file().write_text(f'[publish]\nfolder = "{bob_dir}"\n')
        gone = undo(bob, pid, actor="bob").withdrawn
        assert gone is not None and gone.removed == ()
        assert f"{pid[:12]}_idea_7.json" in files_on(remote)
        assert gone.kept == bob.latest_event(pid, "withdraw").payload["kept"]
        assert gone.kept.startswith("the shared record") and gone.kept in gone.describe()
    finally:
        alice.close()
        bob.close()
