"""`reviewer ingest-git REPO [REV...]`: every commit agents made on a harness, as proposals."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import click

from reviewer.commands.ingest import (
    FILES_PER_TRANSACTION,
    SHOW_CHECKS_FROM,
    finish_stored,
    progress_on_terminal,
    store_files,
)
from reviewer.commands.ingest_report import IngestReport
from reviewer.commands.repeat import once_or_every, repeat_options
from reviewer.config import ConfigError, load_config
from reviewer.context import Context, pass_ctx
from reviewer.ingest import FileResult, IngestError
from reviewer.ingest import commits as git_commits
from reviewer.ingest.commits import Harness, read_commits
from reviewer.ingest.gitlog import GitRepo
from reviewer.rerun.diffcheck import BUILTIN_ALLOW


def known_harnesses(report: IngestReport) -> list[Harness]:
    """The built-in tree, and each configured external harness's pinned commit."""
    from reviewer.harness.treehash import git_tree_hash

    tree = git_tree_hash()
    found = [Harness("builtin", tree, BUILTIN_ALLOW, tree=tree)]
    try:
        config = load_config()
    except ConfigError as exc:
        report.warnings.append(f"only the built-in harness is recognised: {exc}")
        return found
    found += [Harness(h.name, h.commit, h.allow) for h in config.harnesses.values()]
    return found


def ingest_commits(
    ctx: Context, repo_path: Path, revs: list[str], seen: set[str] | None = None
) -> tuple[IngestReport, int]:
    """Store one proposal per commit not in `seen`; also how many `seen` let it skip.

    A commit that cannot be read is an error of its own. Commits are immutable, so one the
    store holds already is reported present without being read, and each one stored or
    rejected goes into `seen`: a later round neither reads it nor repeats its error.
    """
    report = IngestReport()
    harnesses = known_harnesses(report)
    try:
        read = read_commits(GitRepo(repo_path), revs, harnesses, seen,
                            ctx.store.ingested_commits)  # fmt: skip
    except IngestError as exc:
        report.fail_source(str(exc.path), exc.message)
        return report, 0
    report.present += read.stored
    for err in read.broken:
        report.fail(str(err.path), err.message, err.line, err.field)
    if read.deferred:
        report.warnings.append(f"left {read.deferred} commit(s) for the next run: this one read "
                               f"its limit of {git_commits.MAX_RUN_DIFF_BYTES:,} bytes of diffs")
    if read.merges:
        report.warnings.append(f"skipped {read.merges} merge commit(s): propose the commits "
                               "they merge, which are in the range too")
    _store_commits(ctx, read.results, report)
    finish_stored(ctx.store, report, ctx.actor,
                  progress_on_terminal("checked", "commits", SHOW_CHECKS_FROM))
    if seen is not None:
        seen.update(read.stored_shas)  # stored before this run began: unchanged from now on
        stored = set(report.added + report.present + report.attached)
        seen.update(sha for sha, result in zip(read.shas, read.results, strict=True)
                    if result.error is not None or result.proposals[0].content_hash in stored)
    return report, read.skipped


def _store_commits(ctx: Context, results: list[FileResult], report: IngestReport) -> None:
    """Store the commits read, a batch a transaction; a store error (a full disk) ends the
    storing as it ends `reviewer ingest`'s: the batches committed before it stay reported,
    and `report.stopped` counts the commits not stored, which a later run stores."""
    from reviewer.checks.run import ingest_checker

    done = 0
    try:
        for start in range(0, len(results), FILES_PER_TRANSACTION):
            batch = results[start : start + FILES_PER_TRANSACTION]
            store_files(ctx.store, batch, ctx.actor, report, ingest_checker())
            done += len(batch)
    except sqlite3.DatabaseError as exc:
        report.stop(str(exc), done, len(results), unit="commits")


@click.command("ingest-git")
@click.argument("repo", type=click.Path(path_type=Path, file_okay=False))
@click.argument("revs", nargs=-1)
@repeat_options("looking for new commits", "scan")
@pass_ctx
def ingest_git_cmd(
    ctx: Context,
    repo: Path,
    revs: tuple[str, ...],
    every: float | None,
    rounds: int | None,
    as_json: bool,
) -> None:
    """Ingest each commit in a git repository of agents' work as a proposal.

    REVS are what `git rev-list` takes (`main..agent-3`, `HEAD~5..`); by default every local
    branch from the harness commit on. Each proposal's diff runs from the harness commit the
    commit descends from, so it can be rerun; its claim comes from the message's trailers.
    Re-ingesting a commit is a no-op; the exit code is 1 if any commit was rejected (with
    --every, in the last scan).
    """
    once_or_every(lambda seen: ingest_commits(ctx, repo, list(revs), seen), "scan", every,
                  rounds, as_json, unit="commits")  # fmt: skip
