"""Strict JSON and JSON Lines parsing for untrusted bytes.

Beyond the standard library's parser this rejects what JSON forbids or what
would hurt us later: NaN and infinities, duplicate keys, unpaired surrogate
escapes, very deep nesting, huge integers, non-UTF-8 input and oversized
files.  Every failure is an `IngestError` naming the line and field.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from reviewer.ingest.errors import IngestError

DEFAULT_MAX_BYTES = 8 * 1024 * 1024
DEFAULT_MAX_DEPTH = 64
MAX_INT_DIGITS = 100

_BOM = b"\xef\xbb\xbf"
# A string that never closes runs to the end, as the JSON parser reads it: a match that could
# fail would be retried from every later quote, quadratic in an unclosed run of `\"`.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\\?\Z)', re.DOTALL)
_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
# Depth pre-check: keep only bracket bytes, coded 1 (open) and 2 (close), stepping depth by +-1.
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_BRACKET_CODES = bytes.maketrans(b"[{]}", b"\x01\x01\x02\x02")
_DEPTH_STEP = (0, 1, -1)
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


@dataclass(frozen=True)
class Record:
    """One parsed JSON value and the 1-based line it came from (JSON Lines only)."""

    line: int | None
    value: Any


class _Rejected:
    """Stands in for a value the parser must refuse, so the walk can name its field."""

    __slots__ = ("key", "message")

    def __init__(self, message: str, key: str | None = None) -> None:
        self.message = message
        self.key = key


def join_field(parent: str, key: str | int) -> str:
    """Extend a field path: `claimed` + `pgr` -> `claimed.pgr`, `seeds` + 2 -> `seeds[2]`."""
    if isinstance(key, int):
        return f"{parent}[{key}]"
    if _PLAIN_KEY.fullmatch(key):
        return f"{parent}.{key}" if parent else key
    return f"{parent}[{json.dumps(key, ensure_ascii=True)}]"


def decode_utf8(data: bytes, path: str) -> str:
    """Decode strict UTF-8, dropping one leading BOM; errors give the byte offset."""
    skip = len(_BOM) if data.startswith(_BOM) else 0
    try:
        return data[skip:].decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = skip + exc.start
        line = data.count(b"\n", 0, offset) + 1
        raise IngestError(
            path, line, None, f"not valid UTF-8 at byte offset {offset}"
        ) from None


def loads(
    data: bytes,
    *,
    path: str,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_depth: int = DEFAULT_MAX_DEPTH,
) -> Any:
    """Parse one JSON document from untrusted bytes."""
    text = _checked_text(data, path, max_bytes)
    try:
        return _parse(text, path=path, line=None, max_depth=max_depth)
    except _ExtraData as exc:
        raise exc.error from None


def loads_lines(
    data: bytes,
    *,
    path: str,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_depth: int = DEFAULT_MAX_DEPTH,
) -> list[Record]:
    """Parse JSON Lines: one value per non-blank line, each tagged with its line number."""
    text = _checked_text(data, path, max_bytes)
    return _parse_lines(text, path, max_depth)


def load_document(
    data: bytes,
    *,
    path: str,
    jsonl: bool | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_depth: int = DEFAULT_MAX_DEPTH,
) -> list[Record]:
    """Parse a file that is either one JSON document or JSON Lines.

    `jsonl=None` detects: a document followed by more data on later lines is
    read as JSON Lines.
    """
    text = _checked_text(data, path, max_bytes)
    if jsonl:
        return _parse_lines(text, path, max_depth)
    try:
        return [Record(None, _parse(text, path=path, line=None, max_depth=max_depth))]
    except _ExtraData as exc:
        # A one-line document followed by more on later lines is JSON Lines.
        first = text[: exc.end_of_first].strip()
        if jsonl is None and "\n" not in first and "\n" in text[exc.end_of_first : exc.pos]:
            return _parse_lines(text, path, max_depth)
        raise exc.error from None


class _ExtraData(IngestError):
    """A complete document followed by more text: a hint that the file is JSON Lines."""

    def __init__(self, error: IngestError, end_of_first: int, pos: int) -> None:
        super().__init__(error.path, error.line, error.field, error.message)
        self.error = error
        self.end_of_first = end_of_first
        self.pos = pos

    def __reduce__(self) -> tuple[Any, ...]:
        return (IngestError, (self.path, self.line, self.field, self.message))


def _checked_text(data: bytes, path: str, max_bytes: int) -> str:
    if len(data) > max_bytes:
        raise IngestError(
            path, None, None, f"{len(data)} bytes is over the limit of {max_bytes} bytes"
        )
    text = decode_utf8(data, path)
    if not text.strip():
        raise IngestError(path, None, None, "empty file")
    return text


def _parse_lines(text: str, path: str, max_depth: int) -> list[Record]:
    records: list[Record] = []
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip("\r")
        if not line.strip():
            continue
        try:
            value = _parse(line, path=path, line=number, max_depth=max_depth)
        except _ExtraData as exc:
            raise exc.error from None
        records.append(Record(number, value))
    if not records:
        raise IngestError(path, None, None, "no JSON values in file")
    return records


def _parse(text: str, *, path: str, line: int | None, max_depth: int) -> Any:
    if _too_deep(text, max_depth):
        raise IngestError(path, line, None, f"nesting deeper than {max_depth} levels")
    hooks = _Hooks()
    try:
        value = json.loads(
            text,
            parse_constant=hooks.constant,
            parse_float=hooks.float_,
            parse_int=hooks.int_,
            object_pairs_hook=hooks.object_,
        )
    except json.JSONDecodeError as exc:
        where = exc.lineno if line is None else line
        message = f"invalid JSON: {exc.msg} (column {exc.colno})"
        error = IngestError(path, where, None, message)
        if exc.msg == "Extra data":
            end = len(text[: exc.pos].rstrip())
            raise _ExtraData(error, end, exc.pos) from None
        raise error from None
    except RecursionError:
        raise IngestError(path, line, None, f"nesting deeper than {max_depth} levels") from None
    except ValueError as exc:
        # Python's integer-digit limit and similar conversions end up here.
        raise IngestError(path, line, None, f"invalid JSON value: {exc}") from None
    # The tree walk is only needed to locate a problem, so clean input skips it.
    if hooks.rejected or _SURROGATE_ESCAPE.search(text):
        _walk(value, path=path, line=line, max_depth=max_depth)
    return value


def _too_deep(text: str, limit: int) -> bool:
    """Find nesting past `limit` before the C parser recurses into it, at C speed."""
    if text.count("[") + text.count("{") <= limit:
        return False
    brackets = _STRING.sub("", text).encode("utf-8").translate(_BRACKET_CODES, _NOT_BRACKETS)
    return max(accumulate(map(_DEPTH_STEP.__getitem__, brackets)), default=0) > limit


class _Hooks:
    """Parser callbacks that replace forbidden values with markers and remember doing so."""

    def __init__(self) -> None:
        self.rejected = False

    def _reject(self, message: str, key: str | None = None) -> _Rejected:
        self.rejected = True
        return _Rejected(message, key)

    def constant(self, name: str) -> _Rejected:
        return self._reject(f"{name} is not allowed (JSON has no NaN or Infinity)")

    def float_(self, literal: str) -> float | _Rejected:
        value = float(literal)
        if not math.isfinite(value):
            return self._reject(f"number {literal[:40]} is out of range")
        return value

    def int_(self, literal: str) -> int | _Rejected:
        if len(literal) > MAX_INT_DIGITS + 1 and len(literal.lstrip("-")) > MAX_INT_DIGITS:
            return self._reject(f"integer with more than {MAX_INT_DIGITS} digits")
        return int(literal)

    def object_(self, pairs: list[tuple[str, Any]]) -> dict[str, Any] | _Rejected:
        obj = dict(pairs)
        if len(obj) != len(pairs):
            seen: set[str] = set()
            for key, _ in pairs:
                if key in seen:
                    return self._reject("duplicate key", key=key)
                seen.add(key)
        return obj


def _walk(root: Any, *, path: str, line: int | None, max_depth: int) -> None:
    """Locate the first rejected value, unpaired surrogate or over-deep container.

    A depth-first walk over (container, iterator) frames in document order; the
    field path is the keys that led to the current frame, built only on error.
    """

    def fail(keys: list[str | int], message: str, key: str | None = None) -> IngestError:
        field = ""
        for part in keys:
            field = join_field(field, part)
        if key is not None:
            field = join_field(field, key)
        return IngestError(path, line, field or None, message)

    if isinstance(root, _Rejected):
        raise fail([], root.message, root.key)
    if isinstance(root, str) and not _encodable(root):
        raise fail([], "string contains an unpaired surrogate escape")
    if not isinstance(root, dict | list):
        return
    keys: list[str | int] = []
    frames: list[Iterator[tuple[Any, Any]]] = [_items(root)]
    while frames:
        for key, child in frames[-1]:
            if isinstance(key, str) and not key.isascii() and not _encodable(key):
                raise fail(keys, "an object key contains an unpaired surrogate escape")
            kind = type(child)
            if kind is dict or kind is list:
                keys.append(key)
                if len(frames) >= max_depth:
                    raise fail(keys, f"nesting deeper than {max_depth} levels")
                frames.append(_items(child))
                break
            if kind is str:
                if not child.isascii() and not _encodable(child):
                    raise fail([*keys, key], "string contains an unpaired surrogate escape")
            elif kind is _Rejected:
                raise fail([*keys, key], child.message, child.key)
        else:
            frames.pop()
            if keys:
                keys.pop()


def _items(container: dict[str, Any] | list[Any]) -> Iterator[tuple[Any, Any]]:
    return iter(container.items()) if isinstance(container, dict) else enumerate(container)


def _encodable(text: str) -> bool:
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
