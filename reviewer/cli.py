"""The `reviewer` command: a click group whose bare form opens the queue."""

from __future__ import annotations

import codecs
import importlib
import io
import sqlite3
import sys

import click
from click_default_group import DefaultGroup

from reviewer.context import Context
from reviewer.shape_version import SHAPE_VERSION
from reviewer.textsafe import ASCII_FALLBACK_ERRORS, ascii_fallback

# Each command by name, as "module:attribute", imported only when it runs or --help lists
# them: importing every command's module was about half of each command's start-up.
COMMANDS = {
    "tui": "reviewer.commands.demo:tui_cmd",
    "list": "reviewer.commands.proposals:list_cmd",
    "search": "reviewer.commands.proposals:search_cmd",
    "show": "reviewer.commands.show:show_cmd",
    "diff": "reviewer.commands.diff:diff_cmd",
    "agents": "reviewer.commands.agents:agents_cmd",
    "approve": "reviewer.commands.proposals:approve_cmd",
    "reject": "reviewer.commands.proposals:reject_cmd",
    "comment": "reviewer.commands.proposals:comment_cmd",
    "undo": "reviewer.commands.proposals:undo_cmd",
    "ingest": "reviewer.commands.ingest:ingest_cmd",
    "ingest-git": "reviewer.commands.ingest_git:ingest_git_cmd",
    "pull": "reviewer.commands.pull:pull_cmd",
    "audit": "reviewer.commands.audit:audit_group",
    "path": "reviewer.commands.demo:path_cmd",
    "demo": "reviewer.commands.demo:demo_cmd",
    "harness": "reviewer.harness.cli:harness",
    "rerun": "reviewer.commands.rerun:rerun_cmd",
    "jobs": "reviewer.commands.jobs:jobs_cmd",
    "worker": "reviewer.commands.rerun:worker_cmd",
    "assist": "reviewer.commands.assist:assist_cmd",
    "check": "reviewer.commands.checks:check_cmd",
    "findings": "reviewer.commands.findings:findings_group",
    "publish": "reviewer.commands.findings:publish_cmd",
    "report": "reviewer.commands.report:report_cmd",
}


class LazyGroup(DefaultGroup):
    """The default group with COMMANDS added as they are first asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        # An unknown name goes to the default command, as DefaultGroup does with all loaded.
        name = cmd_name if cmd_name in COMMANDS else self.default_cmd_name
        if name is not None and name not in self.commands and name in COMMANDS:
            module, attribute = COMMANDS[name].split(":")
            self.add_command(getattr(importlib.import_module(module), attribute), name)
        return super().get_command(ctx, cmd_name)


# Commands that may open a store file that does not exist yet (making it); any other refuses,
# so a mistyped --db is an error rather than a new, empty store.
MAY_CREATE_THE_STORE = frozenset({None, "tui", "ingest", "ingest-git", "pull", "demo", "path",
                                  "harness"})


@click.group(cls=LazyGroup, default="tui", default_if_no_args=True, invoke_without_command=True)
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
        tui = cli.get_command(click_ctx, "tui")
        assert tui is not None
        click_ctx.invoke(tui)


def main() -> None:
    # An ASCII-only stdout (PYTHONIOENCODING=ascii, a C locale without UTF-8 mode) shows
    # `+/-` for a `±` and `?` for a mark with no ASCII form, instead of ending the command
    # in a UnicodeEncodeError.
    if isinstance(sys.stdout, io.TextIOWrapper) and sys.stdout.errors == "strict":
        codecs.register_error(ASCII_FALLBACK_ERRORS, ascii_fallback)
        sys.stdout.reconfigure(errors=ASCII_FALLBACK_ERRORS)
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
