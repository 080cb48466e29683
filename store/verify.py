"""`audit verify`: recompute the chain, check the head and signed checkpoints and the
append-only triggers, replay it against state (jobs in `store.verify_jobs`)."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlite_utils

from store import audit
from store.errors import IllegalTransition
from store.model import sha256_hex
from store.proposals import LIFECYCLE_ACTIONS, Lifecycle, fields_hash, stored_identity_hash
from store.signing import (
    CheckpointReport,
    SignatureCheck,
    SigningError,
    checkpoints_dir,
    verify_checkpoints,
)
from store.verify_checks import CheckReplay, check_checks
from store.verify_jobs import Finished, Requested, check_jobs, note_finished, note_job_event

if TYPE_CHECKING:
    from store.review_store import ReviewStore

# Problems listed per part of verify (chain, proposals, jobs, checks, schema, file), so that
# many of one kind cannot push a tamper of another kind out of the report.
MAX_PROBLEMS = 20
# The triggers as migration 0001 creates them, whitespace-normalised: a no-op look-alike fails.
APPEND_ONLY_TRIGGERS = {
    name: f"CREATE TRIGGER {name} BEFORE {verb} ON events "
    "BEGIN SELECT RAISE(ABORT, 'events are append-only'); END"
    for name, verb in (("events_no_update", "UPDATE"), ("events_no_delete", "DELETE"))
}


@dataclass
class VerifyReport:
    """What verify found; `problems[0]` names the first bad row."""

    events: int = 0
    proposals: int = 0
    head_seq: int = 0
    head_hash: str = audit.GENESIS
    checkpoint: tuple[int, str] | None = None
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    first_bad_seq: int | None = None
    signed: CheckpointReport | None = None
    not_shown: int = 0  # problems past a part's MAX_PROBLEMS, counted but not listed
    part: str = ""
    listed: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, message: str, seq: int | None = None) -> None:
        if self.first_bad_seq is None and seq is not None and not self.problems:
            self.first_bad_seq = seq
        if self.listed.get(self.part, 0) < MAX_PROBLEMS:
            self.listed[self.part] = self.listed.get(self.part, 0) + 1
            self.problems.append(message)
        else:
            self.not_shown += 1

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "events": self.events,
            "proposals": self.proposals,
            "head": {"seq": self.head_seq, "hash": self.head_hash},
            "checkpoint": None
            if self.checkpoint is None
            else {"seq": self.checkpoint[0], "hash": self.checkpoint[1]},
            "first_bad_seq": self.first_bad_seq,
            "problems": self.problems,
            "problems_not_shown": self.not_shown,
            "warnings": self.warnings,
            "signed_checkpoint": None if self.signed is None else self.signed.to_json(),
        }


@dataclass
class _Derived:
    """What the chain's events rebuild besides proposals: jobs and integrity findings."""

    finished: dict[int, Finished] = field(default_factory=dict)
    requested: dict[int, Requested] = field(default_factory=dict)
    checks: CheckReplay = field(default_factory=CheckReplay)


@dataclass
class _Replay:
    life: Lifecycle = field(default_factory=Lifecycle)
    ingest: dict[str, Any] | None = None
    diff_sha256: str | None = None


def verify_store(store: ReviewStore, *, signatures: SignatureCheck | None = None) -> VerifyReport:
    """Run every check of DESIGN §4.7; never raises for a damaged database, it reports.

    With `signatures`, the newest signed checkpoint (every one with `all_checkpoints`) is
    verified too, and the chain must still hold the hash it signed.

    Another process may write while this runs. The files a commit writes after it (the head
    checkpoint, signed statements) are read first, and the tables in one read transaction
    after that, so every part sees the same store, never a checkpoint ahead of the rows read.
    """
    report = VerifyReport()
    conn = store.conn
    replay: dict[str, _Replay] = {}
    hashes: dict[int, str] = {}
    derived = _Derived()
    # Statements exist only for committed seqs, and the rows they sign never change
    # honestly, so checking them before the snapshot agrees with it.
    add_signed = None if signatures is None else _guard(
        report, "signed checkpoints", lambda: _check_signed(store, signatures))
    path = store.checkpoint_file
    checkpoint = None if path is None else _guard(
        report, "the head checkpoint", lambda: _read_checkpoint(path, report))
    with _snapshot(conn):
        chain_ok = _guard(report, "the audit chain", lambda: _check_chain(
            conn, report, replay, hashes, derived))
        if chain_ok and isinstance(checkpoint, tuple):
            _check_checkpoint(report, hashes, checkpoint)
        elif chain_ok and checkpoint is _NO_CHECKPOINT and report.events:
            report.warnings.append(f"no head checkpoint at {path}; truncation cannot be detected")
        if add_signed is not None:
            add_signed(report)
        _guard(report, "proposals", lambda: _check_state(conn, report, replay, bool(chain_ok)))
        if chain_ok:
            _guard(report, "jobs", lambda: check_jobs(
                conn, report, derived.finished, derived.requested))
            _guard(report, "checks", lambda: check_checks(conn, report, derived.checks))
        _guard(report, "the schema", lambda: _check_schema(conn, report))
        _guard(report, "the database file", lambda: _check_integrity(conn, report))
    return report


