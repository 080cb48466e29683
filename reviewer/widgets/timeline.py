"""Rerun history and the timeline of decisions and comments of one proposal."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.text import Text
from textual.widgets import Static

from reviewer.present import rerun_line, timeline


def history_renderable(data: dict[str, Any]) -> Group:
    """Reruns newest first, then decisions and comments oldest first."""
    reruns = [Text(rerun_line(r)) for r in reversed(data.get("reruns") or [])]
    entries = [
        Text.assemble(
            (f"{e.at[:19]}  ", "dim"),
            (f"{e.action:<8} ", "bold"),
            (f"{e.actor}", "italic"),
            (f": {e.text}" if e.text else ""),
        )
        for e in timeline(data)
    ]
    return Group(
        Text("reruns", style="bold underline"),
        *(reruns or [Text("none", style="dim")]),
        Text(""),
        Text("decisions and comments", style="bold underline"),
        *(entries or [Text("none", style="dim")]),
    )


class Timeline(Static):
    """Renders `history_renderable` for the proposal it is given."""

    DEFAULT_CSS = """
    Timeline { height: auto; padding: 0 1; margin-top: 1; border: round $primary; }
    """

    def show_data(self, data: dict[str, Any]) -> None:
        self.border_title = "history"
        self.update(history_renderable(data))
