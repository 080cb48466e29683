"""The Markdown provenance card published beside each finding.

Every agent string is cleaned of control, escape and bidi characters and has its Markdown
and HTML metacharacters escaped (`reviewer.mdsafe.inline`), and the agent's summary sits in
a fence, so viewing the card on a forge renders no links, images or HTML the agent wrote.
"""

from __future__ import annotations

import json
import re
from typing import Any

from reviewer.mdsafe import inline
from reviewer.textsafe import clean


def cell(value: Any) -> str:
    """Agent or stored text as one literal line: no link, image, HTML, emphasis or cell break."""
    if value is None:
        return "—"
    return inline(value if isinstance(value, str) else json.dumps(value, ensure_ascii=True))


def num(value: Any, places: int = 3) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "—"
    return f"{value:.{places}f}"


def _pm(mean: Any, se: Any) -> str:
    return num(mean) if se is None else f"{num(mean)} ± {num(se)}"


def fenced(text: str) -> str:
    """Text in a fence longer than any backtick run inside it, so it cannot close early."""
    body = clean(text).rstrip("\n")
    runs = [len(m) for m in re.findall(r"`+", body)]
    fence = "`" * max(3, max(runs, default=0) + 1)
    return f"{fence}text\n{body}\n{fence}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _claim_vs_measurement(f: dict[str, Any]) -> list[str]:
    claimed = f.get("claimed") or {}
    measured = f.get("measured")
    ci = (measured or {}).get("pgr_ci") or [None, None]
    rows = [
        ["PGR", _pm(claimed.get("pgr"), claimed.get("pgr_se")),
         _pm(f.get("pgr"), f.get("pgr_se")) + (f" (95% CI {num(ci[0])} to {num(ci[1])})"
                                                if ci[0] is not None else "")],
        ["transfer acc", num(claimed.get("transfer_acc")),
         _pm(f.get("transfer_acc"), f.get("transfer_acc_se"))],
        ["weak acc", num(claimed.get("weak_acc")), num(f.get("weak_acc"))],
        ["strong (ceiling) acc", num(claimed.get("strong_acc")), num(f.get("strong_acc"))],
        ["seeds", cell(claimed.get("seeds")), cell(f.get("seeds"))],
        # The rerun's task, never the finding's `dataset`, which falls back to the claim.
        ["dataset / task", cell(claimed.get("dataset")), cell((measured or {}).get("task"))],
    ]  # fmt: skip
    lines = ["## Claim vs measurement", "", *_table(["", "claimed", "measured"], rows), ""]
    if measured is None:
        lines += ["No completed rerun measured this diff: the numbers above are not verified.", ""]
        return lines
    env = measured.get("env") or {}
    lines += [
        f"- verdict: **{cell(measured.get('verdict'))}** (rerun job {measured.get('job')})",
        f"- gain over the paired `naive` baseline: {num(measured.get('gain_mean'))} "
        f"(paired t-test p = {num(measured.get('gain_p_value'), 4)}; baseline PGR "
        f"{num(measured.get('baseline_pgr_mean'))})",
        f"- environment: harness {cell(env.get('harness'))}, device {cell(env.get('device_name'))}"
        f", torch {cell(env.get('torch'))}, sandbox {cell(env.get('sandbox'))}",
    ]
    lines += [f"- note: {cell(note)}" for note in measured.get("notes") or []]
    lines += ["", "### Per seed", ""]
    lines += _table(
        ["seed", "transfer acc", "weak acc", "ceiling acc", "PGR"],
        [
            [cell(r.get("seed")), num(r.get("transfer_acc")), num(r.get("weak_acc")),
             num(r.get("ceiling_acc")), num(r.get("pgr"))]
            for r in measured.get("per_seed") or []
        ],
    )  # fmt: skip
    return [*lines, ""]


def render(f: dict[str, Any]) -> str:
    """The card for one finding dict as `finding.build_finding` makes it."""
    lines = [
        f"# {cell(f.get('title'))}",
        "",
        *_table(
            ["", ""],
            [
                ["finding", cell(f.get("id"))],
                ["proposal", cell(f.get("proposal_id"))],
                ["agent", cell(f.get("agent"))],
                ["idea", cell(f.get("idea"))],
                ["harness", f"{cell(f.get('harness'))} at {cell(f.get('commit_id'))}"],
                *([["builds on", cell(f.get("parent_commit_id"))]]
                  if f.get("parent_commit_id") else []),
                *([["from", cell(f.get("external_id"))]] if f.get("external_id") else []),
                ["approved", cell(f.get("created_at"))],
                ["diff sha256", cell(f.get("diff_sha256"))],
                ["audit hash", f"{cell(f.get('audit_hash'))} (event {f.get('audit_seq')})"],
            ],
        ),
        "",
        *_claim_vs_measurement(f),
        "## Checks",
        "",
    ]
    checks = f.get("checks") or []
    lines += [
        f"- [{cell(c.get('severity'))}] {cell(c.get('code'))}: {cell(c.get('message'))}"
        for c in checks
    ] or ["- none raised"]
    lines += ["", "## Reviewers", ""]
    lines += _table(
        ["at", "actor", "action", "reason"],
        [
            [cell(d.get("at")), cell(d.get("actor")), cell(d.get("action")), cell(d.get("reason"))]
            for d in f.get("decisions") or []
        ],
    )
    overrides = f.get("overrides") or []
    if overrides:
        lines += ["", "## Overrides", ""]
        lines += [
            f"- {cell(o.get('at'))} {cell(o.get('actor'))}: {cell(o.get('payload'))}"
            for o in overrides
        ]
    lines += [
        "",
        "## The agent's summary (verbatim text, not rendered)",
        "",
        fenced(f.get("content") or ""),
    ]
    return "\n".join(lines) + "\n"
