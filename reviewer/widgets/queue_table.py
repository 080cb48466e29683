"""The review queue: a line-API table that asks for rows a page at a time.

Only the pages around what is on screen are held, so the queue stays instant at any size.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from reviewer import keys
from reviewer.present import QUEUE_COLUMNS, column_widths, queue_cells

Row = dict[str, Any]
Fetch = Callable[[int, int], list[Row]]


class QueueTable(ScrollView, can_focus=True):
    """Rows of proposals with a sticky header; `fetch(offset, limit)` supplies them."""

    DEFAULT_CSS = """
    QueueTable { height: 1fr; }
    QueueTable > .queue-table--header { text-style: bold; color: $text-accent; }
    QueueTable > .queue-table--cursor { background: $block-cursor-background; }
    QueueTable:blur > .queue-table--cursor { background: $block-cursor-blurred-background; }
    QueueTable > .queue-table--pending { color: $text-warning; }
    QueueTable > .queue-table--approved { color: $text-success; }
    QueueTable > .queue-table--rejected { color: $text-error; }
    QueueTable > .queue-table--empty { color: $text-muted; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "queue-table--header",
        "queue-table--cursor",
        "queue-table--pending",
        "queue-table--approved",
        "queue-table--rejected",
        "queue-table--empty",
    }
    BINDINGS: ClassVar = keys.bindings("list")

    cursor: reactive[int] = reactive(0)

    @dataclass
    class Highlighted(Message):
        """The cursor moved onto a row (None when the queue is empty)."""

        row: Row | None

    @dataclass
    class Opened(Message):
        """The user asked to open the proposal under the cursor."""

        proposal_id: str

    def __init__(
        self,
        fetch: Fetch,
        now: Callable[[], datetime],
        *,
        page_size: int = 100,
        max_pages: int = 3,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._fetch = fetch
        self._now = now
        self.page_size = page_size
        self.max_pages = max_pages
        self.total = 0
        self._pages: OrderedDict[int, list[Row]] = OrderedDict()

    # -- data -------------------------------------------------------------------------

    @property
    def loaded_rows(self) -> int:
        """How many rows are held in memory right now."""
        return sum(len(page) for page in self._pages.values())

    def reload(self, total: int) -> None:
        """Forget every page (the query or the data changed) and show `total` rows."""
        self._pages.clear()
        self.total = total
        self.virtual_size = Size(self.size.width, total + 1)
        self.cursor = min(self.cursor, max(total - 1, 0))
        self._scroll_cursor_into_view()
        self.refresh()
        self.post_message(self.Highlighted(self.row_at(self.cursor)))

    def row_at(self, index: int) -> Row | None:
        """Row `index` of the query, fetching its page on first use."""
        if not 0 <= index < self.total:
            return None
        page_no = index // self.page_size
        page = self._pages.get(page_no)
        if page is None:
            page = self._fetch(page_no * self.page_size, self.page_size)
            self._pages[page_no] = page
            while len(self._pages) > self.max_pages:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(page_no)
        offset = index - page_no * self.page_size
        return page[offset] if offset < len(page) else None

    @property
    def current(self) -> Row | None:
        return self.row_at(self.cursor)

    # -- rendering ----------------------------------------------------------------------

    def _line(self, cells: list[str], base: Style, status_style: Style | None) -> Strip:
        widths = column_widths(self.scrollable_content_region.width)
        text = Text(style=base, end="")
        for i, (column, cell, width) in enumerate(zip(QUEUE_COLUMNS, cells, widths, strict=True)):
            part = Text(cell, no_wrap=True)
            part.truncate(width, overflow="ellipsis")
            part.align("right" if column.right else "left", width)
            if column.key == "status" and status_style is not None:
                part.stylize(status_style)
            text.append_text(part)
            if i < len(QUEUE_COLUMNS) - 1:
                text.append(" ")
        segments = list(text.render(self.app.console))
        width = self.scrollable_content_region.width
        return Strip(segments).crop_extend(0, width, base)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if y == 0:
            headers = [c.header for c in QUEUE_COLUMNS]
            return self._line(headers, self.get_component_rich_style("queue-table--header"), None)
        index = int(self.scroll_offset.y) + y - 1
        if self.total == 0 and y == 1:
            style = self.get_component_rich_style("queue-table--empty")
            message = "no proposals match (f: filter, /: search, esc: clear search)"
            return Strip([Segment(message, style)]).crop_extend(0, width, None)
        row = self.row_at(index)
        if row is None:
            return Strip.blank(width, self.rich_style)
        cells = queue_cells(row, self._now())
        base = self.rich_style
        if index == self.cursor:
            base = base + self.get_component_rich_style("queue-table--cursor")
        status = row.get("status")
        status_style = (
            self.get_component_rich_style(f"queue-table--{status}")
            if status in ("pending", "approved", "rejected")
            else None
        )
        return self._line([cells[c.key] for c in QUEUE_COLUMNS], base, status_style)

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(event.size.width, self.total + 1)

    # -- cursor -------------------------------------------------------------------------

    def _visible_rows(self) -> int:
        return max(self.scrollable_content_region.height - 1, 1)

    def _scroll_cursor_into_view(self) -> None:
        top = int(self.scroll_offset.y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + self._visible_rows():
            self.scroll_to(y=self.cursor - self._visible_rows() + 1, animate=False)

    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, self.total - 1)) if self.total else 0

    def watch_cursor(self, old: int, new: int) -> None:
        self._scroll_cursor_into_view()
        self.refresh()
        if old != new:
            self.post_message(self.Highlighted(self.row_at(new)))

    def action_cursor_down(self) -> None:
        self.cursor += 1

    def action_cursor_up(self) -> None:
        self.cursor -= 1

    def action_page_down(self) -> None:
        self.cursor += self._visible_rows()

    def action_page_up(self) -> None:
        self.cursor -= self._visible_rows()

    def action_first(self) -> None:
        self.cursor = 0

    def action_last(self) -> None:
        self.cursor = self.total - 1

    def action_open(self) -> None:
        row = self.current
        if row is not None:
            self.post_message(self.Opened(row["id"]))

    def on_click(self, event: events.Click) -> None:
        if event.y == 0:
            return
        index = int(self.scroll_offset.y) + event.y - 1
        if 0 <= index < self.total:
            if index == self.cursor and event.chain >= 2:
                self.action_open()
            self.cursor = index
