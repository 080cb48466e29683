"""Signed checkpoints against hostile files in `<db>.checkpoints/`: planted statements, FIFOs,
symlinks, huge files and lock symlinks never switch signing off, hang or get followed."""

# ruff: noqa: F811 (the fixtures keys and signed come from test_signing)

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from store import ReviewStore
from store.audit import checkpoint_path, write_checkpoint
from store.signing import Signer, SigningError, checkpoints_dir
from store.sshsig import list_statements, signature_of
from tests.factories import make_proposal
from tests.store.test_signing import (  # noqa: F401 (keys and signed are fixtures)
    NS,
    keys,
    populate,
    signed,
    signer,
    verify,
)

pytestmark = pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="needs ssh-keygen")

NEWEST = "000000000010.json"  # the `signed` fixture's newest statement, at the head (seq 10)
HUGE = 256 << 20  # sparse, so it costs no disk


def seqs(path: Path) -> list[int]:
    return [seq for seq, _ in list_statements(checkpoints_dir(path))]


def comment_once(path: Path, sign: Signer) -> None:
    store = ReviewStore.open(path, signer=sign)
    try:
        store.comment(store.list()[0]["id"], "after the plant", actor="a")
    finally:
        store.close()


def sign_now(path: Path, sign: Signer) -> Path | None:
    store = ReviewStore.open(path, signer=sign)
    try:
        return store.sign_now()
    finally:
        store.close()


# -- 1. a statement the signer cannot verify never counts as "already signed" ----------------


def plant_empty(folder: Path) -> None:
    (folder / "999999999999.json").write_text("{}")


def plant_replayed(folder: Path) -> None:
    """A genuine statement and signature, renamed: the signature verifies, the seq does not."""
    shutil.copy(folder / NEWEST, folder / "999999999999.json")
    shutil.copy(signature_of(folder / NEWEST), folder / "999999999999.json.sig")


@pytest.mark.parametrize("plant", [plant_empty, plant_replayed])
def test_a_far_future_statement_makes_signing_fail_loudly(signed, keys, plant):
    plant(checkpoints_dir(signed))
    with pytest.raises(SigningError, match=r"refusing to sign.*/999999999999\.json"):
        comment_once(signed, signer(keys, every=1))
    with pytest.raises(SigningError, match=r"/999999999999\.json"):
        sign_now(signed, signer(keys, every=1))
    assert seqs(signed) == [3, 6, 9, 10, 999999999999]  # nothing signed over it


@pytest.mark.parametrize("with_check", [True, False])
def test_an_unsigned_statement_at_the_head_is_not_taken_as_signed(signed, keys, with_check):
    signature_of(checkpoints_dir(signed) / NEWEST).unlink()
    sign = signer(keys) if with_check else Signer(keys.key, NS, 3)
    with pytest.raises(SigningError, match=rf"{NEWEST}: no signature"):
        sign_now(signed, sign)


def test_a_signer_without_allowed_signers_checks_against_its_own_key(tmp_path, keys):
    path = populate(tmp_path / "t.db", keys)
    comment_once(path, Signer(keys.key, NS, 1))  # verifies 10 with its own key, then signs 11
    assert seqs(path)[-1] == 11
    statement = checkpoints_dir(path) / "000000000011.json"
    signature_of(statement).unlink()
    subprocess.run(  # a stranger's valid signature over the same statement
        ["ssh-keygen", "-q", "-Y", "sign", "-f", str(keys.other), "-n", NS, str(statement)],
        check=True,
        stdin=subprocess.DEVNULL,
    )
    with pytest.raises(SigningError, match=r"000000000011\.json: signature does not verify"):
        comment_once(path, Signer(keys.key, NS, 1))


def test_an_agent_held_key_is_checked_against_its_pub_file(signed, keys):
    """`signing_key` naming a `.pub` file (the private half in ssh-agent) still verifies."""
    pub = Signer(keys.key.with_name("key.pub"), NS, 3)
    assert sign_now(signed, pub) is None  # seq 10 verified against key.pub: already signed
    signature_of(checkpoints_dir(signed) / NEWEST).unlink()
    with pytest.raises(SigningError, match=rf"{NEWEST}: no signature"):
        sign_now(signed, pub)


@pytest.mark.parametrize(
    "name",
    ["\u0669" * 12 + ".json", "\uff19" * 12 + ".json", "0000000000099.json", "000000000099.JSON"],
)
def test_only_ascii_canonical_names_are_statements(signed, keys, name):
    (checkpoints_dir(signed) / name).write_text("{}")
    assert seqs(signed) == [3, 6, 9, 10]
    comment_once(signed, signer(keys, every=1))
    assert seqs(signed) == [3, 6, 9, 10, 11]
    assert verify(signed, keys).ok


