"""A line-API table that asks for rows a page at a time, with a sticky header and a cursor.

Only the pages around what is on screen are held, so a list stays instant at any size.
Moving the cursor repaints only the two rows it left and entered, and rendered rows are
cached, so a press that scrolls renders only the rows that look different; the rest of the
screen comes from the cache.
Subclasses name their columns, turn a row into cells, and may style a row or a cell.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.cells import cell_len
from rich.control import strip_control_codes
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from reviewer import keys
from reviewer.present import Column, column_widths
from reviewer.textsafe import cut_middle, take_cells

Row = dict[str, Any]
Fetch = Callable[[int, int], list[Row]]
# Key of a rendered row: index, width, row style, cell styles, subclass token, data generation.
LineKey = tuple[int, int, Style, tuple[Style | None, ...], Hashable, int]


@dataclass(frozen=True)
class _Frame:
    """What every line of one render pass shares."""

    width: int
    top: int
    base: Style
    token: Hashable


def fit(text: str, width: int, right: bool = False, middle: bool = False) -> str:
    """`text` cut to `width` cells with an ellipsis (in its middle with `middle`), or padded
    to it (as Rich's truncate/align)."""
    text = strip_control_codes(text)
    length = cell_len(text)
    # Marks that draw no cell (stacked accents) count as one, or they would overdraw.
    if length > width or len(text) > width:
        text = cut_middle(text, width) if middle else take_cells(text, width - 1) + "…"
        length = cell_len(text)
    pad = " " * max(width - length, 0)
    return pad + text if right else text + pad


class PagedTable(ScrollView, can_focus=True):
    """Rows from `fetch(offset, limit)`; `key` names the field that identifies a row."""

    DEFAULT_CSS = """
    PagedTable { height: 1fr; }
    PagedTable > .paged-table--header { text-style: bold; color: $text-accent; }
    PagedTable > .paged-table--cursor { background: $block-cursor-background; }
    PagedTable:blur > .paged-table--cursor { background: $block-cursor-blurred-background; }
    /* NO_COLOR strips the cursor's background (all of it with an ANSI theme): reverse stays. */
    PagedTable:nocolor > .paged-table--cursor { text-style: reverse; }
    PagedTable > .paged-table--empty { color: $text-muted; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "paged-table--header",
        "paged-table--cursor",
        "paged-table--empty",
    }
    BINDINGS: ClassVar[list[BindingType]] = list(keys.bindings("list"))
    COLUMNS: ClassVar[tuple[Column, ...]] = ()
    EMPTY = "nothing to show"

    # No repaint on change: watch_cursor repaints just the rows the cursor left and entered.
    cursor: reactive[int] = reactive(0, repaint=False)

    @dataclass
    class Highlighted(Message):
        """The cursor moved onto a row (None when the table is empty)."""

        row: Row | None

    @dataclass
    class Opened(Message):
        """The user asked to open the row under the cursor."""

        row: Row

    def __init__(
        self,
        fetch: Fetch,
        *,
        key: str = "id",
        page_size: int = 100,
        max_pages: int = 3,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._fetch = fetch
        self.key = key
        self.page_size = page_size
        self.max_pages = max_pages
        self.total = 0
        self._pages: OrderedDict[int, list[Row]] = OrderedDict()
        # Rendered rows; a new generation (the data changed) makes every entry stale.
        self._strips: LRUCache[LineKey, Strip] = LRUCache(256)
        self._generation = 0
        self._current_frame: _Frame | None = None
        # Rows drawn (cached or not) and rows rendered afresh, newest last, by index: they let
        # tests see what a key press repainted.
        self.painted: deque[int] = deque(maxlen=256)
        self.rendered: deque[int] = deque(maxlen=256)

    # -- what subclasses fill in ----------------------------------------------------------

    def cells(self, row: Row) -> dict[str, str]:
        """The text of each column for `row`."""
        raise NotImplementedError

    def row_style(self, row: Row) -> Style | None:
        """A style over the whole row, or None."""
        return None

    def cell_style(self, row: Row, column: str) -> Style | None:
        """A style over one cell, or None."""
        return None

    def cell_styles(self, row: Row) -> tuple[Style | None, ...]:
        """`cell_style` for every column, in order; subclasses may do it in one go."""
        return tuple(self.cell_style(row, c.key) for c in self.COLUMNS)

    def line_token(self) -> Hashable:
        """What else the cells depend on (a clock, say); a rendered row is reused while the
        token and the row's styles stay the same."""
        return None

    def invalidate(self) -> None:
        """Forget every rendered row (the cells of some row changed) and repaint."""
        self._generation += 1
        self._strips.clear()
        self.refresh()

    # -- data -------------------------------------------------------------------------

    @property
    def loaded_rows(self) -> int:
        """How many rows are held in memory right now."""
        return sum(len(page) for page in self._pages.values())

    def reload(self, total: int) -> None:
        """Forget every page (the query or the data changed) and show `total` rows."""
        self._pages.clear()
        self._generation += 1
        self.total = total
        self.virtual_size = Size(self.size.width, total + 1)
        self.cursor = min(self.cursor, max(total - 1, 0))
        self._scroll_cursor_into_view()
        self.refresh()
        self.post_message(self.Highlighted(self.row_at(self.cursor)))

    def set_total(self, total: int) -> None:
        """The same rows, now known to number `total` (a first count stopped at a cap)."""
        self.total = total
        self.virtual_size = Size(self.size.width, total + 1)
        self.cursor = min(self.cursor, max(total - 1, 0))
        self.refresh()

    def reload_keeping(self, total: int) -> None:
        """Reload, keeping the cursor on the same row when it moved by less than a page.

        Only the pages around the cursor are read to find it.
        """
        held = self.current
        before = self.cursor
        self._pages.clear()
        self._generation += 1
        self.total = total
        self.virtual_size = Size(self.size.width, total + 1)
        found = None if held is None else self._find(held.get(self.key), before)
        if found is not None and found != before:
            top = int(self.scroll_offset.y)
            # At the top, new rows should come into view; further down, the page holds still.
            if top > 0:
                self.scroll_to(y=max(0, top + found - before), animate=False)
            self.cursor = found
        else:
            self.cursor = min(before, max(total - 1, 0))
            self._scroll_cursor_into_view()
        self.refresh()  # the data changed: every line, not just the cursor's

    def _find(self, key: Any, near: int) -> int | None:
        """The index of the row whose key is `key`, looked for within a page of `near`."""
        for distance in range(self.page_size):
            for index in (near + distance, near - distance):
                row = self.row_at(index)
                if row is not None and row.get(self.key) == key:
                    return index
        return None

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
                # A page read again may hold other data: rows rendered from it are stale.
                self._generation += 1
        else:
            self._pages.move_to_end(page_no)
        offset = index - page_no * self.page_size
        return page[offset] if offset < len(page) else None

    @property
    def current(self) -> Row | None:
        return self.row_at(self.cursor)

    # -- rendering ----------------------------------------------------------------------

    def _line(
        self, cells: list[str], base: Style, styles: list[Style | None], width: int
    ) -> Strip:
        """One line of cells: Segments built directly, which is several times cheaper than
        laying out a Rich Text."""
        widths = column_widths(width, self.COLUMNS)
        segments: list[Segment] = []
        for column, cell, size, style in zip(self.COLUMNS, cells, widths, styles, strict=True):
            if not size:
                continue  # dropped on a line this narrow
            if segments:
                segments.append(Segment(" ", base))
            segments.append(Segment(fit(cell, size, column.right, column.middle),
                                    base if style is None
                                    else base + style))
        return Strip(segments).crop_extend(0, width, base).simplify()

    def _frame(self) -> _Frame:
        return _Frame(
            self.scrollable_content_region.width,
            int(self.scroll_offset.y),
            self.rich_style,
            self.line_token(),
        )

    def render_lines(self, crop: Region) -> list[Strip]:
        # Work out once per pass what every line shares; rich_style alone walks the DOM.
        self._current_frame = self._frame()
        try:
            return super().render_lines(crop)
        finally:
            self._current_frame = None

    def render_line(self, y: int) -> Strip:
        frame = self._current_frame or self._frame()
        width = frame.width
        if y == 0:
            headers = [c.header for c in self.COLUMNS]
            header = self.get_component_rich_style("paged-table--header")
            return self._line(headers, header, [None] * len(self.COLUMNS), width)
        index = frame.top + y - 1
        if self.total == 0 and y == 1:
            style = self.get_component_rich_style("paged-table--empty")
            # Padded in the same style: Textual's NO_COLOR filter fails on an unstyled segment.
            return Strip([Segment(self.EMPTY, style)]).crop_extend(0, width, style)
        row = self.row_at(index)
        if row is None:
            return Strip.blank(width, frame.base)
        self.painted.append(index)
        base = frame.base
        whole = self.row_style(row)
        if whole is not None:
            base = base + whole
        if index == self.cursor:
            base = base + self.get_component_rich_style("paged-table--cursor")
        styles = self.cell_styles(row)
        key = (index, width, base, styles, frame.token, self._generation)
        strip = self._strips.get(key)
        if strip is None:
            cells = self.cells(row)
            strip = self._line([cells[c.key] for c in self.COLUMNS], base, list(styles), width)
            self._strips[key] = strip
            self.rendered.append(index)
        return strip

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

    def _refresh_row(self, index: int) -> None:
        y = index - int(self.scroll_offset.y) + 1  # line 0 is the header
        if 1 <= y < self.scrollable_content_region.height:
            self.refresh(Region(0, y, self.scrollable_content_region.width, 1))

    def watch_cursor(self, old: int, new: int) -> None:
        top = int(self.scroll_offset.y)
        self._scroll_cursor_into_view()
        if int(self.scroll_offset.y) == top:
            # No scroll: only the rows the cursor left and entered look different.
            self._refresh_row(old)
            self._refresh_row(new)
        # A scroll repaints every line itself (ScrollView.watch_scroll_y).
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
            self.post_message(self.Opened(row))

    def on_click(self, event: events.Click) -> None:
        if event.y == 0:
            return
        index = int(self.scroll_offset.y) + event.y - 1
        if 0 <= index < self.total:
            if index == self.cursor and event.chain >= 2:
                self.action_open()
            self.cursor = index
