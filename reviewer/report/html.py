"""The report as one self-contained HTML page with the PGR scatter inline.

Every string from the store is cleaned and HTML-escaped, the page has no links, scripts or
external resources, and a Content-Security-Policy forbids loading anything even so.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from reviewer.report import fmt
from reviewer.report.collect import (
    AGENT_COUNTS,
    MEASURED_FROM,
    NOT_MEASURED,
    VERDICTS,
    Entry,
    Report,
    finite,
)
from reviewer.report.plot import Point, scatter_svg

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
STYLE = """
body { font-family: sans-serif; max-width: 72rem; margin: 2rem auto; padding: 0 1rem;
       color: #1a1a1a; line-height: 1.4; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; }
th, td { border: 1px solid #c8c8c8; padding: 0.2rem 0.5rem; text-align: left;
         vertical-align: top; }
th { background: #f2f2f2; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
code { font-size: 0.9em; word-break: break-all; }
pre { white-space: pre-wrap; background: #f7f7f7; padding: 0.5rem; border: 1px solid #ddd; }
.bad { color: #b00020; font-weight: bold; }
.ok { color: #1b7f3b; font-weight: bold; }
section.proposal { border-top: 2px solid #888; margin-top: 2rem; }
""".strip()


def t(value: Any) -> str:
    """Any stored value as one clean, escaped line."""
    return escape(fmt.line(value), quote=True) or "—"


def _table(
    header: Sequence[str], rows: Sequence[Sequence[str]], numeric: frozenset[int] = frozenset()
) -> str:
    """A table whose cells are already-escaped HTML; `numeric` columns align right."""
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join(
        "<tr>"
        + "".join(f'<td class="n">{c}</td>' if i in numeric else f"<td>{c}</td>"
                  for i, c in enumerate(row))
        + "</tr>"
        for row in rows
    )  # fmt: skip
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _audit(report: Report) -> list[str]:
    a = report.audit
    if a.ok:
        state = f'<span class="ok">ok</span> ({a.events} events)'
    else:
        state = f'<span class="bad">FAILED</span>: {t(a.problems[0] if a.problems else "")}'
    items = [
        f"<li>head: event {a.head_seq}, hash <code>{t(a.head_hash)}</code></li>",
        f"<li><code>reviewer audit verify</code> at report time: {state}</li>",
        *(f"<li>also: {t(p)}</li>" for p in a.problems[1:]),
        *([f"<li>{t(a.signed)}</li>"] if a.signed else []),
        *(f"<li>warning: {t(w)}</li>" for w in a.warnings),
    ]
    return [
        '<section id="audit"><h2>Audit trail</h2><ul>',
        *items,
        "</ul><p>Readers can check this report against the store: <code>reviewer audit "
        "verify</code> recomputes the chain, and every decision below names its event number "
        "and hash.</p></section>",
    ]


def _summary(report: Report) -> list[str]:
    c = report.counts()
    verdicts = [*VERDICTS, NOT_MEASURED] + (["other_verdict"] if c["other_verdict"] else [])
    groups = [
        ["reviewed", "approved", "rejected", "pending", "overrides"],
        verdicts,
        ["checks_high", "checks_medium", "checks_low"],
    ]
    tables = [
        _table(
            [escape(fmt.count_label(k)) for k in keys],
            [[str(c[k]) for k in keys]],
            numeric=frozenset(range(len(keys))),
        )
        for keys in groups
    ]
    return ['<section id="summary"><h2>Summary</h2>', *tables, "</section>"]


def _agents(report: Report) -> list[str]:
    rows = [
        [t(r.agent), *(str(r.counts[k]) for k in AGENT_COUNTS), t(fmt.signed(r.overclaim))]
        for r in report.agents()
    ]
    header = ["agent", *(escape(fmt.count_label(k)) for k in AGENT_COUNTS),
              "claimed - measured PGR"]
    return ['<section id="agents"><h2>Agents</h2>',
            _table(header, rows, numeric=frozenset(range(1, len(header)))), "</section>"]


def _ci(value: Any) -> tuple[float, float] | None:
    if not isinstance(value, list) or len(value) != 2:
        return None
    low, high = finite(value[0]), finite(value[1])
    return None if low is None or high is None else (low, high)


def _points(report: Report) -> tuple[list[Point], list[Entry], list[Entry]]:
    """Plottable entries, entries without a measurement, and measured ones without a claim."""
    points, unmeasured, unclaimed = [], [], []
    for e in report.entries:
        if e.measured_pgr is None:
            unmeasured.append(e)
        elif e.claimed_pgr is None:
            unclaimed.append(e)
        else:
            points.append(
                Point(
                    number=e.number,
                    label=fmt.line(e.proposal.get("title")),
                    claimed=e.claimed_pgr,
                    measured=e.measured_pgr,
                    verdict=e.verdict,
                    ci=_ci((e.measured or {}).get("pgr_ci")),
                )
            )
    return points, unmeasured, unclaimed


def _plot(report: Report) -> list[str]:
    points, unmeasured, unclaimed = _points(report)
    out = [
        '<section id="plot"><h2>Claimed vs measured PGR</h2><figure>',
        scatter_svg(points),
        "<figcaption>Each point is a proposal (numbered as below) with its claimed PGR and the "
        "mean PGR it was measured at; points under the dashed y = x line measured "
        "lower than claimed.</figcaption></figure>",
    ]
    for title, entries in (
        ("Not measured (no finished rerun of the decided diff)", unmeasured),
        ("Measured but no claimed PGR", unclaimed),
    ):
        if entries:
            items = "".join(
                f"<li>#{e.number} <code>{t(e.id[:12])}</code> {t(e.proposal.get('title'))} "
                f"({t(fmt.verdict_label(e.verdict))})</li>"
                for e in entries
            )
            out.append(f'<p>{title}:</p><ul class="unplotted">{items}</ul>')
    out.append("</section>")
    return out


def _overview(report: Report) -> list[str]:
    rows = [
        [
            str(e.number),
            f"<code>{t(e.id[:12])}</code>",
            t(e.proposal.get("title")),
            t(e.proposal.get("agent")),
            t(e.proposal["status"]),
            t(fmt.pm(e.claimed_pgr, (e.proposal.get("claimed") or {}).get("pgr_se"))),
            t(fmt.pm(e.measured_pgr, (e.measured or {}).get("pgr_se"))),
            t(fmt.verdict_label(e.verdict)),
            ", ".join(t(a) for a in e.deciders) or "—",
        ]
        for e in report.entries
    ]
    header = ["#", "proposal", "title", "agent", "status", "claimed PGR", "measured PGR",
              "verdict", "decided by"]  # fmt: skip
    return ['<section id="overview"><h2>Proposals at a glance</h2>',
            _table(header, rows, numeric=frozenset({0, 5, 6})), "</section>"]  # fmt: skip


def _claim(e: Entry) -> str:
    p = e.proposal
    claimed = p.get("claimed") or {}
    accs = " / ".join(fmt.num(claimed.get(k)) for k in ("weak_acc", "strong_acc", "transfer_acc"))
    rerun = f" (rerun {t(e.measured['id'])})" if e.measured else ""
    rows = [
        ["id", f"<code>{t(p['id'])}</code>"],
        ["agent", t(p.get("agent"))],
        ["idea", t(p.get("idea"))],
        ["status", t(p.get("status"))],
        ["harness", f"{t(p.get('harness'))} at <code>{t(p.get('base'))}</code>"],
        ["diff sha256", f"<code>{t(p.get('diff_sha256') or 'no code attached')}</code>"],
        ["claimed PGR", t(fmt.pm(claimed.get("pgr"), claimed.get("pgr_se")))],
        ["claimed weak / strong / transfer acc", t(accs)],
        ["claimed seeds", t(fmt.seeds(claimed.get("seeds")))],
        ["dataset", t(claimed.get("dataset"))],
        ["measured PGR", t(fmt.pm(e.measured_pgr, (e.measured or {}).get("pgr_se"))) + rerun],
        ["verdict", t(fmt.verdict_label(e.verdict))],
    ]
    return _table(["", ""], rows)


def _decisions(e: Entry) -> list[str]:
    out = ["<h4>Decisions</h4>"]
    if not e.decisions:
        return [*out, "<p>No decision recorded.</p>"]
    rows = [
        [t(d.at), t(d.actor), t(d.action + ("" if d.live else " (reverted)")), t(d.reason),
         f"{d.seq} <code>{t(d.hash[:16])}</code>"]
        for d in e.decisions
    ]  # fmt: skip
    out.append(_table(["time", "reviewer", "action", "reason", "audit event"], rows))
    overrides = [
        f"<li>override by {t(o.actor)} (event {o.seq}): unmet gates: "
        f"{'; '.join(t(u) for u in o.unmet) or '—'}</li>"
        for o in e.overrides
    ]
    if overrides:
        out.append('<ul class="overrides">' + "".join(overrides) + "</ul>")
    return out


def _reruns(e: Entry) -> list[str]:
    out = ["<h4>Reruns</h4>"]
    reruns = e.proposal.get("reruns") or []
    if not reruns:
        return [*out, "<p>Not measured: no rerun was requested.</p>"]
    rows = [
        [t(r["id"]), t(r.get("state")), t(r.get("verdict")), t(fmt.seeds(r.get("seeds"))),
         t(fmt.pm(r.get("pgr_mean"), r.get("pgr_se"))), t(fmt.interval(r.get("pgr_ci"))),
         t(fmt.num(r.get("baseline_pgr_mean"))), t(fmt.num(r.get("gain_p_value"), 4)),
         t(fmt.env_line(r.get("env")))]
        for r in reruns
    ]  # fmt: skip
    out.append(_table(["job", "state", "verdict", "seeds", "PGR", "95% CI", "baseline PGR",
                       "gain p", "environment"], rows, numeric=frozenset({4, 6, 7})))  # fmt: skip
    if e.stale_reruns:
        jobs = ", ".join(str(j) for j in e.stale_reruns)
        out.append(f"<p>Reruns {jobs} ran an earlier diff and do not count.</p>")
    for r in reruns:
        per_seed = [s for s in r.get("per_seed") or [] if isinstance(s, dict)]
        if per_seed:
            out.append(f"<p>Per seed, rerun {t(r['id'])}:</p>")
            out.append(_table(
                ["seed", "transfer acc", "weak acc", "ceiling acc", "PGR"],
                [[t(s.get("seed")), *(t(fmt.num(s.get(k))) for k in
                  ("transfer_acc", "weak_acc", "ceiling_acc", "pgr"))] for s in per_seed],
                numeric=frozenset({0, 1, 2, 3, 4}),
            ))  # fmt: skip
    return out


def _checks(e: Entry) -> list[str]:
    checks = e.proposal.get("checks") or []
    if not checks:
        return ["<h4>Checks</h4>", "<p>None raised.</p>"]
    rows = []
    for c in checks:
        resolved = c.get("resolved")
        state = (
            f"resolved by {t(resolved.get('by'))}: {t(resolved.get('reason'))}"
            if isinstance(resolved, dict)
            else "open"
        )
        rows.append([t(c.get("severity")), t(c.get("code")), t(c.get("message")), state])
    return ["<h4>Checks</h4>", _table(["severity", "code", "message", "state"], rows)]


def _entry(e: Entry) -> list[str]:
    out = [
        f'<section class="proposal" id="p{e.number}">',
        f"<h3>{e.number}. {t(e.proposal.get('title'))}</h3>",
        _claim(e),
    ]
    summary = fmt.summary(e.proposal.get("summary"))
    if summary:
        out.append(f"<p>Summary (agent text):</p><pre>{escape(summary, quote=True)}</pre>")
    return [*out, *_decisions(e), *_reruns(e), *_checks(e), "</section>"]


def render(report: Report) -> str:
    """The whole report as one HTML document."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="referrer" content="no-referrer">',
        "<title>Review report</title>",
        f"<style>\n{STYLE}\n</style></head><body>",
        "<h1>Review report</h1>",
        f"<p>Generated {t(report.generated_at)} by <code>reviewer report</code>; scope: "
        f"{t(report.scope)}. PGR = (transfer - weak) / (ceiling - weak); {MEASURED_FROM}</p>",
        *_audit(report),
        *_summary(report),
        *(_agents(report) if len(report.entries) > 1 else []),
        *_plot(report),
        *_overview(report),
        '<section id="proposals"><h2>Proposals</h2>',
    ]
    if not report.entries:
        parts.append("<p>No proposal matched.</p>")
    for e in report.entries:
        parts += _entry(e)
    parts += ["</section>", "</body></html>"]
    return "\n".join(parts) + "\n"
