"""Typed readers for fields of an untrusted JSON object, each failing with a located error."""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from reviewer.ingest.errors import IngestError, describe
from reviewer.ingest.strictjson import join_field
from reviewer.lookalike import strip_invisible

Obj = dict[str, Any]


@dataclass(frozen=True)
class Where:
    """Where an object sits: its source, JSON Lines line, and field path prefix (`[2]`)."""

    path: str
    line: int | None = None
    prefix: str = ""

    def field(self, name: str | int) -> str:
        """The full field path of `name` inside this object."""
        return join_field(self.prefix, name)

    def error(self, name: str | int | None, message: str) -> IngestError:
        """An error about field `name` (or the object itself when None)."""
        field = self.prefix if name is None else self.field(name)
        return IngestError(self.path, self.line, field or None, message)

    def inside(self, name: str | int) -> Where:
        """The location of a nested object."""
        return Where(self.path, self.line, self.field(name))


def is_number(value: Any) -> bool:
    """True for finite JSON numbers; bools are not numbers here."""
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
    )


def is_plain(text: str) -> bool:
    """True when text has no control, format (bidi) or line-separator characters."""
    # isprintable() is False exactly for categories C*, Zl, Zp and Zs bar the ASCII space, so
    # only text with such a character needs the per-character look, to let Zs through.
    return text.isprintable() or all(
        ch.isprintable() or unicodedata.category(ch) == "Zs" for ch in text
    )


def expect_type(value: Any, expected: str, where: Where, name: str | int) -> IngestError:
    """The standard wrong-type error: `expected a number, got "high"`."""
    return where.error(name, f"expected {expected}, got {describe(value)}")


def get_text(
    obj: Obj,
    name: str,
    where: Where,
    *,
    required: bool = False,
    max_len: int = 500,
    plain: bool = False,
    pattern: re.Pattern[str] | None = None,
    hint: str = "",
) -> str | None:
    """A string field; missing or null gives None unless `required` (then it must be non-blank)."""
    value = obj.get(name)
    if value is None:
        if required:
            raise where.error(name, "missing required field" if name not in obj else
                              "expected a non-empty string, got null")
        return None
    if not isinstance(value, str):
        raise expect_type(value, "a string", where, name)
    if required and not value.strip():
        raise where.error(name, "must not be empty")
    if len(value) > max_len:
        raise where.error(name, f"longer than {max_len} characters ({len(value)})")
    if plain and not is_plain(value):
        raise where.error(name, "must not contain control or bidi characters")
    if pattern is not None and not pattern.fullmatch(value):
        raise where.error(name, f"{describe(value)} does not match {hint or pattern.pattern}")
    return value


def require_text(
    obj: Obj,
    name: str,
    where: Where,
    *,
    max_len: int = 500,
    plain: bool = False,
    pattern: re.Pattern[str] | None = None,
    hint: str = "",
) -> str:
    """A required, non-blank string field."""
    value = get_text(obj, name, where, required=True, max_len=max_len, plain=plain,
                     pattern=pattern, hint=hint)
    if value is None:  # pragma: no cover - get_text raises for a missing required field
        raise where.error(name, "missing required field")
    return value


def visible_text(value: str, where: Where, name: str, *, required: bool = True) -> str:
    """`value` without the characters that draw as nothing, so the full-text index and the
    checks see the words a reader sees; a required field left blank by that is an error."""
    text = strip_invisible(value)
    if required and not text.strip():
        raise where.error(name, "must not be empty (it holds only invisible characters)")
    return text


def get_number(obj: Obj, name: str, where: Where) -> int | float | None:
    """A finite number field (not a bool); missing or null gives None."""
    value = obj.get(name)
    if value is None:
        return None
    if not is_number(value):
        raise expect_type(value, "a number", where, name)
    return value


def get_int(obj: Obj, name: str, where: Where, *, minimum: int = 0) -> int | None:
    """An integer field at least `minimum` (not a bool); missing or null gives None."""
    value = obj.get(name)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise expect_type(value, "an integer", where, name)
    if value < minimum:
        raise where.error(name, f"must be at least {minimum}, got {value}")
    return value


def get_bool(obj: Obj, name: str, where: Where) -> bool | None:
    """A boolean field; missing or null gives None."""
    value = obj.get(name)
    if value is None:
        return None
    if not isinstance(value, bool):
        raise expect_type(value, "true or false", where, name)
    return value


def get_object(obj: Obj, name: str, where: Where) -> Obj | None:
    """A JSON object field; missing or null gives None."""
    value = obj.get(name)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise expect_type(value, "an object", where, name)
    return value


def parse_timestamp(text: str) -> datetime | None:
    """Parse an ISO-8601 timestamp (a trailing `Z` allowed); None when it is not one."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def get_timestamp(obj: Obj, name: str, where: Where) -> str | None:
    """An ISO-8601 timestamp string, kept as written; missing or null gives None."""
    value = get_text(obj, name, where, max_len=64, plain=True)
    if value is not None and parse_timestamp(value) is None:
        raise where.error(name, f"expected an ISO-8601 timestamp, got {describe(value)}")
    return value
