"""A line-API diff viewer: only the lines on screen are cleaned, highlighted and rendered.

The document makes its lines on demand and this view highlights a line only when it is first
drawn (then keeps the result in a bounded cache), so a diff of any length opens in the time
one screenful takes.
"""

from __future__ import annotations

import posixpath
from typing import ClassVar

from pygments.lexer import Lexer
from pygments.lexers.python import PythonLexer
from rich.cells import cell_len
from rich.style import Style
from rich.syntax import Syntax
from rich.text import Text
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.selection import Selection
from textual.strip import Strip

from reviewer.difflines import DiffLine
from reviewer.diffmodel import DiffDocument
from reviewer.textsafe import clean, show_bare_cr
from reviewer.widgets.scroll_keys import ScrollKeys

_THEME = Syntax.get_theme("ansi_dark")
CODE_KINDS = ("added", "removed", "context")
# Longer lines are drawn plain: Pygments took 5 s on one 500,000-character line of operators.
MAX_HIGHLIGHT = 2_000


def safe(text: str) -> str:
    """`clean(text)`, skipping the work for printable ASCII, which has nothing it removes;
    a carriage return left in a line (its end is stripped already) is shown as `␍`."""
    return text if text.isascii() and text.isprintable() else clean(show_bare_cr(text))


# The lexer follows the agent's file name, and some of Pygments' backtrack exponentially on
# a few dozen hostile characters (Maple's `.mpl`: 4 s on a 51-character line, on the UI
# thread), so only Python, which method diffs are, is highlighted; the rest is plain.
_PYTHON = PythonLexer(stripnl=False)


def lexer_for(name: str) -> Lexer | None:
    """The lexer a file's lines are highlighted with: Python's for Python files, else None."""
    return _PYTHON if name.endswith((".py", ".pyi")) else None


# Half a screen sideways a press (as `less -S` steps), since one column a press is far too
# slow to reach the end of a line that runs past a narrow terminal.
WIDE_STEPS: tuple[Binding, ...] = (
    Binding("shift+right", "wide_right", "Half a screen right", show=False, id="diff_wide_right",
            tooltip="Half a screen right"),
    Binding("shift+left", "wide_left", "Half a screen left", show=False, id="diff_wide_left",
            tooltip="Half a screen left"),
)


class DiffView(ScrollKeys, can_focus=True):
    """Shows a DiffDocument; suspicious hunks carry a `!` in the gutter."""

    BINDINGS: ClassVar = list(WIDE_STEPS)

    DEFAULT_CSS = """
    DiffView { height: 1fr; }
    DiffView > .diff-view--added { background: $success 20%; }
    DiffView > .diff-view--removed { background: $error 20%; }
    DiffView > .diff-view--hunk { color: $text-accent; }
    DiffView > .diff-view--file { text-style: bold reverse; }
    DiffView > .diff-view--flag { color: $text-warning; text-style: bold; }
    DiffView > .diff-view--note { color: $text-muted; text-style: italic; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "diff-view--added",
        "diff-view--removed",
        "diff-view--hunk",
        "diff-view--file",
        "diff-view--flag",
        "diff-view--note",
    }

    def __init__(
        self,
        document: DiffDocument,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.document = document
        # Rendered lines and their gutter widths by index; bounded, since a diff may have any
        # number of lines.
        self.line_cache: LRUCache[int, tuple[Strip, int]] = LRUCache(1000)
        # How many lines went through the highlighter: tests check it stays near a screenful.
        self.highlighted = 0
        self._base: Style | None = None

    def on_mount(self) -> None:
        self.virtual_size = Size(self.document.width, len(self.document.lines))

    def _code(self, line: DiffLine) -> Text:
        plain = self._plain(line)
        sign, code = plain[:1], plain[1:]
        text = Text(sign)
        lexer = lexer_for(posixpath.basename(line.path))
        if lexer is None or len(code) > MAX_HIGHLIGHT:
            text.append(code)
            return text
        self.highlighted += 1
        for token_type, value in lexer.get_tokens(code):
            text.append(value.rstrip("\n"), _THEME.get_style_for_token(token_type))
        return text

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        """The selected text as drawn (gutter, sign and cleaned code), for copying."""
        lines = self.document.lines
        text = "\n".join(self._gutter(line) + self._plain(line) for line in lines)
        return selection.extract(text), "\n"

    @staticmethod
    def _gutter(line: DiffLine) -> str:
        return "! " if line.flagged else "  "

    def _fixed_width(self, line: DiffLine) -> int:
        """Cells of a line kept in place by a sideways scroll: the flag, and a code line's sign."""
        sign = self._plain(line)[:1] if line.kind in CODE_KINDS else ""
        return cell_len(self._gutter(line) + sign)

    @staticmethod
    def _plain(line: DiffLine) -> str:
        """A line's text as drawn, without its colours."""
        if line.kind in CODE_KINDS:
            return (line.text[:1] or " ") + safe(line.text[1:]).expandtabs(4)
        return clean(line.text, single_line=True)

    # Not `_render`: that is Textual's own, which text selection calls with no arguments.
    def _render_line(self, line: DiffLine, base: Style) -> Strip:
        flag = self.get_component_rich_style("diff-view--flag")
        gutter = Text(self._gutter(line), style=flag)
        if line.kind in CODE_KINDS:
            body = self._code(line)
        else:
            body = Text(self._plain(line))
        style = base
        if line.kind != "context":
            style = style + self.get_component_rich_style(f"diff-view--{line.kind}")
        text = Text(style=style, no_wrap=True, end="")
        text.append_text(gutter)
        text.append_text(body)
        return Strip(list(text.render(self.app.console))).simplify()

    def render_lines(self, crop: Region) -> list[Strip]:
        # rich_style walks the DOM: work it out once per pass, not once per line.
        self._base = self.rich_style
        try:
            return super().render_lines(crop)
        finally:
            self._base = None

    def render_line(self, y: int) -> Strip:
        base = self._base or self.rich_style
        index = int(self.scroll_offset.y) + y
        width = self.scrollable_content_region.width
        if not 0 <= index < len(self.document.lines):
            return Strip.blank(width, base)
        line = self.document.lines[index]
        cached = self.line_cache.get(index)
        if cached is None:
            cached = self._render_line(line, base), self._fixed_width(line)
            self.line_cache[index] = cached
        strip, fixed = cached
        pad = base
        if line.kind in ("added", "removed", "file"):
            pad = pad + self.get_component_rich_style(f"diff-view--{line.kind}")
        x = int(self.scroll_offset.x)
        if x == 0:
            return strip.crop_extend(0, width, pad)
        # The flag and the +/- sign stay put, so added and removed lines still differ by more
        # than their tint (which a red-green colour-blind reader cannot see) after a scroll.
        fixed = min(fixed, width)
        gutter = strip.crop_extend(0, fixed, pad)
        return Strip.join([gutter, strip.crop_extend(fixed + x, x + width, pad)])

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self.line_cache.clear()

    def action_wide_right(self) -> None:
        self.scroll_relative(x=self._half_width(), animate=False)

    def action_wide_left(self) -> None:
        self.scroll_relative(x=-self._half_width(), animate=False)

    def _half_width(self) -> int:
        return max(self.scrollable_content_region.width // 2, 1)

    def scroll_to_line(self, index: int) -> None:
        """Put line `index` at the top of the view."""
        self.scroll_to(y=index, animate=False)
