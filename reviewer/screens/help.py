"""Every key binding with its description, as remapped by the config's `[keys]` table."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from reviewer import keys


def help_table(keymap: dict[str, str]) -> Table:
    """One row per binding, grouped by where it applies."""
    table = Table(box=None, padding=(0, 2), show_header=False)
    table.add_column("key", style="bold")
    table.add_column("what")
    table.add_column("id", style="dim")
    for scope, title in keys.SCOPE_TITLES.items():
        table.add_row(Text(title, style="bold underline"), Text(""), Text(""))
        for spec in keys.SPECS:
            if spec.scope == scope:
                key = keys.display_key(keymap.get(spec.id, spec.key))
                table.add_row(Text(key), Text(spec.description), Text(spec.id))
        table.add_row(Text(""), Text(""), Text(""))
    return table


class HelpScreen(ModalScreen[None]):
    """The key reference; esc, q or ? closes it."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 72; height: 80%; padding: 1 2; border: thick $accent; background: $surface;
    }
    """
    BINDINGS: ClassVar = [
        Binding("escape,q,question_mark", "close", "Close", id="help_close"),
    ]

    def __init__(self, keymap: dict[str, str]) -> None:
        super().__init__()
        self.keymap = keymap

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            note = 'Remap any key by id in the config file, e.g. [keys] approve = "A"\n'
            yield Static(Text(note, style="italic"))
            yield Static(help_table(self.keymap))

    def action_close(self) -> None:
        self.dismiss(None)
