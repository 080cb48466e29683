"""`reviewer assist ID`: an advisory second opinion from Claude, recorded in the audit trail."""

from __future__ import annotations

from typing import Any

import click
from rich.text import Text

from reviewer.assist import AssistError, load_assist_config, second_opinion
from reviewer.config import ConfigError
from reviewer.context import Context, console, pass_ctx, print_json
from reviewer.shapes import show
from reviewer.textsafe import clean
from store import StoreError


@click.command("assist")
@click.argument("ref")
@click.option("--json", "as_json", is_flag=True, help="Print the recorded opinion as JSON.")
@pass_ctx
def assist_cmd(ctx: Context, ref: str, as_json: bool) -> None:
    """Ask Claude whether a proposal looks like a reward hack (needs ANTHROPIC_API_KEY).

    Sends the title, summary, diff and check findings, and the reviewers' decisions on the
    proposals it builds on, never the claimed numbers; the answer is advisory and is
    recorded as an `assist` audit event.
    """
    try:
        config = load_assist_config()
        checks = show(ctx.store, ref)["checks"]
        record = second_opinion(ctx.store, ref, config=config, actor=ctx.actor, checks=checks)
    except (ConfigError, StoreError, AssistError) as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        print_json(record)
        return
    print_record(record)


def print_record(record: dict[str, Any]) -> None:
    """The opinion as text; the model's words are cleaned and printed with markup off."""
    out = console()
    answer = record["answer"]
    out.print(Text(f"second opinion  {clean(record['model'], single_line=True)}  (advisory)"))
    out.print(f"suspected hack  {'yes' if answer['suspected_hack'] else 'no'}")
    out.print(f"risk            {answer['risk']}")
    out.print(f"checks sent     {', '.join(record['checks_sent']) or 'none'}")
    if record["parents_sent"]:
        out.print(f"parents told    {', '.join(p[:12] for p in record['parents_sent'])}")
    out.print(f"recorded        audit seq {record['seq']}")
    out.print()
    out.print(Text(clean(answer["rationale"])))
    if answer["questions"]:
        out.print()
        out.print("questions to check:")
        for question in answer["questions"]:
            out.print(Text(f"  - {clean(question, single_line=True)}"))