@contextmanager
def _snapshot(conn: Any) -> Iterator[None]:
    """One read transaction around the checks: a WAL reader sees the store as of its first
    read until it ends. A connection already inside a transaction keeps its own."""
    if conn.in_transaction:
        yield
        return
    try:
        conn.execute("BEGIN")
    except sqlite3.DatabaseError:
        yield  # too damaged to begin: the parts report what they cannot read
        return
    try:
        yield
    finally:
        if conn.in_transaction:
            conn.execute("ROLLBACK")  # nothing was written; ending the read is all


def _guard(report: VerifyReport, what: str, check: Callable[[], Any]) -> Any:
    """Run one part of verify; a database too damaged to read, or a row no reader expects,
    becomes a reported problem instead of a traceback (and that part counts as failed)."""
    report.part = what
    try:
        return check()
    except sqlite3.DatabaseError as exc:
        report.add(f"{what}: cannot be read: {exc}")
    except Exception as exc:
        report.add(f"{what}: cannot be checked: {type(exc).__name__}: {exc}")
    finally:
        report.part = ""
    return None


def _check_integrity(conn: Any, report: VerifyReport) -> None:
    integrity = conn.execute("PRAGMA integrity_check").fetchall()
    if [r[0] for r in integrity] != ["ok"]:
        report.add("PRAGMA integrity_check: " + "; ".join(str(r[0]) for r in integrity[:5]))


def _check_chain(
    conn: Any,
    report: VerifyReport,
    replay: dict[str, _Replay],
    hashes: dict[int, str],
    derived: _Derived,
) -> bool:
    prev = audit.GENESIS
    expected_seq = 1
    cursor = conn.execute(
        "SELECT seq, ts, actor, action, proposal_id, payload, prev_hash, hash "
        "FROM events ORDER BY seq"
    )
    for seq, ts, actor, action, pid, payload_json, prev_hash, digest in cursor:
        report.events += 1
        if seq != expected_seq:
            report.add(f"seq {expected_seq}: missing (the next row is seq {seq})", expected_seq)
            return False
        if prev_hash != prev:
            report.add(f"seq {seq}: prev_hash does not link to the hash of seq {seq - 1}", seq)
            return False
        try:
            recomputed = audit.row_hash(prev, seq, ts, actor, action, pid, payload_json)
        except (TypeError, ValueError):
            recomputed = None  # a value of a type the store never writes
        if recomputed != digest:
            report.add(f"seq {seq}: content hash mismatch (the row was edited)", seq)
            return False
        try:
            payload = json.loads(payload_json)
        except (TypeError, ValueError):
            report.add(f"seq {seq}: payload is not valid JSON", seq)
            return False
        if not isinstance(payload, dict):
            report.add(f"seq {seq}: payload is not a JSON object", seq)
            return False
        event = audit.Event(seq, ts, actor, action, pid, payload, prev_hash, digest)
        if not (
            _replay_event(report, replay, event)
            and note_finished(derived.finished, report, event)
            and note_job_event(derived.requested, report, event)
            and derived.checks.apply(report, event)
        ):
            return False
        hashes[seq] = digest
        prev = digest
        expected_seq += 1
    report.head_seq, report.head_hash = expected_seq - 1, prev
    return True


def _replay_event(report: VerifyReport, replay: dict[str, _Replay], event: audit.Event) -> bool:
    seq, action, pid, payload = event.seq, event.action, event.proposal_id, event.payload
    if pid is None:
        return True
    state = replay.get(pid)
    if action == "ingest":
        if state is not None:
            report.add(f"seq {seq}: proposal {pid[:12]} ingested twice", seq)
            return False
        replay[pid] = _Replay(ingest=payload, diff_sha256=payload.get("diff_sha256"))
        return True
    if state is None:
        report.add(f"seq {seq}: {action} of proposal {pid[:12]} before its ingest", seq)
        return False
    if action == "attach_diff":
        state.diff_sha256 = payload.get("diff_sha256")
    elif action in LIFECYCLE_ACTIONS:
        required = payload.get("required_approvals", 1)
        if action == "approve" and (
            not isinstance(required, int) or isinstance(required, bool) or required < 1
        ):
            report.add(f"seq {seq}: approve with a malformed required_approvals "
                       f"({json.dumps(required)[:40]}); the store writes a count of at least 1",
                       seq)
            return False
        try:
            state.life.apply(seq, action, pid, event.actor, payload)
        except IllegalTransition as exc:
            report.add(f"seq {seq}: illegal transition in the log: {exc}", seq)
            return False
    return True


