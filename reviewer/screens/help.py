"""Every key binding with its description, as remapped by the config's `[keys]` table."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Static

from reviewer import keys
from reviewer.widgets.diff_view import WIDE_STEPS
from reviewer.widgets.scroll_keys import ScrollKeysContainer

# Keys a widget binds itself, listed under their screen's scope; they are not remappable.
WIDGET_KEYS: dict[str, tuple[Binding, ...]] = {"diff": WIDE_STEPS}


def help_order(here: str | None = None) -> list[str]:
    """The scopes in the order the help lists them: the keys that work everywhere, then those
    of the screen it was opened from (`here`), then every other screen's."""
    scopes = list(keys.SCOPE_TITLES)
    if here in scopes and here != "app":
        scopes.remove(here)
        scopes.insert(scopes.index("app") + 1, here)
    return scopes


def help_table(keymap: dict[str, str], here: str | None = None) -> Table:
    """One row per binding, grouped by where it applies, the keys of `here` near the top."""
    table = Table(box=None, padding=(0, 1), pad_edge=False, show_header=False)
    # Keys and ids keep their width; on a narrow terminal the descriptions wrap instead.
    table.add_column("key", style="bold", no_wrap=True)
    table.add_column("what", ratio=1)
    table.add_column("id", style="dim", no_wrap=True)
    for scope in help_order(here):
        title = keys.SCOPE_TITLES[scope]
        if scope == here:
            title += " (this screen)"
        table.add_row(Text(title, style="bold underline"), Text(""), Text(""))
        for spec in keys.SPECS:
            if spec.scope == scope:
                key = keys.display_key(keymap.get(spec.id, spec.key))
                table.add_row(Text(key), Text(spec.description), Text(spec.id))
        for binding in WIDGET_KEYS.get(scope, ()):
            table.add_row(Text(keys.display_key(binding.key)), Text(binding.description),
                          Text(""))
        table.add_row(Text(""), Text(""), Text(""))
    return table


class HelpScreen(ModalScreen[None]):
    """The key reference, the keys of the screen it was opened from (`here`, a scope) near
    the top; esc, q or ? closes it."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > ScrollKeysContainer {
        width: 72; max-width: 100%; height: 80%; padding: 1 2; border: thick $accent;
        background: $surface;
    }
    """
    BINDINGS: ClassVar = [
        Binding("escape,q,question_mark", "close", "Close", id="help_close"),
    ]

    def __init__(self, keymap: dict[str, str], here: str | None = None) -> None:
        super().__init__()
        self.keymap = keymap
        self.here = here

    def compose(self) -> ComposeResult:
        # The list keys it lists (j/k, pages, ends) scroll it too, not only the arrows.
        with ScrollKeysContainer():
            note = 'Remap any key by id in the config file, e.g. [keys] approve = "A"\n'
            yield Static(Text(note, style="italic"))
            yield Static(help_table(self.keymap, self.here))

    def action_close(self) -> None:
        self.dismiss(None)
