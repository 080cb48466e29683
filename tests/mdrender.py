"""Render Markdown to HTML the way a forge would, to check what agent text turns into."""

from __future__ import annotations

import html
import re

from markdown_it import MarkdownIt

# CommonMark with raw HTML on, plus GFM tables; linkify stays off because a bare URL is text
# the agent wrote, not link syntax, and shows its real target wherever a forge links it.
_RENDERER = MarkdownIt("commonmark").enable("table")
LIVE = re.compile(r"<(a|img|script|iframe|svg|style)\b", re.IGNORECASE)


def to_html(markdown: str) -> str:
    """The HTML a CommonMark + tables renderer makes of `markdown`."""
    return _RENDERER.render(markdown)


def live_elements(markdown: str) -> list[str]:
    """Links, images, scripts and the like that rendering `markdown` would create."""
    return [m.group(0) for m in LIVE.finditer(to_html(markdown))]


def cells(markdown: str) -> list[list[str]]:
    """Each rendered table body row as the plain text of its cells."""
    rows = re.findall(r"<tr>(.*?)</tr>", to_html(markdown), re.DOTALL)
    return [
        [html.unescape(re.sub(r"<[^>]+>", "", c)) for c in re.findall(r"<td>(.*?)</td>", row, re.S)]
        for row in rows
        if "<td>" in row
    ]
