"""`reviewer pull URL`: findings from a W2S sandbox server, once or every few seconds."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime

import click

from reviewer.commands.ingest import (
    IngestReport,
    print_report,
    run_checks,
    store_batch,
    withdraw_voided,
)
from reviewer.context import Context, pass_ctx
from reviewer.ingest import IngestError, fetch_findings
from reviewer.textsafe import clean
from store import ReviewStore


def pull_once(
    store: ReviewStore, url: str, timeout: float, actor: str, seen: set[str] | None = None
) -> tuple[IngestReport, int]:
    """Fetch every finding and store the new ones; also how many `seen` let it skip.

    `seen` holds the ids of findings an earlier pull of this process stored or found
    present, so a server that returns its whole list each time costs a fetch and a parse,
    not a store transaction per finding.
    """
    report = IngestReport()
    try:
        proposals = fetch_findings(url, timeout=timeout)
    except IngestError as err:
        report.fail(str(err.path), err.message, err.line, err.field)
        return report, 0
    from reviewer.checks.run import ingest_checker

    known = seen if seen is not None else set()
    fresh = [p for p in proposals if p.content_hash not in known]
    store_batch(store, url, fresh, actor, report, ingest_checker())
    run_checks(store, report.unchecked(), actor, report)
    withdraw_voided(store, report.attached, actor, report)
    known.update(report.added + report.present + report.attached)
    return report, len(proposals) - len(fresh)


Emit = Callable[[int, IngestReport, int], None]


def follow(
    store: ReviewStore,
    url: str,
    *,
    timeout: float,
    actor: str,
    every: float,
    rounds: int | None,
    emit: Emit,
    sleep: Callable[[float], None] = time.sleep,
) -> IngestReport:
    """Pull every `every` seconds, `rounds` times or until interrupted; the last report.

    A failed pull (the server down, a bad body) is reported and the next one tries again.
    """
    seen: set[str] = set()
    done = 0
    report = IngestReport()
    while rounds is None or done < rounds:
        if done:
            sleep(every)
        report, skipped = pull_once(store, url, timeout, actor, seen)
        done += 1
        emit(done, report, skipped)
    return report


def _emit(as_json: bool) -> Emit:
    def emit(number: int, report: IngestReport, skipped: int) -> None:
        at = datetime.now(UTC).isoformat(timespec="seconds")
        if as_json:  # one line a pull: JSON Lines a script can follow
            line = {"pull": number, "at": at, **report.to_json(), "unchanged": skipped}
            click.echo(json.dumps(line, ensure_ascii=True, allow_nan=False))
            return
        click.echo(
            f"{at}  pull {number}: added {len(report.added)}, "
            f"already present {len(report.present)}, unchanged since the last pull {skipped}, "
            f"errors {len(report.errors)}"
        )
        for e in report.errors:
            click.echo(clean(f"error: {e['path']}: {e['message']}", single_line=True), err=True)

    return emit


@click.command("pull")
@click.argument("url")
@click.option("--timeout", type=click.FloatRange(0.1, 600), default=30.0, show_default=True)
@click.option(
    "--every",
    type=click.FloatRange(min=1.0),
    metavar="SECONDS",
    help="Keep pulling, this many seconds apart, until interrupted (ctrl+c).",
)
@click.option(
    "--rounds", type=click.IntRange(min=1), help="With --every: stop after this many pulls."
)
@click.option("--json", "as_json", is_flag=True, help="Print added/present ids and errors.")
@pass_ctx
def pull_cmd(
    ctx: Context,
    url: str,
    timeout: float,
    every: float | None,
    rounds: int | None,
    as_json: bool,
) -> None:
    """Fetch URL/api/findings/all from a W2S sandbox server and ingest the findings.

    With --every, a line (or a JSON object) per pull; findings already stored by an earlier
    pull are skipped before they reach the store. The exit status is 1 if the last pull failed.
    """
    if every is None:
        if rounds is not None:
            raise click.UsageError("--rounds needs --every")
        print_report(pull_once(ctx.store, url, timeout, ctx.actor)[0], as_json)
        return
    emit = _emit(as_json)
    try:
        last = follow(ctx.store, url, timeout=timeout, actor=ctx.actor, every=every,
                      rounds=rounds, emit=emit)  # fmt: skip
    except KeyboardInterrupt:
        click.echo("stopped", err=True)
        return
    if last.errors:
        raise click.exceptions.Exit(1)
