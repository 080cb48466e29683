"""Signed audit checkpoints: written every N events and on exit, and every tampering kind is
caught even when the forger also rewrites the unsigned head file."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest

from store import ReviewStore, StoreError
from store.audit import checkpoint_path
from store.signing import (
    SignatureCheck,
    Signer,
    SigningError,
    checkpoints_dir,
    sign_checkpoint,
    verify_checkpoints,
)
from store.sshsig import list_statements, signature_of
from store.verify import verify_store
from tests.factories import make_proposal
from tests.store.tampering import raw, rehash_from, restore_triggers

pytestmark = pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="needs ssh-keygen")

IDENTITY = "auditor@example.org"
NS = "reviewer-audit"


def keygen(path: Path, comment: str) -> Path:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path), "-C", comment],
        check=True,
        stdin=subprocess.DEVNULL,
    )
    return path


@pytest.fixture
def keys(tmp_path: Path) -> SimpleNamespace:
    """Our signing key, a stranger's key, and an allowed-signers file naming only ours."""
    folder = tmp_path / "keys"
    folder.mkdir()
    key = keygen(folder / "key", "test")
    other = keygen(folder / "other", "other")
    kind, blob = (folder / "key.pub").read_text().split()[:2]
    allowed = folder / "allowed_signers"
    allowed.write_text(f'{IDENTITY} namespaces="{NS}" {kind} {blob}\n')
    return SimpleNamespace(key=key, other=other, allowed=allowed)


def signer(keys, every: int = 3) -> Signer:
    return Signer(keys.key, NS, every, check=SignatureCheck(keys.allowed, IDENTITY, NS))


def check(keys, *, all_checkpoints: bool = False) -> SignatureCheck:
    return SignatureCheck(keys.allowed, IDENTITY, NS, all_checkpoints)


def populate(path: Path, keys, every: int = 3) -> Path:
    """Ten events signed every 3 (at seq 3, 6, 9) and on exit (seq 10)."""
    store = ReviewStore.open(path, signer=signer(keys, every))
    ids = store.add_proposals([make_proposal(i) for i in range(3)], actor="a").added  # 1-3
    store.approve(ids[0], reason="ok", actor="a")  # 4
    store.reject(ids[1], reason="no", actor="b")  # 5
    store.comment(ids[2], "hm", actor="c")  # 6
    store.undo(ids[1], actor="b")  # 7
    store.approve(ids[1], reason="after all", actor="b")  # 8
    store.comment(ids[0], "merged", actor="a")  # 9
    store.comment(ids[1], "thanks", actor="a")  # 10
    store.sign_now()
    store.close()
    return path


@pytest.fixture
def signed(tmp_path: Path, keys) -> Path:
    return populate(tmp_path / "t.db", keys)


def verify(path: Path, keys, **kw):
    store = ReviewStore.open(path)
    try:
        return verify_store(store, signatures=check(keys, **kw))
    finally:
        store.close()


# -- what a forger with the database and the head file can do ------------------------------








