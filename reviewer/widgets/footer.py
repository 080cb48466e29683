"""Textual's footer, without holding the key widgets of every rebuild it ever made."""

from __future__ import annotations

from textual.widgets import Footer as TextualFooter


class Footer(TextualFooter):
    """The footer every screen shows.

    Each rebuild (a screen resumed, a search opened, blinded review toggled) binds its new
    keys to the footer's `compact` with `data_bind`, and Textual drops the old keys' bindings
    only when `compact` next changes, which it never does here: a footer that lived all
    session kept every key it ever drew, with their render caches (Textual issue 6666).
    """

    async def recompose(self) -> None:
        await super().recompose()
        # Textual's own attribute for watchers others registered on this widget.
        for entries in getattr(self, "__watchers", {}).values():
            entries[:] = [(node, callback) for node, callback in entries
                          if getattr(node, "is_attached", True)]
