"""A sandbox finding's code snippet after the summary: labelled, fenced, cleaned and capped."""

from __future__ import annotations

import io

from rich.console import Console, RenderableType

from reviewer.agent_markdown import AgentMarkdown
from reviewer.screens.proposal_text import (
    SNIPPET_LINES,
    finding_snippet,
    summary_with_snippet,
)

LABEL = "The agent's code snippet (from its finding; the reviewer has not run it):"


def render(view: RenderableType) -> str:
    out = io.StringIO()
    Console(file=out, width=100, color_system=None).print(view)
    return out.getvalue()


def test_only_a_finding_with_a_snippet_has_one():
    assert finding_snippet({"original": {"code_snippet": "x = 1"}}) == "x = 1"
    assert finding_snippet({"original": None}) is None  # a native proposal
    assert finding_snippet({"original": {"code_snippet": " \n"}}) is None
    assert finding_snippet({"original": {"code_snippet": 7}}) is None  # a tampered row
    assert isinstance(summary_with_snippet("We vote.", None), AgentMarkdown)


def test_the_snippet_follows_the_summary_under_our_label():
    shown = render(summary_with_snippet("We vote.", "return [majority_label] * len(test)"))
    assert shown.index("We vote.") < shown.index(LABEL)
    assert shown.index(LABEL) < shown.index("return [majority_label] * len(test)")


def test_neither_the_summary_nor_the_snippet_can_break_out_of_its_place():
    # An unclosed fence in the summary would have swallowed a label in the same document,
    # and a fence in the snippet would have ended its block and let Markdown run.
    summary = "We vote.\n\n```\nstill code"
    snippet = "x = 1\n````\n# Approved **by the reviewer**\n\x1b[2Jy = 2\u202e"
    shown = render(summary_with_snippet(summary, snippet))
    assert LABEL in shown and "**The agent" not in shown
    assert "# Approved **by the reviewer**" in shown
    assert "\x1b" not in shown and "\u202e" not in shown and "y = 2" in shown


def test_a_long_snippet_is_cut_with_a_note():
    snippet = "\n".join(f"v{n} = {n}" for n in range(1_000))
    shown = render(summary_with_snippet("S", snippet))
    assert f"v{SNIPPET_LINES - 1} = {SNIPPET_LINES - 1}" in shown
    assert f"v{SNIPPET_LINES} = " not in shown
    assert "characters; reviewer show ID --json has it all]" in shown
