"""Modals that ask for one line of text (a reason, a comment, a number of seeds) or a yes."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar, TypeVar

from rich.text import Text
from textual.app import ComposeResult
from textual.await_complete import AwaitComplete
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from reviewer.widgets.ordered_input import OrderedInput

# Returns an error message for a bad answer, or None when the answer is acceptable.
Validator = Callable[[str], str | None]
T = TypeVar("T")


class Dialog(ModalScreen[T]):
    """A box in the middle of the screen; its title, error and hint lines share one look."""

    DEFAULT_CSS = """
    Dialog { align: center middle; }
    Dialog > Vertical {
        width: 72; max-width: 100%; height: auto; padding: 1 2;
        border: thick $accent; background: $surface;
    }
    Dialog .dialog--title { text-style: bold; margin-bottom: 1; }
    Dialog .dialog--error { color: $text-error; height: auto; }
    Dialog .dialog--hint { color: $text-muted; }
    """

    _dismissed = False
    _held: tuple[T | None] | None = None  # an answer given while another screen was on top

    def dismiss(self, result: T | None = None) -> AwaitComplete:
        """Dismiss once: a second answer typed in the same burst (`y y`, enter twice) would
        run the callback again and pop the screen under this one.

        Textual pops whatever screen is on top, so an answer that arrives while another is
        over this one (ctrl+p's palette, pushed ahead of the enter typed before it) waits
        until this dialog is on top again.
        """
        if self._dismissed:
            return AwaitComplete()
        if self.is_attached and self.app.screen is not self:
            self._held = (result,)
            return AwaitComplete()
        self._dismissed = True
        return super().dismiss(result)

    def on_screen_resume(self) -> None:
        if self._held is not None:
            (result,) = self._held
            self._held = None
            self.call_later(self._answer, result)

    def _answer(self, result: T | None) -> None:
        # Not awaited: awaiting a dismiss from the dialog's own handlers is an error.
        self.dismiss(result)


class PromptModal(Dialog[str | None]):
    """Ask one question; enter submits (if `validate` accepts), esc cancels with None."""

    BINDINGS: ClassVar = [Binding("escape", "cancel", "Cancel", id="prompt_cancel")]

    def __init__(
        self,
        title: str,
        *,
        placeholder: str = "",
        value: str = "",
        validate: Validator | None = None,
        input_type: str = "text",
    ) -> None:
        super().__init__()
        self._title = title
        self._placeholder = placeholder
        self._value = value
        self._validate = validate
        self._input_type = input_type

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self._title), classes="dialog--title")
            yield OrderedInput(
                value=self._value,
                placeholder=self._placeholder,
                type=self._input_type,  # type: ignore[arg-type]
                id="prompt-input",
            )
            yield Static("", id="prompt-error", classes="dialog--error")
            yield Static(Text("enter: confirm   esc: cancel"), classes="dialog--hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        problem = self._validate(event.value) if self._validate else None
        if problem is not None:
            self.query_one("#prompt-error", Static).update(Text(problem))
            self.query_one(OrderedInput).reopen()
            return
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmModal(Dialog[bool]):
    """Ask a yes-or-no question; y answers yes, n or esc no."""

    DEFAULT_CSS = "ConfirmModal > Vertical { border: thick $warning; }"
    BINDINGS: ClassVar = [
        Binding("y", "answer(True)", "Yes", id="confirm_yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm_no"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self._question = question

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self._question), classes="dialog--title")
            yield Static(Text("y: yes   n, esc: no"), classes="dialog--hint")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
