"""Make agent text safe for a terminal: no escapes, no control or bidi characters."""

from __future__ import annotations

import re
import unicodedata

from rich.cells import cell_len

# C0 (bar tab and newline), DEL, C1, line and paragraph separators, and the variation
# selectors, which like tag characters can smuggle hidden bytes past a human reader; every
# other invisible format character (bidi controls, zero-width ones, tags) is category Cf.
_CONTROL = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufe00-\ufe0f\U000e0100-\U000e01ef]"
)
_INVISIBLE = ("Cs", "Cf")  # lone surrogates, and format characters
# CSI sequences (colours, cursor moves) go whole: their parameters are digits, never text.
# An OSC's payload is text (a title, a link's target), so only its introducer and terminator
# go: dropping the payload let `ESC ]` hide the rest of a summary, or code up to a BEL.
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|[@-Z\\-_])")
# A carriage return that does not end a line: Python breaks the line there.
BARE_CR = re.compile("\r(?!\n)")


def clean(text: object, *, single_line: bool = False) -> str:
    """Drop ANSI/OSC sequences and control characters; keep printable text as is.

    Rich markup in the result is still literal text: render it with markup off.
    """
    if text is None or text == "":
        return ""
    if not isinstance(text, str):  # a tampered row can hold bytes, or a number for a reason
        text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    text = _ANSI.sub("", text)
    text = _CONTROL.sub("", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) not in _INVISIBLE)
    if single_line:
        text = " ".join(text.split())
    return text


def show_bare_cr(text: str) -> str:
    """`text` with each carriage return that does not end a line drawn as `␍`: Python
    breaks a line there, so code after it runs, while `clean` would drop it unseen."""
    return BARE_CR.sub("\u240d", text)


def short(text: str | None, width: int) -> str:
    """One clean line, cut to `width` characters with an ellipsis."""
    line = clean(text, single_line=True)
    return line if len(line) <= width else line[: max(width - 1, 0)] + "…"


def short_middle(text: str | None, width: int) -> str:
    """One clean line, cut to `width` cells with an ellipsis in its middle: for names that
    share a start and differ at the end (`w2s-research-agent-3`)."""
    line = clean(text, single_line=True)
    return line if _cells(line) <= width else cut_middle(line, width)


def _cells(text: str) -> int:
    """Cells `text` takes, counting a character that draws none (a combining mark) as one:
    a name of 190 stacked accents takes no room yet draws over the lines around it."""
    return sum(max(cell_len(char), 1) for char in text)


def cut_middle(line: str, width: int) -> str:
    """`line`'s first and last cells around an ellipsis, `width` cells in all (less by one
    where a wide character would straddle the cut; a combining mark counts as a cell); the
    end gets the odd cell, and starts on a letter, not on a mark whose letter was cut."""
    if width < 3:
        return take_cells(line, max(width - 1, 0)) + "…" if width else ""
    head_cells = (width - 1) // 2
    head = take_cells(line, head_cells).rstrip()
    tail = take_cells(line[::-1], width - 1 - head_cells)[::-1]
    while tail and unicodedata.combining(tail[0]):
        tail = tail[1:]
    return head + "…" + tail


def take_cells(text: str, cells: int) -> str:
    """The longest start of `text` within `cells`, as `_cells` counts them."""
    used = 0
    for index, char in enumerate(text):
        used += max(cell_len(char), 1)
        if used > cells:
            return text[:index]
    return text


def encodable(text: str, encoding: str) -> bool:
    """Whether `text` survives `encoding` whole; an encoding Python does not know counts as no."""
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


# What an output that cannot encode our typography prints instead of `?` for each mark.
ASCII_FALLBACK = {
    "\u2014": "-", "\u2013": "-", "\u2026": ".", "\u00b1": "+/-", "\u2192": "->",
    "\u2190": "<-", "\u00b7": ".", "\u00d7": "x", "\u2265": ">=", "\u2264": "<=",
    "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2212": "-",
}
ASCII_FALLBACK_ERRORS = "reviewer-ascii-fallback"


def ascii_fallback(error: UnicodeError) -> tuple[str, int]:
    """A codec error handler: ASCII for the marks in ASCII_FALLBACK, `?` for anything else."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    bad = error.object[error.start:error.end]
    return "".join(ASCII_FALLBACK.get(char, "?") for char in bad), error.end

