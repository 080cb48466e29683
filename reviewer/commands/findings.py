"""`reviewer findings list|export` and `reviewer publish ID`."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import click
from rich.text import Text

from reviewer.config import ConfigError
from reviewer.context import Context, console, listing, pass_ctx, print_json
from reviewer.present import num
from reviewer.publish import (
    PublishConfig,
    PublishError,
    PublishResult,
    load_config,
    publish,
    publish_rejection,
)
from reviewer.publish.export import export_findings, list_findings
from reviewer.textsafe import clean, short
from store import StoreError


@click.group("findings")
def findings_group() -> None:
    """The shared findings this store has published."""


@findings_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@pass_ctx
def list_cmd(ctx: Context, as_json: bool) -> None:
    """List published findings: where each went and at which commit."""
    rows = list_findings(ctx.store)
    if as_json:
        print_json(rows)
        return
    table = listing(
        f"{len(rows)} published findings",
        (
            ("id", {"width": 12}),
            ("status", {"width": 8}),
            ("idea", {"width": 16}),
            ("PGR", {"justify": "right", "width": 5}),
            ("where", {"ratio": 1}),
            ("commit", {"width": 10}),
        ),
    )
    for r in rows:
        commit = (r["commit"] or "—")[:10]
        if r["commit"] and not r["pushed"]:
            commit += "*"
        table.add_row(
            r["id"],
            r["status"],
            Text(short(r["idea"], 32)),
            num(r["pgr"]),
            Text(short(r["file"], 200)),
            commit,
        )
    console().print(table)
    if not rows:
        try:
            unset = load_config().folder is None
        except ConfigError:
            unset = False  # a bad config is said by the commands that publish
        if unset:
            click.echo("(no [publish] folder is set in the config, so approvals are not "
                       "published: see `reviewer path` for the config file)")


@findings_group.command("export")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the written files as JSON.")
@pass_ctx
def export_cmd(ctx: Context, folder: Path, as_json: bool) -> None:
    """Write the files of every approved, published finding into a new FOLDER (no git)."""
    try:
        written = export_findings(ctx.store, folder.absolute())
    except (PublishError, StoreError) as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        print_json({"folder": str(folder.absolute()), "files": [str(p) for p in written]})
    else:
        click.echo(f"wrote {len(written)} files to {folder}")


def _config() -> PublishConfig:
    try:
        return load_config()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


def _describe(result: PublishResult) -> str:
    what = "rejection recorded" if result.kind == "rejection" else "published"
    if result.unchanged:
        return f"{result.proposal_id[:12]} already {what} as is: {result.file}"
    text = f"{what} {result.proposal_id[:12]}: {result.file}"
    if result.commit:
        text += f"  commit {result.commit[:12]}"
    if result.pushed:
        text += f"  pushed to {result.remote} in {result.push_attempts} attempt(s)"
    if result.http:
        text += f"  POST {result.http['status']}"
    return text


@click.command("publish")
@click.argument("ref")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_ctx
def publish_cmd(ctx: Context, ref: str, as_json: bool) -> None:
    """(Re)publish one approved proposal into the shared findings.

    A rejected proposal is recorded under rejected/ when `[publish] rejected = true`.
    Publishing again with nothing changed writes and commits nothing.
    """
    cfg = _config()
    try:
        status = ctx.store.get(ref)["status"]
        result = None
        if status == "rejected" and cfg.rejected:
            result = publish_rejection(ctx.store, ref, actor=ctx.actor, config=cfg)
        if result is None:
            result = publish(ctx.store, ref, actor=ctx.actor, config=cfg)
    except (PublishError, StoreError) as exc:
        raise click.ClickException(str(exc)) from exc
    except (OSError, sqlite3.DatabaseError, ValueError) as exc:
        raise click.ClickException(_failure(ref, exc)) from exc
    if as_json:
        print_json(result.to_json())
    else:
        click.echo(_describe(result))


def _failure(ref: str, exc: OSError | sqlite3.DatabaseError | ValueError) -> str:
    """One line naming the record and what stopped its publish: a path the system refused,
    the store (a full disk, a damaged row), or text or numbers that cannot be written (an
    undecodable byte from git or a hook, a NaN in a tampered result)."""
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        why = f"{where}{exc.strerror or exc}"
    elif isinstance(exc, sqlite3.DatabaseError):
        why = f"the store: {exc}"
    elif isinstance(exc, UnicodeDecodeError):
        seen = exc.object[max(0, exc.start - 40) : exc.end + 40]
        why = f"undecodable output {bytes(seen).decode('utf-8', 'replace')!r} ({exc.reason})"
    else:
        why = f"{type(exc).__name__}: {exc}"
    return clean(f"{ref}: publishing stopped: {why}; `reviewer publish {ref}` tries again once "
                 "that is put right", single_line=True)
