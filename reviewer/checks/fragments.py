"""Turn the post-image of a diff's hunks into parsed Python, as much of it as parses.

A new file is parsed whole. A hunk of a modified file is a window into a file we do not
have, so it may start inside a bracket, a string or an indented block: it is carved at each
syntax error into pieces that parse, and lines that still do not parse are tried one by
one. Every piece keeps the file's line numbers.
"""

from __future__ import annotations

import ast
import textwrap
import warnings
from dataclasses import dataclass, field

# Per file: characters re-parsed while carving before falling back to single lines, and
# single lines tried before giving up; together they bound the work on hostile input.
MAX_CARVE_CHARS = 2_000_000
MAX_SINGLE_LINES = 3000
_LINE_WRAPS = ("{}", "{} pass", "if 0: pass\n{} pass", "try: pass\n{} pass", "{})", "{}))",
               "{}]", "{}}}")

Line = tuple[int, str]  # (line number in the new file, text without newline)


@dataclass(frozen=True)
class Fragment:
    """A parsed piece of the new file; `lines[i]` is the file line of the piece's line i+1."""

    tree: ast.Module
    lines: tuple[int, ...]

    def file_line(self, lineno: int) -> int:
        return self.lines[min(max(lineno, 1), len(self.lines)) - 1]

    def span(self, node: ast.AST) -> range:
        """File lines a node covers."""
        lineno: int = getattr(node, "lineno", 1)
        end_lineno: int | None = getattr(node, "end_lineno", None)
        start = self.file_line(lineno)
        end = self.file_line(end_lineno or lineno)
        return range(start, max(start, end) + 1)


@dataclass
class Parsed:
    """What could be parsed of one file, and what could not."""

    fragments: list[Fragment] = field(default_factory=list)
    unparsed: list[int] = field(default_factory=list)  # significant lines left unparsed
    error: str | None = None  # why a new file does not parse as a whole
    error_line: int | None = None
    skipped: int = 0  # significant lines not even tried, once the budget ran out
    chars_left: int = MAX_CARVE_CHARS
    lines_left: int = MAX_SINGLE_LINES


def significant(text: str) -> bool:
    stripped = text.strip()
    return bool(stripped) and not stripped.startswith("#")


def quiet_parse(source: str) -> ast.Module:
    """ast.parse without the SyntaxWarnings (bad escapes) that agent code would print."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(source)


def _try(lines: list[Line]) -> tuple[ast.Module | None, SyntaxError | None]:
    source = textwrap.dedent("\n".join(text for _, text in lines)) + "\n"
    try:
        return quiet_parse(source), None
    except SyntaxError as exc:
        return None, exc
    except (ValueError, RecursionError, MemoryError, OverflowError) as exc:
        return None, SyntaxError(str(exc) or type(exc).__name__)


def _one_line(line: Line) -> Fragment | None:
    number, text = line
    for wrap in _LINE_WRAPS:
        source = wrap.format(text.strip())
        tree, _ = _try([(number, s) for s in source.split("\n")])
        if tree is not None:
            return Fragment(tree, (number,) * (source.count("\n") + 1))
    return None


def _single_lines(chunk: list[Line], parsed: Parsed) -> None:
    for line in chunk:
        if not significant(line[1]):
            continue
        if parsed.lines_left <= 0:
            parsed.skipped += 1
            continue
        parsed.lines_left -= 1
        piece = _one_line(line)
        if piece is not None:
            parsed.fragments.append(piece)
        else:
            parsed.unparsed.append(line[0])


def carve(lines: list[Line], parsed: Parsed) -> None:
    """Parse `lines`, splitting at syntax errors; add pieces and leftovers to `parsed`."""
    stack = [lines]
    while stack:
        chunk = stack.pop()
        size = sum(len(text) + 1 for _, text in chunk)
        if len(chunk) <= 1 or size > parsed.chars_left:
            _single_lines(chunk, parsed)
            continue
        parsed.chars_left -= size
        tree, error = _try(chunk)
        if tree is not None:
            parsed.fragments.append(Fragment(tree, tuple(n for n, _ in chunk)))
            continue
        at = min(max(getattr(error, "lineno", None) or 1, 1), len(chunk))
        if at == 1:
            stack.extend([chunk[1:], chunk[:1]])  # the first line alone, then the rest
        else:
            stack.extend([chunk[at - 1:], chunk[: at - 1]])


def parse_added(hunks: list[list[Line]], new_file: bool) -> Parsed:
    """Parse the post-image of each hunk (a new file's hunks together)."""
    parsed = Parsed()
    if new_file:
        whole = [line for hunk in hunks for line in hunk]
        tree, error = _try(whole)
        if tree is not None:
            parsed.fragments.append(Fragment(tree, tuple(n for n, _ in whole)))
            return parsed
        where = min(max(getattr(error, "lineno", None) or 1, 1), len(whole)) if whole else 1
        parsed.error = getattr(error, "msg", None) or str(error)
        parsed.error_line = whole[where - 1][0] if whole else None
        hunks = [whole]
    for hunk in hunks:
        carve(hunk, parsed)
    return parsed
