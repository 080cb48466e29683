"""`reviewer audit verify` and `reviewer audit export`."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from typing import IO

import click

from reviewer.context import Context, pass_ctx, print_json
from reviewer.textsafe import clean
from store.audit import Event


@click.group("audit")
def audit_group() -> None:
    """Check and export the tamper-evident audit trail."""


@audit_group.command("verify")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_ctx
def verify_cmd(ctx: Context, as_json: bool) -> None:
    """Recompute every hash, check seq and the head checkpoint, replay events, integrity_check.

    Exits 0 when all is well, 1 naming the first bad row otherwise.
    """
    report = ctx.store.verify()
    if as_json:
        print_json(report.to_json())
    else:
        for warning in report.warnings:
            click.echo(f"warning: {warning}", err=True)
        if report.ok:
            click.echo(
                f"ok: {report.events} events, {report.proposals} proposals, "
                f"head seq {report.head_seq} {report.head_hash[:16]}"
            )
        else:
            click.echo(f"FAILED: {report.problems[0]}", err=True)
            for problem in report.problems[1:]:
                click.echo(f"  also: {problem}", err=True)
    if not report.ok:
        sys.exit(1)


def _markdown(events: Iterable[Event], out: IO[str]) -> None:
    out.write("# reviewer audit log\n\n| seq | time | actor | action | proposal | details |\n")
    out.write("|---|---|---|---|---|---|\n")
    for e in events:
        details = json.dumps(e.payload, ensure_ascii=True, sort_keys=True)
        cells = [
            str(e.seq),
            e.ts,
            clean(e.actor, single_line=True),
            e.action,
            (e.proposal_id or "")[:12],
            clean(details, single_line=True),
        ]
        out.write("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |\n")


@audit_group.command("export")
@click.option(
    "--format", "fmt", type=click.Choice(["jsonl", "md"]), default="jsonl", show_default=True
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, writable=True),
    help="Write here instead of standard output.",
)
@pass_ctx
def export_cmd(ctx: Context, fmt: str, output: str | None) -> None:
    """Export every audit event, oldest first."""
    out: IO[str] = open(output, "w", encoding="utf-8") if output else sys.stdout
    try:
        if fmt == "jsonl":
            for e in ctx.store.events():
                out.write(json.dumps(e.to_json(), ensure_ascii=True, sort_keys=True) + "\n")
        else:
            _markdown(ctx.store.events(), out)
    finally:
        if output:
            out.close()
