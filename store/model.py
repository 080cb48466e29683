"""Plain records that cross the boundary between ingest and the store."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from json.encoder import encode_basestring
from typing import Any

CLAIM_FIELDS: tuple[str, ...] = (
    "pgr",
    "pgr_se",
    "weak_acc",
    "strong_acc",
    "transfer_acc",
    "seeds",
    "dataset",
)


_CANONICAL = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)  # canonical_json's settings
# Bytes of UTF-8 text that are not C0 controls: deleting them leaves only the controls.
_NOT_CONTROL = bytes(range(0x20, 0x100))
_LONG = 256  # text from this length is escaped by json_text; json's own call costs less below
# What JSON writes for the characters json_text escapes; the backslash first, so that the
# ones the others add stay single.
_ESCAPES = (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t"))
# Long texts json_text wrote lately, by id, with the text itself so the id stays its own:
# a finding's summary is its original's content, which its hash and row write three times.
_WRITTEN: dict[int, tuple[str, str]] = {}
_WRITTEN_MAX = 4


def json_text(text: str) -> str:
    """`json.dumps(text, ensure_ascii=False)`, two to three times faster on long text.

    json's encoder looks at one character at a time (about 15 µs for a 3 KB summary). Text
    whose only control characters are newline, return and tab, which JSON writes as two
    characters each, is escaped here by str.replace, which scans in bulk.
    """
    seen = _WRITTEN.get(id(text))
    if seen is not None and seen[0] is text:
        return seen[1]
    written = _escaped(text)
    if len(_WRITTEN) >= _WRITTEN_MAX:
        _WRITTEN.clear()
    _WRITTEN[id(text)] = (text, written)
    return written


def _escaped(text: str) -> str:
    try:
        controls = text.encode("utf-8").translate(None, _NOT_CONTROL)
    except UnicodeEncodeError:  # a lone surrogate, which json writes as it is
        return encode_basestring(text)
    if controls.translate(None, b"\n\r\t"):
        return encode_basestring(text)
    for char, escape in _ESCAPES:
        if char in text:
            text = text.replace(char, escape)
    return f'"{text}"'


def _object_json(
    items: Iterable[tuple[Any, Any]],
    encoder: json.JSONEncoder,
    comma: str,
    colon: str,
    inner: Callable[[dict[str, Any]], str] | None = None,
) -> str:
    """`encoder.encode(dict(items))`, where the items' separators are `comma` and `colon`,
    with each long string value escaped by json_text, each object value written by `inner`
    where given, and the rest left to `encoder`.

    A sorting encoder needs `items` sorted already, since it sorts each run of them alone.
    """
    parts = []
    run: dict[Any, Any] = {}
    for key, value in items:
        if type(key) is str and type(value) is str and len(value) >= _LONG:
            text = json_text(value)
        elif inner is not None and type(key) is str and type(value) is dict:
            text = inner(value)
        else:
            run[key] = value
            continue
        if run:
            parts.append(encoder.encode(run)[1:-1])  # "{...}" less its braces
            run = {}
        parts.append(f"{encode_basestring(key)}{colon}{text}")
    if run:
        parts.append(encoder.encode(run)[1:-1])
    return "{" + comma.join(parts) + "}"


def canonical_json(value: Any) -> str:
    """Serialise deterministically so hashes of equal content are equal.

    This is `json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
    allow_nan=False)`, with the long text of an object, and of the objects it holds (a
    proposal's identity holds its original), escaped by json_text.
    """
    return _sorted_object(value, _sorted_inner)


def _sorted_inner(value: dict[str, Any]) -> str:
    return _sorted_object(value, None)


def _sorted_object(value: Any, inner: Callable[[dict[str, Any]], str] | None) -> str:
    # An object without long text, or objects for `inner`, costs less left whole to json.
    if (type(value) is not dict
            or not any((type(item) is str and len(item) >= _LONG)
                       or (inner is not None and type(item) is dict) for item in value.values())
            or not all(type(key) is str for key in value)):
        return _CANONICAL.encode(value)
    return _object_json(sorted(value.items()), _CANONICAL, ",", ":", inner)


def sha256_hex(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def identity_hash(source_format: str, original: dict[str, Any], diff_sha256: str | None) -> str:
    """A proposal's identity: its original object plus, for a native one, an out-of-line diff.

    A sandbox finding's identity leaves the diff out, so a later ingest that brings a
    patch attaches code to the same proposal.
    """
    identity: dict[str, Any] = {"format": source_format, "object": original}
    if source_format == "native" and "diff" not in original:
        identity["diff_sha256"] = diff_sha256
    return sha256_hex(canonical_json(identity))


@dataclass(frozen=True)
class NewProposal:
    """A validated proposal ready for the store, whatever format it came from.

    `original` is the agent's object exactly as parsed; `identity` is what its
    content hash is computed over, so re-ingesting the same content is a no-op.
    """

    agent: str
    title: str
    summary: str
    harness: str
    source_format: str  # "native" or "sandbox_finding"
    original: dict[str, Any]
    base: str | None = None
    idea: str | None = None
    diff: bytes | None = None
    claimed: dict[str, Any] = field(default_factory=dict)
    created_at: str | None = None
    parent: str | None = None
    external_id: str | None = None
    source: str | None = None  # file path or URL it was read from, for messages only

    # Cached: ingest asks for both more than once, and a parsing worker computes them ahead.
    @cached_property
    def diff_sha256(self) -> str | None:
        return None if self.diff is None else sha256_hex(self.diff)

    @cached_property
    def content_hash(self) -> str:
        """Identity of the proposal (see `identity_hash`)."""
        return identity_hash(self.source_format, self.original, self.diff_sha256)

    # Also cached for the worker: the row holds the original re-serialised and the hash is
    # canonical JSON of the whole row, kilobytes each that the store's process need not encode.
    @cached_property
    def stored_row(self) -> dict[str, Any]:
        """Its proposals row as `row_for` builds it, with empty timestamps; copy to change it."""
        from store.proposals import row_for  # proposals builds on this module

        return row_for(self, "")

    @cached_property
    def stored_fields_hash(self) -> str:
        """`fields_hash` of `stored_row`, which the timestamps do not enter."""
        from store.proposals import fields_hash

        return fields_hash(self.stored_row)
