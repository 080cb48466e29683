"""`reviewer ingest PATH...`, and the batch storing it shares with `reviewer pull URL`."""

from __future__ import annotations

import os
import sqlite3
import sys
from collections.abc import Callable, Hashable, Sequence
from contextlib import closing, nullcontext
from itertools import islice
from pathlib import Path
from typing import cast

import click

from reviewer.commands.disputes import record_disputes
from reviewer.commands.ingest_report import IngestReport
from reviewer.commands.repeat import once_or_every, repeat_options
from reviewer.config import ConfigError
from reviewer.context import Context, pass_ctx
from reviewer.ingest import FileResult
from reviewer.ingest.changes import unseen
from reviewer.ingest.files import ToRead, plan_paths
from reviewer.ingest.native import SOURCE_FORMAT as NATIVE
from reviewer.ingest.nearmiss import near_misses
from reviewer.ingest.parallel import iter_planned
from reviewer.publish.errors import PublishError
from reviewer.textsafe import short
from store import AddResult, NewProposal, ReviewStore, StoreError
from store.checks import IngestChecker, IngestChecks
from store.signing import checkpoints_dir

CHECK_CHUNK = 1000
# Checking this many proposals with code takes seconds: enough to show a count.
SHOW_CHECKS_FROM = 50
# Files per write transaction: one commit (fsync) for many files, while the write lock is
# still released often enough for a reviewer deciding in the TUI meanwhile. At about 2 ms a
# file that is some 2 s of lock, and fewer commits rewrite fewer shared index pages.
FILES_PER_TRANSACTION = 1000


def store_batch(
    store: ReviewStore,
    source: str,
    proposals: list[NewProposal],
    actor: str,
    report: IngestReport,
    checker: IngestChecker | None = None,
) -> None:
    """Store one file's proposals in one transaction, or record why none were stored."""
    try:
        report.merge(store.add_proposals(proposals, actor=actor, checker=checker))
    except StoreError as exc:
        report.refused(source, exc)


def store_files(
    store: ReviewStore,
    files: Sequence[FileResult],
    actor: str,
    report: IngestReport,
    checker: IngestChecker | None = None,
) -> list[bool]:
    """Store many files in one transaction, each whole or not at all, reported in file order.

    For each file, whether it is settled: stored, or rejected for what it holds (not for a
    store error another try might get past).
    """
    readable = [f for f in files if f.error is None]
    outcomes: list[AddResult | StoreError] = []
    try:
        if readable:
            outcomes = store.add_proposal_groups(
                [f.proposals for f in readable], actor=actor, checker=checker
            )
    except StoreError as exc:
        outcomes = [exc] * len(readable)
    stored = iter(outcomes)
    settled = []
    for file_result in files:
        if file_result.error is not None:
            err = file_result.error
            report.fail(str(err.path), err.message, err.line, err.field)
            settled.append(True)
            continue
        outcome = next(stored)
        if isinstance(outcome, StoreError):
            report.refused(str(file_result.path), outcome)
        else:
            report.merge(outcome)
            if outcome.added:
                _warn_near_misses(file_result, report)
        settled.append(not isinstance(outcome, StoreError))
    return settled


def _warn_near_misses(file_result: FileResult, report: IngestReport) -> None:
    """A warning for each field of a native proposal that reads like a misspelt known one."""
    for proposal in file_result.proposals:
        if proposal.source_format != NATIVE:
            continue
        for message in near_misses(proposal.original):
            which = proposal.idea or short(proposal.title, 40)
            report.warnings.append(f"{file_result.path}: {which}: {message}")


def ingest_paths(
    store: ReviewStore,
    paths: list[Path],
    actor: str,
    progress: Callable[[int, int], None] | None = None,
    checking: Callable[[int, int], None] | None = None,
) -> IngestReport:
    """Store every proposal file under `paths`; `progress(files done, files)` after each batch,
    and `checking(checked, to check)` as the static checks of those with code go."""
    return ingest_planned(store, plan_paths(paths, own_files(store)), actor, progress,
                          checking)[0]


def own_files(store: ReviewStore) -> list[Path]:
    """The store's files a folder walk could take for proposals: its JSON checkpoints."""
    if store.path is None or store.checkpoint_file is None:
        return []
    return [store.checkpoint_file, checkpoints_dir(store.path)]


def ingest_changed(
    store: ReviewStore, paths: list[Path], actor: str, seen: set[Hashable]
) -> tuple[IngestReport, int]:
    """`ingest_paths` for the files that are new or changed since `seen`; also how many not.

    Each file stored or rejected for its content goes into `seen`, so the next scan neither
    parses it again nor repeats its error.
    """
    fresh, keys, skipped = unseen(plan_paths(paths, own_files(store)), seen)
    report, settled = ingest_planned(store, fresh, actor)
    seen.update(key for key, ok in zip(keys, settled, strict=True) if ok and key is not None)
    # A file read again only because a patch beside it changed fails as before: say it once.
    report.errors = [e for e in report.errors if _first_report(e, seen)]
    return report, skipped


