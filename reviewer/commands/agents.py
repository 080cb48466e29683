"""`reviewer agents`: each agent's track record, to tell which agents need a closer look."""

from __future__ import annotations

import click
from rich.text import Text

from reviewer.context import Context, console, listing, pass_ctx, print_json
from reviewer.present import held_up
from reviewer.present.agents import LOOKALIKE_NOTE, agent_label, lookalikes
from store.agents import ORDERS, sorted_records


@click.command("agents")
@click.option(
    "--sort",
    type=click.Choice(sorted(ORDERS)),
    default="total",
    show_default=True,
    help="total: most proposals first; flagged: most flagged first; held: lowest share of "
    "reproduced claims first; name.",
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array, one object per agent.")
@pass_ctx
def agents_cmd(ctx: Context, sort: str, as_json: bool) -> None:
    """Each agent's proposals: decided how, how their claims held up when rerun, flagged."""
    records = sorted_records(ctx.store.agent_records(), sort)
    if as_json:
        print_json([r.to_json() for r in records])
        return
    out = console()
    # A narrow terminal leaves out counts by `drop`, lowest first: the agent's name (with a
    # ratio, Rich reads `width` as its least, not min_width), held and flag always stay.
    drops = {"pend": 1, "appr": 2, "rej": 3, "reran": 4, "not": 5, "fail": 6, "repro": 7,
             "total": 8}
    table = listing(
        f"{len(records)} agents",
        (
            ("agent", {"ratio": 1, "width": 8}),
            *((name, {"justify": "right", "min_width": 4,
                      **({"drop": drops[name]} if name in drops else {})})
              for name in ("total", "pend", "appr", "rej", "reran", "repro", "not", "fail",
                           "held", "flag")),
        ),
        width=out.width,
    )
    twins = lookalikes(r.agent for r in records)
    for r in records:
        table.add_row(
            Text(agent_label(r.agent, twins)),
            *(str(n) for n in (r.proposals, r.pending, r.approved, r.rejected, r.reran,
                               r.reproduced, r.not_reproduced, r.failed)),
            held_up(r),
            str(r.flagged),
        )
    out.print(table)
    out.print(
        "pend/appr/rej: pending, approved, rejected; reran: with a finished rerun, whose "
        "verdict was repro(duced), not (reproduced) or fail(ed or refused); held: repro "
        "of reran; flag: with an open high-severity check"
    )
    if twins:
        out.print(LOOKALIKE_NOTE)
