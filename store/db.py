"""SQLite connections with the settings every reviewer connection must have."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlite_utils

from store.errors import NotAStore

BUSY_TIMEOUT_S = 30.0
# The name of the store's migration set and sqlite-utils' table recording applied migrations.
MIGRATION_SET = "reviewer"
MIGRATIONS_TABLE = "_sqlite_migrations"
IN_CHUNK = 500  # keys bound per IN list, under SQLite's limit on bound parameters


def connect(path: str | Path, *, timeout: float = BUSY_TIMEOUT_S) -> sqlite_utils.Database:
    """Open `path` (or ":memory:") with WAL, synchronous=FULL, a busy timeout and foreign keys.

    `isolation_level=None` hands transaction control to us, so that every write
    can start with BEGIN IMMEDIATE instead of sqlite3's implicit deferred BEGIN.
    """
    memory = str(path) == ":memory:"
    if not memory:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), isolation_level=None, timeout=timeout)
    try:
        configure(conn, timeout=timeout)
    except BaseException:
        conn.close()
        raise
    return sqlite_utils.Database(conn)


def read_only(path: Path, *, timeout: float = BUSY_TIMEOUT_S,
              shared: bool = False) -> sqlite3.Connection:
    """A connection that can only read the store at `path`: a worker process's own; with
    `shared`, one a thread other than its opener may use (one query at a time)."""
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=timeout,
                           isolation_level=None, check_same_thread=not shared)  # fmt: skip


def existing_read_only(path: Path, *, timeout: float = BUSY_TIMEOUT_S) -> sqlite3.Connection:
    """A read-only connection to the existing store at `path`, even in a folder it cannot
    write (a read-only mount, another user's copy), for checks that must change nothing.

    A WAL reader needs a `-shm` file beside the database; where none exists and none can be
    made, the file is read as immutable, which is only safe when no log holds later writes.
    """
    if not path.is_file():
        raise FileNotFoundError(f"no store at {path}")
    conn = read_only(path, timeout=timeout)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError:
        conn.close()
    wal = path.with_name(path.name + "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        raise PermissionError(
            f"cannot read {path} without writing beside it: its write-ahead log {wal.name} "
            "holds changes; copy the folder somewhere writable and read the copy"
        )
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True,
                           timeout=timeout, isolation_level=None)


def configure(conn: sqlite3.Connection, *, timeout: float | None = None) -> None:
    """Apply the pragmas; safe on a connection someone else opened (e.g. Database(memory=True)).

    Without `timeout`, a busy timeout already set on the connection is kept.
    """
    if timeout is not None or conn.execute("PRAGMA busy_timeout").fetchone()[0] == 0:
        conn.execute(f"PRAGMA busy_timeout = {int((timeout or BUSY_TIMEOUT_S) * 1000)}")
    # Before the switch to WAL, which rewrites the file's header: another program's file,
    # or a newer reviewer's, must be refused byte for byte as it was.
    refuse_foreign(conn)
    from store.schema import refuse_newer  # store.schema imports this module

    refuse_newer(conn)
    _enable_wal(conn, timeout or BUSY_TIMEOUT_S)
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")


def refuse_foreign(conn: sqlite3.Connection) -> None:
    """A database with tables but no migrations of ours, or with no tables but a view or an
    application id of its own, belongs to another program: adding
    our tables to it, or so much as switching its journal mode, would change a file the
    user never meant to give us."""
    tables = [row[0] for row in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND substr(name, 1, 7) != 'sqlite_'"
    )]  # fmt: skip
    if tables and not _has_our_migrations(conn, tables):
        shown = ", ".join(sorted(tables)[:5]) + (", ..." if len(tables) > 5 else "")
        raise NotAStore(f"this database has tables of another program ({shown}), not a "
                        "reviewer store; give --db a new file or a reviewer store")
    if not tables and (mark := _foreign_mark(conn)):
        raise NotAStore(f"this database belongs to another program ({mark}), not a "
                        "reviewer store; give --db a new file or a reviewer store")


def _foreign_mark(conn: sqlite3.Connection) -> str | None:
    """What shows that a database without tables was made by another program: a view or
    trigger of its own, or the application id or user version it set (ours leaves both 0)."""
    other = conn.execute("SELECT type, name FROM sqlite_master LIMIT 1").fetchone()
    if other is not None:
        return f"a {other[0]} named {other[1]!r}"
    for pragma in ("application_id", "user_version"):
        value = conn.execute(f"PRAGMA {pragma}").fetchone()[0]
        if value:
            return f"{pragma} {value}"
    return None


def _has_our_migrations(conn: sqlite3.Connection, tables: list[str]) -> bool:
    if MIGRATIONS_TABLE not in tables:
        return False
    sql = f"SELECT 1 FROM {MIGRATIONS_TABLE} WHERE migration_set = ? LIMIT 1"
    try:
        return conn.execute(sql, (MIGRATION_SET,)).fetchone() is not None
    except sqlite3.OperationalError as exc:
        if "no such column" in str(exc):  # a table of that name without sqlite-utils' columns
            return False
        raise


def _enable_wal(conn: sqlite3.Connection, timeout: float) -> None:
    """Switch to WAL once; retried, because the switch fails with SQLITE_BUSY at once
    (no busy handler) while another process is switching or migrating a new file."""
    deadline = time.monotonic() + timeout
    delay = 0.005
    while True:
        try:
            mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
            if mode.lower() in ("wal", "memory"):
                return
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 0.2)


@contextmanager
def immediate(conn: sqlite3.Connection) -> Iterator[None]:
    """Run the block as one BEGIN IMMEDIATE transaction, rolled back on any error.

    Taking the write lock up front is what keeps concurrent writers from
    failing with SQLITE_BUSY_SNAPSHOT half-way through a read-then-write.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        # SQLite may already have rolled back (e.g. SQLITE_FULL); a blind ROLLBACK would mask that.
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    try:
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


# A big ingest rewrites most pages of the random-key indexes (id, title, pgr, risk, event
# hash) with each batch; checkpointing after every batch wrote each such page to the database
# file again, so the WAL is let grow to about 200 MB and checkpointed once at the end.
BULK_CHECKPOINT_PAGES = 50_000
BULK_CACHE_KIB = 256 * 1024


@contextmanager
def bulk_writes(conn: sqlite3.Connection) -> Iterator[None]:
    """Run many write transactions with rare checkpoints and a large page cache, then restore.

    Readers are unaffected: a WAL reader finds pages in the log as well as in the file. The
    checkpoint at the end is PASSIVE, so it never waits on a reader (the next writer's
    automatic checkpoint finishes whatever it had to leave).
    """
    cache = conn.execute("PRAGMA cache_size").fetchone()[0]
    pages = conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
    conn.execute(f"PRAGMA cache_size = {-BULK_CACHE_KIB}")
    conn.execute(f"PRAGMA wal_autocheckpoint = {BULK_CHECKPOINT_PAGES}")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA wal_autocheckpoint = {int(pages)}")
        conn.execute(f"PRAGMA cache_size = {int(cache)}")
        if not conn.in_transaction:
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)")


def select_in(
    conn: sqlite3.Connection, sql: str, keys: Sequence[Any], *after: Any
) -> Iterator[sqlite3.Cursor]:
    """Run `sql`, whose `{marks}` is the placeholder list of an IN, once per IN_CHUNK of
    `keys`, binding the chunk and then `after`; a cursor each."""
    for start in range(0, len(keys), IN_CHUNK):
        chunk = list(keys[start : start + IN_CHUNK])
        yield conn.execute(sql.format(marks=", ".join("?" * len(chunk))), (*chunk, *after))
