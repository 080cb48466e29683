"""StoreBase: the connection, write transactions and audit events that every store verb uses."""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from store import audit
from store import checks as checks_table
from store.db import bulk_writes, configure, immediate
from store.errors import Ambiguous, NotFound, StoreError
from store.gates import GatePolicy
from store.lineage import RISK_ANCESTRY, Reads, through_pending
from store.proposals import LIFECYCLE_ACTIONS, Lifecycle
from store.schema import migrate, require_current
from store.signing import Signer, checkpoints_dir

_HEX = re.compile(r"[0-9a-f]{4,64}")
MAX_REASON = 10_000


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


class StoreBase:
    """The store's connection and state, opened and migrated on construction, with what
    every group of verbs shares: write transactions, audit events, and a proposal's id,
    lifecycle and status. `ReviewStore` is this plus its verb groups."""

    def __init__(
        self,
        db: sqlite_utils.Database,
        *,
        path: Path | None = None,
        clock: Callable[[], str] = utc_now,
        signer: Signer | None = None,
        upgrading: Callable[[list[str]], None] | None = None,
        read_only: bool = False,
        configured: bool = False,
    ) -> None:
        if signer is not None and path is None:
            raise StoreError("signed audit checkpoints need a store file, not :memory:")
        self.db = db
        self.conn: sqlite3.Connection = db.conn
        if self.conn.isolation_level is not None:
            raise StoreError("ReviewStore needs a connection opened with isolation_level=None")
        self.path = path
        self.clock = clock
        # The store enforces whatever policy it is given; the CLI and TUI load `[gates]`.
        self.gate_policy = GatePolicy()
        if read_only:
            require_current(db)
            self.applied_migrations: list[str] = []
        else:
            # `open`'s connection got the pragmas in store.db.connect; a hand-made one needs them.
            if not configured:
                configure(self.conn)
            self.applied_migrations = migrate(db, upgrading)
        self.signer = signer
        self.signed_dir = None if path is None else checkpoints_dir(path)
        # Why the last write could not advance the head checkpoint, for a warning; None when
        # it could.
        self.checkpoint_problem: str | None = None
        # The chain head while an ingest batch holds the write lock and appends every event
        # itself, so each event need not read it back; None everywhere else.
        self._ingest_head: tuple[int, str] | None = None

    @property
    def checkpoint_file(self) -> Path | None:
        return None if self.path is None else audit.checkpoint_path(self.path)

    # -- transactions -------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[None]:
        """One write transaction; the head checkpoint advances after it commits.

        A signing failure raises SigningError after the commit: the change is kept, and
        the error (whose message says so) is loud rather than an unsigned chain unnoticed.
        """
        with immediate(self.conn):
            yield
        if self.checkpoint_file is not None:
            seq, digest = audit.head(self.conn)
            try:
                audit.write_checkpoint(self.checkpoint_file, seq, digest)
            except OSError as exc:
                # The change is committed; raising would report it as refused (a full disk
                # did). A checkpoint left behind is only older, which verify accepts, and the
                # next write moves it on; until then the CLI warns once, at exit.
                self.checkpoint_problem = audit.checkpoint_warning(self.checkpoint_file, exc)
            else:
                self.checkpoint_problem = None
        if self.signer is not None and self.signed_dir is not None:
            self.signer.after_write(self.conn, self.signed_dir)

    @contextmanager
    def bulk_writes(self) -> Iterator[None]:
        """Around many write transactions in a row, such as a big ingest's batches."""
        with bulk_writes(self.conn):
            yield

    def sign_now(self) -> Path | None:
        """Sign the chain head unless it is signed already (on exit); None when nothing was."""
        if self.signer is None or self.signed_dir is None:
            return None
        return self.signer.sign_head(self.conn, self.signed_dir)

    def _event(
        self,
        actor: str,
        action: str,
        proposal_id: str | None,
        payload: dict[str, Any],
        ts: str | None = None,
    ) -> audit.Event:
        """Append an event; `ts` is the time a row it goes with was stamped, so the two agree."""
        if not actor or not actor.strip():
            raise StoreError("an actor is required for every change")
        event = audit.append(
            self.conn,
            ts=self.clock() if ts is None else ts,
            actor=actor,
            action=action,
            proposal_id=proposal_id,
            payload=payload,
            prev=self._ingest_head,
        )
        if self._ingest_head is not None:
            self._ingest_head = (event.seq, event.hash)
        return event

    @contextmanager
    def _ingest_write(self) -> Iterator[None]:
        """`_write` for an ingest batch, which tracks the chain head as it appends."""
        with self._write():
            self._ingest_head = audit.head(self.conn)
            try:
                yield
            finally:
                self._ingest_head = None

    # -- proposal state ---------------------------------------------------

    def resolve(self, ref: str) -> str:
        """The full id for an id or a unique prefix of at least 4 hex digits."""
        ref = ref.strip().lower()
        if not _HEX.fullmatch(ref):
            raise NotFound(f"{ref!r} is not a proposal id (expected 4-64 hex digits)")
        rows = self.conn.execute(
            "SELECT id FROM proposals WHERE id >= ? AND id < ? ORDER BY id LIMIT 4",
            (ref, ref + "g"),
        ).fetchall()
        if not rows:
            raise NotFound(f"no proposal with id {ref}")
        if len(rows) > 1:
            # The first three, each as long as it must be to tell it from the others.
            shown = ", ".join(str(r[0])[:max(12, len(ref) + 4)] for r in rows[:3])
            more = ", …" if len(rows) > 3 else ""
            raise Ambiguous(f"id prefix {ref} matches more than one proposal ({shown}{more}); "
                            "type more of it")
        return str(rows[0][0])

    def events(
        self, proposal_id: str | None = None, actions: Sequence[str] = ()
    ) -> Iterator[audit.Event]:
        """Events in seq order: all, one proposal's, and/or only those of `actions`."""
        return audit.iter_events(self.conn, proposal_id=proposal_id, actions=actions)

    def _lifecycle(self, pid: str) -> Lifecycle:
        life = Lifecycle()
        for e in self.events(pid):
            if e.action in LIFECYCLE_ACTIONS:
                life.apply(e.seq, e.action, pid, e.actor, e.payload)
        return life

    def _set_status(self, pid: str, status: str) -> None:
        row = self.conn.execute("SELECT status FROM proposals WHERE id = ?", (pid,)).fetchone()
        before = row[0]
        self.conn.execute(
            "UPDATE proposals SET status = ?, updated_at = ? WHERE id = ?",
            (status, self.clock(), pid),
        )
        if before != status:
            # The proposals whose walk up passes it gain or lose their rejected-ancestor points:
            # those within the risk walk's reach below it. Past MAX_VISITED a few keep stale
            # points until their own next refresh.
            # One set of lineage reads for them all, made after the status changed: where
            # thousands share a parent (copies of one commit), each walked it up again.
            reads = Reads()
            for relative in through_pending(self.conn, pid, RISK_ANCESTRY)[0]:
                checks_table.refresh_risk(self.conn, relative.id, reads)


