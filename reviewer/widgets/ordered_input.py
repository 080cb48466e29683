"""An Input that takes enter and tab in order with the characters typed around them.

Textual's Input types a printable key as soon as it arrives, while enter and tab are bindings
that run only once the key has bubbled back up to the App. Keys typed in one burst (a paste, a
fast typist) therefore reached the Input before the enter or tab between them had acted:
`x nope enter j` recorded the reason "nopej", and a tab out of the assessment note took the
next verdict key into the note.
"""

from __future__ import annotations

from textual import events
from textual.widgets import Input

# Keys a closed input lets through: escape cancels a dialog or clears the search; a tab moves on.
_PASSED = frozenset({"escape", "tab", "shift+tab"})
_MOVES = {"tab": 1, "shift+tab": -1}


class OrderedInput(Input):
    """Enter submits and tab moves focus here, in order with the keys before them.

    After an enter, what follows in the same burst is dropped until `reopen` or a new focus:
    it was meant for whatever the enter opens or closes, never for the submitted text. After a
    tab, what follows is not typed here but left to bubble, so the App sends it on to the
    widget the tab focused.
    """

    closed = False  # an enter submitted: keys are dropped
    left = False  # a tab moved focus away: keys go on to the focus

    async def _on_key(self, event: events.Key) -> None:
        if self.left:
            event.prevent_default()  # not typed here: it bubbles, and the App re-sends it
            return
        if self.closed and event.key not in _PASSED:
            event.stop()
            event.prevent_default()  # Input._on_key, next in the MRO, does not type it
            return
        if event.key in _MOVES:
            event.stop()
            event.prevent_default()
            self.left = True
            # Now, not from the binding after the keys already queued behind this one.
            if _MOVES[event.key] > 0:
                self.screen.focus_next()
            else:
                self.screen.focus_previous()
            self.left = self.screen.focused is not self  # a dialog's only input keeps it
        elif event.key == "enter":
            event.stop()
            event.prevent_default()
            self.closed = True
            await self.action_submit()
        # Otherwise Input._on_key, next in the MRO, types the key.

    def reopen(self) -> None:
        """Take keys again: the submit was refused and the text stays to be edited."""
        self.closed = False

    def _on_focus(self, _event: events.Focus) -> None:
        self.closed = self.left = False  # Input._on_focus, next in the MRO, runs as well