_NO_CHECKPOINT = "none"


def _read_checkpoint(path: Path, report: VerifyReport) -> tuple[int, str] | str | None:
    """The head checkpoint, read before the tables (it is written after each commit);
    _NO_CHECKPOINT when there is none, None when it cannot be read (reported)."""
    try:
        checkpoint = audit.read_checkpoint(path)
    except ValueError as exc:
        report.add(str(exc))
        return None
    report.checkpoint = checkpoint
    return _NO_CHECKPOINT if checkpoint is None else checkpoint


def _check_checkpoint(
    report: VerifyReport, hashes: dict[int, str], checkpoint: tuple[int, str]
) -> None:
    seq, digest = checkpoint
    if seq > report.head_seq:
        report.add(
            f"seq {report.head_seq + 1}: missing; the head checkpoint records seq {seq} "
            f"but the log ends at seq {report.head_seq} (rows were cut off the end)",
            report.head_seq + 1,
        )
    elif hashes.get(seq) != digest:
        report.add(
            f"seq {seq}: hash differs from the head checkpoint (the chain was rewritten)", seq
        )


def _check_signed(
    store: ReviewStore, check: SignatureCheck
) -> Callable[[VerifyReport], None]:
    """Verify the signed checkpoints now; what they found goes into a report through the
    function returned, so it keeps its place after the chain's problems."""
    if store.path is None:
        return lambda report: report.add("signed checkpoints: an in-memory store has none")
    try:
        signed = verify_checkpoints(
            store.conn,
            checkpoints_dir(store.path),
            allowed_signers=check.allowed_signers,
            namespace=check.namespace,
            identity=check.identity,
            all_checkpoints=check.all_checkpoints,
        )
    except SigningError as exc:
        message = f"signed checkpoints: cannot check them: {exc}"
        return lambda report: report.add(message)
    head_seq = audit.head(store.conn)[0]

    def add(report: VerifyReport) -> None:
        report.signed = signed
        for problem in signed.problems:
            report.add(problem.message, problem.seq)
        if signed.ok and signed.latest_seq is not None and signed.latest_seq < head_seq:
            first = signed.latest_seq + 1
            span = f"seq {first}" if first == head_seq else f"seq {first}..{head_seq}"
            report.warnings.append(f"{span}: not covered by a signed checkpoint yet")

    return add


def _normalised(sql: str | None) -> str:
    """SQL text as compared: case, quoting and spacing aside."""
    text = re.sub(r'["`\[\]]', "", (sql or "").lower())
    text = re.sub(r"\s*([(),;=])\s*", r"\1", re.sub(r"\s+", " ", text))
    return text.strip().rstrip(";").strip()


# Every schema object but SQLite's own tables, sqlite-utils' migrations table and its index,
# and a virtual table's shadow tables: their text is those libraries' versions', not the
# store's. Every trigger and view is compared, whatever its name or table.
_SCHEMA_ROWS = (
    "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL "
    "AND NOT (type IN ('table', 'index') AND tbl_name = '_sqlite_migrations') "
    "AND NOT (type = 'table' AND name LIKE 'sqlite\\_%' ESCAPE '\\') "
    "AND NOT (type = 'table' AND EXISTS ("
    "SELECT 1 FROM sqlite_master v WHERE v.type = 'table' AND v.sql LIKE 'CREATE VIRTUAL%' "
    "AND sqlite_master.name LIKE v.name || '\\_%' ESCAPE '\\')) ORDER BY type, name"
)


@cache
def _own_schema() -> dict[tuple[str, str], tuple[str, str]]:
    """(type, name) -> (table, normalised SQL) of every table, index, trigger and view the
    migrations create, read from a fresh in-memory store so the list cannot drift."""
    from store.schema import migrate

    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        migrate(sqlite_utils.Database(conn))
        return {
            (kind, name): (table, _normalised(sql))
            for kind, name, table, sql in conn.execute(_SCHEMA_ROWS)
        }
    finally:
        conn.close()


