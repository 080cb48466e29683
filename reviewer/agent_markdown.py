"""Agent Markdown for the terminal, with code highlighted only by lexers chosen here.

A fenced block's info string names a Pygments lexer, and some of those backtrack
exponentially on a few dozen hostile characters: Maple's took 81 s on 60, on the UI thread.
"""

from __future__ import annotations

from typing import ClassVar

from markdown_it.token import Token
from rich.markdown import CodeBlock, Markdown, MarkdownElement

# Fence names drawn with Python's lexer; every other block is drawn as plain text.
PYTHON_NAMES = frozenset({"python", "py", "python3", "py3"})


class _Code(CodeBlock):
    @classmethod
    def create(cls, markdown: Markdown, token: Token) -> CodeBlock:
        name = (token.info or "").partition(" ")[0].lower()
        return cls("python" if name in PYTHON_NAMES else "text", markdown.code_theme)


class AgentMarkdown(Markdown):
    """Rich's Markdown with links inert and code highlighted only as Python or plain text."""

    elements: ClassVar[dict[str, type[MarkdownElement]]] = {
        **Markdown.elements, "fence": _Code, "code_block": _Code}

    def __init__(self, text: str) -> None:
        super().__init__(text, hyperlinks=False)
