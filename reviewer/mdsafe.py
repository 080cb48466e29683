"""Make agent text inert in Markdown: one line, every Markdown and HTML metacharacter literal.

Escaping `[`, `]`, `<`, `>` and `&` is what stops links, images, autolinks and raw HTML;
the other escapes stop emphasis, code spans, headings and table cells. A bare URL is still
text, though a GFM renderer may autolink it; it then shows its real target.
"""

from __future__ import annotations

import re
from typing import Any

from reviewer.textsafe import clean

_ESCAPE = re.compile(r"([\\`*_{}\[\]#|~$])")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def inline(value: Any) -> str:
    """Agent text as literal inline Markdown on one line; "—" when there is none."""
    text = _ESCAPE.sub(r"\\\1", clean(value, single_line=True))  # clean takes any value
    return re.sub("[&<>]", lambda m: _ENTITIES[m.group()], text) or "—"
