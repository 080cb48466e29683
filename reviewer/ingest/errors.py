"""The one error type ingest raises, with messages safe to print on a terminal."""

from __future__ import annotations

import json
import os
import unicodedata
from typing import Any

_MAX_SHOWN = 60


def safe_text(text: str, limit: int | None = None) -> str:
    """Escape control, format (bidi) and separator characters so agent text can't drive a terminal.

    `limit` truncates long text with an ellipsis, for use inside one-line messages.
    """
    out: list[str] = []
    for ch in text:
        category = unicodedata.category(ch)
        if category[0] == "C" or category in ("Zl", "Zp"):
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(ch)
    shown = "".join(out)
    if limit is not None and len(shown) > limit:
        shown = shown[: limit - 1] + "…"
    return shown


def describe(value: Any) -> str:
    """A short, terminal-safe rendering of a JSON value for an error message."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + safe_text(value, _MAX_SHOWN).replace('"', '\\"') + '"'
    if isinstance(value, int | float):
        return safe_text(json.dumps(value) if isinstance(value, float) else str(value), _MAX_SHOWN)
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


class IngestError(Exception):
    """A proposal source that could not be read, naming where and why.

    `str()` gives ``path:line: field: message``, leaving out parts that are unknown,
    with every agent-controlled part escaped for the terminal.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        line: int | None,
        field: str | None,
        message: str,
    ) -> None:
        self.path = os.fspath(path)
        self.line = line
        self.field = field or None
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = safe_text(self.path, 300)
        if self.line is not None:
            where += f":{self.line}"
        parts = [where]
        if self.field:
            parts.append(safe_text(self.field, 200))
        parts.append(safe_text(self.message, 500))
        return ": ".join(parts)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.path, self.line, self.field, self.message))
