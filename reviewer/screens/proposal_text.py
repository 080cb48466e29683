"""What the proposal screen writes about a proposal: its meta line and its summary's view."""

from __future__ import annotations

import re
from typing import Any

from rich.console import Group
from rich.text import Text

from reviewer.agent_markdown import AgentMarkdown
from reviewer.textsafe import clean, short, short_middle

# Rich's Markdown takes 1.7-4.9 s on 200,000 hostile characters, on the UI thread.
MARKDOWN_LIMIT = 20_000
# Laying out 40,000 short lines as plain text took 2 s: past this, the rest is a key away.
SUMMARY_LINES = 400
# An agent's name past this many characters pushed the diff hash off the meta line.
META_AGENT = 24
# A finding's snippet may be 1 MiB; its start is enough here and `show --json` has the rest.
SNIPPET_CHARS = 4_000
SNIPPET_LINES = 60
SNIPPET_LABEL = "**The agent's code snippet** (from its finding; the reviewer has not run it):"
_BACKTICKS = re.compile(r"`+")


def meta_line(data: dict[str, Any]) -> str:
    """Id, status and diff hash first, then the agent (capped), idea, harness and commit."""
    meta = (
        f"{data['id'][:12]}  {data['status']}  diff {(data['diff_sha256'] or 'none')[:12]}  "
        f"agent {short_middle(data['agent'], META_AGENT)}  idea {short(data['idea'], 60) or '-'}  "
        f"harness {short(data['harness'], 40)}"
    )
    if data.get("source_format") == "git_commit":
        meta += f"  commit {short(data.get('external_id') or '', 64)[:12]}"
    return meta


def summary_is_cut(text: str) -> bool:
    """Whether the proposal screen shows only the start of this (cleaned) summary."""
    return len(text) > MARKDOWN_LIMIT or text.count("\n") >= SUMMARY_LINES


def summary_view(summary: str | None, whole_key: str = "S") -> AgentMarkdown | Text:
    """The agent's summary as Markdown or, when long, its start as plain text and a note
    that `whole_key` shows it all.

    Rich's Markdown never reads Rich markup; AgentMarkdown keeps links inert and picks the
    code blocks' lexers itself.
    """
    text = clean(summary)
    if not summary_is_cut(text):
        return AgentMarkdown(text)
    head = "\n".join(text[:MARKDOWN_LIMIT].split("\n")[:SUMMARY_LINES])
    lines = text.count("\n") + 1
    return Text(f"[{len(text):,} characters in {lines:,} lines, too long to show here: its "
                f"first {len(head):,} characters as plain text; {whole_key} shows it all]\n\n"
                f"{head}\n[…]")


def finding_snippet(data: dict[str, Any]) -> str | None:
    """A sandbox finding's `code_snippet` (a `shapes.show()` object's `original`), if any."""
    original = data.get("original")
    snippet = original.get("code_snippet") if isinstance(original, dict) else None
    return snippet if isinstance(snippet, str) and snippet.strip() else None


def snippet_view(snippet: str) -> AgentMarkdown:
    """The agent's snippet, cleaned and capped, as a fenced block under a label of ours.

    It is its own Markdown document, so a fence the summary leaves open cannot swallow the
    label, and the fence is longer than any run of backticks in the snippet, which cannot
    close it.
    """
    text = clean(snippet).strip("\n")
    head = "\n".join(text[:SNIPPET_CHARS].split("\n")[:SNIPPET_LINES])
    fence = "`" * max(3, 1 + max((len(m) for m in _BACKTICKS.findall(head)), default=0))
    cut = (f"\n\n[the first {len(head):,} of {len(text):,} characters; "
           "`reviewer show ID --json` has it all]" if len(head) < len(text) else "")
    return AgentMarkdown(f"{SNIPPET_LABEL}\n\n{fence}python\n{head}\n{fence}{cut}")


def summary_with_snippet(
    summary: str | None, snippet: str | None, whole_key: str = "S"
) -> AgentMarkdown | Text | Group:
    """`summary_view`, followed by the agent's code snippet when its finding has one."""
    view = summary_view(summary, whole_key)
    return view if snippet is None else Group(view, Text(""), snippet_view(snippet))
