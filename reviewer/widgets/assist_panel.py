"""A model's second opinion on a proposal, shown beside the checks when there is one."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text
from textual.widgets import Static

from reviewer.textsafe import clean, short

RISK_STYLES = {"high": "bold red", "medium": "bold yellow", "low": "bold green"}


def assist_renderable(assist: dict[str, Any]) -> RenderableType:
    """Model, suspected hack, risk, rationale and questions; the model's text is cleaned."""
    answer = assist.get("answer")
    answer = answer if isinstance(answer, dict) else {}
    hack = answer.get("suspected_hack")
    risk = short(str(answer.get("risk") or "-"), 10)
    parts: list[RenderableType] = [
        Text.assemble(("model ", "dim"), short(str(assist.get("model") or "-"), 60)),
        Text.assemble(
            ("suspected hack: ", "bold"),
            ("yes" if hack is True else "no" if hack is False else "-"),
            ("   risk: ", "bold"),
            (risk, RISK_STYLES.get(risk, "")),
        ),
    ]
    if assist.get("stale"):
        parts.append(Text("stale: given on an earlier diff of this proposal", style="italic"))
    rationale = clean(str(answer.get("rationale") or ""))
    if rationale:
        parts.append(Text(rationale))
    questions = answer.get("questions")
    for question in questions if isinstance(questions, list) else []:
        parts.append(Text(f"? {clean(str(question), single_line=True)}"))
    return Group(*parts)


class AssistPanel(Static):
    """Renders `assist_renderable`; hidden while the proposal has no second opinion."""

    DEFAULT_CSS = """
    AssistPanel { height: auto; width: 1fr; padding: 0 1; border: round $secondary; }
    """

    def show_data(self, data: dict[str, Any], *, hidden: bool = False) -> None:
        """`hidden` (blinded review) keeps the opinion from anchoring the reviewer's own."""
        assist = data.get("assist")
        self.display = isinstance(assist, dict)
        if isinstance(assist, dict):
            self.border_title = "second opinion"
            if hidden:
                self.update(Text("hidden until you record your assessment", style="italic"))
            else:
                self.update(assist_renderable(assist))
