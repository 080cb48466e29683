"""`reviewer jobs`: the rerun queue, in the order the workers take it, and finished reruns."""

from __future__ import annotations

import click
from rich.text import Text

from reviewer.context import Context, console, listing, pass_ctx, print_json
from reviewer.rerun.listing import ACTIVE, RerunRow, rerun_rows
from store import ReviewStore, StoreError
from store.jobs import JOB_STATES


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
    try:
        rows = rerun_rows(ctx.store, chosen, limit)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        print_json([{**row.item, "proposal_id": row.proposal_id} for row in rows])
        return
    _print(ctx.store, rows, chosen)


def _print(store: ReviewStore, rows: list[RerunRow], chosen: tuple[str, ...]) -> None:
    counts = store.jobs.counts()
    table = listing(
        "reruns: " + ", ".join(f"{counts[s]} {s}" for s in chosen),
        (
            ("job", {"justify": "right", "width": 5}),
            ("state", {"width": 9}),
            ("proposal", {"width": 12}),
            ("title", {"ratio": 2, "min_width": 10}),
            ("seeds", {"justify": "right", "width": 5}),
            ("stage or result", {"ratio": 3, "min_width": 22}),
        ),
    )
    for row in rows:
        table.add_row(str(row.job), row.state, row.proposal_id[:12], Text(row.shown_title(80)),
                      str(row.seeds), Text(row.outcome()))
    console().print(table)
