"""`reviewer jobs`: the rerun queue, in the order the workers take it, and finished reruns."""

from __future__ import annotations

from typing import Any

import click
from rich.text import Text

from reviewer.context import Context, console, listing, pass_ctx, print_json
from reviewer.present import num
from reviewer.rerun.jobs import RERUN
from reviewer.shapes import rerun_item
from reviewer.textsafe import short
from store import ReviewStore, StoreError
from store.jobs import JOB_STATES, Job

ACTIVE = ("running", "queued")


def outcome_text(item: dict[str, Any]) -> str:
    """What a rerun is doing or came to: its stage, its verdict and mean PGR, or its error."""
    if item["state"] == "running":
        return short(str((item.get("progress") or {}).get("stage") or "started"), 60)
    if item.get("verdict"):
        return short(f"{item['verdict']} {num(item.get('pgr_mean'))}", 60)
    return short(item.get("error") or "", 60)


@click.command("jobs")
@click.option(
    "--state",
    "states",
    multiple=True,
    type=click.Choice(JOB_STATES),
    help="Only reruns in this state (repeatable; default: running and queued).",
)
@click.option("--all", "every", is_flag=True, help="Reruns in every state.")
@click.option("--limit", type=click.IntRange(1, 100_000), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of rerun objects.")
@pass_ctx
def jobs_cmd(
    ctx: Context, states: tuple[str, ...], every: bool, limit: int, as_json: bool
) -> None:
    """The rerun queue: running first, then queued in the order the workers take them.

    Finished reruns (--state done, failed or cancelled, or --all) follow, newest first.
    """
    if every and states:
        raise click.UsageError("give --state or --all, not both")
    chosen = JOB_STATES if every else (states or ACTIVE)
    store = ctx.store
    try:
        jobs = store.jobs.listing(RERUN, chosen, limit=limit)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc
    items = [{**rerun_item(job), "proposal_id": job.proposal_id} for job in jobs]
    if as_json:
        print_json(items)
        return
    _print(store, jobs, items, chosen)


def _print(
    store: ReviewStore, jobs: list[Job], items: list[dict[str, Any]], chosen: tuple[str, ...]
) -> None:
    counts = store.jobs.counts()
    title = ", ".join(f"{counts[s]} {s}" for s in chosen)
    table = listing(
        f"reruns: {title}",
        (
            ("job", {"justify": "right", "width": 5}),
            ("state", {"width": 9}),
            ("proposal", {"width": 12}),
            ("title", {"ratio": 2, "min_width": 10}),
            ("seeds", {"justify": "right", "width": 5}),
            ("stage or result", {"ratio": 3, "min_width": 22}),
        ),
    )
    for job, item in zip(jobs, items, strict=True):
        title_of = store.get(job.proposal_id)["title"]
        table.add_row(
            str(job.id),
            job.state,
            job.proposal_id[:12],
            Text(short(title_of, 80)),
            str(len(item.get("seeds") or [])),
            Text(outcome_text(item)),
        )
    console().print(table)
