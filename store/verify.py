"""`audit verify`: run each part (the chain and its checkpoints, proposals, jobs, checks, the
schema and the file) over one read snapshot, so a damaged database is reported, not raised."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from store.signing import SignatureCheck
from store.verify_chain import (
    NO_CHECKPOINT,
    Derived,
    check_chain,
    check_head_checkpoint,
    check_signed,
    read_head_checkpoint,
)
from store.verify_checks import check_checks
from store.verify_jobs import check_jobs
from store.verify_proposals import Replay, check_state
from store.verify_report import VerifyReport
from store.verify_schema import check_integrity, check_schema

if TYPE_CHECKING:
    from store.review_store import ReviewStore


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
    replay: dict[str, Replay] = {}
    hashes: dict[int, str] = {}
    derived = Derived()
    # Statements exist only for committed seqs, and the rows they sign never change
    # honestly, so checking them before the snapshot agrees with it.
    add_signed = None if signatures is None else _guard(
        report, "signed checkpoints", lambda: check_signed(store, signatures))
    path = store.checkpoint_file
    checkpoint = None if path is None else _guard(
        report, "the head checkpoint", lambda: read_head_checkpoint(path, report))
    with _snapshot(conn):
        chain_ok = _guard(report, "the audit chain", lambda: check_chain(
            conn, report, replay, hashes, derived))
        if chain_ok and isinstance(checkpoint, tuple):
            check_head_checkpoint(report, hashes, checkpoint)
        elif chain_ok and checkpoint is NO_CHECKPOINT and report.events:
            report.warnings.append(f"no head checkpoint at {path}; truncation cannot be detected")
        if add_signed is not None:
            add_signed(report)
        _guard(report, "proposals", lambda: check_state(conn, report, replay, bool(chain_ok)))
        if chain_ok:
            _guard(report, "jobs", lambda: check_jobs(
                conn, report, derived.finished, derived.requested))
            _guard(report, "checks", lambda: check_checks(conn, report, derived.checks))
        _guard(report, "the schema", lambda: check_schema(conn, report))
        _guard(report, "the database file", lambda: check_integrity(conn, report))
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
