"""`audit verify` for jobs: each finished job must match its `{kind}_finished` event, each job
its `{kind}_requested` event (requester, parameters) and the state its later events leave it
in, and `latest_reruns` must be what the log's finished reruns give.

The queue's measured column, the verdict filter and the claims plot read these rows, not the
events, so an edited result would otherwise change what a reviewer sees without a trace.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from store.audit import Event
from store.jobs import result_text
from store.schema import VERDICT_OF_RESULT

if TYPE_CHECKING:
    from store.verify_report import VerifyReport

FINISHED = "_finished"
# The state each job event leaves a job in (store/jobs.py); heartbeats write no event.
STATE_AFTER = {
    "requested": "queued",
    "started": "running",
    "finished": "done",
    "failed": "failed",
    "retried": "queued",
    "cancelled": "cancelled",
}


@dataclass(frozen=True)
class Finished:
    """One `{kind}_finished` event, as the chain recorded it."""

    seq: int
    kind: str
    proposal_id: str | None
    result: Any


@dataclass
class Requested:
    """A job as its `{kind}_requested` event and the job events after it leave it."""

    seq: int
    kind: str
    proposal_id: str | None
    requested_by: str
    params: Any
    state: str = "queued"


def note_job_event(requested: dict[int, Requested], report: VerifyReport, event: Event) -> bool:
    """Follow a job through its events; False (a broken log) when a job is requested twice."""
    seq, job = event.seq, event.payload.get("job")
    kind, _, verb = event.action.rpartition("_")
    if verb not in STATE_AFTER or not kind or not isinstance(job, int) or isinstance(job, bool):
        return True
    entry = requested.get(job)
    if verb == "requested":
        if entry is not None:
            report.add(f"seq {seq}: job {job} requested twice (first at seq {entry.seq})", seq)
            return False
        requested[job] = Requested(seq, kind, event.proposal_id, event.actor,
                                   event.payload.get("params"))
    elif entry is not None and entry.kind == kind:
        entry.state = STATE_AFTER[verb]
    return True


def note_finished(finished: dict[int, Finished], report: VerifyReport, event: Event) -> bool:
    """Collect a `{kind}_finished` event; False (a broken log) when a job finishes twice."""
    seq, job = event.seq, event.payload.get("job")
    if not event.action.endswith(FINISHED) or not isinstance(job, int) or isinstance(job, bool):
        return True
    earlier = finished.get(job)
    if earlier is not None:
        report.add(f"seq {seq}: job {job} finished twice (first at seq {earlier.seq})", seq)
        return False
    finished[job] = Finished(seq, event.action[: -len(FINISHED)], event.proposal_id,
                             event.payload.get("result"))
    return True


def check_jobs(
    conn: sqlite3.Connection,
    report: VerifyReport,
    finished: dict[int, Finished],
    requested: dict[int, Requested] | None = None,
) -> None:
    """Compare the jobs table and `latest_reruns` with the job events of a sound chain."""
    try:
        _check_jobs(conn, report, finished, {} if requested is None else requested)
        _check_latest(conn, report, finished)
    except sqlite3.DatabaseError as exc:  # a dropped or damaged table: report it, never raise
        report.add(f"jobs: cannot read them back: {exc}")


def _check_jobs(
    conn: sqlite3.Connection,
    report: VerifyReport,
    finished: dict[int, Finished],
    requested: dict[int, Requested],
) -> None:
    seen: set[int] = set()
    rows = conn.execute(
        "SELECT id, proposal_id, kind, state, result, requested_by, params FROM jobs ORDER BY id"
    )
    for job_id, pid, kind, state, result, requested_by, params in rows:
        seen.add(job_id)
        problem = _finished_problem(job_id, pid, kind, state, result, finished.get(job_id))
        if problem is None:
            problem = _requested_problem(
                job_id, pid, kind, state, requested_by, params, requested.get(job_id),
                job_id in finished,
            )
        if problem is not None:
            report.add(problem)
    for job_id in sorted(set(finished) - seen):
        seq = finished[job_id].seq
        report.add(f"job {job_id}: finished at seq {seq} but missing from the store")
    for job_id in sorted(set(requested) - seen - set(finished)):
        seq = requested[job_id].seq
        report.add(f"job {job_id}: requested at seq {seq} but missing from the store")


def _finished_problem(
    job_id: int, pid: Any, kind: Any, state: Any, result: Any, event: Finished | None
) -> str | None:
    if event is None:
        if state == "done":
            return f"job {job_id}: done in the store but the log never finished it"
        return None
    where = f"job {job_id}: the log finished it at seq {event.seq}"
    if state != "done":
        return f"{where} but the store says it is {state}"
    if (kind, pid) != (event.kind, event.proposal_id):
        return (f"{where} as {event.kind} of {str(event.proposal_id)[:12]}, "
                f"but the store has {kind} of {str(pid)[:12]}")
    # Bytes, not parsed JSON: SQLite's json_extract takes a duplicated key's first value and
    # json.loads its last, so an edited row could parse equal yet show another verdict.
    if result != result_text(event.result):
        return f"{where} with another result (the row was edited)"
    return None


def _requested_problem(
    job_id: int,
    pid: Any,
    kind: Any,
    state: Any,
    requested_by: Any,
    params: Any,
    entry: Requested | None,
    was_finished: bool,
) -> str | None:
    if entry is None:
        return f"job {job_id}: in the store but the log never requested it"
    where = f"(seq {entry.seq})"
    if (kind, pid) != (entry.kind, entry.proposal_id):
        return (f"job {job_id}: the log requested it {where} as {entry.kind} of "
                f"{str(entry.proposal_id)[:12]}, but the store has {kind} of {str(pid)[:12]}")
    if requested_by != entry.requested_by:
        return (f"job {job_id}: requested by {requested_by} in the store but by "
                f"{entry.requested_by} in the log {where}")
    if _loads(params) != entry.params:
        return f"job {job_id}: parameters differ from those the log requested {where}"
    if not was_finished and state != entry.state:
        return f"job {job_id}: {state} in the store but {entry.state} in the log"
    return None


def _loads(text: str | None) -> Any:
    try:
        return None if text is None else json.loads(text)
    except ValueError:
        return _Unreadable()


class _Unreadable:
    """Stands for a result that is not JSON: equal to nothing a log event holds."""


def _check_latest(
    conn: sqlite3.Connection, report: VerifyReport, finished: dict[int, Finished]
) -> None:
    latest: dict[str, int] = {}
    for job_id, event in finished.items():
        if event.kind == "rerun" and event.proposal_id is not None:
            latest[event.proposal_id] = max(job_id, latest.get(event.proposal_id, job_id))
    stored = {pid: (job, verdict) for pid, job, verdict in
              conn.execute("SELECT proposal_id, job_id, verdict FROM latest_reruns")}
    for pid in sorted(set(latest) | set(stored)):
        want = None
        if pid in latest:
            job = latest[pid]
            # The verdict as migration 0006 and `jobs.complete` read it, from the logged result.
            text = json.dumps(finished[job].result, sort_keys=True)
            want = (job, conn.execute(f"SELECT {VERDICT_OF_RESULT} FROM (SELECT ? AS result)",
                                      (text,)).fetchone()[0])
        have = stored.get(pid)
        if have != want:
            report.add(f"proposal {pid[:12]}: latest_reruns has {_describe(have)} but the log's "
                       f"latest finished rerun gives {_describe(want)}")


def _describe(entry: tuple[int, str | None] | None) -> str:
    if entry is None:
        return "no rerun"
    return f"job {entry[0]} (verdict {entry[1]})"
