"""`reviewer demo`, `reviewer path` and the bare-`reviewer` queue view."""

from __future__ import annotations

import shutil
import sqlite3
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Literal

import click

import reviewer
from reviewer import paths
from reviewer.commands.ingest import ingest_paths
from reviewer.commands.proposals import print_queue
from reviewer.context import Context, pass_ctx, print_json
from reviewer.rerun.sandbox import SandboxUnavailable, find_tools
from reviewer.worker_process import worker_process
from store import StoreError
from store.audit import checkpoint_path
from store.query import QUEUE_SORT
from store.signing import checkpoints_dir

DEMO_ACTOR = "demo-setup"
Notice = tuple[str, Literal["information", "warning", "error"]]


def samples_dir() -> Path:
    """samples/ as shipped in the wheel, or beside the package in a source checkout."""
    here = Path(reviewer.__file__).resolve().parent
    for candidate in (here / "_samples", here.parent / "samples"):
        if candidate.is_dir():
            return candidate
    raise click.ClickException("cannot find the samples/ folder of this installation")


def remove_store_files(db: Path) -> None:
    """Delete a store and the files SQLite and the audit checkpoint keep beside it."""
    head = checkpoint_path(db)
    for path in (db, Path(f"{db}-wal"), Path(f"{db}-shm"), head, Path(f"{head}.lock")):
        path.unlink(missing_ok=True)
    # The old chain's signed checkpoints would contradict the new chain and stop its signing.
    shutil.rmtree(checkpoints_dir(db), ignore_errors=True)


def demo_worker_log(db: Path) -> Path:
    """Where the demo's rerun worker writes its output: beside the demo store."""
    return db.with_name("demo-worker.log")


def start_worker(stack: ExitStack, db: Path, log: Path) -> Notice:
    """Start a worker on `db` for the life of `stack`, unless reruns could not run anyway.

    Without bubblewrap the worker would only fail every rerun, and running unsandboxed is
    never chosen silently, so the user is told instead.
    """
    try:
        find_tools()
    except SandboxUnavailable as exc:
        return f"no sandbox for reruns here, so no worker was started: {exc}", "warning"
    stack.enter_context(worker_process(db, log))
    message = f"a rerun worker runs beside this demo (log: {log}); press r on a proposal"
    return message, "information"


def open_queue(ctx: Context, *, worker_log: Path | None = None) -> None:
    """Open the review TUI on a terminal; print the first page of the queue otherwise.

    Scripts and pipes keep getting plain text, and Textual is imported only when it is used.
    With `worker_log`, a rerun worker runs beside the TUI and stops when it closes.
    """
    new = not ctx.db_path.exists()
    store = ctx.store
    if sys.stdin.isatty() and sys.stdout.isatty():
        from reviewer.app import ReviewApp
        from reviewer.terminal_input import tolerate_undecodable_input

        tolerate_undecodable_input()
        with ExitStack() as stack:
            notices: list[Notice] = []
            if new:  # a mistyped --db opens an empty queue: say whose it is
                notices.append((f"a new, empty store at {ctx.db_path}: `reviewer ingest` fills "
                                "it; --db or REVIEWER_DB opens another, `reviewer demo` the "
                                "demo store", "warning"))
            if worker_log is not None:
                notices.append(start_worker(stack, ctx.db_path, worker_log))
            ReviewApp(store, db_path=ctx.db_path, actor=ctx.actor, notices=notices).run()
        return
    print_queue(store.list(sort=QUEUE_SORT, limit=50), store.count())


@click.command("demo")
@click.option("--no-worker", is_flag=True, help="Do not start a rerun worker beside the TUI.")
@click.option("--fresh", is_flag=True,
              help="Seed the demo store again from samples/, dropping the work done in it.")
@click.pass_context
def demo_cmd(click_ctx: click.Context, no_worker: bool, fresh: bool) -> None:
    """Create the demo store from samples/ in the user data folder and open it.

    A demo store someone has worked in (a decision, a comment, a rerun) is reopened as it
    is; --fresh seeds it again. On a terminal a rerun worker runs beside the TUI (its
    output in demo-worker.log next to the store) and stops when the TUI closes.
    """
    ctx = click_ctx.find_object(Context)
    assert ctx is not None
    ctx.close()
    db = paths.demo_db_path()
    ctx.db = str(db)
    if not fresh and _worked_in(ctx, db):
        click.echo(f"demo store {db}: reopened with the work done in it "
                   "(`reviewer demo --fresh` seeds it again from samples/)")
    else:
        ctx.close()
        remove_store_files(db)
        demo_worker_log(db).unlink(missing_ok=True)
        report = ingest_paths(ctx.store, [samples_dir()], DEMO_ACTOR)
        click.echo(f"demo store {db}: {len(report.added)} proposals from samples/")
        for e in report.errors:
            click.echo(f"warning: sample not loaded: {e['path']}: {e['message']}", err=True)
    open_queue(ctx, worker_log=None if no_worker else demo_worker_log(db))


def _worked_in(ctx: Context, db: Path) -> bool:
    """Whether the demo store at `db` holds events of anyone but its seeding: a day's
    decisions and their audit trail were wiped by the next `reviewer demo`. One that cannot
    be opened (a newer reviewer's, a damaged file) is refused rather than guessed empty."""
    if not db.exists():
        return False
    try:
        return ctx.store.acted_on_by_others(DEMO_ACTOR)
    except (click.ClickException, sqlite3.DatabaseError, StoreError) as exc:
        why = exc.format_message() if isinstance(exc, click.ClickException) else str(exc)
        raise click.ClickException(
            f"the demo store {db} cannot be opened ({why}); `reviewer demo --fresh` seeds it "
            "again, dropping whatever it holds") from exc


@click.command("tui")
@pass_ctx
def tui_cmd(ctx: Context) -> None:
    """Open the review queue (the default when no command is given)."""
    open_queue(ctx)


@click.command("path")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def path_cmd(ctx: Context, as_json: bool) -> None:
    """Print where the database, its audit checkpoint and the config live."""
    info = {
        "db": str(ctx.db_path),
        "checkpoint": str(checkpoint_path(ctx.db_path)),
        "config": str(paths.config_file()),
        "data_dir": str(paths.data_dir()),
        "cache_dir": str(paths.cache_dir()),
        "demo_db": str(paths.demo_db_path()),
    }
    if as_json:
        print_json(info)
    else:
        for key, value in info.items():
            click.echo(f"{key:<11}{value}")
