"""The store's schema as registered, named migrations, applied from one place."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

import sqlite_utils
from sqlite_utils import Migrations
from sqlite_utils.db import Table

from store.db import MIGRATION_SET, MIGRATIONS_TABLE, immediate
from store.errors import MigrationBusy, NotAStore, SchemaTooNew, StoreError

migrations = Migrations(MIGRATION_SET)
# A rerun result's verdict when it is a string, else NULL; malformed JSON gives NULL too.
# Migration 0006 fills latest_reruns with it and jobs.complete keeps it up, so both agree.
VERDICT_OF_RESULT = (
    "CASE WHEN json_valid(result) AND json_type(result, '$.verdict') = 'text' "
    "THEN json_extract(result, '$.verdict') END"
)


def _execute_all(db: sqlite_utils.Database, *statements: str) -> None:
    """Run a migration's statements in order; `migrate` holds the write lock around it."""
    for statement in statements:
        db.execute(statement)


@migrations(name="0001_proposals_events")
def _initial(db: sqlite_utils.Database) -> None:
    db.executescript(
        """
        CREATE TABLE proposals (
            id TEXT PRIMARY KEY,
            status TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'approved', 'rejected')),
            agent TEXT NOT NULL,
            title TEXT NOT NULL,
            summary TEXT NOT NULL,
            harness TEXT NOT NULL,
            base TEXT,
            idea TEXT,
            source_format TEXT NOT NULL,
            external_id TEXT,
            parent TEXT,
            created_at TEXT,
            claimed_pgr REAL,
            claimed_pgr_se REAL,
            claimed_weak_acc REAL,
            claimed_strong_acc REAL,
            claimed_transfer_acc REAL,
            claimed_seeds TEXT,
            claimed_num_seeds INTEGER,
            claimed_dataset TEXT,
            original TEXT NOT NULL,
            diff BLOB,
            diff_sha256 TEXT,
            ingested_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX proposals_status ON proposals (status, ingested_at);
        CREATE INDEX proposals_agent ON proposals (agent, ingested_at);
        CREATE INDEX proposals_ingested ON proposals (ingested_at);
        CREATE INDEX proposals_claimed_pgr ON proposals (claimed_pgr);

        CREATE TABLE events (
            seq INTEGER PRIMARY KEY,
            ts TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            proposal_id TEXT REFERENCES proposals (id),
            payload TEXT NOT NULL,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL UNIQUE
        );
        CREATE INDEX events_proposal ON events (proposal_id, seq);

        CREATE TRIGGER events_no_update BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
        CREATE TRIGGER events_no_delete BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
        """
    )
    proposals = db["proposals"]
    assert isinstance(proposals, Table)  # created just above, so not a view
    proposals.enable_fts(
        ["title", "summary", "idea", "agent"], create_triggers=True, tokenize="porter"
    )


@migrations(name="0002_jobs")
def _jobs(db: sqlite_utils.Database) -> None:
    _execute_all(
        db,
        """
        CREATE TABLE jobs (
            id INTEGER PRIMARY KEY,
            proposal_id TEXT NOT NULL REFERENCES proposals (id),
            kind TEXT NOT NULL,
            params TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'queued'
                CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),
            priority INTEGER NOT NULL DEFAULT 0,
            attempt INTEGER NOT NULL DEFAULT 0,
            max_attempts INTEGER NOT NULL DEFAULT 3,
            owner TEXT,
            lease_until REAL,
            requested_by TEXT NOT NULL,
            created_at TEXT NOT NULL,
            started_at TEXT,
            finished_at TEXT,
            progress TEXT,
            result TEXT,
            error TEXT
        )
        """,
        "CREATE INDEX jobs_claim ON jobs (state, priority DESC, id)",
        "CREATE INDEX jobs_proposal ON jobs (proposal_id, id)",
    )


