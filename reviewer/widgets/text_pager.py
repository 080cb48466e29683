"""A line-API reader for long plain text: wraps once per width, draws only what is on screen.

Laying out a 200,000-character summary of 40,000 short lines as one Static took seconds;
here it costs a slice per wrapped row, and a screenful of segments per frame.
"""

from __future__ import annotations

from rich.cells import cell_len, chop_cells
from rich.segment import Segment
from textual.geometry import Size
from textual.strip import Strip

from reviewer.textsafe import clean
from reviewer.widgets.scroll_keys import ScrollKeys


def wrap_rows(lines: list[str], width: int) -> list[str]:
    """Each line cut into rows of at most `width` cells (an empty line stays one row)."""
    width = max(width, 1)
    rows: list[str] = []
    for line in lines:
        if len(line) <= width and (line.isascii() or cell_len(line) <= width):
            rows.append(line)
        elif line.isascii():  # one cell a character: slicing is exact, and fast
            rows.extend(line[i:i + width] for i in range(0, len(line), width))
        else:
            rows.extend(chop_cells(line, width))
    return rows


class TextPager(ScrollKeys, can_focus=True):
    """Shows agent text cleaned of escapes and control characters, wrapped to the view."""


    def __init__(self, text: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.lines = clean(text).expandtabs(4).split("\n")
        self.rows: list[str] = []
        self._wrapped_at = -1

    def _rewrap(self) -> None:
        width = self.scrollable_content_region.width
        if width != self._wrapped_at and width > 0:
            self.rows = wrap_rows(self.lines, width)
            self._wrapped_at = width
            self.virtual_size = Size(width, len(self.rows))

    def on_resize(self) -> None:
        self._rewrap()

    def render_line(self, y: int) -> Strip:
        self._rewrap()
        style = self.rich_style
        width = self.scrollable_content_region.width
        index = int(self.scroll_offset.y) + y
        if not 0 <= index < len(self.rows):
            return Strip.blank(width, style)
        return Strip([Segment(self.rows[index], style)]).crop_extend(0, width, style)