# -- 2. FIFOs, symlinks and huge files are refused, not read ---------------------------------


def fifo(path: Path) -> None:
    path.unlink(missing_ok=True)
    os.mkfifo(path)


def to_dev_zero(path: Path) -> None:
    path.unlink(missing_ok=True)
    path.symlink_to("/dev/zero")


def huge(path: Path) -> None:
    with open(path, "wb") as fh:
        fh.truncate(HUGE)


def directory(path: Path) -> None:
    path.unlink(missing_ok=True)
    path.mkdir()


ODD_FILES = [
    (fifo, "is not a regular file (not read)"),
    (to_dev_zero, "is a symbolic link (not followed)"),
    (huge, f"is {HUGE} bytes, over the 65536-byte limit (not read)"),
    (directory, "is not a regular file (not read)"),
]


@pytest.mark.parametrize(("make", "says"), ODD_FILES)
def test_an_odd_statement_is_a_problem_named_not_read(signed, keys, make, says):
    make(checkpoints_dir(signed) / NEWEST)
    report = verify(signed, keys)
    assert not report.ok
    assert f"checkpoint t.db.checkpoints/{NEWEST}: statement {says}" in report.problems
    assert report.signed.verified == [9]  # the next older checkpoint is checked instead


@pytest.mark.parametrize(("make", "says"), ODD_FILES)
def test_an_odd_signature_is_a_problem_named_not_read(signed, keys, make, says):
    make(signature_of(checkpoints_dir(signed) / NEWEST))
    report = verify(signed, keys)
    assert not report.ok
    assert f"checkpoint t.db.checkpoints/{NEWEST}: signature {NEWEST}.sig {says}" in (
        report.problems
    )


@pytest.mark.parametrize("which", ["statement", "signature"])
@pytest.mark.parametrize(("make", "says"), ODD_FILES)
def test_the_signer_refuses_an_odd_newest_file(signed, keys, which, make, says):
    statement = checkpoints_dir(signed) / NEWEST
    make(statement if which == "statement" else signature_of(statement))
    with pytest.raises(
        SigningError, match=re.escape(f"{NEWEST}: {which}") + ".* " + re.escape(says)
    ):
        comment_once(signed, signer(keys, every=1))  # signs seq 11 over the newest, 10


# -- 3. lock files are never followed through a symlink --------------------------------------


def test_the_signer_lock_symlink_is_refused_not_followed(signed, keys, tmp_path):
    victim = tmp_path / "created-through-symlink"
    lock = checkpoints_dir(signed) / ".lock"
    lock.unlink()
    lock.symlink_to(victim)
    with pytest.raises(SigningError, match=r"lock file .*\.lock is a symbolic link"):
        comment_once(signed, signer(keys, every=1))
    assert not victim.exists() and lock.is_symlink()


def test_the_head_checkpoint_lock_symlink_is_refused_not_followed(tmp_path):
    path = tmp_path / "t.db"
    victim = tmp_path / "created-through-symlink"
    lock = path.with_name(checkpoint_path(path).name + ".lock")
    lock.symlink_to(victim)
    with pytest.raises(OSError, match="lock is a symbolic link"):
        write_checkpoint(checkpoint_path(path), 1, "0" * 64)
    store = ReviewStore.open(path)
    store.add_proposal(make_proposal(1), actor="a")  # the write is kept; the head file waits
    store.close()
    assert not victim.exists() and lock.is_symlink()


def test_an_unwritable_checkpoint_folder_says_the_change_was_saved(signed, keys):
    # A plain file where the folder goes: the comment was stored, yet the command said only
    # "File exists", as if it had failed.
    folder = checkpoints_dir(signed)
    shutil.rmtree(folder)
    folder.write_text("not a folder")
    saved = r"the change was saved \(seq 11\), but cannot (read|write) signed checkpoints in "
    with pytest.raises(SigningError, match=saved):
        comment_once(signed, signer(keys, every=1))
    store = ReviewStore.open(signed)
    try:
        assert [e.action for e in store.events()][-1] == "comment"
    finally:
        store.close()


def test_a_fifo_for_the_signer_lock_is_refused_not_waited_on(signed, keys):
    # A FIFO planted as `.lock` hung every command once signing was on, `list` included.
    lock = checkpoints_dir(signed) / ".lock"
    lock.unlink(missing_ok=True)
    os.mkfifo(lock)
    with pytest.raises(SigningError, match=r"the change was saved .* lock file .* is not a "
                                           r"regular file"):
        comment_once(signed, signer(keys, every=1))
    with pytest.raises(SigningError, match="is not a regular file"):
        sign_now(signed, signer(keys, every=1))
