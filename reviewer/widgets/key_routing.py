"""Keys typed in one burst follow a key that moves focus, instead of landing where it was.

Textual's App forwards every key in its queue to the widget focused at that moment, and a
key's non-priority bindings run only when it bubbles back up to the App. So in `/teacher`
typed in one read (a paste, a fast typist, a terminal delivering it at once) the letters
were all forwarded to the queue table before `/` focused the search box: they came back to
the App after it, matched no binding of the search box (while `s`, the queue's sort, matched
the screen's), and were lost. The same held for the letters after `c` or `x`, which open a
prompt whose input gets focus only once the prompt is mounted.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary, WeakSet

from textual import events
from textual.actions import ActionParseResult
from textual.dom import DOMNode
from textual.widget import Widget

if TYPE_CHECKING:
    from textual.app import App

    _Base = App[None]
else:
    _Base = object


class KeysFollowFocus(_Base):
    """Mixed into the App ahead of `App`: a key that bubbles back from a widget which is no
    longer the focus is sent to the one that is, before any binding sees it.

    Priority bindings (quit) still run on each key as it arrives from the terminal. A key
    the old widget consumed (an input's letter) never comes back, so nothing is typed twice.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Where each key was sent; weak, since a key that a widget stops never comes back.
        self._key_targets: WeakKeyDictionary[events.Key, Widget] = WeakKeyDictionary()
        self._keys_waited: WeakSet[events.Key] = WeakSet()  # each waits behind an action once
        # Keys a later priority key overtook by opening a screen (ctrl+p's palette).
        self._keys_overtaken: WeakSet[events.Key] = WeakSet()
        self._holding_keys = False

    def _key_target(self) -> Widget:
        """Where the App sends a key now: the focused widget, or else the screen."""
        return self.focused or self.screen

    async def on_event(self, event: events.Event) -> None:
        if not isinstance(event, events.Key) or event.is_forwarded:
            await super().on_event(event)
            return
        screen = self.screen
        self._key_targets[event] = self._key_target()
        await super().on_event(event)
        if self.screen is not screen:
            # A priority binding opened a screen before the keys typed ahead of it had acted:
            # those keys were meant for what was there, so they must not follow focus into it.
            self._key_targets.pop(event, None)
            self._keys_overtaken.update(self._key_targets.keys())

    async def run_action(
        self,
        action: str | ActionParseResult,
        default_namespace: DOMNode | None = None,
        namespaces: Mapping[str, DOMNode] | None = None,
    ) -> bool:
        ran = await super().run_action(action, default_namespace, namespaces)
        # `Widget.focus()` moves focus only from a callback it queues on the App, so keys
        # already back at the App wait behind that callback before they are routed.
        if not self._holding_keys:
            self._holding_keys = True
            self.call_later(self._stop_holding_keys)
        return ran

    def _stop_holding_keys(self) -> None:
        self._holding_keys = False

    async def _on_key(self, event: events.Key) -> None:
        sent_to = self._key_targets.pop(event, None)
        if sent_to is None:
            return  # not a key from the terminal: App._on_key, next in the MRO, runs
        if event in self._keys_overtaken and sent_to is not self._key_target():
            event.prevent_default()  # dropped: App._on_key does not run
            event.stop()
            return
        if self._holding_keys and event not in self._keys_waited:
            self._resend(event, self, sent_to)
            return
        now = self._key_target()
        if sent_to is not now:
            self._resend(event, now, now)
        # Otherwise App._on_key, next in the MRO, runs the bindings of the focus chain.

    def _resend(self, event: events.Key, to: Widget | KeysFollowFocus, target: Widget) -> None:
        """Stop `event` here and send a fresh copy to `to`, as a key sent to `target`."""
        event.prevent_default()  # App._on_key does not run: no binding sees the stale key
        event.stop()
        again = events.Key(event.key, event.character)
        self._key_targets[again] = target
        if to is self:
            self._keys_waited.add(again)
        if event in self._keys_overtaken:  # the copy is as overtaken as the key it replaces
            self._keys_overtaken.add(again)
        again._set_forwarded()
        to.post_message(again)