def _first_report(error: dict[str, object], seen: set[Hashable]) -> bool:
    """Whether this error, for its file as it is now, was not reported before; remembers it."""
    try:
        info = os.stat(str(error["path"]))
        version: tuple[int, int] | None = (info.st_mtime_ns, info.st_size)
    except (OSError, ValueError):
        version = None
    key = ("reported", error["path"], error["line"], error["field"], error["message"], version)
    if key in seen:
        return False
    seen.add(key)
    return True


def ingest_planned(
    store: ReviewStore,
    planned: list[FileResult | ToRead],
    actor: str,
    progress: Callable[[int, int], None] | None = None,
    checking: Callable[[int, int], None] | None = None,
) -> tuple[IngestReport, list[bool]]:
    """Store what `plan_paths` planned; the report, and whether each item is settled.

    A store error (a full disk, a lock held past the busy timeout) ends the storing: the
    batches committed before it are reported, with `report.stopped` saying how many files
    were not stored, and those count as unsettled.
    """
    report = IngestReport()
    settled: list[bool] = []
    try:
        _store_planned(store, planned, actor, report, settled, progress)
    except sqlite3.DatabaseError as exc:
        report.stop(str(exc), len(settled), len(planned))
        settled += [False] * (len(planned) - len(settled))
    finish_stored(store, report, actor, checking)
    return report, settled


def finish_stored(
    store: ReviewStore,
    report: IngestReport,
    actor: str,
    checking: Callable[[int, int], None] | None = None,
) -> None:
    """What follows the storing of every ingest (files, commits, pulled findings): the
    static checks of what was stored, the disputes of second diffs offered, and the
    withdrawal of records a new diff voided.

    After the store stopped the storing, a second store failure here only warns: the stop
    already asks for another run, which finishes these for what is stored.
    """
    try:
        run_checks(store, still_to_check(store, report), actor, report, checking)
        record_disputes(store, report, actor)
        withdraw_voided(store, report.attached, actor, report)
    except sqlite3.DatabaseError as exc:
        if report.stopped is None:
            raise
        report.unfinished(exc)


def _store_planned(
    store: ReviewStore,
    planned: list[FileResult | ToRead],
    actor: str,
    report: IngestReport,
    settled: list[bool],
    progress: Callable[[int, int], None] | None,
) -> None:
    """Store `planned` in batches, extending `settled` as each batch commits."""
    from reviewer.checks.run import ahead_key, with_checks_ahead

    # Parsed, and claims checked, ahead in worker processes while earlier batches are stored;
    # closed on a store error too, so the pool is shut down before the process exits.
    results = iter_planned(planned, prepare=prepare_for_store)
    bulk = store.bulk_writes() if len(planned) > FILES_PER_TRANSACTION else nullcontext()
    with closing(results), bulk:
        while batch := list(islice(results, FILES_PER_TRANSACTION)):
            ahead = {
                ahead_key(p): found
                for result, founds in batch
                for p, found in zip(result.proposals, founds, strict=True)
            }
            files = [result for result, _ in batch]
            settled += store_files(store, files, actor, report, with_checks_ahead(ahead))
            if progress is not None:
                progress(len(settled), len(planned))


def prepare_for_store(proposal: NewProposal) -> IngestChecks | None:
    """A parsing worker's share of storing `proposal`: its claim checks, row and fields hash.

    The row and hash are cached on the proposal, which goes back to the store's process with
    what this returns.
    """
    from reviewer.checks.run import check_ahead

    proposal.stored_fields_hash  # noqa: B018 (computed for its cache)
    return check_ahead(proposal)


def withdraw_voided(store: ReviewStore, ids: list[str], actor: str, report: IngestReport) -> None:
    """A new diff voids an approval; a finding it had published leaves the shared findings.

    So does any record an earlier withdrawal left behind: an ingest interrupted after it
    attached a diff, or an undo whose withdrawal failed, would otherwise leave a finding no
    longer approved in the shared findings for good. A decision whose publish never landed
    (its files could not be written) is published again.
    """
    from reviewer.publish import load_config
    from reviewer.publish.deliver import retry_unlanded
    from reviewer.publish.record import backlog
    from reviewer.publish.withdraw import withdraw

    # Attaching voids an approval, so what this ingest attached is among the unbacked too.
    live, stalled = backlog(store)
    if not live and not stalled:
        return
    try:
        config = load_config()
    except ConfigError as exc:
        report.warnings.append(f"published records whose decision no longer holds were not "
                               f"withdrawn, nor unpublished decisions published: {exc}")
        return
    for pid in live:
        try:
            reason = ("a new diff voided the approval" if pid in ids else
                      "its decision no longer holds (an earlier withdrawal did not finish)")
            withdraw(store, pid, actor=actor, reason=reason, config=config)
        except (PublishError, OSError) as exc:
            report.warnings.append(f"{pid[:12]}: its decision no longer holds but withdrawing "
                                   f"its published record failed: {exc}")
    if stalled:
        # A decision whose files never landed (a full disk) is published as withdrawals are
        # retried: by the next ingest.
        retried = retry_unlanded(store, stalled, actor=actor, config=config)
        report.warnings += retried.warnings
        report.notes += [f"{r.proposal_id[:12]}: published {r.file}, which an earlier "
                         "publish of its decision did not land" for r in retried.published]


