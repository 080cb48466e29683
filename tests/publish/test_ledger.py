"""Two reviewers' stores share one finding: it stays while either still approves it.

The stores publish into clones of one bare remote. The second store's record loses the push
race and an empty ledger commit says it vouches too; a withdrawal removes the files only
when no other store still vouches, decided again after every lost push race.
"""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from reviewer.publish import PublishConfig, PublishError, ledger, publish, published
from reviewer.publish.git import open_repo
from reviewer.publish.record import publisher_id
from reviewer.publish.withdraw import WithdrawResult, withdraw
from store import ReviewStore
from tests.publish.helpers import approve, approved, bare_remote, clone, git
from tests.publish.test_git import _barrier_hook, commits, files_on


def _two_stores_publish_one_finding(tmp_path: Path):
    remote = bare_remote(tmp_path)
    dirs = {name: clone(remote, tmp_path / name) for name in ("alice", "bob")}
    stores = {name: ReviewStore.open(tmp_path / f"{name}.db") for name in dirs}
    pid = approved(stores["alice"], 7, by="alice@example.org")
    assert approved(stores["bob"], 7, by="bob@example.org") == pid
    for name in ("alice", "bob"):
        publish(stores[name], pid, actor=name, config=PublishConfig(folder=dirs[name]))
    return remote, dirs, stores, pid


def _withdraw(store: ReviewStore, pid: str, name: str, folder: Path) -> WithdrawResult:
    """Undo the store's approval and withdraw its publication, as `reviewer undo` does."""
    store.undo(pid, actor=name)
    result = withdraw(store, pid, actor=name, reason="approval undone",
                      config=PublishConfig(folder=folder))
    assert result is not None
    return result


def _vouchers(folder: Path, pid: str) -> set[str]:
    git(folder, "pull", "--quiet", "--rebase")
    repo = open_repo(folder, None, None)
    assert repo is not None
    return ledger.vouchers(repo, pid, "finding")


def _record(remote: Path, pid: str) -> list[str]:
    return [f for f in files_on(remote) if f.startswith(pid[:12])]


def test_the_first_store_undoing_leaves_the_record_the_second_still_approves(tmp_path):
    remote, dirs, stores, pid = _two_stores_publish_one_finding(tmp_path)
    try:
        ids = {name: publisher_id(store) for name, store in stores.items()}
        assert ids["alice"] != ids["bob"] and _vouchers(dirs["alice"], pid) == set(ids.values())

        first = _withdraw(stores["alice"], pid, "alice", dirs["alice"])
        assert first.removed == () and first.pushed
        assert len(_record(remote, pid)) == 3  # Bob's approval still stands
        kept = stores["alice"].latest_event(pid, "withdraw").payload["kept"]
        assert kept.startswith("the shared record stays: 1 other") and ids["bob"] in kept
        head = commits(remote)[0]
        assert ["Ledger", "withdraw"] in head["trailers"]
        assert ["Store", ids["alice"]] in head["trailers"]
        assert git(remote, "diff-tree", "--no-commit-id", "-r", head["sha"]) == ""
        assert _vouchers(dirs["bob"], pid) == {ids["bob"]}

        last = _withdraw(stores["bob"], pid, "bob", dirs["bob"])
        assert len(last.removed) == 3 and last.pushed
        assert _record(remote, pid) == []  # nobody approves it any more
        assert "kept" not in stores["bob"].latest_event(pid, "withdraw").payload
        assert _vouchers(dirs["alice"], pid) == set()
    finally:
        for store in stores.values():
            store.close()


def test_the_store_that_lost_the_race_undoing_first_also_leaves_the_record(tmp_path):
    remote, dirs, stores, pid = _two_stores_publish_one_finding(tmp_path)
    try:
        first = _withdraw(stores["bob"], pid, "bob", dirs["bob"])
        assert first.removed == ()
        assert len(_record(remote, pid)) == 3  # Alice's record, Alice's approval
        last = _withdraw(stores["alice"], pid, "alice", dirs["alice"])
        assert len(last.removed) == 3 and _record(remote, pid) == []
    finally:
        for store in stores.values():
            store.close()


