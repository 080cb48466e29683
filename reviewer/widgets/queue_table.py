"""The review queue: a paged table of proposals, its status column coloured."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import datetime
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import events
from textual.widgets import Static

from reviewer.present import QUEUE_COLUMNS, BarPart, Column, fit_bar, queue_cells
from reviewer.widgets.paged_table import Fetch, PagedTable, Row

STATUSES = ("pending", "approved", "rejected")


class QueueBar(Static):
    """The queue's status line, fitted to its width so the active filters stay in view."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._parts: list[BarPart] = []

    def show(self, parts: list[BarPart]) -> None:
        self._parts = parts
        self._fit()

    def on_resize(self, _event: events.Resize) -> None:
        self._fit()

    def _fit(self) -> None:
        # Before the first layout the width is 0: show it all; the first resize fits it.
        width = self.content_size.width or 10_000
        self.update(Text(fit_bar(self._parts, width)))


class QueueTable(PagedTable):
    """Rows of proposals with a sticky header; `fetch(offset, limit)` supplies them."""

    DEFAULT_CSS = """
    QueueTable > .queue-table--pending { color: $text-warning; }
    QueueTable > .queue-table--approved { color: $text-success; }
    QueueTable > .queue-table--rejected { color: $text-error; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {f"queue-table--{s}" for s in STATUSES}
    COLUMNS: ClassVar[tuple[Column, ...]] = QUEUE_COLUMNS
    EMPTY = "no proposals match (f: filter, /: search, esc: clear search and filters)"

    def __init__(
        self,
        fetch: Fetch,
        now: Callable[[], datetime],
        *,
        empty: str = EMPTY,
        page_size: int = 100,
        max_pages: int = 3,
        id: str | None = None,
    ) -> None:
        super().__init__(fetch, key="id", page_size=page_size, max_pages=max_pages, id=id)
        self._now = now
        self.EMPTY = empty  # the screen names the keys as the user remapped them
        self._status_at = [c.key for c in self.COLUMNS].index("status")

    def cells(self, row: Row) -> dict[str, str]:
        return queue_cells(row, self._now())

    def line_token(self) -> Hashable:
        # The age column counts minutes at its finest, so a rendered row keeps for a minute.
        return self._now().replace(second=0, microsecond=0)

    def cell_style(self, row: Row, column: str) -> Style | None:
        status = row.get("status")
        if column == "status" and status in STATUSES:
            return self.get_component_rich_style(f"queue-table--{status}")
        return None

    def cell_styles(self, row: Row) -> tuple[Style | None, ...]:
        # Only the status cell is styled: one lookup per row instead of one per column.
        styles: list[Style | None] = [None] * len(self.COLUMNS)
        styles[self._status_at] = self.cell_style(row, "status")
        return tuple(styles)
