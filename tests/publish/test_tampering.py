"""Someone who can push to the shared findings, but holds no reviewer's store, cannot make a
store vouch for a record it did not build, keep a withdrawn record up, or slip an edit into
a record the store publishes again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reviewer.publish import PublishConfig, PublishError, ledger, publish, published
from reviewer.publish.git import open_repo
from reviewer.publish.record import publisher_id
from reviewer.publish.withdraw import withdraw
from tests.publish.helpers import add, approve, approved, bare_remote, clone, finish_rerun, git
from tests.publish.test_git import commits, files_on


def _push(attacker: Path, message: str, files: dict[str, str] | None = None) -> str:
    """Commit `files` (or nothing) in the attacker's clone on top of the remote; push it."""
    git(attacker, "pull", "--quiet", "--rebase", "origin", "main")
    for name, text in (files or {}).items():
        (attacker / name).write_text(text)
        git(attacker, "add", name)
    note = attacker.parent / f"{attacker.name}.msg"
    note.write_bytes(message.encode())  # as is: a forger picks every byte
    git(attacker, "commit", "--quiet", "--allow-empty", "--cleanup=verbatim", "-F", str(note))
    git(attacker, "push", "--quiet", "origin", "HEAD:refs/heads/main")
    return git(attacker, "rev-parse", "HEAD")


def _shared(remote: Path, name: str) -> dict:
    return json.loads(git(remote, "show", f"main:{name}"))


def test_a_record_fabricated_before_the_approval_fails_the_publish_and_gets_no_vouch(
    file_store, tmp_path
):
    remote = bare_remote(tmp_path)
    mine, attacker = clone(remote, tmp_path / "mine"), clone(remote, tmp_path / "attacker")
    pid = add(file_store, 1)
    finish_rerun(file_store, pid)
    stem = f"{pid[:12]}_idea_1"
    # Ids are hashes of the agent's submission, so the record's name is known in advance.
    fake = _push(
        attacker,
        f"Publish {pid[:12]}: idea_1\n",
        {
            f"{stem}.json": json.dumps({"proposal_id": pid, "pgr": 0.99, "worked": True}),
            f"{stem}.md": "# Reviewed and reproduced\n",
            f"{stem}.patch": "evil\n",
        },
    )
    approve(file_store, pid)
    with pytest.raises(PublishError, match=f"commit {fake}") as raised:
        publish(file_store, pid, actor="alice", config=PublishConfig(folder=mine))
    assert f"reviewer publish {pid[:12]}" in str(raised.value)

    # The fabricated record stays as the attacker left it, and nothing says this store vouches.
    assert commits(remote)[0]["sha"] == fake
    assert _shared(remote, f"{stem}.json")["pgr"] == 0.99
    assert not any(["Proposal-Id", pid] in c["trailers"] for c in commits(remote))
    assert published(file_store, pid) is None
    failed = file_store.latest_event(pid, "publish_failed")
    assert failed is not None and fake in failed.payload["error"]
    # The clone is the remote's again, so nothing later is stuck behind the conflict.
    assert git(mine, "rev-parse", "HEAD") == fake and git(mine, "status", "--porcelain") == ""

    # Publishing again, as the message says, replaces it with this store's own record.
    again = publish(file_store, pid, actor="alice", config=PublishConfig(folder=mine))
    assert again.committed and again.pushed and again.commit == commits(remote)[0]["sha"]
    assert _shared(remote, f"{stem}.json")["reviewed_by"] == ["alice@example.org"]
    repo = open_repo(mine, None, None)
    assert repo is not None
    assert ledger.vouchers(repo, pid, "finding") == {publisher_id(file_store)}


def _vouch(pid: str, store: str) -> str:
    return (
        f"Also approve {pid[:12]}: idea_2\n\nProposal-Id: {pid}\nRecord: finding\n"
        f"Store: {store}\nLedger: vouch\n"
    )


