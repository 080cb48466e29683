"""A proposal's whole summary, for one too long to lay out on the proposal screen."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.screen import Screen
from textual.widgets import Static

from reviewer import keys
from reviewer.screens.key_order import DeclaredKeyOrder
from reviewer.textsafe import short
from reviewer.widgets.footer import Footer
from reviewer.widgets.text_pager import TextPager


class SummaryScreen(DeclaredKeyOrder, Screen[None]):
    """The summary as plain text, wrapped to the terminal and drawn a screenful at a time."""

    BINDINGS: ClassVar[list[BindingType]] = list(keys.bindings("summary"))
    AUTO_FOCUS = "TextPager"

    def __init__(self, proposal_id: str, title: str, summary: str) -> None:
        super().__init__()
        self.proposal_id, self.title_text, self.summary = proposal_id, title, summary

    def compose(self) -> ComposeResult:
        pager = TextPager(self.summary, id="summary-text")
        lines = len(pager.lines)
        head = (f"summary of {self.proposal_id[:12]}   {lines:,} line{'' if lines == 1 else 's'}"
                f", {len(self.summary):,} characters, as plain text   {short(self.title_text, 80)}")
        yield Static(Text(head, style="bold"), id="summary-head")
        yield pager
        yield Footer()

    def action_back(self) -> None:
        self.app.pop_screen()