@migrations(name="0003_checks_risk")
def _checks(db: sqlite_utils.Database) -> None:
    _execute_all(
        db,
        """
        CREATE TABLE checks (
            id INTEGER PRIMARY KEY,
            proposal_id TEXT NOT NULL REFERENCES proposals (id),
            source TEXT NOT NULL,
            diff_sha256 TEXT,
            code TEXT NOT NULL,
            severity TEXT NOT NULL CHECK (severity IN ('high', 'medium', 'low')),
            message TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT '{}',
            event_seq INTEGER NOT NULL,
            resolved_seq INTEGER,
            resolved_by TEXT,
            resolved_reason TEXT
        )
        """,
        "CREATE INDEX checks_proposal ON checks (proposal_id, source)",
        # Normalised code per proposal, so near-duplicate search compares similar sizes only.
        """
        CREATE TABLE fingerprints (
            proposal_id TEXT PRIMARY KEY REFERENCES proposals (id),
            diff_sha256 TEXT,
            length INTEGER NOT NULL,
            code TEXT NOT NULL
        )
        """,
        "CREATE INDEX fingerprints_length ON fingerprints (length)",
        # Derived columns kept current by the store, so the queue sorts by them on an index.
        "ALTER TABLE proposals ADD COLUMN risk REAL NOT NULL DEFAULT 0",
        "ALTER TABLE proposals ADD COLUMN flags INTEGER NOT NULL DEFAULT 0",
        "CREATE INDEX proposals_risk ON proposals (risk DESC, ingested_at DESC)",
        "CREATE INDEX proposals_status_risk ON proposals (status, risk DESC, ingested_at DESC)",
    )


@migrations(name="0004_fts_update_columns")
def _fts_update_columns(db: sqlite_utils.Database) -> None:
    # The index re-tokenised every row on each status or risk change; only text edits need it.
    db.execute('DROP TRIGGER IF EXISTS "proposals_au"')
    db.execute(
        """
        CREATE TRIGGER "proposals_au"
        AFTER UPDATE OF "title", "summary", "idea", "agent" ON "proposals" BEGIN
          INSERT INTO "proposals_fts" ("proposals_fts", rowid, "title", "summary", "idea", "agent")
            VALUES ('delete', old.rowid, old."title", old."summary", old."idea", old."agent");
          INSERT INTO "proposals_fts" (rowid, "title", "summary", "idea", "agent")
            VALUES (new.rowid, new."title", new."summary", new."idea", new."agent");
        END
        """
    )


@migrations(name="0005_sort_indexes")
def _sort_indexes(db: sqlite_utils.Database) -> None:
    # Every queue sort walks an index whose last key is the rowid, its tie-break, so a page
    # anywhere in 100k rows is an index walk instead of a sort of every row.
    _execute_all(
        db,
        # Replaced by proposals_pgr_sort, which orders as the queue does; one less to write.
        "DROP INDEX proposals_claimed_pgr",
        "CREATE INDEX proposals_pgr_sort ON proposals ((claimed_pgr IS NULL), claimed_pgr DESC)",
        "CREATE INDEX proposals_title_sort ON proposals (title COLLATE NOCASE)",
        "CREATE INDEX proposals_agent_sort ON proposals (agent COLLATE NOCASE, ingested_at DESC)",
        "CREATE INDEX proposals_status_sort ON proposals (status, ingested_at DESC)",
        # The same sorts within one status, the queue's usual filter.
        "CREATE INDEX proposals_status_pgr ON proposals "
        "(status, (claimed_pgr IS NULL), claimed_pgr DESC)",
        "CREATE INDEX proposals_status_title ON proposals (status, title COLLATE NOCASE)",
        "CREATE INDEX proposals_status_agent ON proposals "
        "(status, agent COLLATE NOCASE, ingested_at DESC)",
    )


@migrations(name="0006_latest_reruns")
def _latest_reruns(db: sqlite_utils.Database) -> None:
    # Each proposal's latest finished rerun, kept as reruns finish, so filtering the queue by
    # verdict reads a small index instead of the newest rerun's JSON for every proposal.
    _execute_all(
        db,
        """
        CREATE TABLE latest_reruns (
            proposal_id TEXT PRIMARY KEY REFERENCES proposals (id),
            job_id INTEGER NOT NULL REFERENCES jobs (id),
            verdict TEXT
        )
        """,
        "CREATE INDEX latest_reruns_verdict ON latest_reruns (verdict)",
        f"""
        INSERT INTO latest_reruns (proposal_id, job_id, verdict)
        SELECT proposal_id, id, {VERDICT_OF_RESULT} FROM jobs WHERE id IN (
            SELECT max(id) FROM jobs WHERE kind = 'rerun' AND state = 'done'
            GROUP BY proposal_id
        )
        """,
    )


