"""Keyboard input the terminal sends as bytes that are not UTF-8 (é typed in a Latin-1 or
`LANG=C` terminal, a paste of binary data) must not kill the TUI.

Textual 8's Linux driver decodes input strictly, so one such byte ends its input thread with
UnicodeDecodeError: the screen is torn down and keys no longer act (Textual issue 6456).
"""

from __future__ import annotations

import codecs
import functools


def tolerate_undecodable_input() -> None:
    """Make the Linux driver decode input with replacement (U+FFFD) instead of raising."""
    try:
        from textual.drivers import linux_driver
    except ImportError:  # another platform's driver reads input its own way
        return

    def replacing(encoding: str) -> functools.partial[codecs.IncrementalDecoder]:
        return functools.partial(codecs.getincrementaldecoder(encoding), errors="replace")

    linux_driver.getincrementaldecoder = replacing  # type: ignore[assignment]