def still_to_check(store: ReviewStore, report: IngestReport) -> list[str]:
    """What this ingest stored unchecked, and what it found present but never checked
    (an earlier ingest killed before its checks ran), so a re-ingest closes that gap."""
    from reviewer.checks.run import SOURCE

    unchecked = report.unchecked()
    listed = set(unchecked)
    return unchecked + [pid for pid in store.never_checked(report.present, SOURCE)
                        if pid not in listed]


def run_checks(
    store: ReviewStore,
    ids: list[str],
    actor: str,
    report: IngestReport,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Static checks on what was just stored, in chunks; a failure never undoes the ingest.
    `progress(checked, all)` before each chunk and at the end."""
    # The ast scanners load only when used.
    from reviewer.checks.run import ChecksNotRecorded, check_proposals

    for start in range(0, len(ids), CHECK_CHUNK):
        if progress is not None:
            progress(start, len(ids))
        chunk = ids[start : start + CHECK_CHUNK]
        try:
            check_proposals(store, chunk, actor=actor)
        except ChecksNotRecorded as exc:
            report.warnings += [
                f"{pid[:12]}: static checks not recorded ({why}); run `reviewer check --all` "
                "to retry" for pid, why in exc.failed.items()
            ]
        # The proposals are already stored; a failing scan (even a bug tripped by hostile
        # input) must become a warning and a `reviewer check` retry, never a traceback.
        except Exception as exc:
            report.warnings.append(
                f"static checks not recorded for {len(chunk)} proposals "
                f"({type(exc).__name__}: {exc}); run `reviewer check --all` to retry"
            )
    if progress is not None and ids:
        progress(len(ids), len(ids))


@click.command("ingest")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@repeat_options("scanning the paths for new or changed files", "scan")
@pass_ctx
def ingest_cmd(
    ctx: Context, paths: tuple[Path, ...], every: float | None, rounds: int | None,
    as_json: bool,
) -> None:  # fmt: skip
    """Ingest proposal files or folders (native JSON, JSON Lines, sandbox findings).

    Each file goes in whole or not at all; the exit code is 1 if any was rejected (with
    --every, in the last scan). With --every, a folder a findings-sync tool fills is watched:
    each scan reads only the files new or changed since the last one.
    """

    def once(seen: set[str] | None) -> tuple[IngestReport, int]:
        if seen is None:
            # One batch is over before a count of stored files would help; checks are slower.
            stored = progress_on_terminal("stored", "files", FILES_PER_TRANSACTION)
            checked = progress_on_terminal("checked", "proposals", SHOW_CHECKS_FROM)
            count = [0, 0]

            def counted(done: int, total: int) -> None:
                count[:] = [done, total]
                if stored is not None:
                    stored(done, total)

            try:
                return ingest_paths(ctx.store, list(paths), ctx.actor, counted, checked), 0
            except KeyboardInterrupt:
                interrupted(*count)
                raise click.exceptions.Exit(130) from None
        # once_or_every types its seen-set for the other commands' ids; this one keeps tuples.
        return ingest_changed(ctx.store, list(paths), ctx.actor, cast("set[Hashable]", seen))

    once_or_every(once, "scan", every, rounds, as_json)


def interrupted(done: int, total: int) -> None:
    """Say, on ctrl+c, what an ingest stored: click's bare "Aborted!" left it unsaid."""
    stored = (f"{done:,} of {total:,} files stored, each whole" if total
              else "no batch of files stored yet")
    click.echo(f"\ningest interrupted: {stored}; `reviewer ingest` again stores the rest (what "
               "is stored is skipped, and checks it missed run then)", err=True)


def progress_on_terminal(verb: str, noun: str, more_than: int
                         ) -> Callable[[int, int], None] | None:
    """A line on stderr counting what is done ("stored 2,000 of 9,000 files"), when stderr is
    a terminal and there are more than `more_than` in all."""
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        if total > more_than:
            click.echo(f"\r{verb} {done:,} of {total:,} {noun}", err=True, nl=done >= total)

    return show
