"""list, search, approve, reject, comment and undo."""

from __future__ import annotations

from typing import TypedDict

import click
from rich.console import Console
from rich.text import Text

from reviewer.commands import SQL_INT_MAX
from reviewer.config import ConfigError
from reviewer.context import Context, console, each_proposal, listing, pass_ctx, print_json
from reviewer.decide import decide, undo
from reviewer.ingest.agentname import normalized
from reviewer.present import children_note
from reviewer.shapes import list_item
from reviewer.textsafe import clean, encodable, short, short_middle
from store import ReviewStore, Seen, StaleView, StoreError
from store.errors import GateError
from store.proposals import STATUSES
from store.query import QUEUE_SORT, SORTS, VERDICT_FILTERS, fts_query


class _Filters(TypedDict):
    """The filters `list` and `count` share, typed so that both calls are checked."""

    status: str | None
    agent: str | None
    text: str | None
    verdict: str | None
    builds_on: str | None
    line: bool


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


# The measured column marks how the latest rerun's verdict judged the claim.
VERDICT_MARKS = {"reproduced": "✓", "not_reproduced": "✗"}
# An output that cannot encode ✓ and ✗ prints both as `?`, losing the only verdict `list`
# shows, so it gets letters that still differ.
ASCII_MARKS = {"reproduced": "y", "not_reproduced": "n"}


def verdict_marks(encoding: str) -> dict[str, str]:
    """The verdict marks an output in `encoding` can show."""
    return VERDICT_MARKS if encodable("".join(VERDICT_MARKS.values()), encoding) else ASCII_MARKS


def _measured(row: dict, marks: dict[str, str]) -> str:
    """The latest rerun's PGR with its verdict's mark, or the verdict where none was measured."""
    verdict, pgr = row.get("verdict"), row.get("measured_pgr")
    if pgr is None:
        return {"failed": "failed", "refused": "refused"}.get(verdict or "", "—")
    return f"{pgr:.3f}{marks.get(verdict or '', '')}"


def print_queue(rows: list[dict], total: int, out: Console | None = None) -> None:
    """A table of proposals; every agent string is cleaned and printed without markup."""
    out = out or console()
    marks = verdict_marks(out.encoding)
    table = listing(
        f"{len(rows)} of {total} proposals (measured: {marks['reproduced']} reproduced, "
        f"{marks['not_reproduced']} not reproduced)",
        (
            ("id", {"width": 12}),  # never left out, nor cut on a terminal of 14 or more
            ("status", {"width": 8, "drop": 4}),
            ("risk", {"justify": "right", "width": 4, "drop": 1}),
            # With a ratio, Rich takes `width` as the least a column gets (min_width is not
            # read): these fit 80 columns with the title; wider terminals give it more.
            # Narrower ones leave out columns by `drop`, lowest first, so the rest stay whole.
            ("agent", {"ratio": 1, "width": 8, "max_width": 14, "drop": 7}),
            ("idea", {"ratio": 1, "width": 9, "max_width": 18, "drop": 5}),
            ("title", {"ratio": 4, "width": 12, "drop": 8}),
            ("claim", {"justify": "right", "width": 5, "drop": 3}),
            ("meas.", {"justify": "right", "width": 7, "drop": 6}),
            ("flags", {"justify": "right", "width": 5, "drop": 2}),
        ),
        width=out.width,
    )
    for r in rows:
        table.add_row(
            r["id"][:12],
            r["status"],
            "—" if r.get("risk") is None else f"{r['risk']:.1f}",
            Text(short_middle(r["agent"], 24)),
            Text(short(r["idea"], 24)),
            Text(short(r["title"], 80)),
            _fmt(r["claimed_pgr"]),
            _measured(r, marks),
            str(r.get("flags") or "—"),
        )
    out.print(table)


