"""A modal that records the reviewer's own assessment: a predicted verdict and a note."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, RadioButton, RadioSet, Static

from reviewer.present import PREDICTIONS
from reviewer.widgets.ordered_input import OrderedInput
from reviewer.widgets.prompt import Dialog
from store.store_base import text_problem

Assessment = dict[str, str]


class AssessmentModal(Dialog[Assessment | None]):
    """Pick a verdict (1-3 or arrows and enter), write a note, enter submits; esc cancels."""

    DEFAULT_CSS = "AssessmentModal RadioSet { width: 100%; margin-bottom: 1; }"
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
            yield Static(Text(self._title), classes="dialog--title")
            with RadioSet(id="assess-verdict"):
                for i, verdict in enumerate(PREDICTIONS):
                    yield RadioButton(f"{i + 1}  {verdict}")
            # Picking a verdict refocuses the note; selecting on focus would let typing wipe it.
            yield OrderedInput(
                placeholder="note: why you expect this (optional)",
                id="assess-note",
                select_on_focus=False,
            )
            yield Static("", id="assess-error", classes="dialog--error")
            hint = "1-3 or arrows + enter: verdict   tab: note   enter in the note: record"
            yield Static(Text(hint + "   esc: cancel"), classes="dialog--hint")

    _picks = 0  # Changed messages of picks still to come, whose refocus `action_pick` did

    def action_pick(self, index: int) -> None:
        button = list(self.query(RadioButton))[index]
        if not button.value:
            self._picks += 1
            button.value = True
        self.query_one("#assess-note", Input).focus()

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        self.query_one("#assess-error", Static).update("")
        if self._picks:
            # Its pick focused the note already; doing it again, a message later, pulled
            # focus back from where a tab typed after the pick had moved it.
            self._picks -= 1
            return
        self.query_one("#assess-note", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        index = self.query_one(RadioSet).pressed_index
        if index < 0:
            self.query_one("#assess-error", Static).update(Text("choose a predicted verdict"))
            self.query_one(OrderedInput).reopen()
            return
        problem = text_problem(event.value, "note", required=False)
        if problem is not None:  # said here, so the note stays to be shortened
            self.query_one("#assess-error", Static).update(Text(problem))
            self.query_one(OrderedInput).reopen()
            return
        self.dismiss({"predicted_verdict": PREDICTIONS[index], "note": event.value.strip()})

    def action_cancel(self) -> None:
        self.dismiss(None)
