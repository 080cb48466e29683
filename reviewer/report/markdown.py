"""The report as Markdown, fit for a paper's appendix or a forge.

Agent text reaches the page only through `inline` (one line, every Markdown and HTML
metacharacter made literal), so a title, reason or message cannot add a link, an image, raw
HTML or a table cell; `code` puts only plain ids and hashes in code spans.
"""

from __future__ import annotations

import re
from typing import Any

from reviewer.mdsafe import inline
from reviewer.report import fmt
from reviewer.report.collect import (
    AGENT_COUNTS,
    MEASURED_FROM,
    NOT_MEASURED,
    VERDICTS,
    Entry,
    Report,
)

_PLAIN = re.compile(r"[0-9A-Za-z.:-]+")


def code(value: Any) -> str:
    """An id or hash in a code span when it is plain, else escaped text: spans ignore escapes."""
    text = fmt.line(value)
    return f"`{text}`" if _PLAIN.fullmatch(text) else inline(text)


# What can open a block at a line's start, and `inline` leaves alone: a list item, or a run
# of `=` or `-` that turns the line above into a heading ("VERIFIED: PGR 0.99" as an <h1>).
_BLOCK_START = re.compile(r"^(\s*)(\d{1,9}(?=[.)])|[-+=])")


def _literal_row(row: str) -> str:
    """One line of agent text, escaped like `inline` and unable to start a block."""
    return _BLOCK_START.sub(lambda m: m[1] + (m[2] + "\\" if m[2][0].isdigit() else "\\" + m[2]),
                            inline(row), count=1)


def quoted(text: str) -> list[str]:
    """Multi-line agent text as a block quote whose every line is literal text."""
    return [f"> {_literal_row(row)}" if row.strip() else ">" for row in text.splitlines()]


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(row) + " |" for row in rows]
    return [*out, ""]


def _audit(report: Report) -> list[str]:
    audit = report.audit
    state = (
        f"ok ({audit.events} events)"
        if audit.ok
        else f"FAILED: {inline(audit.problems[0] if audit.problems else 'unknown problem')}"
    )
    lines = [
        "## Audit trail",
        "",
        f"- head: event {audit.head_seq}, hash {code(audit.head_hash)}",
        f"- `reviewer audit verify` at report time: {state}",
    ]
    lines += [f"- also: {inline(p)}" for p in audit.problems[1:]]
    lines += [f"- {inline(audit.signed)}"] if audit.signed else []
    lines += [f"- warning: {inline(w)}" for w in audit.warnings]
    lines += [
        "",
        "Readers can check this report against the store: `reviewer audit verify` recomputes "
        "the chain, and every decision below names its event number and hash.",
        "",
    ]
    return lines


def _summary(report: Report) -> list[str]:
    c = report.counts()
    lines = ["## Summary", ""]
    lines += _table(
        ["reviewed", "approved", "rejected", "pending", "overrides"],
        [[str(c[k]) for k in ("reviewed", "approved", "rejected", "pending", "overrides")]],
    )
    verdicts = [*VERDICTS, NOT_MEASURED] + (["other_verdict"] if c["other_verdict"] else [])
    lines += _table([fmt.count_label(v) for v in verdicts], [[str(c[v]) for v in verdicts]])
    lines += _table(
        ["high checks", "medium checks", "low checks"],
        [[str(c[f"checks_{s}"]) for s in ("high", "medium", "low")]],
    )
    return lines


def _agents(report: Report) -> list[str]:
    rows = [
        [inline(r.agent), *(str(r.counts[k]) for k in AGENT_COUNTS), fmt.signed(r.overclaim)]
        for r in report.agents()
    ]
    header = ["agent", *(fmt.count_label(k) for k in AGENT_COUNTS), "claimed - measured PGR"]
    return ["## Agents", "", *_table(header, rows)]


def _overview(report: Report) -> list[str]:
    rows = [
        [
            str(e.number),
            code(e.id[:12]),
            inline(e.proposal.get("title")),
            inline(e.proposal.get("agent")),
            e.proposal["status"],
            fmt.pm(e.claimed_pgr, (e.proposal.get("claimed") or {}).get("pgr_se")),
            fmt.pm(e.measured_pgr, (e.measured or {}).get("pgr_se")),
            fmt.verdict_label(e.verdict),
            ", ".join(inline(a) for a in e.deciders) or "—",
        ]
        for e in report.entries
    ]
    header = ["#", "proposal", "title", "agent", "status", "claimed PGR", "measured PGR",
              "verdict", "decided by"]  # fmt: skip
    return ["## Claimed vs measured", "", *_table(header, rows)]