def test_two_stores_undoing_at_once_never_leave_the_record_unapproved(tmp_path):
    """Each decides while the other still vouches; the push race makes the loser look again."""
    remote, dirs, stores, pid = _two_stores_publish_one_finding(tmp_path)
    for store in stores.values():
        store.close()  # each thread opens its own connection
    rendezvous = tmp_path / "rendezvous"
    rendezvous.mkdir()
    for folder in dirs.values():
        _barrier_hook(folder, rendezvous, len(dirs))
    results: dict[str, WithdrawResult] = {}
    errors: list[BaseException] = []

    def undo(name: str) -> None:
        try:
            store = ReviewStore.open(tmp_path / f"{name}.db")
            try:
                results[name] = _withdraw(store, pid, name, dirs[name])
            finally:
                store.close()
        except BaseException as exc:  # surfaced in the main thread below
            errors.append(exc)

    threads = [threading.Thread(target=undo, args=(name,)) for name in dirs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert _record(remote, pid) == []
    assert sorted(len(r.removed) for r in results.values()) == [0, 3]
    withdrawals = [c for c in commits(remote) if ["Ledger", "withdraw"] in c["trailers"]]
    assert len(withdrawals) == 2  # the loser's first decision was undone, not pushed
    assert _vouchers(dirs["bob"], pid) == set()
    for folder in dirs.values():
        assert git(folder, "status", "--porcelain") == ""


def test_a_record_published_before_the_ledger_vouches_as_its_commit(tmp_path):
    remote = bare_remote(tmp_path)
    folder = clone(remote, tmp_path / "old")
    pid = "ab" * 32
    record = f"{pid[:12]}_idea.json"
    (folder / record).write_text("{}\n")
    git(folder, "add", record)
    git(folder, "commit", "--quiet", "-m", f"Publish {pid[:12]}: t", "-m",
        f"Reviewed-by: carol\nProposal-Id: {pid}")
    repo = open_repo(folder, None, None)
    assert repo is not None
    first = git(folder, "rev-parse", "HEAD")
    assert ledger.vouchers(repo, pid, "finding") == {ledger.legacy(first)}
    assert ledger.vouchers(repo, pid, "rejection") == set()
    (folder / record).write_text('{"again": 1}\n')  # an old republish overwrote it
    git(folder, "commit", "--quiet", "-am", f"Publish {pid[:12]}: t", "-m",
        f"Reviewed-by: dave\nProposal-Id: {pid}")
    second = git(folder, "rev-parse", "HEAD")
    assert ledger.vouchers(repo, pid, "finding") == {ledger.legacy(second)}
    assert ledger.vouchers(repo, "cd" * 32, "finding") == set()
    # One that changed none of the record's files published nothing: it vouches for nothing.
    git(folder, "commit", "--quiet", "--allow-empty", "-m", f"Publish {pid[:12]}: t", "-m",
        f"Reviewed-by: mallory\nProposal-Id: {pid}")
    assert ledger.vouchers(repo, pid, "finding") == {ledger.legacy(second)}
    git(folder, "commit", "--quiet", "--allow-empty", "-m", f"Withdraw {pid[:12]}: gone", "-m",
        f"Withdrawn-by: carol\nProposal-Id: {pid}")
    assert ledger.vouchers(repo, pid, "finding") == set()


def test_a_withdrawal_that_cannot_push_leaves_no_stale_decision_behind(tmp_path):
    remote, dirs, stores, pid = _two_stores_publish_one_finding(tmp_path)
    hook = remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'closed for maintenance' >&2\nexit 1\n")
    hook.chmod(0o755)
    try:
        with pytest.raises(PublishError, match="closed for maintenance"):
            _withdraw(stores["bob"], pid, "bob", dirs["bob"])
        hook.unlink()
        # Bob's ledger commit could not land; it is undone so a later try decides afresh.
        assert git(dirs["bob"], "rev-parse", "HEAD") == git(remote, "rev-parse", "main")
        assert git(dirs["bob"], "status", "--porcelain") == ""
        again = withdraw(stores["bob"], pid, actor="bob", reason="retry",
                         config=PublishConfig(folder=dirs["bob"]))
        assert again is not None and again.removed == () and again.pushed
        assert _vouchers(dirs["alice"], pid) == {publisher_id(stores["alice"])}
        assert len(_record(remote, pid)) == 3
    finally:
        for store in stores.values():
            store.close()


def test_approving_again_after_a_kept_withdrawal_vouches_again(tmp_path):
    """Alice's withdrawal left the files (Bob vouched); her new approval vouches again."""
    remote, dirs, stores, pid = _two_stores_publish_one_finding(tmp_path)
    alice, bob = stores["alice"], stores["bob"]
    try:
        _withdraw(alice, pid, "alice", dirs["alice"])  # Bob still vouches: the files stay
        approve(alice, pid, actor="alice@example.org")
        again = publish(alice, pid, actor="alice", config=PublishConfig(folder=dirs["alice"]))
        assert again.committed and again.pushed  # a new approval, a new audit hash
        assert ["Store", publisher_id(alice)] in commits(remote)[0]["trailers"]
        assert _vouchers(dirs["bob"], pid) == {publisher_id(alice), publisher_id(bob)}
        assert _withdraw(bob, pid, "bob", dirs["bob"]).removed == ()
        assert len(_record(remote, pid)) == 3  # Alice approves it again
        assert len(_withdraw(alice, pid, "alice", dirs["alice"]).removed) == 3
        assert _record(remote, pid) == []
    finally:
        for store in stores.values():
            store.close()


def _alice_and_bob(tmp_path: Path) -> tuple[Path, dict[str, Path], ReviewStore, ReviewStore]:
    """A shared remote, a clone of it for each reviewer, and each reviewer's store."""
    remote = bare_remote(tmp_path)
    dirs = {name: clone(remote, tmp_path / name) for name in ("alice", "bob")}
    alice, bob = (ReviewStore.open(tmp_path / f"{name}.db") for name in dirs)
    return remote, dirs, alice, bob


def _publish_before_the_ledger(store: ReviewStore, pid: str, folder: Path) -> str:
    """Publish as a version without the ledger did: no ledger trailers, no store in the event.

    Returns the publish commit, which the remote then holds.
    """
    publish(store, pid, actor="alice", config=PublishConfig(folder=folder))
    message = git(folder, "log", "-1", "--format=%B")
    kept = [line for line in message.splitlines()
            if not line.startswith(("Record: ", "Store: ", "Ledger: "))]
    git(folder, "commit", "--quiet", "--amend", "-m", "\n".join(kept))
    git(folder, "push", "--quiet", "--force", "origin", "HEAD:refs/heads/main")
    old = git(folder, "rev-parse", "HEAD")
    payload = {k: v for k, v in published(store, pid).items()
               if k not in ("store", "at", "actor", "seq")}
    store.annotate(pid, "publish", {**payload, "commit": old}, actor="alice")
    return old


def test_a_store_upgraded_after_publishing_can_still_withdraw_its_record(tmp_path):
    """Alice published before the ledger; Bob publishes the same finding after her upgrade."""
    remote, dirs, alice, bob = _alice_and_bob(tmp_path)
    try:
        pid = approved(alice, 7, by="alice@example.org")
        old = _publish_before_the_ledger(alice, pid, dirs["alice"])
        assert _vouchers(dirs["bob"], pid) == {ledger.legacy(old)}

        # After the upgrade, publishing the unchanged record says in the ledger who vouches;
        # that empty commit changed no file, so her old publish commit is what counts.
        again = publish(alice, pid, actor="alice", config=PublishConfig(folder=dirs["alice"]))
        assert not again.committed and again.commit == old
        assert commits(remote)[0]["subject"].startswith(f"Also approve {pid[:12]}:")
        assert _vouchers(dirs["bob"], pid) == {ledger.legacy(old)}
        repo = open_repo(dirs["bob"], None, None)
        assert repo is not None and publisher_id(alice) in ledger.vouchers(
            repo, pid, "finding", committed=False)
        assert approved(bob, 7, by="bob@example.org") == pid
        # Bob's clone is up to date here, so his record replaces hers and vouches for him.
        assert publish(bob, pid, actor="bob", config=PublishConfig(folder=dirs["bob"])).committed

        # Alice's withdrawal retires both her words; Bob's keeps the record until he withdraws.
        assert _withdraw(alice, pid, "alice", dirs["alice"]).removed == ()
        assert _vouchers(dirs["bob"], pid) == {publisher_id(bob)}
        assert len(_withdraw(bob, pid, "bob", dirs["bob"]).removed) == 3
        assert _record(remote, pid) == []
    finally:
        alice.close()
        bob.close()


def test_a_publish_that_races_a_withdrawal_of_the_same_record_puts_its_own_back(tmp_path):
    """Bob's clone holds Alice's record; she withdraws it just before Bob's push lands."""
    remote = bare_remote(tmp_path)
    alice_dir = clone(remote, tmp_path / "alice")
    alice, bob = ReviewStore.open(tmp_path / "a.db"), ReviewStore.open(tmp_path / "b.db")
    try:
        pid = approved(alice, 7, by="alice@example.org")
        publish(alice, pid, actor="alice", config=PublishConfig(folder=alice_dir))
        bob_dir = clone(remote, tmp_path / "bob")  # with Alice's files in it
        assert approved(bob, 7, by="bob@example.org") == pid
        assert len(_withdraw(alice, pid, "alice", alice_dir).removed) == 3
        assert _record(remote, pid) == []

        result = publish(bob, pid, actor="bob", config=PublishConfig(folder=bob_dir))
        assert result.pushed and result.push_attempts == 2
        assert len(_record(remote, pid)) == 3  # Bob's record, not nothing
        shown = git(remote, "show", f"main:{_record(remote, pid)[0]}")
        assert "bob@example.org" in shown and "alice@example.org" not in shown
        assert _vouchers(alice_dir, pid) == {publisher_id(bob)}
        assert git(bob_dir, "status", "--porcelain") == ""
    finally:
        alice.close()
        bob.close()


def test_stores_copied_from_one_file_before_publishing_vouch_once_they_commit(tmp_path):
    """A team hands each reviewer a copy of one store; each copy gets its own ledger name.

    Both copies build the very same bytes, so the second one's commit changes nothing and
    its empty vouch, which anyone could push, keeps nothing up until it writes the record.
    """
    seed = ReviewStore.open(tmp_path / "seed.db")
    pid = approved(seed, 7, by="team@example.org")
    seed.close()
    remote = bare_remote(tmp_path)
    names = ("alice", "bob")
    for name in names:
        shutil.copyfile(tmp_path / "seed.db", tmp_path / f"{name}.db")
    stores = {name: ReviewStore.open(tmp_path / f"{name}.db") for name in names}
    dirs = {name: clone(remote, tmp_path / name) for name in names}
    try:
        for name in names:
            publish(stores[name], pid, actor=name, config=PublishConfig(folder=dirs[name]))
        ids = {name: publisher_id(stores[name]) for name in names}
        assert ids["alice"] != ids["bob"] and _vouchers(dirs["alice"], pid) == {ids["alice"]}
        assert publisher_id(stores["alice"]) == ids["alice"]  # fixed now
        assert len(_withdraw(stores["alice"], pid, "alice", dirs["alice"]).removed) == 3
        assert _record(remote, pid) == []
        # Bob's copy still approves it: publishing again writes the record as his own commit.
        again = publish(stores["bob"], pid, actor="bob", config=PublishConfig(folder=dirs["bob"]))
        assert again.committed and again.pushed and len(_record(remote, pid)) == 3
        assert _vouchers(dirs["alice"], pid) == {ids["bob"]}
    finally:
        for store in stores.values():
            store.close()


def test_a_record_published_before_the_ledger_stays_while_a_newer_store_vouches(tmp_path):
    remote, dirs, alice, bob = _alice_and_bob(tmp_path)
    try:
        pid = approved(alice, 7, by="alice@example.org")
        _publish_before_the_ledger(alice, pid, dirs["alice"])
        assert approved(bob, 7, by="bob@example.org") == pid
        # Bob's push lost the race to her record of the same numbers: his replaces it.
        assert publish(bob, pid, actor="bob", config=PublishConfig(folder=dirs["bob"])).committed

        # Alice's live publication names no store; her withdrawal still reads the ledger.
        assert "store" not in published(alice, pid)
        assert _withdraw(alice, pid, "alice", dirs["alice"]).removed == ()
        assert len(_record(remote, pid)) == 3 and _vouchers(dirs["bob"], pid) == {publisher_id(bob)}
        assert len(_withdraw(bob, pid, "bob", dirs["bob"]).removed) == 3
    finally:
        alice.close()
        bob.close()
