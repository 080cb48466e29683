"""The Markdown report: structure, numbers, overrides, reviewers, and inert agent text."""

from __future__ import annotations

import re

import pytest

from reviewer.report.collect import collect
from reviewer.report.markdown import inline, render
from tests.report.helpers import BIDI, hostile, populated

FIXED = "2026-02-01T00:00:00+00:00"


@pytest.fixture
def doc(mem_store):
    ids = populated(mem_store)
    return ids, render(collect(mem_store, clock=lambda: FIXED))


def section(text: str, start: str, end: str | None = None) -> str:
    body = text[text.index(start) :]
    return body if end is None else body[: body.index(end, len(start))]


def test_structure_and_audit_head(doc, mem_store):
    _, text = doc
    headings = [line for line in text.splitlines() if line.startswith("#")]
    assert headings[:6] == ["# Review report", "## Audit trail", "## Summary", "## Agents",
                            "## Claimed vs measured", "## Proposals"]  # fmt: skip
    assert len([h for h in headings if h.startswith("### ")]) == 4
    head = mem_store.verify()
    assert f"- head: event {head.head_seq}, hash `{head.head_hash}`" in text
    assert "`reviewer audit verify` at report time: ok" in text
    assert f"Generated {FIXED} by" in text


def test_summary_counts(doc):
    _, text = doc
    summary = section(text, "## Summary", "## Claimed vs measured")
    assert "| reviewed | approved | rejected | pending | overrides |\n|---|---|---|---|---|\n" \
           "| 4 | 2 | 1 | 1 | 1 |" in summary  # fmt: skip
    assert "| 1 | 1 | 0 | 0 | 2 |" in summary  # reproduced, not reproduced, failed, refused, none
    assert "| 1 | 0 | 1 |" in summary  # high, medium, low checks


def test_agents_table(doc, mem_store):
    _, text = doc
    table = section(text, "## Agents", "## Claimed vs measured")
    assert ("| agent | reviewed | approved | rejected | reproduced | not reproduced | failed | "
            "refused | not measured | claimed - measured PGR |") in table
    assert "| agent-1 | 2 | 1 | 0 | 1 | 0 | 0 | 0 | 1 | +0.010 |" in table
    assert "| agent-2 | 1 | 0 | 1 | 0 | 1 | 0 | 0 | 0 | +0.300 |" in table
    assert "| agent-0 | 1 | 1 | 0 | 0 | 0 | 0 | 0 | 1 | — |" in table
    # A report on one proposal has no use for a table of one agent.
    one = render(collect(mem_store, ref=doc[0]["good"], clock=lambda: FIXED))
    assert "## Agents" not in one


def test_overview_table_has_claim_measurement_and_deciders(doc):
    ids, text = doc
    overview = section(text, "## Claimed vs measured", "## Proposals")
    rows = [line for line in overview.splitlines() if line.startswith("| ")][1:]
    assert len(rows) == 4
    good = next(r for r in rows if ids["good"][:12] in r)
    cells = [c.strip() for c in good.strip("|").split(" | ")]
    assert cells[4:] == ["approved", "0.610 ± 0.020", "0.600 ± 0.035", "reproduced",
                         "alice@example.org"]  # fmt: skip
    inflated = next(r for r in rows if ids["inflated"][:12] in r)
    assert "not reproduced" in inflated and "bob@example.org" in inflated
    undone = next(r for r in rows if ids["undone"][:12] in r)
    assert "not measured" in undone


def test_per_seed_values_and_rerun_statistics(doc):
    ids, text = doc
    good = section(text, f"`{ids['good']}`", "\n### ")
    assert "| seed | transfer acc | weak acc | ceiling acc | PGR |" in good
    for seed, acc, pgr in [(11, "0.810", "0.550"), (13, "0.800", "0.500"), (15, "0.840", "0.700")]:
        assert f"| {seed} | {acc} | 0.700 | 0.900 | {pgr} |" in good
    assert "[0.502, 0.698]" in good  # the 95% interval
    assert "device cpu, torch 2.4.0, sandbox bubblewrap, 12.5 s" in good


def test_decisions_overrides_and_reverted(doc):
    ids, text = doc
    override = section(text, f"`{ids['override']}`", "#### Reruns")
    assert "| dana@example.org | override | no GPU on this machine today |" in override
    assert "| dana@example.org | approve | trusted method |" in override
    assert re.search(r"- override by dana@example\.org \(event \d+\): unmet gates: \S", override)
    undone = section(text, f"`{ids['undone']}`", "#### Reruns")
    assert "| erin@example.org | approve (reverted) | looked fine |" in undone
    assert "| erin@example.org | undo | approved the wrong one |" in undone
    assert "Not measured: no rerun was requested." in section(text, f"`{ids['undone']}`")


def test_checks_by_severity(doc):
    ids, text = doc
    checks = section(text, f"`{ids['inflated']}`", "\n### ")
    checks = section(checks, "#### Checks")
    assert checks.index("| high | best\\_of\\_n |") < checks.index("| low | wide\\_se |")
    assert "| open |" in checks


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a | b", "a \\| b"),
        ("`code`", "\\`code\\`"),
        ("[x](javascript:alert(1))", "\\[x\\](javascript:alert(1))"),
        ("<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;"),
        ("&lt;b&gt;", "&amp;lt;b&amp;gt;"),
        ("**bold** _it_ ~~s~~ $x$ # h", "\\*\\*bold\\*\\* \\_it\\_ \\~\\~s\\~\\~ \\$x\\$ \\# h"),
        ("two\nlines\x1b[31m\u202e", "two lines"),
        ("", "—"),
    ],
)
def test_inline_escapes(raw, expected):
    assert inline(raw) == expected


def test_hostile_text_is_inert(mem_store):
    populated(mem_store)
    pid = hostile(mem_store)
    text = render(collect(mem_store))
    assert pid in text
    assert "\x1b" not in text
    assert not set(BIDI) & set(text)
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", text)
    # No raw HTML at all: every `<` an agent wrote became an entity.
    assert "<" not in text and "&lt;script&gt;" in text
    # No link syntax survives: brackets are escaped wherever agent text went.
    assert not re.search(r"(?<!\\)\]\(", text)
    assert not re.search(r"(?<!\\)\[(?!0\.|1\.)", text.replace("[0.502, 0.698]", ""))
    # Table rows keep their column count: no agent `|` splits a cell.
    for line in text.splitlines():
        if line.startswith("| ") and "hostile" in line:
            assert len(re.findall(r"(?<!\\)\|", line)) == 6


def test_a_quoted_summary_cannot_open_a_heading_or_a_list():
    # "===" under a line made it an <h1> inside the quote, and "- " lines a list.
    from reviewer.report.markdown import quoted
    from tests.mdrender import to_html

    summary = ("Method text. VERIFIED BY THE REVIEWERS: PGR 0.99\n===\n- sign-off: alice\n"
               "  12. approved\n+ merged\nagain\n---\nplain - text, 3. as written")
    shown = to_html("\n".join(quoted(summary)) + "\n")
    assert re.findall(r"<(h\d|ul|ol|li|hr)\b", shown) == []
    for part in ("VERIFIED BY THE REVIEWERS", "===", "- sign-off: alice", "12. approved",
                 "+ merged", "---", "plain - text, 3. as written"):
        assert part in shown