@click.command("list")
@click.option("--status", type=click.Choice(STATUSES), help="Only proposals in this state.")
@click.option("--agent", help="Only this agent's proposals.")
@click.option(
    "--verdict",
    type=click.Choice(VERDICT_FILTERS),
    help="Only proposals whose latest rerun says this ('none': not rerun yet).",
)
@click.option("--search", "text", help="Full-text filter over title, summary, idea and agent.")
@click.option(
    "--builds-on", metavar="ID", help="Only proposals whose parent names this one (lineage)."
)
@click.option(
    "--line",
    is_flag=True,
    help="With --builds-on: also those that descend from it through pending proposals, "
    "whose approval a rejection of it gates (at most 2,000).",
)
@click.option("--sort", type=click.Choice(sorted(SORTS)), default=QUEUE_SORT, show_default=True)
@click.option("--limit", type=click.IntRange(0, 100_000), default=50, show_default=True)
@click.option("--offset", type=click.IntRange(0, SQL_INT_MAX), default=0, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array (DESIGN §4.5).")
@pass_ctx
def list_cmd(
    ctx: Context,
    status: str | None,
    agent: str | None,
    verdict: str | None,
    text: str | None,
    builds_on: str | None,
    line: bool,
    sort: str,
    limit: int,
    offset: int,
    as_json: bool,
) -> None:
    """List proposals, riskiest first, a page at a time."""
    if line and builds_on is None:
        raise click.UsageError("--line needs --builds-on ID: the proposal the line starts from")
    # Names are stored as ingest spells them, so a name typed with a fullwidth letter or a
    # stray space still finds its proposals.
    agent = None if agent is None else normalized(agent)
    filters: _Filters = {"status": status, "agent": agent, "text": text, "verdict": verdict,
                         "builds_on": builds_on, "line": line}  # fmt: skip
    try:
        rows = ctx.store.list(sort=sort, limit=limit, offset=offset, **filters)
        total = None if as_json else ctx.store.count(**filters)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc
    if total is None:
        print_json([list_item(r) for r in rows])
        return
    print_queue(rows, total)


@click.command("search")
@click.argument("text")
@click.option("--limit", type=click.IntRange(1, 10_000), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array, as `list --json`.")
@pass_ctx
def search_cmd(ctx: Context, text: str, limit: int, as_json: bool) -> None:
    """Best full-text matches first (bm25 over title, summary, idea and agent)."""
    if fts_query(text) is None:  # the count would otherwise be every proposal's
        raise click.BadParameter("has no word to search for", param_hint="TEXT")
    rows = ctx.store.search(text, limit=limit)
    if as_json:
        print_json([list_item(r) for r in rows])
        return
    print_queue(rows, ctx.store.count(text=text))


def _decide(
    ctx: Context, ref: str, action: str, reason: str, override: str | None = None,
    diff: str | None = None,
) -> None:
    store = ctx.store
    try:
        seen = None if diff is None else _seen_diff(store, ref, diff, ctx.actor)
        outcome = decide(store, ref, action, reason=reason, actor=ctx.actor, override=override,
                         seen=seen)
    except GateError as exc:
        lines = "\n".join(f"  - {clean(g, single_line=True)}" for g in exc.unmet)
        raise click.ClickException(
            f"cannot approve {exc.proposal_id[:12]} yet; unmet gates:\n{lines}\n"
            "Fix them, or approve with --override REASON (recorded in the audit trail)."
        ) from exc
    except (StoreError, ConfigError) as exc:
        raise click.ClickException(str(exc)) from exc
    event = outcome.event
    if "override_seq" in event.payload:
        click.echo(f"override recorded (audit seq {event.payload['override_seq']})")
    if action == "approve" and outcome.status == "pending":
        need = store.gate_policy.required_approvals
        click.echo(
            f"approval recorded for {event.proposal_id} (audit seq {event.seq}); "
            f"{need} distinct reviewers must approve before it counts"
        )
        return
    click.echo(f"{outcome.status} {event.proposal_id} (audit seq {event.seq})")
    if outcome.pending_children:
        pid = event.proposal_id
        assert pid is not None  # a decision's event names its proposal
        note = children_note(outcome.pending_children, pid, outcome.pending_line,
                             outcome.line_complete)
        listing = (f"reviewer list --builds-on {pid[:12]} --line --status pending"
                   if outcome.pending_line > outcome.pending_children or not outcome.line_complete
                   else f"reviewer list --builds-on {pid[:12]} --status pending")
        click.echo(f"{note}; `{listing}` lists them", err=True)
    if outcome.published is not None and not outcome.published.unchanged:
        click.echo(f"published to {outcome.published.folder}")
    if outcome.publish_error is not None:
        click.echo(
            clean(f"warning: the decision stands but publishing failed: {outcome.publish_error}"),
            err=True,
        )


def _seen_diff(store: ReviewStore, ref: str, expected: str, actor: str) -> Seen:
    """`--diff`: the diff the caller read (`show` prints its sha256), or `none`; the gates are
    those an approval by `actor` fails now, which `--override` is there to cover."""
    current = store.get(ref)["diff_sha256"]
    wanted = expected.strip().lower()
    if wanted == "none" and current is None:
        return Seen(None, tuple(store.gates(ref, actor=actor)))
    if wanted != "none" and (len(wanted) < 12 or wanted.strip("0123456789abcdef")):
        # Checked before comparing, so a short prefix of the right diff is not called stale.
        raise StaleView(f"--diff needs 12 or more hex digits of the diff_sha256 `show` prints "
                        f"(or `none`), not {expected!r}: nothing was recorded")
    if wanted != "none" and current and current.startswith(wanted):
        return Seen(current, tuple(store.gates(ref, actor=actor)))
    raise StaleView(f"{store.resolve(ref)[:12]} has diff {(current or 'none')[:12]}, not the "
                    f"{expected!r} you read: nothing was recorded")


@click.command("approve")
@click.argument("ref")
@click.option("--reason", required=True, help="Why it is approved (kept in the audit log).")
@click.option(
    "--override",
    metavar="REASON",
    help="Approve although gates are unmet; the reason is its own audit event.",
)
@click.option(
    "--diff",
    "diff",
    metavar="SHA256",
    help="Approve only if its diff is still this one (12 or more hex digits, as `show` "
         "prints; `none` for no code).",
)
@pass_ctx
def approve_cmd(ctx: Context, ref: str, reason: str, override: str | None,
                diff: str | None) -> None:
    """Approve a pending proposal (it must pass the [gates] unless overridden)."""
    _decide(ctx, ref, "approve", reason, override, diff)


@click.command("reject")
@click.argument("refs", metavar="ID...", nargs=-1, required=True)
@click.option("--reason", required=True, help="Why it is rejected (kept in the audit log).")
@pass_ctx
def reject_cmd(ctx: Context, refs: tuple[str, ...], reason: str) -> None:
    """Reject pending proposals, each with its own audit event.

    With several IDs (all of an agent caught cheating, say), one that cannot be rejected is
    named on stderr and the rest still are; the exit status is then 1.
    """
    if each_proposal(ctx.store, refs, lambda pid: _decide(ctx, pid, "reject", reason)):
        raise click.exceptions.Exit(1)


@click.command("comment")
@click.argument("ref")
@click.argument("text")
@pass_ctx
def comment_cmd(ctx: Context, ref: str, text: str) -> None:
    """Add a comment to a proposal's timeline."""
    try:
        event = ctx.store.comment(ref, text, actor=ctx.actor)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"commented on {event.proposal_id} (audit seq {event.seq})")


@click.command("undo")
@click.argument("ref")
@click.option("--reason", help="Why the last decision is reverted.")
@pass_ctx
def undo_cmd(ctx: Context, ref: str, reason: str | None) -> None:
    """Revert the last decision on a proposal with a new audit event.

    A finding it had published (or a rejection record) is withdrawn from the shared findings.
    """
    try:
        outcome = undo(ctx.store, ref, actor=ctx.actor, reason=reason)
    except (StoreError, ConfigError) as exc:
        raise click.ClickException(str(exc)) from exc
    event = outcome.event
    click.echo(
        f"undid {event.payload['reverted_action']} of {event.proposal_id} (audit seq {event.seq})"
    )
    gone = outcome.withdrawn
    if gone is not None:
        click.echo(clean(gone.describe()))
        if gone.http_copy:
            # A POST that failed or was cut short may still have reached the server.
            click.echo(clean(f"warning: any copy sent to {gone.http_copy} stays there; "
                             "that server has no delete"), err=True)
    if outcome.publish_error is not None:
        click.echo(clean(f"warning: the undo stands but withdrawing the published record "
                         f"failed: {outcome.publish_error}"), err=True)
