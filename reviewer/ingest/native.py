"""Native proposals (DESIGN §4.1): validate one agent object and build a NewProposal."""

from __future__ import annotations

import re
from pathlib import Path

from reviewer.ingest.agentname import agent_name
from reviewer.ingest.claims import read_claim
from reviewer.ingest.errors import IngestError
from reviewer.ingest.fields import (
    Obj,
    Where,
    expect_type,
    get_object,
    get_text,
    get_timestamp,
    require_text,
    visible_text,
)
from reviewer.ingest.safefile import MAX_DIFF_BYTES, read_beside
from store.model import NewProposal

SOURCE_FORMAT = "native"
MAX_TITLE = 500
MAX_SUMMARY = 200_000
MAX_AGENT = 200

HARNESS_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")
TREE_HASH = re.compile(r"[0-9a-fA-F]{7,64}")
# The idea becomes `methods/<idea>.py`, so it must be a plain module name.
IDEA_NAME = re.compile(r"(?!__)[A-Za-z_][A-Za-z0-9_]{0,63}")


def parse_native(
    obj: Obj, where: Where, *, folder: Path | None, source: str | None = None
) -> NewProposal:
    """Validate a native proposal object; `folder` is where `diff_path` is looked up.

    Unknown fields are kept in `original` untouched; the agent's name is stored as
    `agent_name` spells it, and the title and summary without invisible characters.
    """
    agent = agent_name(require_text(obj, "agent", where, max_len=MAX_AGENT, plain=True), where)
    title = visible_text(require_text(obj, "title", where, max_len=MAX_TITLE), where, "title")
    summary = visible_text(require_text(obj, "summary", where, max_len=MAX_SUMMARY), where,
                           "summary")
    harness = require_text(obj, "harness", where, pattern=HARNESS_NAME,
                           hint="[A-Za-z0-9_.-]{1,64}")
    base = get_text(obj, "base", where, pattern=TREE_HASH, hint="a 7-64 digit hex tree hash")
    idea = get_text(obj, "idea", where, pattern=IDEA_NAME,
                    hint="a method name: [A-Za-z_][A-Za-z0-9_]{0,63}, not starting with __")
    claimed_obj = get_object(obj, "claimed", where)
    claimed = read_claim(claimed_obj, where.inside("claimed")) if claimed_obj else {}
    created_at = get_timestamp(obj, "created_at", where)
    parent = get_text(obj, "parent", where, max_len=200, plain=True)
    return NewProposal(
        agent=agent,
        title=title,
        summary=summary,
        harness=harness,
        source_format=SOURCE_FORMAT,
        original=obj,
        base=base.lower() if base else None,
        idea=idea,
        diff=_read_diff(obj, where, folder),
        claimed=claimed,
        created_at=created_at,
        parent=parent,
        source=source,
    )


def _read_diff(obj: Obj, where: Where, folder: Path | None) -> bytes | None:
    inline = obj.get("diff")
    relpath = obj.get("diff_path")
    if inline is not None and relpath is not None:
        raise where.error("diff_path", "give either diff or diff_path, not both")
    if inline is not None:
        if not isinstance(inline, str):
            raise expect_type(inline, "unified diff text (a string)", where, "diff")
        data = inline.encode("utf-8")
        if not data.strip():
            raise where.error("diff", "must not be empty")
        if len(data) > MAX_DIFF_BYTES:
            raise where.error("diff", f"over the limit of {MAX_DIFF_BYTES} bytes")
        return data
    if relpath is None:
        return None
    if not isinstance(relpath, str):
        raise expect_type(relpath, "a relative path (a string)", where, "diff_path")
    if folder is None:
        raise where.error("diff_path", "only allowed in a proposal read from a file")

    def fail(message: str) -> IngestError:
        return where.error("diff_path", f"{message} ({relpath!r})")

    data = read_beside(folder, relpath, max_bytes=MAX_DIFF_BYTES, fail=fail)
    if not data.strip():
        raise fail("the diff file is empty")
    return data
