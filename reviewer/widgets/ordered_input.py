"""An Input that takes enter in order with the characters typed before it.

Textual's Input types a printable key as soon as it arrives, while enter is a binding that
runs only once the key has bubbled back up to the App. Keys typed in one burst (a paste, a
fast typist) therefore reached the Input before the enter between them had submitted it:
`x nope enter j` recorded the reason "nopej".
"""

from __future__ import annotations

from textual import events
from textual.widgets import Input


class OrderedInput(Input):
    """Enter submits here, in order; keys after it are dropped until `reopen` or a new focus.

    What follows an enter in the same burst was meant for whatever the enter opens or
    closes, not for this text: dropped, it cannot become part of a recorded reason.
    """

    closed = False

    async def _on_key(self, event: events.Key) -> None:
        if self.closed and (event.is_printable or event.key in ("enter", "backspace", "delete")):
            event.stop()
            event.prevent_default()  # Input._on_key, next in the MRO, does not type it
            return
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            self.closed = True
            await self.action_submit()
        # Otherwise Input._on_key, next in the MRO, types the key.

    def reopen(self) -> None:
        """Take keys again: the submit was refused and the text stays to be edited."""
        self.closed = False

    def _on_focus(self, _event: events.Focus) -> None:
        self.closed = False  # Input._on_focus, next in the MRO, runs as well
