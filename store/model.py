"""Plain records that cross the boundary between ingest and the store."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cached_property
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


def canonical_json(value: Any) -> str:
    """Serialise deterministically so hashes of equal content are equal."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


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
