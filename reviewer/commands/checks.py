"""`reviewer check`: run the static integrity checks and resolve findings by hand."""

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Iterable
from typing import Any

import click
from rich.text import Text

from reviewer.commands import SQL_INT_MAX
from reviewer.commands.ingest import progress_on_terminal
from reviewer.config import ConfigError
from reviewer.context import Context, console, pass_ctx, print_json
from reviewer.textsafe import clean
from store import StoreError

SEVERITY_STYLE = {"high": "bold red", "medium": "yellow", "low": "dim"}
BATCH = 500


@click.command("check")
@click.argument("ref", required=False)
@click.option("--all", "every", is_flag=True, help="Re-scan every proposal in the store.")
@click.option("--resolve", "resolve_id", type=click.IntRange(1, SQL_INT_MAX), metavar="CHECK_ID",
              help="Clear one finding.")
@click.option("--reason", help="Why the finding is cleared (required with --resolve).")
@click.option("--json", "as_json", is_flag=True, help="Print the checks as JSON.")
@pass_ctx
def check_cmd(
    ctx: Context,
    ref: str | None,
    every: bool,
    resolve_id: int | None,
    reason: str | None,
    as_json: bool,
) -> None:
    """Scan a proposal's diff and claim for reward hacking, and list its checks."""
    from reviewer.checks.run import ChecksNotRecorded, check_proposals

    store = ctx.store
    if every == (ref is not None):
        raise click.UsageError("give one proposal ID, or --all")
    try:
        if every:
            _check_all(ctx, as_json=as_json)
            return
        assert ref is not None
        pid = store.resolve(ref)
        if resolve_id is not None:
            if not reason:
                raise click.UsageError("--resolve needs --reason")
            event = store.resolve_check(pid, resolve_id, reason=reason, actor=ctx.actor)
            if as_json:
                print_json({"id": pid, "check": resolve_id,
                            "resolved": {"seq": event.seq, "by": ctx.actor, "reason": reason}})
            else:
                click.echo(f"resolved check {resolve_id} of {pid} (audit seq {event.seq})")
            return
        check_proposals(store, [pid], actor=ctx.actor)
        found = store.checks(pid)
    # A broken [harness] table names its key; a proposal left unchecked, why.
    except (StoreError, ConfigError, ChecksNotRecorded) as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        print_json({"id": pid, "checks": found})
        return
    out = console()
    if not found:
        out.print(f"{pid[:12]}: no findings")
    for c in found:
        out.print(check_line(c, prefix=f"{c['id']:>5}  "))


def check_line(check: dict[str, Any], prefix: str = "") -> Text:
    """`severity  code  message`, the severity coloured, and who resolved it if anyone did."""
    resolved = check.get("resolved")
    state = "" if not resolved else f"  (resolved by {clean(resolved.get('by'))})"
    line = Text(prefix)
    severity = str(check.get("severity"))
    line.append(f"{severity:<6}", style=SEVERITY_STYLE.get(severity, ""))
    code = clean(str(check.get("code")), single_line=True)
    line.append(f"  {code:<22} {clean(check.get('message'), single_line=True)}{state}")
    return line


def _check_all(ctx: Context, *, as_json: bool) -> None:
    """Re-scan every proposal, oldest first, a page at a time; with `as_json`, print an array
    of `{id, checks}` (as `check ID --json`) one page at a time, so memory stays one page.
    A proposal whose checks cannot be recorded is named on stderr and the rest go on (exit 1).
    """
    store = ctx.store
    total, offset, failed = store.count(), 0, 0
    show = progress_on_terminal("checked", "proposals", BATCH)
    array = JsonArray() if as_json else None
    while offset < total:
        if show is not None:
            show(offset, total)
        page = [r["id"] for r in store.list(sort="oldest", limit=BATCH, offset=offset)]
        unchecked = _check_page(ctx, page)
        failed += len(unchecked)
        if array is not None:
            array.extend({"id": pid, "checks": store.checks(pid)} for pid in page
                         if pid not in unchecked)
        offset += len(page)
        if not page:
            break
    if show is not None:
        show(total, total)
    if array is not None:
        array.close()
    else:
        click.echo(f"checked {offset - failed} proposals")
    if failed:
        sys.exit(1)


def _check_page(ctx: Context, page: list[str]) -> dict[str, str]:
    """Check and record one page; returns why, by id, for those left unchecked, each named
    on stderr."""
    from reviewer.checks.run import ChecksNotRecorded, check_proposals

    try:
        check_proposals(ctx.store, page, actor=ctx.actor)
    except ChecksNotRecorded as exc:
        for pid, why in exc.failed.items():
            click.echo(clean(f"error: {pid[:12]}: static checks not recorded: {why}",
                             single_line=True), err=True)
        return exc.failed
    return {}


class JsonArray:
    """A JSON array written to stdout an element at a time, formatted as `print_json` would
    format the whole list, so a large store's output never sits in memory at once."""

    def __init__(self) -> None:
        self.count = 0

    def extend(self, values: Iterable[Any]) -> None:
        """Write each of `values` as the array's next element."""
        for value in values:
            text = json.dumps(value, indent=2, ensure_ascii=True, allow_nan=False)
            sys.stdout.write(("[\n" if self.count == 0 else ",\n") + textwrap.indent(text, "  "))
            self.count += 1

    def close(self) -> None:
        """End the array (`[]` when nothing was written)."""
        sys.stdout.write("\n]\n" if self.count else "[]\n")
