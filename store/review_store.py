"""ReviewStore: the domain verbs over one SQLite database."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from store import audit, fingerprints, fts
from store import checks as checks_table
from store.agents import AgentRecord, agent_records
from store.checks import IngestChecker
from store.db import (
    BUSY_TIMEOUT_S,
    bulk_writes,
    configure,
    connect,
    existing_read_only,
    immediate,
    select_in,
)
from store.errors import (
    Ambiguous,
    DiffConflict,
    GateError,
    IllegalTransition,
    NotFound,
    StoreError,
)
from store.gates import GatePolicy, gating_rerun, unmet
from store.jobs import JobQueue
from store.lineage import (
    RISK_ANCESTRY,
    Lineage,
    Reads,
    child_refs,
    children_of,
    descends_from_rejected,
    ingested_commits,
    lineage,
    through_pending,
)
from store.model import NewProposal
from store.proposals import (
    DECISIONS,
    LIFECYCLE_ACTIONS,
    ROW_COLUMNS,
    Lifecycle,
    claimed_of,
    current_diff_sha,
)
from store.query import (
    QUEUE_SORT,
    SORTS,
    WALK_INDEX_MATCHES,
    Filters,
    count_at_most_sql,
    count_sql,
    fts_query,
    list_sql,
    many_matches_sql,
    many_rows_sql,
    search_sql,
    unserved,
)
from store.risk import risk_score
from store.schema import migrate, require_current
from store.seen import (
    DECISION_EVENTS,
    NO_DECISION,
    Seen,
    check_diff,
    check_last_decision,
    check_override,
)
from store.signing import Signer, checkpoints_dir

_HEX = re.compile(r"[0-9a-f]{4,64}")
_FULL_ID = re.compile(r"[0-9a-f]{64}")
# Events that record something about a proposal without changing its state.
ANNOTATIONS = ("assist", "assessment", "publish", "publish_failed", "withdraw", "override",
               "publisher_named")
MAX_REASON = 10_000
_INSERT_PROPOSAL = (
    f"INSERT INTO proposals ({', '.join(ROW_COLUMNS)}) VALUES ({', '.join('?' * len(ROW_COLUMNS))})"
)


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


@dataclass
class AddResult:
    """Ids a batch of proposals added, found already present, or attached a diff to."""

    added: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)
    attached: list[str] = field(default_factory=list)
    # Added ids whose checks the batch's checker gave, recorded with their ingest.
    checked: list[str] = field(default_factory=list)


class ReviewStore:
    """The review store; migrates on construction.

    Every write runs in one BEGIN IMMEDIATE transaction together with its audit event.
    """

    def __init__(
        self,
        db: sqlite_utils.Database,
        *,
        path: Path | None = None,
        clock: Callable[[], str] = utc_now,
        signer: Signer | None = None,
        upgrading: Callable[[list[str]], None] | None = None,
        read_only: bool = False,
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
        # ((FTS query, change stamp), match count, exact) of the last text-only `count`;
        # not exact when a capped count stopped at its cap.
        self._match_count: tuple[tuple[str, tuple[int, int]], int, bool] | None = None
        # ((proposal id, change stamp), rowids) of the last line `list` or `count` walked: the
        # queue asks for its count and each page, and a big line takes tens of ms to walk.
        self._line_rows: tuple[tuple[str, tuple[int, int]], tuple[int, ...]] | None = None

    @classmethod
    def open(
        cls,
        path: str | Path,
        *,
        clock: Callable[[], str] = utc_now,
        timeout: float = BUSY_TIMEOUT_S,
        signer: Signer | None = None,
        upgrading: Callable[[list[str]], None] | None = None,
    ) -> ReviewStore:
        """Open (creating if needed) the store at `path`, or ":memory:"; `signer` signs
        checkpoints of the audit chain into `<db>.checkpoints/`; `upgrading` hears which
        migrations an existing store is about to get."""
        memory = str(path) == ":memory:"
        return cls(
            connect(path, timeout=timeout),
            path=None if memory else Path(path),
            clock=clock,
            signer=signer,
            upgrading=upgrading,
        )

    @classmethod
    def open_read_only(
        cls, path: Path, *, timeout: float = BUSY_TIMEOUT_S
    ) -> ReviewStore:
        """Open the existing store at `path` without writing to it or beside it: no
        migration, no checkpoint, no file created. For `audit verify` and `audit export`,
        which must not change what they check, and must work on a read-only copy."""
        try:
            conn = existing_read_only(path, timeout=timeout)
        except (FileNotFoundError, PermissionError) as exc:
            raise StoreError(str(exc)) from exc
        try:
            return cls(sqlite_utils.Database(conn), path=path, read_only=True)
        except BaseException:
            conn.close()
            raise

    @classmethod
    def memory(cls, *, clock: Callable[[], str] = utc_now) -> ReviewStore:
        return cls.open(":memory:", clock=clock)

    def close(self) -> None:
        self.conn.close()

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

    # -- ingest ---------------------------------------------------------------

    def add_proposals(
        self,
        proposals: Sequence[NewProposal],
        *,
        actor: str,
        checker: IngestChecker | None = None,
    ) -> AddResult:
        """Add a batch all or nothing; proposals already stored are a no-op.

        A stored proposal without code gets the diff of a later copy attached;
        a different diff for the same proposal is a Conflict and nothing is written.
        `checker` is as for `add_proposal_groups`.
        """
        result = AddResult()
        with self._ingest_write(), fts.deferred(self.conn):
            for p in proposals:
                self._add_one(p, actor, result, checker)
        return result

    def add_proposal_groups(
        self,
        groups: Sequence[Sequence[NewProposal]],
        *,
        actor: str,
        checker: IngestChecker | None = None,
    ) -> list[AddResult | StoreError]:
        """`add_proposals` for many groups (one per ingested file) in one transaction.

        A group that fails goes back whole and its error takes its place in the list, while
        the others commit together: one commit for many files instead of one fsync each.
        The batch first runs with no SAVEPOINT at all: under one, SQLite copies every page
        the batch touches into its sub-journal first (9 of the 17 GB written by an ingest of
        100k files), and one per group also makes the full-text index flush a segment each.
        Only when a group fails does the whole transaction roll back, and the batch runs
        again in a new one with a SAVEPOINT per group.

        `checker` is called with each new proposal's row as it will be stored; the findings
        it returns are recorded right after the ingest event (a `checks` event, the rows, the
        fingerprint), and the row is stored with the risk and flag count they give, so it is
        written once. Where it returns None, or findings that do not validate, nothing is
        recorded and the id is left out of `checked` for the caller's `record_checks`.
        """
        try:
            with self._ingest_write(), fts.deferred(self.conn):
                return [self._add_group(group, actor, checker) for group in groups]
        except StoreError:
            pass  # the whole transaction rolled back; nothing of the batch is stored
        with self._ingest_write(), fts.deferred(self.conn):
            return [self._add_group_alone(group, actor, checker) for group in groups]

    def _add_group(
        self, group: Sequence[NewProposal], actor: str, checker: IngestChecker | None
    ) -> AddResult:
        result = AddResult()
        for p in group:
            self._add_one(p, actor, result, checker)
        return result

    def _add_group_alone(
        self, group: Sequence[NewProposal], actor: str, checker: IngestChecker | None
    ) -> AddResult | StoreError:
        """One group under its own SAVEPOINT: all of it, or its error and nothing written."""
        self.conn.execute("SAVEPOINT add_group")
        try:
            return self._add_group(group, actor, checker)
        except StoreError as exc:
            self.conn.execute("ROLLBACK TO add_group")
            self._ingest_head = audit.head(self.conn)  # the group's events are gone
            return exc
        finally:
            self.conn.execute("RELEASE add_group")

    def add_proposal(self, proposal: NewProposal, *, actor: str) -> str:
        self.add_proposals([proposal], actor=actor)
        return proposal.content_hash

    def _add_one(
        self, p: NewProposal, actor: str, result: AddResult, checker: IngestChecker | None = None
    ) -> None:
        diff_sha = p.diff_sha256
        pid = p.content_hash
        existing = self.conn.execute(
            "SELECT diff_sha256 FROM proposals WHERE id = ?", (pid,)
        ).fetchone()
        if existing is None:
            self._insert_new(p, pid, diff_sha, actor, result, checker)
            return
        stored_sha = existing[0]
        if p.diff is None or diff_sha == stored_sha:
            result.present.append(pid)
            return
        if stored_sha is not None:
            raise DiffConflict(
                f"proposal {pid[:12]} already has a different diff "
                f"(stored {stored_sha[:12]}, new {diff_sha[:12] if diff_sha else None})",
                pid, stored_sha, diff_sha,
            )
        now = self.clock()
        self.conn.execute(
            "UPDATE proposals SET diff = ?, diff_sha256 = ?, updated_at = ? WHERE id = ?",
            (p.diff, diff_sha, now, pid),
        )
        # Where the code came from: a finding's patch is not bound to it, so this is the
        # trail back to whoever placed it.
        self._event(actor, "attach_diff", pid, {"diff_sha256": diff_sha, "source": p.source},
                    ts=now)
        life = self._lifecycle(pid)
        if life.approvers:
            # An approval binds to the code it saw; new code voids it.
            self._event(
                actor, "invalidate", pid, {"reason": "the diff changed", "voided": life.approvers}
            )
            life.apply(0, "invalidate", pid)
            self._set_status(pid, life.status)
        result.attached.append(pid)

    def _insert_new(
        self,
        p: NewProposal,
        pid: str,
        diff_sha: str | None,
        actor: str,
        result: AddResult,
        checker: IngestChecker | None,
    ) -> None:
        now = self.clock()
        row = {**p.stored_row, "ingested_at": now, "updated_at": now}  # keeps ROW_COLUMNS order
        found = None if checker is None else checker(dict(row))  # a copy: the hook only reads
        checks: list[dict[str, Any]] | None = None
        if found is not None:
            try:
                checks = checks_table.validate(found.checks)
            except StoreError:
                checks = None  # left to the caller's record_checks, which reports why
        if checks is not None:
            # What refresh_risk would compute: every finding is open, and nothing was rerun.
            rejected = bool(row["parent"]) and descends_from_rejected(self.conn, pid, row["parent"])
            row["risk"] = risk_score(
                row["claimed_pgr"], [c["severity"] for c in checks], None, rejected
            )
            row["flags"] = len(checks)
        self.conn.execute(_INSERT_PROPOSAL, [row[c] for c in ROW_COLUMNS])
        self._event(
            actor,
            "ingest",
            pid,
            {
                "content_hash": pid,
                "diff_sha256": diff_sha,
                "fields_hash": p.stored_fields_hash,
                "source_format": p.source_format,
            },
            ts=now,
        )
        result.added.append(pid)
        if found is None or checks is None:
            return
        payload = {"source": found.source, "diff_sha256": diff_sha, "checks": checks}
        event = self._event(actor, "checks", pid, payload)
        checks_table.insert_new(self.conn, pid, found.source, diff_sha, checks, event.seq)
        fingerprints.put(self.conn, pid, diff_sha, found.code)
        result.checked.append(pid)

    # -- reads ----------------------------------------------------------------

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

    def get(self, ref: str) -> dict[str, Any]:
        """One proposal with every column, `claimed` as an object and the diff as bytes."""
        pid = self.resolve(ref)
        cursor = self.conn.execute("SELECT * FROM proposals WHERE id = ?", (pid,))
        names = [d[0] for d in cursor.description]
        row = dict(zip(names, cursor.fetchone(), strict=True))
        row["claimed"] = claimed_of(row)
        if row["diff"] is not None:
            row["diff"] = bytes(row["diff"])
        return row

    def ingested_commits(self, shas: list[str]) -> dict[str, str]:
        """The id of the proposal each of `shas` was ingested as, for those already stored."""
        return ingested_commits(self.conn, shas)

    def statuses(self, ids: Sequence[str]) -> dict[str, str]:
        """The status of each of these full ids that is stored, read in one query per 500."""
        found: dict[str, str] = {}
        for cursor in select_in(self.conn, "SELECT id, status FROM proposals WHERE id IN ({marks})",
                                ids):
            found.update(cursor)
        return found

    def get_many(self, refs: Sequence[str]) -> list[dict[str, Any]]:
        """`get` for many refs in their order, full ids read in one query per 500."""
        pids = [ref if _FULL_ID.fullmatch(ref) else self.resolve(ref) for ref in refs]
        found: dict[str, dict[str, Any]] = {}
        for cursor in select_in(self.conn, "SELECT * FROM proposals WHERE id IN ({marks})", pids):
            names = [d[0] for d in cursor.description]
            for values in cursor:
                row = dict(zip(names, values, strict=True))
                row["claimed"] = claimed_of(row)
                if row["diff"] is not None:
                    row["diff"] = bytes(row["diff"])
                found[row["id"]] = row
        missing = [pid for pid in pids if pid not in found]
        if missing:
            raise NotFound(f"no proposal with id {missing[0]}")
        return [found[pid] for pid in pids]

    def list(
        self,
        *,
        status: str | None = None,
        agent: str | None = None,
        text: str | None = None,
        sort: str = "newest",
        limit: int = 50,
        offset: int = 0,
        verdict: str | None = None,
        builds_on: str | None = None,
        line: bool = False,
    ) -> list[dict[str, Any]]:
        """One page of proposals (no summary, diff or original), filtered and sorted.

        `builds_on` (an id or prefix) keeps the proposals whose `parent` names that one;
        with `line`, also those that descend from it through pending proposals (its
        `through_pending` line: what a rejection of it gates, at most MAX_VISITED).
        """
        filters = self._filters(status, agent, text, verdict, builds_on, line)
        walk: set[str] = set()
        if filters.children_of is not None:
            # A parent with thousands of children: walk the sort's index, as for a common word.
            only = Filters(children_of=filters.children_of)
            many = self.conn.execute(*count_at_most_sql(only, WALK_INDEX_MATCHES + 1)).fetchone()
            if many[0] > WALK_INDEX_MATCHES:
                walk.add("parent")
        match = fts_query(text) if text else None
        if match is not None:
            known = self._known_match_count(match)
            if known is None or not (known[1] or known[0] > WALK_INDEX_MATCHES):
                known = (self._matches_up_to(match, WALK_INDEX_MATCHES + 1), False)
            if known[0] > WALK_INDEX_MATCHES:
                walk.add("rowid")
        if verdict is not None:
            walk.add("verdict")  # a few thousand reran proposals: probe them, walk the sort
        others = unserved(filters, sort)
        if others and self.conn.execute(*many_rows_sql(filters)).fetchone()[0] > WALK_INDEX_MATCHES:
            walk |= others
        sql, params = list_sql(filters, sort, limit, offset, walk=frozenset(walk))
        return self._dicts(sql, params)

    def _filters(
        self,
        status: str | None,
        agent: str | None,
        text: str | None,
        verdict: str | None,
        builds_on: str | None,
        line: bool = False,
    ) -> Filters:
        if builds_on is None:
            if line:
                raise ValueError("a line needs the proposal it starts from (builds_on)")
            return Filters(status, agent, text, verdict)
        pid = self.resolve(builds_on)
        if line:
            return Filters(status, agent, text, verdict, rows=self._line(pid))
        refs = child_refs(self.conn, pid)
        assert refs is not None  # resolve found the row
        return Filters(status, agent, text, verdict, (refs[0], tuple(refs[1])))

    def _line(self, pid: str) -> tuple[int, ...]:
        """The rowids of pid's line (`through_pending`), walked again only after a change."""
        key = (pid, self._change_stamp())
        if self._line_rows is not None and self._line_rows[0] == key:
            return self._line_rows[1]
        found = [r.id for r in through_pending(self.conn, pid)[0]]
        rows = tuple(r[0] for r in self.conn.execute(
            f"SELECT rowid FROM proposals WHERE id IN ({', '.join('?' * len(found))})", found))
        self._line_rows = (key, rows)
        return rows

    def _change_stamp(self) -> tuple[int, int]:
        """Moves whenever this connection writes or another one commits."""
        return self.conn.total_changes, int(self.conn.execute("PRAGMA data_version").fetchone()[0])

    def _known_match_count(self, match: str) -> tuple[int, bool] | None:
        """The full-text match count `count` last computed and whether it is exact (not a
        cap), if nothing changed since."""
        if self._match_count is None:
            return None
        (known, stamp), n, exact = self._match_count
        return (n, exact) if known == match and stamp == self._change_stamp() else None

    def _matches_up_to(self, match: str, limit: int) -> int:
        """min(matches of `match`, limit), asking first without the prefix on its last word.

        Those matches are some of the prefix query's, and a whole word needs no merge of
        every word it begins: 0.4 ms instead of 6 ms when a common word is typed out.
        """
        whole = match.removesuffix("*")
        if whole != match:
            n = int(self.conn.execute(*many_matches_sql(whole, limit)).fetchone()[0])
            if n >= limit:
                return n
        return int(self.conn.execute(*many_matches_sql(match, limit)).fetchone()[0])

    def count(
        self,
        *,
        status: str | None = None,
        agent: str | None = None,
        text: str | None = None,
        verdict: str | None = None,
        at_most: int | None = None,
        builds_on: str | None = None,
        line: bool = False,
    ) -> int:
        """How many proposals pass the filters; with `at_most`, counting stops there.

        A capped count reads only that many index entries, so the queue can show a search's
        first page before it knows that 99,893 proposals match.
        """
        filters = self._filters(status, agent, text, verdict, builds_on, line)
        match = fts_query(text) if text else None
        if match is None or not filters.text_only:
            built = count_sql(filters) if at_most is None else count_at_most_sql(filters, at_most)
            return int(self.conn.execute(*built).fetchone()[0])
        # The queue counts, then lists a page: remembering the count spares `list` a probe.
        known = self._known_match_count(match)
        if known is not None and (known[1] or (at_most is not None and known[0] >= at_most)):
            n = known[0]
            return n if at_most is None else min(n, at_most)
        stamp = self._change_stamp()
        if at_most is None:
            n = int(self.conn.execute(*count_sql(filters)).fetchone()[0])
        else:
            n = self._matches_up_to(match, at_most)
        self._match_count = ((match, stamp), n, at_most is None or n < at_most)
        return n

    def search(self, text: str, *, limit: int = 50) -> list[dict[str, Any]]:
        """Full-text search over title, summary, idea and agent, best match first."""
        built = search_sql(text, limit)
        return [] if built is None else self._dicts(*built)

    def next_pending(self, ref: str) -> str | None:
        """The pending proposal after `ref` in the risk order of the queue (wrapping round).

        A keyset seek on the risk index, so stepping through a large queue stays cheap.
        """
        pid = self.resolve(ref)
        rowid, risk, at = self.conn.execute(
            "SELECT rowid, risk, ingested_at FROM proposals WHERE id = ?", (pid,)
        ).fetchone()
        after = self.conn.execute(
            "SELECT id FROM proposals WHERE status = 'pending' AND "
            "(risk < ? OR (risk = ? AND (ingested_at < ? OR (ingested_at = ? AND rowid > ?)))) "
            f"ORDER BY {SORTS['risk']} LIMIT 1",
            (risk, risk, at, at, rowid),
        ).fetchone()
        if after is None:
            after = self.conn.execute(
                f"SELECT id FROM proposals WHERE status = 'pending' AND rowid != ? "
                f"ORDER BY {SORTS['risk']} LIMIT 1",
                (rowid,),
            ).fetchone()
        return None if after is None else str(after[0])

    def next_in_order(
        self,
        ref: str,
        *,
        sort: str = QUEUE_SORT,
        status: str | None = None,
        agent: str | None = None,
        text: str | None = None,
        verdict: str | None = None,
        builds_on: str | None = None,
        line: bool = False,
        with_code: bool = False,
    ) -> str | None:
        """The first proposal after `ref` in `sort`'s order among those the filters (as
        `list` takes them) keep, with code if `with_code`; None past the last (no wrap).

        A keyset seek from `ref`'s sort keys, so `ref` itself need not pass the filters.
        """
        if sort not in SORTS:
            raise ValueError(f"sort must be one of {', '.join(SORTS)}, not {sort!r}")
        pid = self.resolve(ref)
        terms = _sort_terms(sort)
        keys = self.conn.execute(
            f"SELECT {', '.join(e for e, _ in terms)} FROM proposals WHERE id = ?", (pid,)
        ).fetchone()
        after, after_params = _after_keys(terms, tuple(keys))
        where, params = self._filters(status, agent, text, verdict, builds_on, line).where()
        code = " AND diff_sha256 IS NOT NULL" if with_code else ""
        found = self.conn.execute(
            f"SELECT id FROM proposals WHERE {where}{code} AND {after} "
            f"ORDER BY {SORTS[sort]} LIMIT 1",
            [*params, *after_params],
        ).fetchone()
        return None if found is None else str(found[0])

    def agents(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT DISTINCT agent FROM proposals ORDER BY 1")]

    def titles(self, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Title and claimed PGR (± SE) by proposal id, for lists that name many proposals;
        blinded review masks the claim in a title."""
        wanted = list(dict.fromkeys(ids))
        out: dict[str, dict[str, Any]] = {}
        sql = "SELECT id, title, claimed_pgr, claimed_pgr_se FROM proposals WHERE id IN ({marks})"
        for cursor in select_in(self.conn, sql, wanted):
            for pid, title, pgr, se in cursor:
                out[pid] = {"title": title, "claimed_pgr": pgr, "claimed_pgr_se": se}
        return out

    def agent_records(self) -> list[AgentRecord]:
        """Each agent's proposals by status and latest verdict, and how many are flagged."""
        return agent_records(self.conn)

    def payload_values(self, actions: Iterable[str], key: str) -> list[str]:
        """Distinct string values of payload field `key` in events of `actions`, oldest first."""
        if not key.isidentifier():
            raise ValueError(f"payload key {key!r} is not a plain field name")
        names = list(actions)
        marks = ", ".join("?" * len(names))
        seen: dict[str, None] = {}
        for (value,) in self.conn.execute(
            f"SELECT json_extract(payload, '$.{key}') FROM events WHERE action IN ({marks}) "
            "ORDER BY seq",
            names,
        ):
            if isinstance(value, str):
                seen.setdefault(value)
        return list(seen)

    def events(
        self, proposal_id: str | None = None, actions: Sequence[str] = ()
    ) -> Iterator[audit.Event]:
        """Events in seq order: all, one proposal's, and/or only those of `actions`."""
        return audit.iter_events(self.conn, proposal_id=proposal_id, actions=actions)

    def decisions(self, ref: str) -> list[dict[str, Any]]:
        """Approvals, rejections, undos, invalidations and overrides of one proposal, oldest
        first, each with its event's seq."""
        pid = self.resolve(ref)
        return [
            {"actor": e.actor, "action": e.action, "reason": e.payload.get("reason"), "at": e.ts,
             "seq": e.seq}
            for e in self.events(pid)
            if e.action in DECISION_EVENTS
        ]

    def _last_decision(self, pid: str) -> int:
        marks = ", ".join("?" * len(DECISION_EVENTS))
        row = self.conn.execute(
            f"SELECT MAX(seq) FROM events WHERE proposal_id = ? AND action IN ({marks})",
            (pid, *DECISION_EVENTS),
        ).fetchone()
        return row[0] or NO_DECISION

    def _dicts(self, sql: str, params: Iterable[Any]) -> list[dict[str, Any]]:
        cursor = self.conn.execute(sql, list(params))
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    # -- decisions ------------------------------------------------------------

    def _lifecycle(self, pid: str) -> Lifecycle:
        life = Lifecycle()
        for e in self.events(pid):
            if e.action in LIFECYCLE_ACTIONS:
                life.apply(e.seq, e.action, pid, e.actor, e.payload)
        return life

    def decide(
        self,
        ref: str,
        action: str,
        *,
        reason: str,
        actor: str,
        override: str | None = None,
        seen: Seen | None = None,
    ) -> audit.Event:
        """Approve or reject a pending proposal with a reason.

        An approval must pass the store's gate policy, or carry an `override` reason, which
        is recorded as its own `override` event just before the approval. With `seen`, the
        decision is refused (StaleView) unless the diff is the one shown and an override
        covers only gates that were shown failing.
        """
        if action not in DECISIONS:
            raise StoreError(f"a decision is one of {', '.join(DECISIONS)}, not {action!r}")
        reason = _require_text(reason, "reason")
        if override is not None:
            override = _require_text(override, "override reason")
        policy = self.gate_policy
        with self._write():
            pid = self.resolve(ref)
            life = self._lifecycle(pid)
            payload: dict[str, Any] = {"reason": reason}
            if action == "approve":
                payload["required_approvals"] = policy.required_approvals
            life.apply(0, action, pid, actor, payload)
            diff_sha = current_diff_sha(self.conn, pid)
            if seen is not None:
                check_diff(pid, seen, diff_sha)
            # A decision binds to the exact code it was made on.
            payload["diff_sha256"] = diff_sha
            if action == "approve":
                gates = unmet(self.conn, pid, policy)
                failed = gates + self._independence(pid, diff_sha, life, policy)
                if failed and override is None:
                    raise GateError(pid, failed)
                if failed and seen is not None:
                    check_override(pid, seen, failed)  # the screen shows `gates(actor=)`
                if failed:
                    payload["override_seq"] = self._event(
                        actor, "override", pid, {"reason": override, "unmet": failed}
                    ).seq
            event = self._event(actor, action, pid, payload)
            self._set_status(pid, life.status)
        return event

    def _independence(
        self, pid: str, diff_sha: str | None, life: Lifecycle, policy: GatePolicy
    ) -> list[str]:
        """The two-person rule's second half: the rerun's requester cannot approve alone.

        Checked only on the approval that would complete the count, so a requester may still
        give one of several required approvals.
        """
        if not policy.independent_approver or len(life.approvers) < policy.required_approvals:
            return []
        rerun = gating_rerun(self.conn, pid, diff_sha)
        if rerun is not None and set(life.approvers) == {rerun["requested_by"]}:
            return [f"{rerun['requested_by']} requested the rerun and cannot be the only approver"]
        return []

    def gates(
        self, ref: str, policy: GatePolicy | None = None, actor: str | None = None
    ) -> list[str]:
        """The gates an approval would fail now (empty when it may proceed).

        With `actor`, also the two-person rule's independence gate for an approval by them,
        so that a screen shows (and an override covers) every gate their approval fails.
        """
        pid = self.resolve(ref)
        policy = policy or self.gate_policy
        failed = unmet(self.conn, pid, policy)
        if actor is None or not policy.independent_approver:
            return failed
        life = self._lifecycle(pid)
        try:
            life.apply(0, "approve", pid, actor, {"required_approvals": policy.required_approvals})
        except IllegalTransition:
            return failed  # this actor cannot approve it at all; decide() says why
        return failed + self._independence(pid, current_diff_sha(self.conn, pid), life, policy)

    def lineage(self, ref: str, limit: int = 20) -> Lineage:
        """What the proposal says it builds on, and what names it as a parent."""
        return lineage(self.conn, self.resolve(ref), limit)

    def pending_children(self, ref: str) -> int:
        """How many pending proposals name this one as their parent."""
        return children_of(self.conn, self.resolve(ref), 0, status="pending")[1]

    def pending_line(self, ref: str) -> tuple[int, bool]:
        """How many pending proposals descend from this one through pending ones (those whose
        approval a rejection of it gates), and whether that count is complete."""
        found, complete = through_pending(self.conn, self.resolve(ref))
        return sum(r.status == "pending" for r in found), complete

    def approve(
        self, ref: str, *, reason: str, actor: str, override: str | None = None,
        seen: Seen | None = None,
    ) -> audit.Event:
        return self.decide(ref, "approve", reason=reason, actor=actor, override=override,
                           seen=seen)

    def reject(self, ref: str, *, reason: str, actor: str, seen: Seen | None = None
               ) -> audit.Event:
        return self.decide(ref, "reject", reason=reason, actor=actor, seen=seen)

    def undo(
        self, ref: str, *, actor: str, reason: str | None = None, seen: Seen | None = None
    ) -> audit.Event:
        """Revert the last live decision with a new event; the old one stays in the log.

        With `seen`, refused (StaleView) if a decision event came after the one shown.
        """
        with self._write():
            pid = self.resolve(ref)
            if seen is not None:
                check_last_decision(pid, seen, self._last_decision(pid))
            life = self._lifecycle(pid)
            if not life.decisions:
                raise IllegalTransition(f"cannot undo {pid[:12]}: it has no decision to undo")
            reverted_seq, reverted_action, _ = life.decisions[-1]
            life.apply(0, "undo", pid)
            payload: dict[str, Any] = {"reverts": reverted_seq, "reverted_action": reverted_action}
            if reason:
                payload["reason"] = _require_text(reason, "reason")
            event = self._event(actor, "undo", pid, payload)
            self._set_status(pid, life.status)
        return event

    def comment(self, ref: str, text: str, *, actor: str) -> audit.Event:
        text = _require_text(text, "comment")
        with self._write():
            pid = self.resolve(ref)
            return self._event(actor, "comment", pid, {"text": text})

    # -- checks ----------------------------------------------------------------

    def record_checks(
        self, ref: str, source: str, found: Sequence[dict[str, Any]], *, actor: str
    ) -> audit.Event:
        """Replace `source`'s findings for the proposal's current diff (audit: `checks`)."""
        return self.record_checks_batch([(ref, found)], source, actor=actor)[0]

    def record_checks_batch(
        self,
        items: Sequence[tuple[str, Sequence[dict[str, Any]]]],
        source: str,
        *,
        actor: str,
    ) -> list[audit.Event]:
        """`record_checks` for many proposals in one transaction (ingest of a large batch)."""
        validated = [(ref, checks_table.validate(found)) for ref, found in items]
        events: list[audit.Event] = []
        reads = Reads()  # recording checks changes no status or parent
        with self._write():
            for ref, rows in validated:
                pid = self.resolve(ref)
                sha = current_diff_sha(self.conn, pid)
                same = self._same_checks(pid, source, sha, rows)
                if same is not None:
                    events.append(same)
                    continue
                event = self._event(
                    actor, "checks", pid, {"source": source, "diff_sha256": sha, "checks": rows}
                )
                checks_table.replace(self.conn, pid, source, sha, rows, event.seq)
                checks_table.refresh_risk(self.conn, pid, reads)
                events.append(event)
        return events

    def _same_checks(
        self, pid: str, source: str, sha: str | None, rows: list[dict[str, Any]]
    ) -> audit.Event | None:
        """The source's latest `checks` event, if it recorded exactly these findings for this
        diff: a rescan that finds nothing new then writes nothing, so the check ids a
        reviewer resolves by stay the same and the log does not fill with repeats."""
        (seq,) = self.conn.execute(
            "SELECT MAX(seq) FROM events WHERE proposal_id = ? AND action = 'checks' "
            "AND json_extract(payload, '$.source') = ?", (pid, source)).fetchone()
        if seq is None:
            return None
        prior = next(audit.iter_events(self.conn, proposal_id=pid, actions=("checks",),
                                       after=seq - 1), None)
        if prior is None or prior.payload.get("diff_sha256") != sha:
            return None
        return prior if prior.payload.get("checks") == rows else None

    def never_checked(self, ids: Sequence[str], source: str) -> list[str]:
        """Of these proposals (full ids), those with no `checks` event from `source` for the
        diff they carry now: an ingest stopped between storing and checking left them so."""
        # An ingest reports each id once; the query wants one.
        return checks_table.never_checked(self.conn, list(dict.fromkeys(ids)), source)

    def put_fingerprints(self, items: Sequence[tuple[str, str]]) -> None:
        """Cache proposals' normalised code for near-duplicate search (derived; no event)."""
        with self._write():
            for ref, code in items:
                pid = self.resolve(ref)
                sha = current_diff_sha(self.conn, pid)
                fingerprints.put(self.conn, pid, sha, code)

    def checks(self, ref: str) -> list[dict[str, Any]]:
        """Findings for the current diff, most severe first, with any resolution."""
        return checks_table.current(self.conn, self.resolve(ref))

    def resolve_check(self, ref: str, check_id: int, *, reason: str, actor: str) -> audit.Event:
        """Mark one finding as looked at and cleared by a human, with a reason."""
        reason = _require_text(reason, "reason")
        with self._write():
            pid = self.resolve(ref)
            row = self.conn.execute(
                "SELECT code, severity, resolved_seq FROM checks WHERE id = ? AND proposal_id = ?",
                (check_id, pid),
            ).fetchone()
            if row is None:
                raise NotFound(f"proposal {pid[:12]} has no check {check_id}")
            if row[2] is not None:
                raise IllegalTransition(f"check {check_id} was already resolved")
            event = self._event(
                actor,
                "check_resolved",
                pid,
                {"check": check_id, "code": row[0], "severity": row[1], "reason": reason},
            )
            self.conn.execute(
                "UPDATE checks SET resolved_seq = ?, resolved_by = ?, resolved_reason = ? "
                "WHERE id = ?",
                (event.seq, actor, reason, check_id),
            )
            checks_table.refresh_risk(self.conn, pid)
        return event

    def annotate(
        self, ref: str, action: str, payload: dict[str, Any], *, actor: str
    ) -> audit.Event:
        """Record an event that changes no state: a second opinion, an assessment, a publish."""
        if action not in ANNOTATIONS:
            raise StoreError(f"an annotation is one of {', '.join(ANNOTATIONS)}, not {action!r}")
        with self._write():
            pid = self.resolve(ref)
            return self._event(actor, action, pid, payload)

    def latest_event(self, ref: str, action: str) -> audit.Event | None:
        """The newest event of one kind for a proposal, or None."""
        pid = self.resolve(ref)
        row = self.conn.execute(
            "SELECT seq FROM events WHERE proposal_id = ? AND action = ? ORDER BY seq DESC LIMIT 1",
            (pid, action),
        ).fetchone()
        if row is None:
            return None
        return next(audit.iter_events(self.conn, proposal_id=pid, after=row[0] - 1))

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
            for relative in through_pending(self.conn, pid, RISK_ANCESTRY)[0]:
                checks_table.refresh_risk(self.conn, relative.id)

    # -- jobs and audit -----------------------------------------------------------

    @property
    def jobs(self) -> JobQueue:
        """The rerun job queue kept in this store."""
        return JobQueue(self)

    def verify(self) -> Any:
        """Check the whole audit chain; see store.verify.verify_store."""
        from store.verify import verify_store

        return verify_store(self)


def _sort_terms(sort: str) -> list[tuple[str, str]]:
    """`sort`'s ORDER BY terms as (expression, the operator meaning "comes after")."""
    terms = []
    for term in SORTS[sort].split(", "):
        expr, _, direction = term.rpartition(" ")
        if direction not in ("ASC", "DESC"):  # `agent COLLATE NOCASE`, `claimed_pgr IS NULL`
            expr, direction = term, "ASC"
        terms.append((expr, ">" if direction == "ASC" else "<"))
    return terms


def _after_keys(terms: list[tuple[str, str]], keys: tuple[Any, ...]) -> tuple[str, list[Any]]:
    """The condition "sorts after the row with these `keys`", and its parameters.

    The only nullable key, claimed_pgr, follows its own `IS NULL` key, so two rows compared
    on it are both NULL (equal, which IS says) or neither is. Each key is parenthesised, as
    `IS NULL` binds looser than `>`; the first key's bound is repeated on its own so that
    SQLite can seek the sort's index to it.
    """
    first, op = terms[0]
    clauses, params = [], [keys[0]]
    for i, (expr, after) in enumerate(terms):
        same = [f"({e}) IS ?" for e, _ in terms[:i]]
        clauses.append("(" + " AND ".join([*same, f"({expr}) {after} ?"]) + ")")
        params += [*keys[:i], keys[i]]
    return f"({first}) {op}= ? AND (" + " OR ".join(clauses) + ")", params


def _require_text(value: str | None, name: str) -> str:
    if value is None or not value.strip():
        article = "an" if name[0] in "aeiou" else "a"
        raise StoreError(f"{article} {name} is required")
    if len(value) > MAX_REASON:
        raise StoreError(f"the {name} is too long ({len(value)} > {MAX_REASON} characters)")
    return value.strip()
