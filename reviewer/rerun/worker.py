"""The rerun worker: claim a job, keep its lease alive, run it, report a fenced result.

It is a separate process whose only output is the store, so the TUI and the CLI
see progress by reading SQLite.
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from reviewer.config import ConfigError
from reviewer.rerun.jobs import BUILTIN, RERUN, request_for
from reviewer.rerun.request import RerunRequest, device_problem, device_syntax_problem
from reviewer.rerun.sandboxspec import SandboxUnavailable
from store import NotFound, ReviewStore, StoreError
from store.jobs import DEFAULT_LEASE_S, Job, StaleAttempt

Log = Callable[[str], None]
_STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


class _Stop:
    """A stop signal, kept past its handler's raise: the handler can run inside an at-fork
    hook (logging's lock release as a sandbox is forked), which swallows the SystemExit and
    left the worker running its job to the end, deaf to the signal it had already used."""

    signum: int | None = None
    cancel: threading.Event | None = None  # the running job's, so its run stops at once

    @classmethod
    def check(cls) -> None:
        """Raise the stop's SystemExit if one arrived, wherever its first raise went."""
        if cls.signum is not None:
            raise SystemExit(128 + cls.signum)


def worker_name() -> str:
    return f"worker@{socket.gethostname()}:{os.getpid()}"


class _Heartbeat(threading.Thread):
    """Extends the lease from its own connection; sets `cancel` once the job is not ours.

    A beat the store refuses (a full disk, an I/O error, a lock held past the busy timeout)
    never ends the thread: it beats again a third of a lease later, so the lease holds once
    the store takes writes again. The first refusal of a run of them is logged, as is the
    beat that gets through after it. A lease that lapses meanwhile may go to another worker;
    the next beat that gets through then meets StaleAttempt and cancels this run, whose
    result the fence on the attempt would refuse anyway.
    """

    def __init__(self, db: Path, job: Job, lease_s: float, cancel: threading.Event,
                 log: Log = lambda _: None) -> None:
        super().__init__(daemon=True)
        self.db, self.job, self.lease_s, self.cancel, self.log = db, job, lease_s, cancel, log
        self.stage = "starting"
        self.log_tail = ""
        self.stop = threading.Event()
        self.wake = threading.Event()  # set for a beat now: a new stage, or stopping
        self.missed = 0  # beats in a row the store refused
        self.reported = False  # whether this run of refusals was logged

    def run(self) -> None:
        store: ReviewStore | None = None
        try:
            while not self.stop.is_set():
                self.wake.wait(self.lease_s / 3)
                self.wake.clear()
                if self.stop.is_set():
                    return
                try:
                    store = store or ReviewStore.open(self.db)
                    self._beat(store)
                except (StaleAttempt, NotFound):
                    self.cancel.set()
                    return
                except (sqlite3.DatabaseError, StoreError) as exc:
                    self._missed(exc)
                else:
                    self._beat_landed()
        finally:
            if store is not None:
                store.close()

    def _beat(self, store: ReviewStore) -> None:
        store.jobs.heartbeat(
            self.job.id,
            self.job.attempt,
            lease_s=self.lease_s,
            progress={"stage": self.stage, "log_tail": self.log_tail, "at": time.time()},
        )

    def _missed(self, exc: sqlite3.DatabaseError | StoreError) -> None:
        """Count a refused beat; log the first refusal of a run of them that is not a lock
        (a lock is routine, and a long one is a wait, not a fault)."""
        self.missed += 1
        if self.reported or (isinstance(exc, sqlite3.OperationalError) and locked(exc)):
            return
        self.reported = True
        self.log(f"job {self.job.id}: the store refused a heartbeat ({exc}); beating again "
                 f"every {self.lease_s / 3:.3g} s: the lease lapses {self.lease_s:.3g} s after "
                 "the last beat that got through, and the job may then go to another worker")

    def _beat_landed(self) -> None:
        if self.reported:
            self.log(f"job {self.job.id}: a heartbeat got through after {self.missed} refused; "
                     "the lease holds again")
        self.missed, self.reported = 0, False


def locked(exc: sqlite3.OperationalError) -> bool:
    """Whether SQLite gave up waiting for another connection's lock (as opposed to a real
    failure, which retrying would only repeat)."""
    return "locked" in str(exc) or "busy" in str(exc)


def _when_unlocked(call: Callable[[], Any], log: Log, what: str, tries: int = 10) -> Any:
    """`call()`, again while the store stays locked past its busy timeout (a writer held
    it that long), so one long transaction elsewhere costs a wait, not the job's result."""
    for attempt in range(1, tries + 1):
        try:
            return call()
        except sqlite3.OperationalError as exc:
            if attempt == tries or not locked(exc):
                raise
            log(f"{what}: {exc}; trying again")
    raise AssertionError("unreachable")


def dispatch(
    req: RerunRequest,
    *,
    progress: Callable[[str], None],
    cancel: threading.Event,
    output: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Run a request on the built-in harness or on the configured external one it names."""
    if req.harness == BUILTIN:
        from reviewer.rerun.execute import run_rerun

        return run_rerun(req, progress=progress, cancel=cancel, output=output)
    from reviewer.config import load_config
    from reviewer.rerun.external import run_external

    return run_external(req, load_config().harnesses[req.harness], progress=progress, cancel=cancel)


def _device_problem(req: RerunRequest) -> str | None:
    """Why this worker cannot run `req` on its device (an external harness brings its own
    torch, so only the name is checked there), or None."""
    problem = device_problem(req.device) if req.harness == BUILTIN else device_syntax_problem(
        req.device)
    return None if problem is None else f"device {problem}"


def run_job(
    store: ReviewStore, job: Job, *, lease_s: float = DEFAULT_LEASE_S, log: Log = lambda _: None
) -> Job | None:
    """Run one claimed job to completion; None when the job was taken away meanwhile."""
    assert store.path is not None, "a worker needs a store file, not :memory:"
    cancel = threading.Event()
    beat = _Heartbeat(store.path, job, lease_s, cancel, log)
    _Stop.cancel = cancel

    def progress(stage: str) -> None:
        beat.stage = stage
        beat.wake.set()  # the queue shows a new stage now, not up to a third of a lease later
        log(f"job {job.id}: {stage}")

    beat.start()
    try:
        if job.kind != RERUN:
            return store.jobs.fail(
                job.id, job.attempt, f"unknown job kind {job.kind!r}", retry=False
            )

        def output(tail: str) -> None:
            beat.log_tail = tail

        req = request_for(store, job)
        problem = _device_problem(req)
        if problem is not None:
            # Every attempt would meet the same device, so the job fails once, in one line.
            log(f"job {job.id}: {problem}; not retried")
            return _fail_final(store, job, problem)
        result = dispatch(req, progress=progress, cancel=cancel, output=output)
        _Stop.check()  # a stop whose raise was swallowed ended the run through `cancel`
        if cancel.is_set():
            log(f"job {job.id}: no longer ours (cancelled or lease lost); result dropped")
            return None
        return _when_unlocked(lambda: store.jobs.complete(job.id, job.attempt, result), log,
                              f"job {job.id}: recording the result")
    except StaleAttempt:
        log(f"job {job.id}: a newer attempt owns it; result dropped")
        return None
    except (KeyboardInterrupt, SystemExit) as exc:
        # A stopped worker is no verdict on the job: it goes back to the queue now, uncounted,
        # instead of waiting out its lease and spending a retry.
        _release(store, job, _stop_reason(exc), log)
        raise
    # A retry would read the same file or meet the same machine: fail once, in one line.
    except (ConfigError, SandboxUnavailable) as exc:
        log(f"job {job.id}: {exc}; not retried")
        return _fail_final(store, job, str(exc))
    except sqlite3.DatabaseError as exc:  # the store itself failed (a full disk): one line
        return _give_back(store, job, exc, log)
    except Exception as exc:  # a crash in trusted code: record it, let the queue retry
        log(traceback.format_exc())
        try:
            return store.jobs.fail(job.id, job.attempt, f"{type(exc).__name__}: {exc}")
        except StaleAttempt:
            return None
    finally:
        _Stop.cancel = None
        beat.stop.set()
        beat.wake.set()
        beat.join()


def _stop_reason(exc: BaseException) -> str:
    if isinstance(exc, SystemExit) and isinstance(exc.code, int) and exc.code > 128:
        return f"the worker was stopped ({signal.Signals(exc.code - 128).name})"
    return "the worker was stopped (ctrl+c)" if isinstance(exc, KeyboardInterrupt) else (
        "the worker was stopped")


def _release(store: ReviewStore, job: Job, reason: str, log: Log) -> None:
    """Queue the job again for another worker; where the store cannot take that, its lease
    lapsing does the same, later."""
    try:
        store.jobs.release(job.id, job.attempt, f"{reason}; queued again")
        log(f"job {job.id}: {reason}; queued again")
    except StaleAttempt:
        # The stop came after the job left this attempt (its result recorded, a cancel):
        # nothing of it is left to run.
        log(f"job {job.id}: {reason}; the job was already {_state(store, job)}")
    except (StoreError, sqlite3.DatabaseError):
        log(f"job {job.id}: {reason}; it runs again once its lease lapses")


def _state(store: ReviewStore, job: Job) -> str:
    """The job's state now, or a plain word where the store cannot say."""
    try:
        now = store.jobs.get(job.id)
    except (StoreError, sqlite3.DatabaseError):
        return "taken over"
    return now.state if now.attempt == job.attempt else f"{now.state} in attempt {now.attempt}"


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """SIGTERM and SIGHUP (a closed terminal, `reviewer demo` quitting) raise SystemExit in
    the main thread, so a rerun's temporary folders, its trusted child processes and its job
    are cleaned up as after ctrl+c; Python's default for them exits without any of that.
    A second such signal meanwhile kills at once, as the default would."""
    def stop(signum: int, _frame: object) -> None:
        for sig in _STOP_SIGNALS:
            signal.signal(sig, signal.SIG_DFL)
        _Stop.signum = signum
        if _Stop.cancel is not None:
            _Stop.cancel.set()
        raise SystemExit(128 + signum)

    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set handlers; its own process's handlers then hold
        return
    previous = {sig: signal.signal(sig, stop) for sig in _STOP_SIGNALS}
    try:
        yield
    finally:
        _Stop.signum = None
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _give_back(store: ReviewStore, job: Job, exc: sqlite3.DatabaseError, log: Log) -> Job | None:
    """Give the job back for another attempt after a store error, saying so in one line;
    where the store cannot take that either, raise `exc` for the caller to stop on."""
    try:
        given = store.jobs.fail(job.id, job.attempt, f"the store failed: {exc}")
    except StaleAttempt:
        log(f"job {job.id}: the store failed ({exc}); a newer attempt owns it")
        return None
    except sqlite3.DatabaseError:
        # Nothing can be written: the lease, no longer renewed, is what releases the job.
        log(f"job {job.id}: the store failed ({exc}); the job stays running until its lease "
            "lapses, then runs again")
        raise exc from None
    fate = "no retry left: failed" if given.state == "failed" else "queued to run again"
    log(f"job {job.id}: the store failed ({exc}); {fate}")
    return given


def _fail_final(store: ReviewStore, job: Job, reason: str) -> Job | None:
    """Fail the job without a retry, for a reason every attempt would meet again."""
    try:
        return store.jobs.fail(job.id, job.attempt, reason, retry=False)
    except StaleAttempt:
        return None


def work(
    db: Path,
    *,
    once: bool = False,
    max_jobs: int | None = None,
    lease_s: float = DEFAULT_LEASE_S,
    poll_s: float = 1.0,
    log: Log = print,
    stop: threading.Event | None = None,
) -> int:
    """Claim and run jobs until stopped (or the queue is empty with `once`); returns jobs run."""
    store = ReviewStore.open(db)
    owner = worker_name()
    done = 0
    try:
        while max_jobs is None or done < max_jobs:
            _Stop.check()
            if stop is not None and stop.is_set():
                break
            try:
                job = store.jobs.claim(owner, lease_s=lease_s)
            except sqlite3.OperationalError as exc:
                if not locked(exc):
                    raise
                log(f"cannot claim a job yet: {exc}")  # a writer holds the store; wait it out
                time.sleep(poll_s)
                continue
            if job is None:
                if once:
                    break
                time.sleep(poll_s)
                continue
            log(f"job {job.id}: claimed (attempt {job.attempt}) for {job.proposal_id[:12]}")
            finished = run_job(store, job, lease_s=lease_s, log=log)
            if finished is not None:
                verdict = (finished.result or {}).get("verdict")
                log(f"job {job.id}: {finished.state}" + (f", {verdict}" if verdict else ""))
            done += 1
    finally:
        store.close()
    return done