# Letters and symbols that draw as blank space: Hangul fillers and the blank braille cell.
_BLANKS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
# Categories that draw nothing on their own: marks, format and control characters,
# surrogates and separators; an unassigned character (a newer emoji) is drawn, so it counts.
_UNSEEN = frozenset({"Mn", "Me", "Cf", "Cc", "Cs", "Zs", "Zl", "Zp"})


def _shows(char: str) -> bool:
    return unicodedata.category(char) not in _UNSEEN and char not in _BLANKS


def text_problem(value: str | None, name: str, *, required: bool = True) -> str | None:
    """Why `value` cannot be stored as a reason, comment or note; None when it can.

    Required text must show something: a reason of zero-width or control characters alone
    passed as given and printed blank, an override included. Lone surrogates (a command-line
    argument that was not UTF-8) cannot be stored or hashed at all.
    """
    if value is not None and any("\ud800" <= c <= "\udfff" for c in value):
        return f"the {name} holds bytes that are not UTF-8; write it in UTF-8"
    if value is None or not any(map(_shows, value)):
        if not required and (value is None or not value.strip()):
            return None
        article = "an" if name[0] in "aeiou" else "a"
        return f"{article} {name} is required" if required else (
            f"the {name} shows nothing: write it in visible characters")
    if len(value) > MAX_REASON:
        return f"the {name} is too long ({len(value)} > {MAX_REASON} characters)"
    return None


def require_text(value: str | None, name: str) -> str:
    """`value` stripped; refused (StoreError, saying why) as `text_problem` refuses it."""
    problem = text_problem(value, name)
    if problem is not None:
        raise StoreError(problem)
    assert value is not None
    return value.strip()