# The FTS insert trigger, skipped while an ingest batch defers indexing to one bulk insert.
FTS_INSERT_TRIGGER = """
CREATE TRIGGER "proposals_ai" AFTER INSERT ON "proposals"
WHEN NOT EXISTS (SELECT 1 FROM fts_deferred) BEGIN
  INSERT INTO "proposals_fts" (rowid, "title", "summary", "idea", "agent")
    VALUES (new.rowid, new."title", new."summary", new."idea", new."agent");
END
"""


@migrations(name="0007_fts_deferred")
def _fts_deferred(db: sqlite_utils.Database) -> None:
    # Indexing row by row from the trigger makes FTS5 flush its pending terms on every insert
    # (the trigger's statement journal); an ingest batch indexes its rows in one statement.
    _execute_all(
        db,
        "CREATE TABLE fts_deferred (from_rowid INTEGER NOT NULL)",
        'DROP TRIGGER "proposals_ai"',
        FTS_INSERT_TRIGGER,
    )


@migrations(name="0008_events_action")
def _events_action(db: sqlite_utils.Database) -> None:
    # Publishing looks up the store's own publish events among every event of the store.
    _execute_all(db, "CREATE INDEX events_action ON events (action, seq)")


@migrations(name="0009_lineage")
def _lineage(db: sqlite_utils.Database) -> None:
    # store/lineage.py matches a proposal's `parent` against ids, finding ids and commits.
    _execute_all(
        db,
        "CREATE INDEX proposals_parent ON proposals (parent) WHERE parent IS NOT NULL",
        "CREATE INDEX proposals_external_id ON proposals (external_id) "
        "WHERE external_id IS NOT NULL",
        "CREATE INDEX proposals_commit ON proposals (base) "
        "WHERE source_format = 'sandbox_finding'",
    )


def _too_new(unknown: set[str]) -> SchemaTooNew:
    return SchemaTooNew(
        "this database was migrated by a newer reviewer "
        f"(unknown migrations: {', '.join(sorted(unknown))}); upgrade reviewer"
    )


def refuse_newer(conn: sqlite3.Connection) -> None:
    """Raise SchemaTooNew for a store migrated by a newer reviewer, reading nothing but its
    migrations table, so that it is refused before anything (even its journal mode) changes."""
    try:
        rows = conn.execute(
            f"SELECT name FROM {MIGRATIONS_TABLE} WHERE migration_set = ?", (MIGRATION_SET,)
        ).fetchall()
    except sqlite3.OperationalError:
        return  # no migrations table yet: a new store
    unknown = {name for (name,) in rows} - {m.name for m in migrations._migrations}
    if unknown:
        raise _too_new(unknown)


def require_current(db: sqlite_utils.Database) -> None:
    """Refuse, without writing, a database that is not a store of exactly this schema: what
    a read-only open needs, since it can neither migrate nor check an older schema."""
    known = {m.name for m in migrations._migrations}
    applied = {m.name for m in migrations.applied(db)}
    if not applied:
        raise NotAStore("this database is not a reviewer store (it has no reviewer schema)")
    if applied - known:
        raise _too_new(applied - known)
    if known - applied:
        raise StoreError(
            "this store was made by an older reviewer and cannot be upgraded read-only "
            f"(pending: {', '.join(sorted(known - applied))}); run any writing command on it, "
            "or on a writable copy, first"
        )


def migrate(
    db: sqlite_utils.Database, upgrading: Callable[[list[str]], None] | None = None
) -> list[str]:
    """Apply pending migrations under one write lock; return the names applied.

    A second process blocks on the lock for the busy timeout and then finds
    nothing left to do, or gives up with MigrationBusy instead of a raw error.
    `upgrading` hears the pending names first when an existing store is upgraded, since
    building an index over 100k proposals takes seconds. The connection is configured
    first (`store.db.configure`), which refuses another program's database.
    """
    known = {m.name for m in migrations._migrations}
    try:
        applied = {m.name for m in migrations.applied(db)}
    except sqlite3.OperationalError as exc:
        raise MigrationBusy(f"database is busy, could not read its schema: {exc}") from exc
    unknown = applied - known
    if unknown:
        raise _too_new(unknown)
    if applied >= known:
        return []
    if applied and upgrading is not None:
        upgrading(sorted(known - applied))
    try:
        with immediate(db.conn):
            pending = [m.name for m in migrations.pending(db)]
            migrations.apply(db)
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise MigrationBusy(
                "another process is migrating this database; try again in a moment"
            ) from exc
        raise
    return pending
