"""A lease-based job queue in the store: claim, heartbeat, fenced completion.

A worker that dies or freezes loses its lease and the job is claimed again with
a higher `attempt`; anything the stale attempt reports afterwards is rejected.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from store import checks
from store.errors import IllegalTransition, NotFound, StoreError
from store.schema import VERDICT_OF_RESULT

if TYPE_CHECKING:
    from store.review_store import ReviewStore

JOB_STATES = ("queued", "running", "done", "failed", "cancelled")
# The order workers claim jobs in: priority, then the riskiest claim (it gets the GPU first),
# then the oldest.
CLAIM_ORDER = (
    "priority DESC, (SELECT risk FROM proposals p WHERE p.id = jobs.proposal_id) DESC, id"
)
DEFAULT_LEASE_S = 60.0
MAX_LEASE_S = 3600.0  # the longest lease a worker takes (`reviewer worker --lease`)
# A lease has lapsed when it ended, or when it ends further ahead than any beat sets it: the
# clock stepped back since (or the beating worker's clock ran ahead), and waiting it out
# would leave a dead worker's job running for as long as the step. The slack covers a beat
# that read the clock after a waiting claim did (both wait on the write lock).
LAPSED = "(lease_until < ? OR lease_until > ?)"
LEASE_SLACK_S = 600.0


def lapsed(lease_until: float, now: float) -> bool:
    """`LAPSED` in Python, for a job read back."""
    return lease_until < now or lease_until > _furthest(now)


def _furthest(now: float) -> float:
    """The furthest ahead a live lease can end, seen at `now`."""
    return now + MAX_LEASE_S + LEASE_SLACK_S


def result_text(result: Any) -> str:
    """A finished job's result as the jobs table stores it; verify compares these bytes."""
    return json.dumps(result, sort_keys=True)


class StaleAttempt(StoreError):
    """A heartbeat or result from an attempt that no longer owns the job."""


@dataclass(frozen=True)
class Job:
    """One row of the jobs table."""

    id: int
    proposal_id: str
    kind: str
    params: dict[str, Any]
    state: str
    attempt: int
    max_attempts: int
    owner: str | None
    lease_until: float | None
    requested_by: str
    progress: dict[str, Any] | None
    result: dict[str, Any] | None
    error: str | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Job:
        """The job a row holds; a damaged JSON column reads as absent, and `error` says so."""
        loaded = {name: stored_object(row[name]) for name in ("params", "progress", "result")}
        damaged = [name for name, (_, readable) in loaded.items() if not readable]
        return cls(
            id=row["id"],
            proposal_id=row["proposal_id"],
            kind=row["kind"],
            params=loaded["params"][0] or {},
            state=row["state"],
            attempt=row["attempt"],
            max_attempts=row["max_attempts"],
            owner=row["owner"],
            lease_until=row["lease_until"],
            requested_by=row["requested_by"],
            progress=loaded["progress"][0],
            result=loaded["result"][0],
            error=_with_damage(row["error"], row["id"], damaged),
        )


def stored_object(value: Any) -> tuple[dict[str, Any] | None, bool]:
    """A JSON-object column as a dict (None for NULL), and False when it cannot be read as one."""
    if value is None:
        return None, True
    try:
        data = json.loads(value)
    except (TypeError, ValueError, RecursionError):  # RecursionError: nested past the parser
        return None, False
    return (data, True) if isinstance(data, dict) else (None, False)


def _with_damage(error: str | None, job_id: int, damaged: list[str]) -> str | None:
    """The job's error, followed by the columns that could not be read, if any."""
    if not damaged:
        return error
    note = (
        f"job {job_id}: its stored {' and '.join(damaged)} cannot be read (a damaged row) "
        "and is shown as absent; run `reviewer audit verify`"
    )
    return note if error is None else f"{error}; {note}"


