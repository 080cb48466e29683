"""The `reviewer` command: a click group whose bare form opens the queue."""

from __future__ import annotations

import io
import sqlite3
import sys

import click
from click_default_group import DefaultGroup

from reviewer.commands.agents import agents_cmd
from reviewer.commands.assist import assist_cmd
from reviewer.commands.audit import audit_group
from reviewer.commands.checks import check_cmd
from reviewer.commands.demo import demo_cmd, path_cmd, tui_cmd
from reviewer.commands.diff import diff_cmd
from reviewer.commands.findings import findings_group, publish_cmd
from reviewer.commands.ingest import ingest_cmd
from reviewer.commands.ingest_git import ingest_git_cmd
from reviewer.commands.jobs import jobs_cmd
from reviewer.commands.proposals import (
    approve_cmd,
    comment_cmd,
    list_cmd,
    reject_cmd,
    search_cmd,
    undo_cmd,
)
from reviewer.commands.pull import pull_cmd
from reviewer.commands.report import report_cmd
from reviewer.commands.rerun import rerun_cmd, worker_cmd
from reviewer.commands.show import show_cmd
from reviewer.context import Context
from reviewer.harness.cli import harness
from reviewer.shapes import SHAPE_VERSION

# Commands that may open a store file that does not exist yet (making it); any other refuses,
# so a mistyped --db is an error rather than a new, empty store.
MAY_CREATE_THE_STORE = frozenset({None, "tui", "ingest", "ingest-git", "pull", "demo", "path",
                                  "harness"})


@click.group(cls=DefaultGroup, default="tui", default_if_no_args=True, invoke_without_command=True)
@click.option(
    "--db",
    envvar="REVIEWER_DB",
    type=click.Path(dir_okay=False),
    help="The store's SQLite file (env REVIEWER_DB).",
)
@click.option(
    "--actor", help="Who is acting (env REVIEWER_ACTOR, else git user.email, else login)."
)
# Scripts read the JSON shapes' version here, since no JSON output carries it.
@click.version_option(package_name="w2s-reviewer",
                      message=f"%(prog)s %(version)s (JSON shapes version {SHAPE_VERSION})")
@click.pass_context
def cli(click_ctx: click.Context, db: str | None, actor: str | None) -> None:
    """Review, rerun and approve research findings from AI agents."""
    ctx = Context(db=db, actor_flag=actor,
                  existing_only=click_ctx.invoked_subcommand not in MAY_CREATE_THE_STORE)
    click_ctx.obj = ctx
    click_ctx.call_on_close(ctx.close)
    if click_ctx.invoked_subcommand is None:  # only global options were given
        click_ctx.invoke(tui_cmd)


for command in (
    tui_cmd,
    list_cmd,
    search_cmd,
    show_cmd,
    diff_cmd,
    agents_cmd,
    approve_cmd,
    reject_cmd,
    comment_cmd,
    undo_cmd,
    ingest_cmd,
    ingest_git_cmd,
    pull_cmd,
    audit_group,
    path_cmd,
    demo_cmd,
    harness,
    rerun_cmd,
    jobs_cmd,
    worker_cmd,
    assist_cmd,
    check_cmd,
    findings_group,
    publish_cmd,
    report_cmd,
):
    cli.add_command(command)


def main() -> None:
    # An ASCII-only stdout (PYTHONIOENCODING=ascii, a C locale without UTF-8 mode) shows
    # `?` for a `✓` or `±` instead of ending the command in a UnicodeEncodeError.
    if isinstance(sys.stdout, io.TextIOWrapper) and sys.stdout.errors == "strict":
        sys.stdout.reconfigure(errors="replace")
    try:
        cli(prog_name="reviewer")
    except OSError as exc:
        # Click handles a closed pipe; a full disk or a bad path under stdout lands here.
        where = f"{exc.filename}: " if exc.filename else ""
        click.echo(f"Error: {where}{exc.strerror or exc}", err=True)
        sys.exit(1)
    except sqlite3.DatabaseError as exc:
        # A lock another process held past the busy timeout, or a full disk at COMMIT: SQLite
        # rolled the transaction back, so say so instead of showing a traceback.
        click.echo(f"Error: the store: {exc}; the change under way was not saved", err=True)
        sys.exit(1)
