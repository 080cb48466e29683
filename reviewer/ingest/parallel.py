"""Parse many proposal files in worker processes while the caller stores earlier ones.

Parsing is pure (file bytes in, proposals or an error out), so a big ingest hands it to
a process pool a few windows ahead of the store, which stays single-threaded in the main
process. Files come back in the order `read_paths` gives, each with whatever the caller's
`prepare` made of its proposals in the worker.
"""

from __future__ import annotations

import gc
from collections import deque
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from reviewer.cores import ignore_interrupts, pool_context, usable_cores
from reviewer.ingest.errors import IngestError
from reviewer.ingest.files import FileResult, ToRead, plan_paths
from reviewer.ingest.strictjson import DEFAULT_MAX_BYTES
from store.model import NewProposal

# Below this many files starting a pool costs more than parsing them in this process.
PARALLEL_MIN_FILES = 2000
WINDOW = 500  # files per task list handed to the pool
# Files parsed ahead of the caller: more than one store batch, so the next batch's files are
# ready when the store finishes one, instead of the store waiting on the first window.
AHEAD_FILES = 2500
MAX_WORKERS = 8

Prepare = Callable[[NewProposal], Any]
Parsed = tuple[FileResult, list[Any]]  # a file, and `prepare` of each of its proposals
Tasks = list[tuple[ToRead, int]]  # files of one window, each with its byte limit
# A Parsed as a worker sends it back: the caller has the file's path already, and
# unpickling a Path cost as much as the rest of a file's result.
Sent = tuple[list[NewProposal], IngestError | None, list[Any]]


def worker_count(files: int, cores: int) -> int:
    """Processes to parse `files` files with `cores` usable cores; 0 means parse here.

    One core stays with the caller, whose storing is the slower half of an ingest.
    """
    if files < PARALLEL_MIN_FILES or cores < 2:
        return 0
    return min(MAX_WORKERS, cores - 1)


def _start_worker() -> None:
    """A parsing process's start: Ctrl-C is the caller's to handle, and what the process
    began with (a forked one, the caller's whole heap) is left out of garbage collection."""
    ignore_interrupts()
    # Each full collection walked all of it again for no garbage: half a worker's GC time.
    gc.freeze()


def _parse(tasks: Tasks, prepare: Prepare | None) -> list[Sent]:
    """One window in a worker; ids are computed here so the caller does not hash again."""
    out = []
    for task, max_bytes in tasks:
        result = task.read(max_bytes)
        for proposal in result.proposals:
            _ = proposal.content_hash  # cached on the object, and pickled with it
        prepared = _prepared(result, prepare)[1]
        out.append((result.proposals, result.error, prepared))
    return out


def _prepared(result: FileResult, prepare: Prepare | None) -> Parsed:
    return result, [] if prepare is None else [prepare(p) for p in result.proposals]


def iter_read(
    paths: Sequence[Path | str],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    prepare: Prepare | None = None,
) -> Iterator[Parsed]:
    """`read_paths` as an iterator that parses ahead in worker processes when there are many.

    Each file comes with `prepare(proposal)` for each of its proposals (none without
    `prepare`), computed where the file was parsed; a pool needs it picklable by name.
    """
    return iter_planned(plan_paths(paths), max_bytes=max_bytes, prepare=prepare)


def iter_planned(
    planned: list[FileResult | ToRead],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    prepare: Prepare | None = None,
) -> Generator[Parsed, None, None]:
    """`iter_read` of what `plan_paths` found, for a caller that wants the count first.

    Close it when stopping early (`contextlib.closing`) so its worker processes end then.
    """
    reads = sum(isinstance(item, ToRead) for item in planned)
    workers = worker_count(reads, usable_cores())
    if workers == 0:
        for item in planned:
            yield _prepared(item if isinstance(item, FileResult) else item.read(max_bytes), prepare)
        return
    pool = ProcessPoolExecutor(workers, mp_context=pool_context(), initializer=_start_worker)
    try:
        ahead: deque[tuple[list[FileResult | ToRead], Tasks, Future[list[Sent]] | None]] = deque()
        for start in range(0, len(planned), WINDOW):
            window = planned[start : start + WINDOW]
            tasks = [(item, max_bytes) for item in window if isinstance(item, ToRead)]
            ahead.append((window, tasks, _submit(pool, tasks, prepare)))
            if len(ahead) > max(2 * workers, AHEAD_FILES // WINDOW):
                yield from _merged(*ahead.popleft(), prepare)
        while ahead:
            yield from _merged(*ahead.popleft(), prepare)
    finally:
        # A reader closed early leaves nothing queued, and waits for the windows being parsed:
        # a pool left to finish them raced the interpreter's exit (an EBADF traceback).
        pool.shutdown(wait=True, cancel_futures=True)


def _submit(pool: ProcessPoolExecutor, tasks: Tasks, prepare: Prepare | None
            ) -> Future[list[Sent]] | None:
    try:
        return pool.submit(_parse, tasks, prepare)
    except BrokenProcessPool:
        return None  # parsed here when its turn comes


def _merged(window: list[FileResult | ToRead], tasks: Tasks,
            parsed: Future[list[Sent]] | None, prepare: Prepare | None) -> Iterator[Parsed]:
    try:
        done = parsed.result() if parsed is not None else _parse(tasks, prepare)
    # A worker that died (killed for memory, say) must not stop or hang the ingest.
    except BrokenProcessPool:
        done = _parse(tasks, prepare)
    results = iter(done)
    for item in window:
        if isinstance(item, FileResult):
            yield item, []
        else:
            proposals, error, prepared = next(results)
            yield FileResult(item.path, proposals, error), prepared
