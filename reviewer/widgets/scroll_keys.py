"""The list keys (j/k, pages, ends) for a view that scrolls by lines rather than a cursor."""

from __future__ import annotations

from typing import ClassVar

from textual.scroll_view import ScrollView

from reviewer import keys


class ScrollKeys(ScrollView):
    """A ScrollView that the `list` keys move a line, a page, or to either end."""

    BINDINGS: ClassVar = keys.bindings("list")

    def action_cursor_down(self) -> None:
        self.scroll_relative(y=1, animate=False)

    def action_cursor_up(self) -> None:
        self.scroll_relative(y=-1, animate=False)

    def action_page_down(self) -> None:
        self.scroll_page_down(animate=False)

    def action_page_up(self) -> None:
        self.scroll_page_up(animate=False)

    def action_first(self) -> None:
        self.scroll_home(animate=False)

    def action_last(self) -> None:
        self.scroll_end(animate=False)
