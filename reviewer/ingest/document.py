"""Turn the parsed values of one file into proposals: shapes, detection and dispatch.

Accepted shapes: one object, a list of objects, JSON Lines of objects, or
`{"findings": [...]}` as the sandbox's `GET /api/findings/all` returns.

Detection of each object (documented in samples/README.md):
  * `agent` and `summary` both present                         -> native proposal;
  * else `finding_type`, or both `idea_name` and `content`     -> sandbox finding;
  * else `id` and `title` with no `agent`, `summary`, `harness` -> sandbox finding;
  * anything else is read as native, so errors name the missing native fields.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from reviewer.ingest.errors import IngestError, describe
from reviewer.ingest.fields import Obj, Where
from reviewer.ingest.finding import parse_finding
from reviewer.ingest.native import parse_native
from reviewer.ingest.strictjson import Record
from store.model import NewProposal

NATIVE = "native"
FINDING = "sandbox_finding"
_PROPOSAL_KEYS = frozenset({"agent", "summary", "title", "finding_type", "idea_name"})


def classify(obj: Obj) -> str:
    """Say whether an object is a native proposal or a sandbox finding (rule above)."""
    if "agent" in obj and "summary" in obj:
        return NATIVE
    if "finding_type" in obj or ("idea_name" in obj and "content" in obj):
        return FINDING
    if "id" in obj and "title" in obj and not {"agent", "summary", "harness"} & obj.keys():
        return FINDING
    return NATIVE


def is_findings_wrapper(value: Any) -> bool:
    """True for `{"findings": ...}` that is not itself a proposal."""
    return isinstance(value, dict) and "findings" in value and not _PROPOSAL_KEYS & value.keys()


def proposals_from_records(
    records: list[Record],
    *,
    path: str,
    folder: Path | None,
    stem: str | None = None,
    source: str | None = None,
) -> list[NewProposal]:
    """Validate every object in a parsed file; the first problem raises IngestError.

    `folder` is where `diff_path` and sibling patches are looked up (None: nowhere);
    `stem` is the file's stem, whose `.patch` belongs to a lone finding in the file.
    """
    if len(records) == 1 and records[0].line is None:
        value = records[0].value
        if is_findings_wrapper(value):
            return findings_from_wrapper(value, path=path, folder=folder, source=source)
        if isinstance(value, dict):
            stems = (stem,) if stem else ()
            return [_one(value, Where(path), folder, stems, source)]
        if isinstance(value, list):
            return [
                _one(item, Where(path, None, f"[{index}]"), folder, (), source)
                for index, item in enumerate(value)
            ]
        raise Where(path).error(
            None, f'expected a proposal object, a list of them or {{"findings": [...]}}, '
            f"got {describe(value)}"
        )
    return [_one(record.value, Where(path, record.line), folder, (), source) for record in records]


def findings_from_wrapper(
    value: Obj, *, path: str, folder: Path | None, source: str | None = None,
    rejected: list[tuple[str, IngestError]] | None = None,
) -> list[NewProposal]:
    """Map each item of `{"findings": [...]}`; every item is read as a sandbox finding.

    A bad item raises, so a file goes in whole or not at all; with `rejected`, it is
    collected there instead, with a digest of the item, and the rest still map, so one
    agent's malformed finding on a shared server cannot hold back everyone else's.
    """
    findings = value["findings"]
    if not isinstance(findings, list):
        raise Where(path).error("findings", f"expected a list, got {describe(findings)}")
    proposals = []
    for index, item in enumerate(findings):
        where = Where(path, None, f"findings[{index}]")
        try:
            if not isinstance(item, dict):
                raise where.error(None, f"expected a finding object, got {describe(item)}")
            proposals.append(parse_finding(item, where, folder=folder, source=source))
        except IngestError as err:
            if rejected is None:
                raise
            rejected.append((item_digest(item), err))
    return proposals


def item_digest(item: Any) -> str:
    """A digest of one parsed JSON value, the same wherever the item sits in its list."""
    text = json.dumps(item, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _one(
    value: Any, where: Where, folder: Path | None, stems: tuple[str, ...], source: str | None
) -> NewProposal:
    if not isinstance(value, dict):
        raise where.error(None, f"expected a proposal object, got {describe(value)}")
    if classify(value) == FINDING:
        return parse_finding(value, where, folder=folder, stems=stems, source=source)
    return parse_native(value, where, folder=folder, source=source)
