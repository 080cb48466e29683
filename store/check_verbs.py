"""CheckVerbs: recording, reading and resolving the automated checks' findings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from store import audit, fingerprints
from store import checks as checks_table
from store.errors import IllegalTransition, NotFound
from store.lineage import Reads
from store.proposals import current_diff_sha
from store.store_base import StoreBase, require_text


class CheckVerbs(StoreBase):
    """Findings of the checks on a proposal's current diff, and the code fingerprints cached
    beside them."""

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
            # `+action`: the proposal's own events (events_proposal), not every `checks`.
            "SELECT MAX(seq) FROM events WHERE proposal_id = ? AND +action = 'checks' "
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
        reason = require_text(reason, "reason")
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
