"""`audit verify` for jobs: each finished job must match its `{kind}_finished` event, and
`latest_reruns` must be what the log's finished reruns give.

The queue's measured column, the verdict filter and the claims plot read these rows, not the
events, so an edited result would otherwise change what a reviewer sees without a trace.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from store.schema import VERDICT_OF_RESULT

if TYPE_CHECKING:
    from store.verify import VerifyReport

FINISHED = "_finished"


@dataclass(frozen=True)
class Finished:
    """One `{kind}_finished` event, as the chain recorded it."""

    seq: int
    kind: str
    proposal_id: str | None
    result: Any


def note_finished(
    finished: dict[int, Finished],
    report: VerifyReport,
    seq: int,
    action: str,
    pid: str | None,
    payload: dict[str, Any],
) -> bool:
    """Collect a `{kind}_finished` event; False (a broken log) when a job finishes twice."""
    job = payload.get("job")
    if not action.endswith(FINISHED) or not isinstance(job, int) or isinstance(job, bool):
        return True
    earlier = finished.get(job)
    if earlier is not None:
        report.add(f"seq {seq}: job {job} finished twice (first at seq {earlier.seq})", seq)
        return False
    finished[job] = Finished(seq, action[: -len(FINISHED)], pid, payload.get("result"))
    return True


def check_jobs(
    conn: sqlite3.Connection, report: VerifyReport, finished: dict[int, Finished]
) -> None:
    """Compare the jobs table and `latest_reruns` with the finished events of a sound chain."""
    try:
        _check_jobs(conn, report, finished)
        _check_latest(conn, report, finished)
    except sqlite3.DatabaseError as exc:  # a dropped or damaged table: report it, never raise
        report.add(f"jobs: cannot read them back: {exc}")


def _check_jobs(
    conn: sqlite3.Connection, report: VerifyReport, finished: dict[int, Finished]
) -> None:
    seen: set[int] = set()
    rows = conn.execute("SELECT id, proposal_id, kind, state, result FROM jobs ORDER BY id")
    for job_id, pid, kind, state, result in rows:
        event = finished.get(job_id)
        if event is None:
            if state == "done":
                report.add(f"job {job_id}: done in the store but the log never finished it")
            continue
        seen.add(job_id)
        where = f"job {job_id}: the log finished it at seq {event.seq}"
        if state != "done":
            report.add(f"{where} but the store says it is {state}")
        elif (kind, pid) != (event.kind, event.proposal_id):
            report.add(f"{where} as {event.kind} of {str(event.proposal_id)[:12]}, "
                       f"but the store has {kind} of {pid[:12]}")
        elif _loads(result) != event.result:
            report.add(f"{where} with another result (the row was edited)")
    for job_id in sorted(set(finished) - seen):
        seq = finished[job_id].seq
        report.add(f"job {job_id}: finished at seq {seq} but missing from the store")


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
