"""`reviewer pull URL`: findings from a W2S sandbox server, once or every few seconds."""

from __future__ import annotations

import sqlite3

import click

from reviewer.commands.ingest import (
    finish_stored,
    store_batch,
)
from reviewer.commands.ingest_report import IngestReport
from reviewer.commands.repeat import once_or_every, repeat_options
from reviewer.context import Context, pass_ctx
from reviewer.ingest import IngestError, fetch_findings
from store import ReviewStore

_REJECTED = "rejected:"  # keeps a bad finding's digest apart from stored ids in `seen`


def pull_once(
    store: ReviewStore, url: str, timeout: float, actor: str, seen: set[str] | None = None
) -> tuple[IngestReport, int]:
    """Fetch every finding and store the new ones; also how many `seen` let it skip.

    `seen` holds the ids of findings an earlier pull of this process stored or found
    present, so a server that returns its whole list each time costs a fetch and a parse,
    not a store transaction per finding; and the digests of findings it rejected, so each
    bad finding is reported once, not on every pull for as long as the server keeps it.
    A store error (a full disk) stores none of them: `report.stopped` says so, as it does for
    `reviewer ingest`, and they stay out of `seen` for the next pull to store.
    """
    report = IngestReport()
    try:
        proposals, rejected = fetch_findings(url, timeout=timeout)
    except IngestError as exc:
        report.fail_source(str(exc.path), exc.message)
        return report, 0
    known = seen if seen is not None else set()
    skipped = 0
    for digest, err in rejected:
        if _REJECTED + digest in known:
            skipped += 1
            continue
        known.add(_REJECTED + digest)
        report.fail(str(err.path), err.message, err.line, err.field)
    from reviewer.checks.run import ingest_checker

    fresh = [p for p in proposals if p.content_hash not in known]
    try:
        store_batch(store, url, fresh, actor, report, ingest_checker())
    except sqlite3.DatabaseError as exc:
        report.stop(str(exc), 0, len(fresh), unit="findings")
    finish_stored(store, report, actor)
    known.update(report.added + report.present + report.attached)
    return report, skipped + len(proposals) - len(fresh)


@click.command("pull")
@click.argument("url")
@click.option("--timeout", type=click.FloatRange(0.1, 600), default=30.0, show_default=True)
@repeat_options("pulling", "pull")
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
    once_or_every(lambda seen: pull_once(ctx.store, url, timeout, ctx.actor, seen), "pull",
                  every, rounds, as_json)  # fmt: skip