def finish_forgery(path: Path, conn: sqlite3.Connection) -> None:
    """Rewrite the unsigned head file to match the forged chain, and restore the triggers."""
    seq, digest = conn.execute("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()
    checkpoint_path(path).write_text(json.dumps({"seq": seq, "hash": digest}))
    restore_triggers(conn)
    conn.close()


def unsigned_verify_passes(path: Path) -> bool:
    """The attack is real: without signatures the store looks clean."""
    store = ReviewStore.open(path)
    try:
        return store.verify().ok
    finally:
        store.close()


def edit_row(path: Path) -> None:
    conn = raw(path)
    conn.execute("""UPDATE events SET payload = '{"text":"ship it"}' WHERE seq = 6""")
    rehash_from(conn, 6)
    finish_forgery(path, conn)


def delete_row(path: Path) -> None:
    conn = raw(path)
    conn.execute("DELETE FROM events WHERE seq = 6")
    for seq in range(7, 11):
        conn.execute("UPDATE events SET seq = ? WHERE seq = ?", (seq - 1, seq))
    rehash_from(conn, 6)
    finish_forgery(path, conn)


def reorder_rows(path: Path) -> None:
    conn = raw(path)
    conn.execute("UPDATE events SET seq = -1 WHERE seq = 6")
    conn.execute("UPDATE events SET seq = 6 WHERE seq = 7")
    conn.execute("UPDATE events SET seq = 7 WHERE seq = -1")
    rehash_from(conn, 6)
    finish_forgery(path, conn)


def truncate(path: Path) -> None:
    conn = raw(path)
    conn.execute("DELETE FROM events WHERE seq > 8")  # below the signed seq 9 and 10
    finish_forgery(path, conn)


def test_edit_with_full_chain_rewrite_is_detected(signed, keys):
    edit_row(signed)
    assert unsigned_verify_passes(signed)
    report = verify(signed, keys)
    assert not report.ok and report.first_bad_seq == 6
    assert "seq 6: hash differs from the signed checkpoint t.db.checkpoints/000000000006.json" in (
        report.problems[0]
    )
    assert "first bad row lies in seq 4..6" in report.problems[0]


def test_every_event_signed_pinpoints_the_edited_row(tmp_path, keys):
    path = populate(tmp_path / "t.db", keys, every=1)
    assert [s for s, _ in list_statements(checkpoints_dir(path))] == list(range(3, 11))
    edit_row(path)
    report = verify(path, keys)
    assert report.first_bad_seq == 6 and report.problems[0].endswith("lies in seq 6")


def test_deleted_row_with_renumbering_is_detected(signed, keys):
    delete_row(signed)
    assert unsigned_verify_passes(signed)
    report = verify(signed, keys)
    assert report.first_bad_seq == 6 and "000000000006.json" in report.problems[0]
    assert "lies in seq 4..6" in report.problems[0]
    assert "000000000010.json records seq 10 but the log ends at seq 9" in report.problems[1]


def test_reordered_rows_are_detected(signed, keys):
    reorder_rows(signed)
    assert unsigned_verify_passes(signed)
    report = verify(signed, keys)
    assert report.first_bad_seq == 6 and "lies in seq 4..6" in report.problems[0]


def test_truncation_below_a_signed_seq_is_detected(signed, keys):
    truncate(signed)
    assert unsigned_verify_passes(signed)
    report = verify(signed, keys)
    assert report.first_bad_seq == 9
    assert report.problems[0] == (
        "seq 9: missing; the signed checkpoint t.db.checkpoints/000000000009.json records "
        "seq 9 but the log ends at seq 8 (rows were cut off the end)"
    )


def test_dropped_triggers_are_detected(signed, keys):
    raw(signed).close()
    report = verify(signed, keys)
    assert report.problems == [
        "trigger events_no_update is missing: events are no longer append-only",
        "trigger events_no_delete is missing: events are no longer append-only",
    ]


def test_a_no_op_look_alike_trigger_is_detected(signed, keys):
    conn = raw(signed)
    conn.execute("CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT 1; END")
    conn.execute(
        "CREATE TRIGGER events_no_delete BEFORE DELETE ON events "
        "BEGIN SELECT RAISE(ABORT, 'events are append-only'); END"
    )
    conn.close()
    assert verify(signed, keys).problems == [
        "trigger events_no_update was altered: events may no longer be append-only"
    ]


def forge_edited_statement(path: Path, keys) -> Path:
    """Edit the newest statement to match a rewritten chain (its signature no longer fits)."""
    edit_row(path)
    statement = list_statements(checkpoints_dir(path))[-1][1]
    data = json.loads(statement.read_text())
    conn = sqlite3.connect(path)
    data["hash"] = conn.execute("SELECT hash FROM events WHERE seq = 10").fetchone()[0]
    conn.close()
    statement.write_text(json.dumps(data, sort_keys=True, separators=(",", ":")))
    return statement


def forge_with_another_key(path: Path, keys) -> Path:
    """Sign a statement for the rewritten chain with a key that is not allowed."""
    edit_row(path)
    conn = sqlite3.connect(path)
    digest = conn.execute("SELECT hash FROM events WHERE seq = 10").fetchone()[0]
    conn.close()
    folder = checkpoints_dir(path)
    return sign_checkpoint(10, digest, key=keys.other, namespace=NS, out_dir=folder)


def forge_missing_signature(path: Path, keys) -> Path:
    statement = list_statements(checkpoints_dir(path))[-1][1]
    signature_of(statement).unlink()
    return statement


@pytest.mark.parametrize(
    ("forge", "says"),
    [
        (forge_edited_statement, "signature does not verify for auditor@example.org"),
        (forge_with_another_key, "signature does not verify for auditor@example.org"),
        (forge_missing_signature, "no signature (000000000010.json.sig is missing)"),
    ],
)
def test_forged_checkpoint_is_detected(signed, keys, forge, says):
    statement = forge(signed, keys)
    report = verify(signed, keys)
    assert not report.ok
    bad_file = next(p for p in report.problems if p.startswith("checkpoint t.db.checkpoints/"))
    assert statement.name in bad_file and says in bad_file
    # The forged newest checkpoint is set aside, and the older ones still catch the rewrite.
    if forge is not forge_missing_signature:
        assert report.first_bad_seq == 6 and "lies in seq 4..6" in report.problems[0]


def test_signatures_count_only_in_their_namespace_and_for_their_identity(signed, keys):
    store = ReviewStore.open(signed)
    try:
        for wrong in (
            SignatureCheck(keys.allowed, "mallory@example.org", NS),
            SignatureCheck(keys.allowed, IDENTITY, "other-namespace"),
        ):
            report = verify_store(store, signatures=wrong)
            assert not report.ok and "signature does not verify" in report.problems[0]
    finally:
        store.close()


# -- normal operation ----------------------------------------------------------------------


def test_clean_store_with_several_checkpoints_verifies(signed, keys):
    folder = checkpoints_dir(signed)
    assert [s for s, _ in list_statements(folder)] == [3, 6, 9, 10]
    for everything in (False, True):
        report = verify(signed, keys, all_checkpoints=everything)
        assert report.ok, report.problems
        assert report.signed.latest_seq == 10
        assert report.signed.verified == ([3, 6, 9, 10] if everything else [10])
    body = json.loads((folder / "000000000006.json").read_text())
    assert set(body) == {"seq", "hash", "ts", "namespace"} and body["namespace"] == NS
    assert report.to_json()["signed_checkpoint"]["latest_seq"] == 10


def test_verify_checkpoints_works_on_a_bare_connection(signed, keys):
    conn = sqlite3.connect(signed)
    found = verify_checkpoints(
        conn, checkpoints_dir(signed), allowed_signers=keys.allowed, namespace=NS, identity=IDENTITY
    )
    conn.close()
    assert found.ok and found.latest_seq == 10 and found.files == 4


def test_signing_every_n_counts_events_not_writes(tmp_path, keys):
    path = tmp_path / "t.db"
    store = ReviewStore.open(path, signer=signer(keys, every=4))
    store.add_proposals([make_proposal(i) for i in range(6)], actor="a")  # 1-6: crosses 4
    for i in range(3):
        store.comment(store.list()[0]["id"], f"c{i}", actor="a")  # 7, 8 (crosses 8), 9
    assert [s for s, _ in list_statements(checkpoints_dir(path))] == [6, 8]
    assert store.sign_now().name == "000000000009.json"
    assert store.sign_now() is None  # nothing new to sign
    store.close()


def test_a_second_store_does_not_resign_what_the_first_signed(signed, keys):
    store = ReviewStore.open(signed, signer=signer(keys))
    assert store.sign_now() is None
    store.comment(store.list()[0]["id"], "late", actor="a")  # 11: no multiple of 3 crossed
    assert [s for s, _ in list_statements(checkpoints_dir(signed))] == [3, 6, 9, 10]
    store.comment(store.list()[0]["id"], "later", actor="a")  # 12
    assert list_statements(checkpoints_dir(signed))[-1][0] == 12
    store.comment(store.list()[0]["id"], "unsigned", actor="a")  # 13
    store.close()
    report = verify(signed, keys, all_checkpoints=True)
    assert report.ok and report.warnings == ["seq 13: not covered by a signed checkpoint yet"]


def test_no_signer_means_no_signing(file_store, keys):
    file_store.add_proposals([make_proposal(i) for i in range(3)], actor="a")
    assert file_store.sign_now() is None
    assert not checkpoints_dir(file_store.path).exists()
    assert file_store.verify().ok


def test_memory_store_cannot_sign(keys):
    with pytest.raises(StoreError, match="need a store file"):
        ReviewStore.open(":memory:", signer=signer(keys))


def test_a_bad_key_keeps_the_write_and_says_so(tmp_path, keys):
    path = tmp_path / "t.db"
    store = ReviewStore.open(path, signer=Signer(tmp_path / "no-such-key", NS, 1))
    with pytest.raises(SigningError, match=r"the change was saved \(seq 1\), but cannot sign"):
        store.add_proposal(make_proposal(1), actor="a")
    assert store.count() == 1 and store.verify().ok
    assert list_statements(checkpoints_dir(path)) == []
    assert not list(checkpoints_dir(path).glob(".*.tmp*"))  # no half-written files
    store.close()


def test_signing_refuses_to_bless_a_rewritten_chain(signed, keys):
    edit_row(signed)
    store = ReviewStore.open(signed, signer=signer(keys, every=1))
    with pytest.raises(SigningError, match="refusing to sign over a chain that contradicts"):
        store.comment(store.list()[0]["id"], "after the forgery", actor="a")
    store.close()
    assert list_statements(checkpoints_dir(signed))[-1][0] == 10


def test_signing_refuses_over_an_edited_newest_statement(signed, keys):
    forge_edited_statement(signed, keys)
    store = ReviewStore.open(signed, signer=signer(keys, every=1))
    with pytest.raises(SigningError, match="signature does not verify"):
        store.comment(store.list()[0]["id"], "after the forgery", actor="a")
    store.close()
    assert list_statements(checkpoints_dir(signed))[-1][0] == 10


def test_no_checkpoint_at_all_is_a_problem_once_signatures_are_expected(tmp_path, keys):
    path = populate(tmp_path / "t.db", keys)
    shutil.rmtree(checkpoints_dir(path))
    report = verify(path, keys)
    assert not report.ok and "no signed checkpoint in" in report.problems[0]


def test_a_statement_that_cannot_be_written_is_a_signing_error_naming_it(tmp_path, keys):
    from store.sshsig import statement_name

    out = tmp_path / "checkpoints"
    blocked = out / statement_name(1)
    (blocked / "in-the-way").mkdir(parents=True)  # a folder where the statement must go
    with pytest.raises(SigningError, match=f"cannot write audit checkpoint {blocked}"):
        sign_checkpoint(1, "ab" * 32, key=keys.key, namespace=NS, out_dir=out)
    assert not list(out.glob(".*.tmp*"))  # no half-written files


def test_events_past_the_newest_signed_checkpoint_are_named_as_not_covered_yet(signed, keys):
    assert verify(signed, keys).warnings == []  # seq 10 is signed: nothing to say
    store = ReviewStore.open(signed)  # no signer: what follows stays unsigned
    try:
        pid = store.list(limit=1)[0]["id"]
        store.comment(pid, "late", actor="a")  # seq 11
        report = verify_store(store, signatures=check(keys))
        assert report.ok and report.warnings == ["seq 11: not covered by a signed checkpoint yet"]
        store.comment(pid, "later", actor="a")  # seq 12
        report = verify_store(store, signatures=check(keys))
        assert report.warnings == ["seq 11..12: not covered by a signed checkpoint yet"]
    finally:
        store.close()


def test_signed_checkpoints_of_a_memory_store_or_an_unreadable_folder_are_problems(
    signed, keys
):
    memory = ReviewStore.memory()
    try:
        report = verify_store(memory, signatures=check(keys))
        assert report.problems == ["signed checkpoints: an in-memory store has none"]
    finally:
        memory.close()
    folder = checkpoints_dir(signed)
    shutil.rmtree(folder)
    folder.write_text("not a folder")  # listing it fails with ENOTDIR
    report = verify(signed, keys)
    assert not report.ok and report.warnings == []
    assert report.problems == [f"signed checkpoints: cannot check them: cannot read signed "
                               f"checkpoints in {folder}: Not a directory"]
