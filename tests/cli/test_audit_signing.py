"""`[audit]` signing from the CLI: the config, signing every N and on exit, and `audit verify`."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from reviewer import paths
from reviewer.audit_config import load_audit_config
from reviewer.cli import cli
from reviewer.config import ConfigError
from store import ReviewStore
from store.audit import checkpoint_path, row_hash
from store.signing import checkpoints_dir
from store.sshsig import list_statements
from tests.factories import make_proposal

pytestmark = pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="needs ssh-keygen")

IDENTITY = "auditor@example.org"


@pytest.fixture
def keys(tmp_path: Path) -> SimpleNamespace:
    folder = tmp_path / "keys"
    folder.mkdir()
    key = folder / "key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key), "-C", "test"],
                   check=True, stdin=subprocess.DEVNULL)
    kind, blob = (folder / "key.pub").read_text().split()[:2]
    allowed = folder / "allowed_signers"
    allowed.write_text(f'{IDENTITY} namespaces="reviewer-audit" {kind} {blob}\n')
    return SimpleNamespace(key=key, allowed=allowed)


def write_config(text: str) -> Path:
    file = paths.config_file()
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(text)
    return file


def audit_table(keys, every: int = 2, **extra: str) -> str:
    lines = [f'signing_key = "{keys.key}"', f'allowed_signers = "{keys.allowed}"',
             f'identity = "{IDENTITY}"', f"every = {every}"]
    lines += [f"{k} = {v}" for k, v in extra.items()]
    return "[audit]\n" + "\n".join(lines) + "\n"


@pytest.fixture
def run(tmp_path):
    db = tmp_path / "cli.db"

    def invoke(*args: str):
        return CliRunner().invoke(cli, ["--db", str(db), "--actor", "alice@example.org", *args])

    invoke.db = db
    return invoke


@pytest.fixture
def ingested(run, keys) -> list[str]:
    """Three proposals (seq 1-3, added unsigned through the store), then signing every 2."""
    store = ReviewStore.open(run.db)
    ids = store.add_proposals([make_proposal(i) for i in range(3)], actor="a").added
    store.close()
    write_config(audit_table(keys))
    return ids


def signed_seqs(db: Path) -> list[int]:
    return [seq for seq, _ in list_statements(checkpoints_dir(db))]


def test_writes_are_signed_every_n_and_on_exit(run, ingested):
    assert signed_seqs(run.db) == []
    assert run("list").exit_code == 0  # the unsigned head (seq 3) is signed on exit
    assert signed_seqs(run.db) == [3]
    assert run("comment", ingested[0], "looks fine").exit_code == 0  # 4: crosses 4
    assert signed_seqs(run.db) == [3, 4]
    assert run("comment", ingested[1], "hm").exit_code == 0  # 5: signed on exit
    assert signed_seqs(run.db) == [3, 4, 5]
    result = run("audit", "verify")
    assert result.exit_code == 0, result.output
    assert "signed checkpoint: seq 5 verified (1 of 3 checked in cli.db.checkpoints/)" in (
        result.output
    )
    data = json.loads(run("audit", "verify", "--json", "--all-checkpoints").stdout)
    assert data["ok"] and data["signed_checkpoint"]["latest_seq"] == 5
    signed = data["signed_checkpoint"]
    assert signed["verified"] == 3 and signed["problems"] == []


def test_verify_never_signs_the_chain_it_checks(run, ingested):
    run("list")  # signs seq 3 on exit
    store = ReviewStore.open(run.db)  # a writer without a signer
    store.comment(ingested[0], "unsigned", actor="bob")
    store.close()
    result = run("audit", "verify")
    assert result.exit_code == 0 and "warning: seq 4: not covered by a signed checkpoint" in (
        result.output
    )
    assert signed_seqs(run.db) == [3]


def test_verify_names_the_rewritten_row_after_a_full_forgery(run, ingested, keys):
    run("comment", ingested[0], "first")  # 4 (signed)
    conn = sqlite3.connect(run.db, isolation_level=None)
    conn.execute("DROP TRIGGER events_no_update")
    conn.execute("""UPDATE events SET payload = '{"text":"forged"}' WHERE seq = 4""")
    ts, actor, action, pid, payload, prev = conn.execute(
        "SELECT ts, actor, action, proposal_id, payload, prev_hash FROM events WHERE seq = 4"
    ).fetchone()
    digest = row_hash(prev, 4, ts, actor, action, pid, payload)
    conn.execute("UPDATE events SET hash = ? WHERE seq = 4", (digest,))
    conn.execute(
        "CREATE TRIGGER events_no_update BEFORE UPDATE ON events\n"
        "        BEGIN SELECT RAISE(ABORT, 'events are append-only'); END"
    )
    conn.close()
    checkpoint_path(run.db).write_text(json.dumps({"seq": 4, "hash": digest}))
    write_config("")  # an auditor without [audit] passes the flags instead
    assert run("audit", "verify").exit_code == 0  # the forgery fools the unsigned checks
    flags = ("--allowed-signers", str(keys.allowed), "--identity", IDENTITY)
    result = run("audit", "verify", *flags)
    assert result.exit_code == 1
    assert "FAILED: seq 4: hash differs from the signed checkpoint " in result.output
    assert "cli.db.checkpoints/000000000004.json" in result.output
    assert "signed checkpoint: seq 4 FAILED" in result.output
    data = json.loads(run("audit", "verify", "--json", *flags).stdout)
    assert data["first_bad_seq"] == 4
    assert data["signed_checkpoint"]["problems"][0]["kind"] == "rewritten"


def test_half_the_verify_flags_is_a_usage_error(run, keys):
    result = run("audit", "verify", "--allowed-signers", str(keys.allowed))
    assert result.exit_code == 2 and "--identity is needed too" in result.output


def test_no_audit_table_means_no_signing(run):
    store = ReviewStore.open(run.db)
    pid = store.add_proposal(make_proposal(1), actor="a")
    store.close()
    assert run("comment", pid, "no key, no signature").exit_code == 0
    assert not checkpoints_dir(run.db).exists()
    result = run("audit", "verify", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["signed_checkpoint"] is None


def test_a_bad_key_path_is_a_clear_error_before_anything_is_written(run, keys, tmp_path):
    file = write_config(f'[audit]\nsigning_key = "{tmp_path / "missing"}"\n')
    result = run("list")
    assert result.exit_code == 1
    assert f"{file}: audit.signing_key: {tmp_path / 'missing'} does not exist" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("table", "says"),
    [
        ('colour = "red"', "audit.colour: unknown key"),
        ('signing_key = "relative/key"', "audit.signing_key: must be an absolute path"),
        ("signing_key = 3", "audit.signing_key: must be a non-empty string"),
        ('identity = "a@b"', "audit.allowed_signers: is required with the other"),
        ('identity = "two words"', "audit.identity: 'two words' must be one principal"),
        ('namespace = "bad ns"', "audit.namespace: 'bad ns': use letters"),
        ("every = 0", "audit.every: must be a whole number in 1..1000000, not 0"),
        ("every = true", "audit.every: must be a whole number"),
    ],
)
def test_config_errors_name_file_and_key(table, says):
    file = write_config(f"[audit]\n{table}\n")
    with pytest.raises(ConfigError) as err:
        load_audit_config()
    assert str(err.value).startswith(f"{file}: ") and says in str(err.value)


def test_config_defaults_and_signer(keys):
    write_config(f'[audit]\nsigning_key = "{keys.key}"\n')
    config = load_audit_config()
    assert (config.namespace, config.every) == ("reviewer-audit", 100)
    assert config.signature_check() is None
    signer = config.signer()
    assert signer is not None and signer.key == keys.key and signer.check is None
    write_config("")
    assert load_audit_config().signer() is None


def test_demo_reset_removes_the_old_chains_checkpoints(tmp_path, keys):
    from reviewer.commands.demo import remove_store_files

    db = tmp_path / "demo.db"
    store = ReviewStore.open(db, signer=load_signer(keys))
    store.add_proposal(make_proposal(1), actor="a")
    store.close()
    assert signed_seqs(db) == [1]
    remove_store_files(db)
    assert not db.exists() and not checkpoints_dir(db).exists()


def load_signer(keys):
    write_config(audit_table(keys, every=1))
    return load_audit_config().signer()


def test_signing_failure_on_exit_is_a_clear_error(run, ingested, keys, tmp_path):
    junk = tmp_path / "junk-key"
    junk.write_text("not a key\n")
    write_config(f'[audit]\nsigning_key = "{junk}"\n')
    result = run("comment", ingested[0], "kept")  # seq 4; every = 100, so signed on exit
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "cannot sign audit checkpoint seq 4 with" in result.output
    store = ReviewStore.open(run.db)
    assert [e.action for e in store.events()][-1] == "comment"  # the write was kept
    store.close()


def test_verify_with_only_a_signing_key_checks_against_its_public_key(run, keys):
    # The signer refused a planted unsigned statement and said "run `reviewer audit verify`",
    # which, with no allowed_signers set, checked no signature and said "ok".
    store = ReviewStore.open(run.db)
    store.add_proposals([make_proposal(i) for i in range(3)], actor="a")
    store.close()
    write_config(f'[audit]\nsigning_key = "{keys.key}"\nevery = 1\n')
    assert run("list").exit_code == 0  # signs seq 3 on exit
    good = run("audit", "verify")
    assert good.exit_code == 0 and "signed checkpoint: seq 3 verified" in good.output
    (checkpoints_dir(run.db) / "999999999999.json").write_text("{}")
    bad = run("audit", "verify")
    assert bad.exit_code == 1, bad.output
    assert "999999999999.json" in bad.output