def _claim(e: Entry) -> list[str]:
    p = e.proposal
    claimed = p.get("claimed") or {}
    rows = [
        ["id", code(p["id"])],
        ["agent", inline(p.get("agent"))],
        ["idea", inline(p.get("idea"))],
        ["status", inline(p.get("status"))],
        ["harness", f"{inline(p.get('harness'))} at {inline(p.get('base'))}"],
        ["diff sha256", code(p.get("diff_sha256") or "no code attached")],
        ["claimed PGR", fmt.pm(claimed.get("pgr"), claimed.get("pgr_se"))],
        ["claimed weak / strong / transfer acc",
         " / ".join(fmt.num(claimed.get(k)) for k in ("weak_acc", "strong_acc", "transfer_acc"))],
        ["claimed seeds", inline(fmt.seeds(claimed.get("seeds")))],
        ["dataset", inline(claimed.get("dataset"))],
        ["measured PGR", fmt.pm(e.measured_pgr, (e.measured or {}).get("pgr_se"))
         + (f" (rerun {e.measured['id']})" if e.measured else "")],
        ["verdict", fmt.verdict_label(e.verdict)],
    ]  # fmt: skip
    return _table(["", ""], rows)


def _decisions(e: Entry) -> list[str]:
    lines = ["#### Decisions", ""]
    if not e.decisions:
        return [*lines, "No decision recorded.", ""]
    rows = [
        [
            inline(d.at),
            inline(d.actor),
            d.action + ("" if d.live else " (reverted)"),
            inline(d.reason),
            f"{d.seq} {code(d.hash[:16])}",
        ]
        for d in e.decisions
    ]
    lines += _table(["time", "reviewer", "action", "reason", "audit event"], rows)
    for o in e.overrides:
        unmet = "; ".join(inline(u) for u in o.unmet) or "—"
        lines.append(f"- override by {inline(o.actor)} (event {o.seq}): unmet gates: {unmet}")
    return [*lines, ""] if e.overrides else lines


def _reruns(e: Entry) -> list[str]:
    lines = ["#### Reruns", ""]
    reruns = e.proposal.get("reruns") or []
    if not reruns:
        return [*lines, "Not measured: no rerun was requested.", ""]
    rows = [
        [
            str(r["id"]),
            inline(r.get("state")),
            inline(fmt.verdict_label(str(r.get("verdict") or ""))),
            inline(fmt.seeds(r.get("seeds"))),
            fmt.pm(r.get("pgr_mean"), r.get("pgr_se")),
            fmt.interval(r.get("pgr_ci")),
            fmt.num(r.get("baseline_pgr_mean")),
            fmt.num(r.get("gain_p_value"), 4),
            inline(fmt.env_line(r.get("env"))),
        ]
        for r in reruns
    ]
    lines += _table(
        ["job", "state", "verdict", "seeds", "PGR", "95% CI", "baseline PGR", "gain p",
         "environment"],
        rows,
    )  # fmt: skip
    if e.stale_reruns:
        jobs = ", ".join(str(j) for j in e.stale_reruns)
        lines += [f"Reruns {jobs} ran an earlier diff and do not count.", ""]
    for r in reruns:
        per_seed = [s for s in r.get("per_seed") or [] if isinstance(s, dict)]
        if not per_seed:
            continue
        lines += [f"Per seed, rerun {r['id']}:", ""]
        lines += _table(
            ["seed", "transfer acc", "weak acc", "ceiling acc", "PGR"],
            [
                [inline(s.get("seed")), fmt.num(s.get("transfer_acc")), fmt.num(s.get("weak_acc")),
                 fmt.num(s.get("ceiling_acc")), fmt.num(s.get("pgr"))]
                for s in per_seed
            ],
        )  # fmt: skip
    return lines


def _checks(e: Entry) -> list[str]:
    lines = ["#### Checks", ""]
    checks = e.proposal.get("checks") or []
    if not checks:
        return [*lines, "None raised.", ""]
    rows = []
    for c in checks:
        resolved = c.get("resolved")
        note = (
            f"resolved by {inline(resolved.get('by'))}: {inline(resolved.get('reason'))}"
            if isinstance(resolved, dict)
            else "open"
        )
        rows.append(
            [inline(c.get("severity")), inline(c.get("code")), inline(c.get("message")), note]
        )
    return lines + _table(["severity", "code", "message", "state"], rows)


def _entry(e: Entry) -> list[str]:
    lines = [f"### {e.number}. {inline(e.proposal.get('title'))}", "", *_claim(e)]
    summary = fmt.summary(e.proposal.get("summary"))
    if summary:
        lines += ["Summary (agent text):", "", *quoted(summary), ""]
    return lines + _decisions(e) + _reruns(e) + _checks(e)


def render(report: Report) -> str:
    """The whole report as one Markdown document."""
    lines = [
        "# Review report",
        "",
        f"Generated {inline(report.generated_at)} by `reviewer report`; scope: "
        f"{inline(report.scope)}. PGR = (transfer - weak) / (ceiling - weak); {MEASURED_FROM}",
        "",
        *_audit(report),
        *_summary(report),
        *(_agents(report) if len(report.entries) > 1 else []),
        *_overview(report),
        "## Proposals",
        "",
    ]
    if not report.entries:
        lines += ["No proposal matched.", ""]
    for e in report.entries:
        lines += _entry(e)
    return "\n".join(lines).rstrip("\n") + "\n"