class JobQueue:
    """Queue verbs over a ReviewStore; every state transition writes an audit event."""

    def __init__(self, store: ReviewStore, *, wallclock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.conn = store.conn
        self.wallclock = wallclock

    def _row(self, job_id: int) -> dict[str, Any]:
        cursor = self.conn.execute("SELECT * FROM jobs WHERE id = ?", (job_id,))
        values = cursor.fetchone()
        if values is None:
            raise NotFound(f"no job {job_id}")
        return dict(zip([d[0] for d in cursor.description], values, strict=True))

    def get(self, job_id: int) -> Job:
        return Job.from_row(self._row(job_id))

    def for_proposal(self, proposal_id: str) -> list[Job]:
        return self._jobs("SELECT * FROM jobs WHERE proposal_id = ? ORDER BY id", (proposal_id,))

    def enqueue(
        self,
        ref: str,
        *,
        kind: str,
        params: dict[str, Any],
        actor: str,
        priority: int = 0,
        max_attempts: int = 3,
    ) -> Job:
        """Queue a job for a proposal (audit: `{kind}_requested`)."""
        if max_attempts < 1:
            raise StoreError("max_attempts must be at least 1")
        with self.store._write():
            pid = self.store.resolve(ref)
            cursor = self.conn.execute(
                "INSERT INTO jobs (proposal_id, kind, params, priority, max_attempts, "
                "requested_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    pid,
                    kind,
                    json.dumps(params, sort_keys=True),
                    priority,
                    max_attempts,
                    actor,
                    self.store.clock(),
                ),
            )
            job_id = int(cursor.lastrowid or 0)
            self.store._event(actor, f"{kind}_requested", pid, {"job": job_id, "params": params})
        return self.get(job_id)

    def claim(
        self, owner: str, *, lease_s: float = DEFAULT_LEASE_S, job_id: int | None = None
    ) -> Job | None:
        """Take the next queued job (or `job_id`), or one whose lease expired; None when idle."""
        now = self.wallclock()
        only = "" if job_id is None else " AND id = ?"
        with self.store._write():
            self._expire_exhausted(now)
            row = self.conn.execute(
                "UPDATE jobs SET state = 'running', attempt = attempt + 1, owner = ?, "
                "lease_until = ?, started_at = ? WHERE id = ("
                "  SELECT id FROM jobs WHERE (state = 'queued' OR "
                f"  (state = 'running' AND {LAPSED})) AND attempt < max_attempts"
                f"{only} ORDER BY {CLAIM_ORDER} LIMIT 1"
                ") RETURNING id, proposal_id, kind, attempt",
                (
                    owner,
                    now + lease_s,
                    self.store.clock(),
                    now,
                    _furthest(now),
                    *(() if job_id is None else (job_id,)),
                ),
            ).fetchone()
            if row is None:
                return None
            job_id, pid, kind, attempt = row
            self.store._event(owner, f"{kind}_started", pid, {"job": job_id, "attempt": attempt})
        return self.get(job_id)

    def _expire_exhausted(self, now: float) -> None:
        """Fail running jobs whose lease ran out on their last allowed attempt."""
        rows = self.conn.execute(
            "UPDATE jobs SET state = 'failed', finished_at = ?, "
            "error = 'the worker stopped answering on the last allowed attempt' "
            f"WHERE state = 'running' AND {LAPSED} AND attempt >= max_attempts "
            "RETURNING id, proposal_id, kind, attempt",
            (self.store.clock(), now, _furthest(now)),
        ).fetchall()
        for job_id, pid, kind, attempt in rows:
            self.store._event(
                "queue",
                f"{kind}_failed",
                pid,
                {"job": job_id, "attempt": attempt, "error": "lease expired"},
            )

    def _fenced(self, job_id: int, attempt: int) -> None:
        """Raise StaleAttempt unless `attempt` still owns the running job."""
        row = self.conn.execute(
            "SELECT state, attempt FROM jobs WHERE id = ?", (job_id,)
        ).fetchone()
        if row is None:
            raise NotFound(f"no job {job_id}")
        if row[0] != "running" or row[1] != attempt:
            raise StaleAttempt(
                f"job {job_id} attempt {attempt} no longer owns the job "
                f"(state {row[0]}, attempt {row[1]})"
            )

    def heartbeat(
        self,
        job_id: int,
        attempt: int,
        *,
        lease_s: float = DEFAULT_LEASE_S,
        progress: dict[str, Any] | None = None,
    ) -> None:
        """Extend the lease (and record progress); StaleAttempt tells the worker to stop."""
        with self.store._write():
            self._fenced(job_id, attempt)
            self.conn.execute(
                "UPDATE jobs SET lease_until = ?, progress = coalesce(?, progress) "
                "WHERE id = ? AND attempt = ?",
                (
                    self.wallclock() + lease_s,
                    None if progress is None else json.dumps(progress),
                    job_id,
                    attempt,
                ),
            )

    def complete(self, job_id: int, attempt: int, result: dict[str, Any]) -> Job:
        """Record the result of the attempt that owns the job (audit: `{kind}_finished`)."""
        with self.store._write():
            self._fenced(job_id, attempt)
            row = self._row(job_id)
            self.conn.execute(
                "UPDATE jobs SET state = 'done', result = ?, finished_at = ?, lease_until = NULL "
                "WHERE id = ? AND attempt = ?",
                (result_text(result), self.store.clock(), job_id, attempt),
            )
            event = self.store._event(
                row["owner"] or "worker",
                f"{row['kind']}_finished",
                row["proposal_id"],
                {"job": job_id, "attempt": attempt, "result": result},
            )
            self._record_findings(row["proposal_id"], job_id, result, event.seq)
            if row["kind"] == "rerun":
                # The verdict as migration 0006 read it from every earlier rerun.
                self.conn.execute(
                    "INSERT INTO latest_reruns (proposal_id, job_id, verdict) "
                    f"SELECT proposal_id, id, {VERDICT_OF_RESULT} FROM jobs WHERE id = ? "
                    "ON CONFLICT (proposal_id) DO UPDATE SET job_id = excluded.job_id, "
                    "verdict = excluded.verdict WHERE excluded.job_id > latest_reruns.job_id",
                    (job_id,),
                )
        return self.get(job_id)

    def _record_findings(
        self, pid: str, job_id: int, result: dict[str, Any], event_seq: int
    ) -> None:
        """A rerun's integrity findings join the proposal's checks, bound to the diff it ran."""
        found = result.get("checks") or []
        try:
            rows = checks.validate(found if isinstance(found, list) else [])
        except StoreError:
            rows = []  # the event keeps the raw result; a malformed list must not lose it
        sha = (result.get("env") or {}).get("diff_sha256")
        checks.replace(self.conn, pid, f"rerun:{job_id}", sha, rows, event_seq)
        checks.refresh_risk(self.conn, pid)

    def fail(self, job_id: int, attempt: int, error: str, *, retry: bool = True) -> Job:
        """Give the job back for another attempt, or fail it when retries are used up."""
        with self.store._write():
            self._fenced(job_id, attempt)
            row = self._row(job_id)
            final = not retry or row["attempt"] >= row["max_attempts"]
            self.conn.execute(
                "UPDATE jobs SET state = ?, error = ?, owner = NULL, lease_until = NULL, "
                "finished_at = ? WHERE id = ? AND attempt = ?",
                (
                    "failed" if final else "queued",
                    error[:2000],
                    self.store.clock() if final else None,
                    job_id,
                    attempt,
                ),
            )
            self.store._event(
                row["owner"] or "worker",
                f"{row['kind']}_failed" if final else f"{row['kind']}_retried",
                row["proposal_id"],
                {"job": job_id, "attempt": attempt, "error": error[:2000]},
            )
        return self.get(job_id)

    def release(self, job_id: int, attempt: int, reason: str) -> Job:
        """Give a job back unrun because its worker was stopped (ctrl+c, SIGTERM), which says
        nothing of the job: queued again at once, with the attempt not counted against its
        retries (one more is allowed, so attempt numbers, which fence results, never repeat)."""
        with self.store._write():
            self._fenced(job_id, attempt)
            row = self._row(job_id)
            self.conn.execute(
                "UPDATE jobs SET state = 'queued', error = ?, owner = NULL, lease_until = NULL, "
                "max_attempts = max_attempts + 1 WHERE id = ? AND attempt = ?",
                (reason[:2000], job_id, attempt),
            )
            self.store._event(
                row["owner"] or "worker",
                f"{row['kind']}_retried",
                row["proposal_id"],
                {"job": job_id, "attempt": attempt, "error": reason[:2000], "released": True},
            )
        return self.get(job_id)

    def cancel(self, job_id: int, *, actor: str) -> Job:
        """Cancel a queued or running job; a running worker learns it at its next heartbeat."""
        with self.store._write():
            row = self._row(job_id)
            if row["state"] not in ("queued", "running"):
                raise IllegalTransition(f"job {job_id} is already {row['state']}")
            self.conn.execute(
                "UPDATE jobs SET state = 'cancelled', finished_at = ?, lease_until = NULL "
                "WHERE id = ?",
                (self.store.clock(), job_id),
            )
            self.store._event(
                actor, f"{row['kind']}_cancelled", row["proposal_id"], {"job": job_id}
            )
        return self.get(job_id)

    def listing(self, kind: str, states: Sequence[str], *, limit: int) -> list[Job]:
        """Jobs of `kind` in `states`: running, then queued in the order workers claim them,
        then finished ones newest first."""
        unknown = sorted(set(states) - set(JOB_STATES))
        if unknown:
            raise StoreError(f"unknown job state {unknown[0]!r}; known: {', '.join(JOB_STATES)}")
        jobs: list[Job] = []
        for state, order in (("running", "id"), ("queued", CLAIM_ORDER)):
            if state in states and len(jobs) < limit:
                jobs += self._jobs(
                    f"SELECT * FROM jobs WHERE kind = ? AND state = ? ORDER BY {order} LIMIT ?",
                    (kind, state, limit - len(jobs)),
                )
        finished = [s for s in states if s not in ("running", "queued")]
        if finished and len(jobs) < limit:
            marks = ", ".join("?" * len(finished))
            jobs += self._jobs(
                f"SELECT * FROM jobs WHERE kind = ? AND state IN ({marks}) "
                "ORDER BY id DESC LIMIT ?",
                (kind, *finished, limit - len(jobs)),
            )
        return jobs

    def _jobs(self, sql: str, params: Sequence[Any]) -> list[Job]:
        cursor = self.conn.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [Job.from_row(dict(zip(names, values, strict=True))) for values in cursor]

    def running_progress(self) -> tuple[tuple[int, int, str | None], ...]:
        """(id, attempt, progress JSON) of every running job: it moves with each heartbeat."""
        return tuple(self.conn.execute(
            "SELECT id, attempt, progress FROM jobs WHERE state = 'running' ORDER BY id"
        ).fetchall())

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(JOB_STATES, 0)
        for state, n in self.conn.execute("SELECT state, count(*) FROM jobs GROUP BY state"):
            counts[state] = n
        return counts
