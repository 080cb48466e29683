"""A modal that records the reviewer's own assessment: a predicted verdict and a note."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, RadioButton, RadioSet, Static

from reviewer.present import PREDICTIONS

Assessment = dict[str, str]


class AssessmentModal(ModalScreen[Assessment | None]):
    """Pick a verdict (1-3 or arrows and enter), write a note, enter submits; esc cancels."""

    DEFAULT_CSS = """
    AssessmentModal { align: center middle; }
    AssessmentModal > Vertical {
        width: 72; height: auto; padding: 1 2;
        border: thick $accent; background: $surface;
    }
    AssessmentModal .assess--title { text-style: bold; margin-bottom: 1; }
    AssessmentModal RadioSet { width: 100%; margin-bottom: 1; }
    AssessmentModal .assess--error { color: $text-error; height: auto; }
    AssessmentModal .assess--hint { color: $text-muted; }
    """
    BINDINGS: ClassVar = [
        Binding("escape", "cancel", "Cancel", id="assess_cancel"),
        *(
            Binding(str(i + 1), f"pick({i})", verdict, show=False, id=f"assess_pick_{i + 1}")
            for i, verdict in enumerate(PREDICTIONS)
        ),
    ]
    AUTO_FOCUS = "RadioSet"

    def __init__(self, title: str) -> None:
        super().__init__()
        self._title = title

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self._title), classes="assess--title")
            with RadioSet(id="assess-verdict"):
                for i, verdict in enumerate(PREDICTIONS):
                    yield RadioButton(f"{i + 1}  {verdict}")
            # Picking a verdict refocuses the note; selecting on focus would let typing wipe it.
            yield Input(
                placeholder="note: why you expect this (optional)",
                id="assess-note",
                select_on_focus=False,
            )
            yield Static("", id="assess-error", classes="assess--error")
            hint = "1-3 or arrows + enter: verdict   tab: note   enter in the note: record"
            yield Static(Text(hint + "   esc: cancel"), classes="assess--hint")

    def action_pick(self, index: int) -> None:
        buttons = list(self.query(RadioButton))
        buttons[index].value = True
        self.query_one("#assess-note", Input).focus()

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        self.query_one("#assess-error", Static).update("")
        self.query_one("#assess-note", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        index = self.query_one(RadioSet).pressed_index
        if index < 0:
            self.query_one("#assess-error", Static).update(Text("choose a predicted verdict"))
            return
        self.dismiss({"predicted_verdict": PREDICTIONS[index], "note": event.value.strip()})

    def action_cancel(self) -> None:
        self.dismiss(None)
