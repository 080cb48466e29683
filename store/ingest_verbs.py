"""IngestVerbs: adding batches of new proposals, all or nothing, with their checks."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from store import audit, fingerprints, fts
from store import checks as checks_table
from store.checks import IngestChecker
from store.errors import DiffConflict, StoreError
from store.lineage import descends_from_rejected
from store.model import NewProposal
from store.proposals import ROW_COLUMNS
from store.risk import risk_score
from store.store_base import StoreBase

_INSERT_PROPOSAL = (
    f"INSERT INTO proposals ({', '.join(ROW_COLUMNS)}) VALUES ({', '.join('?' * len(ROW_COLUMNS))})"
)


@dataclass
class AddResult:
    """Ids a batch of proposals added, found already present, or attached a diff to."""

    added: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)
    attached: list[str] = field(default_factory=list)
    # Added ids whose checks the batch's checker gave, recorded with their ingest.
    checked: list[str] = field(default_factory=list)


class IngestVerbs(StoreBase):
    """Storing new proposals and attaching code to stored ones, each with its audit event."""

    # True while a batch's transaction holds no rejected proposal: then no new one descends
    # from one, and its walk up the lineage (a query per generation) is skipped.
    _none_rejected = False

    @contextmanager
    def _ingest_batch(self) -> Iterator[None]:
        """The write transaction of a batch, with its full-text indexing deferred."""
        with self._ingest_write(), fts.deferred(self.conn):
            self._none_rejected = not self.conn.execute(
                "SELECT EXISTS (SELECT 1 FROM proposals WHERE status = 'rejected')"
            ).fetchone()[0]
            try:
                yield
            finally:
                self._none_rejected = False

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
        with self._ingest_batch():
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
            with self._ingest_batch():
                return [self._add_group(group, actor, checker) for group in groups]
        except StoreError:
            pass  # the whole transaction rolled back; nothing of the batch is stored
        with self._ingest_batch():
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
            self._none_rejected = False  # a status changes: the rest of the batch walks again
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
            rejected = (bool(row["parent"]) and not self._none_rejected
                        and descends_from_rejected(self.conn, pid, row["parent"]))
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