def _check_schema(conn: Any, report: VerifyReport) -> None:
    """Every table, index, trigger and view must be the store's, as it creates it: a trigger
    can drop or rewrite writes (a decision's event, a status) without touching the chain, and
    an edited CHECK constraint can refuse every rejection."""
    found = {
        (kind, name): (table, sql)
        for kind, name, table, sql in conn.execute(_SCHEMA_ROWS)
    }
    own = _own_schema()
    for (kind, name), (table, sql) in found.items():
        expected = own.get((kind, name))
        if expected is None:
            if kind == "trigger":
                report.add(f"trigger {name} on {table} is not part of the store's schema: "
                           "it can change or drop writes")
            elif kind == "index":
                # A UNIQUE or partial one, or one on an expression that raises, refuses writes.
                report.add(f"index {name} on {table} is not part of the store's schema: it "
                           "can refuse writes")
            elif kind == "table":
                report.warnings.append(f"table {name} is not part of the store's schema")
            else:
                report.add(f"{kind} {name} is not part of the store's schema")
        elif name in APPEND_ONLY_TRIGGERS:
            if re.sub(r"\s+", " ", sql or "").strip() != APPEND_ONLY_TRIGGERS[name]:
                report.add(f"trigger {name} was altered: events may no longer be append-only")
        elif (table, _normalised(sql)) != expected:
            report.add(f"{kind} {name} was altered: it differs from the store's schema")
    missing = set(own) - set(found)
    append_only = [("trigger", name) for name in APPEND_ONLY_TRIGGERS]
    for kind, name in [k for k in append_only if k in missing] + sorted(missing - set(append_only)):
        if name in APPEND_ONLY_TRIGGERS:
            report.add(f"trigger {name} is missing: events are no longer append-only")
        else:
            report.add(f"{kind} {name} is missing from the store's schema")


def _check_state(
    conn: Any, report: VerifyReport, replay: dict[str, _Replay], chain_ok: bool
) -> None:
    cursor = conn.execute("SELECT * FROM proposals ORDER BY id")
    names = [d[0] for d in cursor.description]
    seen: set[str] = set()
    for values in cursor:
        row = dict(zip(names, values, strict=True))
        report.proposals += 1
        pid = row["id"]
        seen.add(pid)
        try:
            _check_row(report, row, replay if chain_ok else None)
        except Exception as exc:
            report.add(f"proposal {str(pid)[:12]}: cannot be checked ({type(exc).__name__}: "
                       f"{exc}); the row was edited")
    if chain_ok:
        for pid in sorted(set(replay) - seen):
            report.add(f"proposal {pid[:12]}: in the audit log but missing from the store")


def _check_row(
    report: VerifyReport, row: dict[str, Any], replay: dict[str, _Replay] | None
) -> None:
    """One proposals row against its own hashes and, with a sound chain, the replayed log."""
    pid = row["id"]
    problem = _row_problem(row)
    if problem is not None:
        report.add(f"proposal {str(pid)[:12]}: {problem}")
        if not isinstance(pid, str):
            return
    else:
        if stored_identity_hash(row) != pid:
            report.add(f"proposal {pid[:12]}: content hash mismatch (original or diff edited)")
        diff = row["diff"]
        actual_sha = None if diff is None else sha256_hex(bytes(diff))
        if actual_sha != row["diff_sha256"]:
            report.add(f"proposal {pid[:12]}: diff does not match its stored sha256")
    if replay is None:
        return
    state = replay.get(pid)
    if state is None or state.ingest is None:
        report.add(f"proposal {pid[:12]}: has no ingest event in the audit log")
        return
    if state.ingest.get("fields_hash") != fields_hash(row):
        report.add(f"proposal {pid[:12]}: fields differ from what was ingested")
    if state.diff_sha256 != row["diff_sha256"]:
        report.add(f"proposal {pid[:12]}: diff differs from the one the log recorded")
    if state.life.status != row["status"]:
        report.add(
            f"proposal {pid[:12]}: status is {row['status']} but replaying the log "
            f"gives {state.life.status}"
        )


def _row_problem(row: dict[str, Any]) -> str | None:
    """What makes a proposals row unreadable to the store's own readers, if anything."""
    if not isinstance(row["id"], str):
        return "its id is not text (the row was edited)"
    diff = row["diff"]
    if diff is not None and not isinstance(diff, bytes):
        kind = "text" if isinstance(diff, str) else type(diff).__name__
        return f"diff is stored as {kind}, not bytes (the row was edited)"
    if not isinstance(row["original"], str):
        return "original is not text (the row was edited)"
    try:
        json.loads(row["original"])
    except ValueError:
        return "original is not valid JSON (the row was edited)"
    return None
