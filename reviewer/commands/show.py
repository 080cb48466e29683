"""`reviewer show`: one proposal with everything a decision rests on, as text or JSON."""

from __future__ import annotations

import json
from typing import Any

import click
from rich.console import Console
from rich.text import Text

from reviewer.commands.checks import check_line
from reviewer.commands.rerun import rerun_summary
from reviewer.context import Context, console, pass_ctx, print_json
from reviewer.present import (
    checks_by_severity,
    ended_in_failure,
    log_tail_lines,
    num,
    pm,
    publication_text,
    relative_text,
    timeline,
)
from reviewer.shapes import show
from reviewer.textsafe import clean, short
from store import StoreError


@click.command("show")
@click.argument("ref")
@click.option("--json", "as_json", is_flag=True, help="Print the object of DESIGN §4.5.")
@pass_ctx
def show_cmd(ctx: Context, ref: str, as_json: bool) -> None:
    """Show one proposal (ID may be a unique prefix): claim, checks, reruns, gates, record."""
    try:
        data = show(ctx.store, ref)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        print_json(data)
        return
    print_proposal(data, console())


def print_proposal(data: dict[str, Any], out: Console) -> None:
    """The `show` object as text; every agent string is cleaned and printed without markup."""
    out.print(Text(clean(data["title"], single_line=True), style="bold"))
    for label, value in _header(data):
        out.print(Text(f"{label:<9}{value}"))
    _print_lineage(data.get("lineage"), out)
    if (data.get("lineage") or {}).get("parents") and data["diff_sha256"]:
        out.print(Text(f"          `reviewer diff {data['id'][:12]} --parent`: what its code "
                       "changes", style="dim"))
    _print_checks(data["checks"], out)
    _print_reruns(data["reruns"], out, has_code=data.get("diff_sha256") is not None)
    if data["status"] == "pending":
        _print_gates(data["gates"], out)
    if data.get("published"):
        out.print(Text(f"published  {publication_text('publish', data['published'])}"))
    if data.get("assist"):
        out.print(Text(_assist_line(data["assist"])))
    out.print()
    out.print(Text(clean(data["summary"]).rstrip()))
    _print_original(data.get("original"), out)
    entries = timeline(data)
    if entries:
        out.print()
        for e in entries:
            # Seconds are enough to read; `show --json` keeps the full timestamps.
            at = e.at[:19].replace("T", " ")
            out.print(Text(f"{at}  {e.actor}  {e.action}  {e.text}"))


def _header(data: dict[str, Any]) -> list[tuple[str, str]]:
    claimed = data["claimed"]
    return [
        ("id", data["id"]),
        ("status", data["status"]),
        ("agent", clean(data["agent"], single_line=True)),
        ("idea", clean(data["idea"], single_line=True) or "—"),
        ("harness", f"{clean(data['harness'])}  base {clean(data['base']) or '—'}"),
        ("diff", data["diff_sha256"] or "none attached"),
        *_source(data),
        (
            "claimed",
            f"PGR {pm(claimed['pgr'], claimed['pgr_se'])}  weak {num(claimed['weak_acc'])}  "
            f"strong {num(claimed['strong_acc'])}  transfer {num(claimed['transfer_acc'])}  "
            f"seeds {_seeds(claimed['seeds'])}",
        ),
        ("risk", num(data.get("risk"), 1)),
    ]


_SOURCES = {"git_commit": "git commit", "sandbox_finding": "sandbox finding"}


def _source(data: dict[str, Any]) -> list[tuple[str, str]]:
    """Where a proposal came from, when that is more than a file: a commit or a finding id."""
    kind = _SOURCES.get(data.get("source_format") or "")
    if kind is None or not data.get("external_id"):
        return []
    return [("from", f"{kind} {clean(data['external_id'], single_line=True)}")]


# A finding's fields that nothing above shows, in the order they are printed.
FINDING_FIELDS = (
    "finding_type", "weak_model", "strong_model", "post_id", "run_id", "commit_id",
    "pgr_delta", "transfer_acc_se", "num_seeds", "worked", "config",
)  # fmt: skip
# Fields the header, lineage or summary already show, or that are printed apart below.
_SHOWN_ELSEWHERE = frozenset({
    "id", "title", "content", "idea_name", "agent", "agent_id", "agent_name", "author",
    "dataset", "seeds", "pgr", "pgr_se", "weak_acc", "strong_acc", "transfer_acc",
    "parent_commit_id", "created_at", "code_snippet", "files_snapshot",
})  # fmt: skip
MAX_VALUE = 1_000
MAX_SNIPPET_CHARS = 4_000
MAX_SNIPPET_LINES = 60
MAX_OTHER_NAMES = 20


