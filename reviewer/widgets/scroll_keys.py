"""The list keys (j/k, pages, ends) for the views that are not a PagedTable.

A ScrollView or a scrolling container moves by lines; a DataTable moves its row cursor. Each
takes its bindings from the `list` scope, so the keys the help lists (and any remapping of
them) work the same on every screen.
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import BindingType
from textual.containers import ScrollableContainer, VerticalScroll
from textual.scroll_view import ScrollView
from textual.widgets import DataTable
from textual.widgets.data_table import CellType

from reviewer import keys


class _LineScrolling(ScrollableContainer):
    """The `list` actions for a view without a cursor: a line, a page, or either end."""

    def action_cursor_down(self) -> None:
        self.scroll_relative(y=1, animate=False)

    def action_cursor_up(self) -> None:
        self.scroll_relative(y=-1, animate=False)

    def action_page_down(self) -> None:
        self.scroll_page_down(animate=False)

    def action_page_up(self) -> None:
        self.scroll_page_up(animate=False)

    def action_first(self) -> None:
        # Only y: Textual's scroll_home would also lose the column a wide line was scrolled to.
        self.scroll_to(y=0, animate=False)

    def action_last(self) -> None:
        self.scroll_to(y=self.max_scroll_y, animate=False)


class ScrollKeys(_LineScrolling, ScrollView):
    """A ScrollView that the `list` keys move a line, a page, or to either end."""

    BINDINGS: ClassVar[list[BindingType]] = list(keys.bindings("list"))


class ScrollKeysContainer(_LineScrolling, VerticalScroll):
    """A VerticalScroll of widgets that the `list` keys move like a ScrollKeys view."""

    BINDINGS: ClassVar[list[BindingType]] = list(keys.bindings("list"))


class ListTable(DataTable[CellType]):
    """A row-cursor DataTable that the `list` keys move as they move a PagedTable."""

    BINDINGS: ClassVar[list[BindingType]] = list(keys.bindings("list"))

    def action_first(self) -> None:
        self.action_scroll_top()

    def action_last(self) -> None:
        self.action_scroll_bottom()
