"""An agent's Markdown names its code blocks' lexers; only Python's or plain text is used."""

from __future__ import annotations

import io

import pytest
import rich.syntax
from rich.console import Console

from reviewer.agent_markdown import AgentMarkdown


@pytest.fixture
def lexers(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    asked: list[str] = []
    real = rich.syntax.get_lexer_by_name

    def recording(name: str, **options: object) -> object:
        asked.append(name)
        return real(name, **options)

    monkeypatch.setattr(rich.syntax, "get_lexer_by_name", recording)
    return asked


def render(text: str) -> str:
    out = io.StringIO()
    Console(file=out, width=80, color_system="truecolor").print(AgentMarkdown(text))
    return out.getvalue()


def test_a_fence_naming_another_lexer_is_drawn_plain(lexers):
    # Maple's lexer took 81 s on these 60 characters, on the UI thread.
    hostile = '"' + "\\a" * 8
    shown = render(f"Notes\n\n```maple\n{hostile}\n```\n\n```Python\nx = 1\n```\n\n    y = 2\n")
    assert hostile in shown
    assert lexers == ["text", "python", "text"]


def test_links_stay_inert():
    shown = render("[click](https://evil.example) and <https://evil.example/x>")
    assert "\x1b]8;" not in shown


def test_the_proposal_screen_draws_summaries_with_it():
    from reviewer.screens.proposal_text import summary_view

    assert isinstance(summary_view("# A method\n\n```maple\nx\n```\n"), AgentMarkdown)