def _print_original(original: Any, out: Console) -> None:
    """A sandbox finding's own fields that no other line shows, its code snippet as agent
    text, capped; `show --json` keeps the whole object under `original`."""
    if not isinstance(original, dict):
        return
    out.print()
    out.print(Text("From the finding (as the agent sent it)", style="bold"))
    for name in FINDING_FIELDS:
        if name in original:
            out.print(Text(f"  {name:<17}{_value(original[name])}"))
    if original.get("files_snapshot") is not None:
        out.print(Text(f"  {'files_snapshot':<17}left out here (`show --json` has it)"))
    others = sorted(str(k) for k in original if k not in _SHOWN_ELSEWHERE | set(FINDING_FIELDS))
    if others:
        names = ", ".join(short(k, 40) for k in others[:MAX_OTHER_NAMES])
        more = f" and {len(others) - MAX_OTHER_NAMES} more" if len(others) > MAX_OTHER_NAMES else ""
        out.print(Text(f"  other fields (in `show --json`): {names}{more}"))
    _print_snippet(original.get("code_snippet"), out)


def _value(value: Any) -> str:
    """One field's value on one line: JSON for all but strings, cleaned and capped."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    line = clean(text, single_line=True)
    if len(line) <= MAX_VALUE:
        return line
    return f"{line[:MAX_VALUE]}… ({len(line):,} characters; `show --json` has them all)"


def _print_snippet(snippet: Any, out: Console) -> None:
    """The agent's code snippet, indented under a label that says the reviewer never ran it."""
    text = clean(snippet).strip("\n")
    if not text.strip():
        return
    head = "\n".join(text[:MAX_SNIPPET_CHARS].split("\n")[:MAX_SNIPPET_LINES])
    out.print(Text("  code_snippet (the agent's code, not run by the reviewer):"))
    out.print(Text("\n".join(f"    {line}" for line in head.split("\n"))))
    if len(head) < len(text):
        out.print(Text(f"    [… the first {len(head):,} of {len(text):,} characters; "
                       "`show --json` has it all]"))


def _seeds(seeds: Any) -> str:
    return "-" if seeds is None else clean(str(seeds), single_line=True)


def _print_lineage(lineage: dict[str, Any] | None, out: Console) -> None:
    """What the proposal builds on and what builds on it; silent when neither exists."""
    if not lineage or not (lineage["parent"] or lineage["children_total"]):
        return
    if lineage["parent"]:
        parent = clean(lineage["parent"], single_line=True)
        if not lineage["parents"]:
            out.print(Text(f"builds on {parent} (not in this store)"))
        for item in lineage["parents"]:
            out.print(Text(f"builds on {relative_text(item, 400)}"))
    total = lineage["children_total"]
    if total:
        out.print(Text(f"built on by {total}:"))
        for item in lineage["children"]:
            out.print(Text(f"  {relative_text(item, 400)}"))
        if total > len(lineage["children"]):
            out.print(Text(f"  … and {total - len(lineage['children'])} more"))


def _print_checks(checks: list[dict[str, Any]], out: Console) -> None:
    groups = checks_by_severity(checks)
    if not groups:
        out.print("checks   none")
        return
    counts = ", ".join(f"{len(found)} {severity}" for severity, found in groups)
    out.print(f"checks   {counts}")
    for _severity, found in groups:
        for check in found:
            out.print(check_line(check, prefix="  "))


def _print_reruns(reruns: list[dict[str, Any]], out: Console, *, has_code: bool) -> None:
    if not reruns:
        out.print("reruns   none (`reviewer rerun ID` queues one)" if has_code else
                  "reruns   none (it carries no code to run)")
        return
    out.print("reruns")
    for item in reruns:
        # The checks section above already lists what each rerun raised.
        for line in rerun_summary(item, with_checks=False).splitlines():
            out.print(Text(f"  {line}"))
        for note in _notes(item):
            out.print(Text(f"    note: {clean(note, single_line=True)}"))
        if item.get("unsafe_no_sandbox"):
            out.print("    UNSAFE: ran without the sandbox")
        if ended_in_failure(item):
            _print_failure_output(item, out)


def _print_failure_output(item: dict[str, Any], out: Console) -> None:
    """A failed rerun's last lines (the summary above quotes the exception they end with),
    labelled as the method's own text since it may print a fake status line."""
    lines = log_tail_lines(item)
    if not lines:
        return
    out.print(Text(f"    the last {len(lines)} lines of the method's own output:", style="dim"))
    for line in lines:
        out.print(Text(f"    │ {line}"))


def _notes(item: dict[str, Any]) -> list[str]:
    """A rerun's notes (how the claim compares, best-of-N hints), less the reason the summary
    line already gives; a tampered row's non-list is shown as one note."""
    notes = item.get("notes") or []
    notes = notes if isinstance(notes, list) else [notes]
    return [str(n) for n in notes if n is not None and n != item.get("reason")]


def _print_gates(gates: list[str], out: Console) -> None:
    if not gates:
        out.print("gates    met: an approval may proceed")
        return
    out.print("gates    an approval is blocked by:")
    for gate in gates:
        out.print(Text(f"  - {clean(gate, single_line=True)}"))


def _assist_line(record: dict[str, Any]) -> str:
    answer = record.get("answer") or {}
    hack = "yes" if answer.get("suspected_hack") else "no"
    stale = "; the diff changed since" if record.get("stale") else ""
    model = clean(str(record.get("model")), single_line=True)
    risk = clean(str(answer.get("risk")), single_line=True)
    return (
        f"second opinion  {model}: suspected hack {hack}, risk {risk} "
        f"(advisory{stale}; its rationale is in `show --json`)"
    )
