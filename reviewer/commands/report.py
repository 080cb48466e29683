"""`reviewer report`: reviewed proposals as Markdown or self-contained HTML."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from reviewer.audit_config import load_audit_config
from reviewer.config import ConfigError
from reviewer.context import Context, pass_ctx
from reviewer.report import html, markdown
from reviewer.report.collect import collect, parse_when
from reviewer.report.output import write_atomic
from store import StoreError


def _since(_ctx: click.Context, _param: click.Parameter, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_when(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


def _format(fmt: str | None, output: Path | None) -> str:
    """An explicit --format wins; otherwise `-o x.html` means HTML and anything else Markdown."""
    if fmt is not None:
        return fmt
    return "html" if output is not None and output.suffix.lower() in (".html", ".htm") else "md"


@click.command("report")
@click.argument("ref", metavar="[ID]", required=False)
@click.option(
    "--since",
    metavar="DATE",
    callback=_since,
    help="Only proposals with a decision on or after this ISO date (UTC unless a zone is given).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["md", "html"]),
    help="md, or one HTML page with the claimed-vs-measured plot (default: from -o, else md).",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write here (atomically) instead of standard output.",
)
@pass_ctx
def report_cmd(
    ctx: Context, ref: str | None, since: datetime | None, fmt: str | None, output: Path | None
) -> None:
    """Report on reviewed proposals: decisions, claim vs measurement, overrides, audit head.

    With ID, that proposal; otherwise every proposal with a decision.
    """
    if ref is not None and since is not None:
        raise click.UsageError("give an ID or --since, not both")
    try:
        signatures = load_audit_config().signature_check()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    # A report only reads; like `audit verify` it must not sign (bless) the chain it checks.
    ctx.sign_on_close = False
    try:
        data = collect(ctx.store, ref=ref, since=since, signatures=signatures)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc
    text = (html.render if _format(fmt, output) == "html" else markdown.render)(data)
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        write_atomic(output, text)
    except OSError as exc:
        raise click.ClickException(f"{output}: cannot write the report: {exc.strerror}") from exc
    click.echo(f"wrote {output}: {len(data.entries)} proposals", err=True)
