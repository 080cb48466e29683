"""Rerun history (with a running rerun's live output) and the timeline of one proposal."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text
from textual.widgets import Static

from reviewer.blinding import blind
from reviewer.present import log_tail_lines, rerun_line, timeline


def _reruns(data: dict[str, Any], hide_verdict: bool) -> list[RenderableType]:
    lines: list[RenderableType] = []
    for rerun in reversed(data.get("reruns") or []):
        lines.append(Text(rerun_line(rerun, hide_verdict=hide_verdict)))
        tail = log_tail_lines(rerun)
        if tail:
            # Labelled, since the method prints what it likes, a fake status line included.
            lines.append(Text("  ┆ the method's own output, as printed:", style="dim italic"))
        for line in tail:
            # Blinded, the claim it may print is masked like the agent's other text.
            shown = blind(line, data.get("claims") or []) if hide_verdict else line
            lines.append(Text(f"  │ {shown}", style="dim"))
    return lines


def history_renderable(data: dict[str, Any], *, hide_verdict: bool = False) -> Group:
    """Reruns newest first, then decisions, comments, assessments and publishing oldest first."""
    entries = [
        Text.assemble(
            (f"{e.at[:19]}  ", "dim"),
            (f"{e.action:<8} ", "bold"),
            (f"{e.actor}", "italic"),
            (f": {e.text}" if e.text else ""),
        )
        for e in timeline(data)
    ]
    reruns = _reruns(data, hide_verdict)
    return Group(
        Text("reruns", style="bold underline"),
        *(reruns or [Text("none", style="dim")]),
        Text(""),
        Text("decisions, comments, assessments and publishing", style="bold underline"),
        *(entries or [Text("none", style="dim")]),
    )


class Timeline(Static):
    """Renders `history_renderable` for the proposal it is given."""

    DEFAULT_CSS = """
    Timeline { height: auto; padding: 0 1; margin-top: 1; border: round $primary; }
    """

    def show_data(self, data: dict[str, Any], *, hide_verdict: bool = False) -> None:
        self.border_title = "history"
        self.update(history_renderable(data, hide_verdict=hide_verdict))