@pytest.mark.parametrize("forged", ["plain", "inside_a_trailer"])
def test_a_forged_vouch_does_not_keep_a_withdrawn_record_up(file_store, tmp_path, forged):
    remote = bare_remote(tmp_path)
    mine, attacker = clone(remote, tmp_path / "mine"), clone(remote, tmp_path / "attacker")
    pid = approved(file_store, 2)
    own = publish(file_store, pid, actor="alice", config=PublishConfig(folder=mine)).commit
    if forged == "plain":
        message = _vouch(pid, "deadbeefdeadbeef")
    else:
        # The log is read with control characters as separators; a trailer may hold them,
        # posing as an entry for the store's own publish commit, which changed the files.
        message = (
            f"typo\n\nProposal-Id: {pid}\nSee: x\x03{own}\x02Also approve\x02Proposal-Id: {pid}\n"
            "Record: finding\nStore: deadbeefdeadbeef\nLedger: vouch\n"
        )
    _push(attacker, message)

    file_store.undo(pid, actor="alice")
    gone = withdraw(
        file_store, pid, actor="alice", reason="wrong", config=PublishConfig(folder=mine)
    )
    assert gone is not None and len(gone.removed) == 3 and gone.kept is None
    assert not [f for f in files_on(remote) if f.startswith(pid[:12])]
    assert "kept" not in file_store.latest_event(pid, "withdraw").payload


def test_a_vouch_counts_once_its_store_committed_the_record(file_store, tmp_path):
    """The same forged name counts once it also changed the files: visibly, and the undo
    says which store keeps the record up."""
    remote = bare_remote(tmp_path)
    mine, attacker = clone(remote, tmp_path / "mine"), clone(remote, tmp_path / "attacker")
    pid = approved(file_store, 2)
    publish(file_store, pid, actor="alice", config=PublishConfig(folder=mine))
    git(attacker, "pull", "--quiet", "origin", "main")
    _push(
        attacker,
        _vouch(pid, "deadbeefdeadbeef").replace("Also approve", "Publish"),
        {f"{pid[:12]}_idea_2.md": "# rewritten\n"},
    )

    file_store.undo(pid, actor="alice")
    gone = withdraw(
        file_store, pid, actor="alice", reason="wrong", config=PublishConfig(folder=mine)
    )
    assert gone is not None and gone.removed == ()
    assert gone.kept is not None and "deadbeefdeadbeef" in gone.kept
    assert gone.describe() == (f"withdrew it from {mine} (0 files removed); {gone.kept}")


def test_a_record_edited_on_the_remote_is_put_back_when_published_again(file_store, tmp_path):
    remote = bare_remote(tmp_path)
    mine, attacker = clone(remote, tmp_path / "mine"), clone(remote, tmp_path / "attacker")
    pid = approved(file_store, 3, rerun=False)  # an override: pgr is null
    first = publish(file_store, pid, actor="alice", config=PublishConfig(folder=mine))
    name = f"{pid[:12]}_idea_3.json"
    built = first.file.read_bytes()
    git(attacker, "pull", "--quiet", "origin", "main")
    record = json.loads((attacker / name).read_text())
    edit = _push(attacker, "typo fix\n", {name: json.dumps({**record, "pgr": 0.97}, indent=2)})

    again = publish(file_store, pid, actor="alice", config=PublishConfig(folder=mine))
    assert again.committed and again.pushed and not again.unchanged
    assert git(remote, "show", f"main:{name}").encode() + b"\n" == built
    head = commits(remote)[0]
    assert head["subject"] == f"Publish {pid[:12]}: idea_3" and head["sha"] != edit
    # The event names the commit that holds the bytes it records.
    event = published(file_store, pid)
    assert event["commit"] == again.commit == head["sha"]
    assert git(remote, "show", f"{event['commit']}:{name}").encode() + b"\n" == built
    assert event["finding_sha256"] == again.finding_sha256
    assert git(mine, "status", "--porcelain") == ""

    # With nothing changed since, publishing again writes, commits and records nothing.
    assert publish(file_store, pid, actor="alice", config=PublishConfig(folder=mine)).unchanged
