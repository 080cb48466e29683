"""Sandbox findings (DESIGN §4.2): accept the public W2S sandbox's JSON as it is.

Every field is kept in `original`; the mapped fields are type-checked when present
and null is accepted wherever a value may be missing.  Only `id` and `title` are
required.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from reviewer.ingest.agentname import agent_name
from reviewer.ingest.claims import check_metric, read_claim
from reviewer.ingest.fields import (
    Obj,
    Where,
    expect_type,
    get_bool,
    get_int,
    get_number,
    get_object,
    get_text,
    is_plain,
    parse_timestamp,
    require_text,
    visible_text,
)
from reviewer.ingest.siblings import find_sibling_diff
from store.model import NewProposal

SOURCE_FORMAT = "sandbox_finding"
HARNESS = "w2s-sandbox"
MAX_TEXT = 200_000
MAX_SNIPPET = 1024 * 1024

FINDING_ID = re.compile(r"[A-Za-z0-9_.:-]{1,128}")
# The idea names a folder `w2s_research/ideas/<name>/` and a file stem, so it must be path-safe.
IDEA_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
HEX_HASH = re.compile(r"[0-9a-fA-F]{7,64}")
AGENT_KEYS = ("agent", "agent_id", "agent_name", "author")
UNKNOWN_AGENT = "sandbox:unknown"


def parse_finding(
    obj: Obj,
    where: Where,
    *,
    folder: Path | None,
    stems: tuple[str, ...] = (),
    source: str | None = None,
) -> NewProposal:
    """Map one sandbox finding onto a NewProposal, attaching a sibling patch if one exists.

    The patch is looked up in `folder` as `<stem>.patch` or `<stem>.diff` for each of
    `stems`, then for `{id}_{idea_name}`.
    """
    external_id = _finding_id(obj, where, "id", required=True)
    _finding_id(obj, where, "post_id", required=False)
    title = visible_text(require_text(obj, "title", where, max_len=500), where, "title")
    content = get_text(obj, "content", where, max_len=MAX_TEXT)
    idea = get_text(obj, "idea_name", where, max_len=128, pattern=IDEA_NAME,
                    hint="[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
    for name in ("finding_type", "run_id", "weak_model", "strong_model",
                 "commit_id", "parent_commit_id"):
        get_text(obj, name, where, max_len=200, plain=True)
    get_text(obj, "code_snippet", where, max_len=MAX_SNIPPET)
    created_at = get_text(obj, "created_at", where, max_len=64, plain=True)
    for name in ("pgr_delta", "transfer_acc_se"):
        value = get_number(obj, name, where)
        if value is not None:
            check_metric(name, value, where)
    get_int(obj, "num_seeds", where)
    get_object(obj, "config", where)
    get_bool(obj, "worked", where)
    claimed = read_claim(obj, where)

    commit = obj.get("commit_id")
    lookup = stems + ((f"{external_id}_{idea}",) if idea else ())
    diff = find_sibling_diff(folder, lookup, where) if folder is not None else None
    return NewProposal(
        agent=derive_agent(obj, where),
        title=title,
        summary=visible_text(content or "", where, "content", required=False),
        harness=HARNESS,
        source_format=SOURCE_FORMAT,
        original=obj,
        base=commit.lower() if isinstance(commit, str) and HEX_HASH.fullmatch(commit) else None,
        idea=idea,
        diff=diff,
        claimed=claimed,
        # A timestamp we cannot parse stays in `original` rather than failing the finding.
        created_at=created_at if created_at and parse_timestamp(created_at) else None,
        parent=obj.get("parent_commit_id") or None,
        external_id=external_id,
        source=source,
    )


def derive_agent(obj: Obj, where: Where) -> str:
    """Name the agent behind a finding, which has no required agent field.

    In order: a top-level `agent`, `agent_id`, `agent_name` or `author` (checked:
    a string or integer), the same keys inside `config` (used only when clean),
    then `sandbox:<first 16 chars of run_id>`, else `sandbox:unknown`. Whichever it is,
    it is spelt as `agent_name` spells it, and one that could pass for another agent's name
    is refused, even from `config`: falling back would hide the attempt from the reviewer.
    """
    for key in AGENT_KEYS:
        if obj.get(key) is not None:
            name = _agent_value(obj[key])
            if name is None:
                raise where.error(key, "expected a non-empty plain string or an integer")
            return agent_name(name, where, key)
    config = obj.get("config")
    if isinstance(config, dict):
        for key in AGENT_KEYS:
            value = config.get(key)
            name = _agent_value(value)
            if name is None and isinstance(value, str) and value.strip() and not is_plain(value):
                name = value  # refused below, saying why: skipping it would hide the attempt
            if name is not None:
                return agent_name(name, where.inside("config"), key)
    run_id = obj.get("run_id")
    if isinstance(run_id, str) and run_id.strip():
        return agent_name("sandbox:" + run_id.strip()[:16], where, "run_id")
    return UNKNOWN_AGENT


def _agent_value(value: Any) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and value.strip() and len(value) <= 200 and is_plain(value):
        return value.strip()
    return None


def _finding_id(obj: Obj, where: Where, name: str, *, required: bool) -> str:
    value = obj.get(name)
    if value is None:
        if required:
            raise where.error(name, "missing required field")
        return ""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return str(value)
    if isinstance(value, str):
        if not FINDING_ID.fullmatch(value):
            raise where.error(name, "an id must match [A-Za-z0-9_.:-]{1,128}")
        return value
    raise expect_type(value, "a non-negative integer or a string id", where, name)
