"""Run the static checks on stored proposals and record them (on ingest and `reviewer check`).

Everything here reads the proposal as stored, so the checks see exactly the bytes a rerun
would apply and the claim a reviewer would judge.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reviewer.checks.claims import claim_checks
from reviewer.checks.duplicate import DupSubject, duplicate_checks, normalize_code
from reviewer.checks.model import Check
from reviewer.checks.static import scan_diff
from reviewer.config import load_config
from reviewer.rerun.diffcheck import BUILTIN_ALLOW
from store import ReviewStore

SOURCE = "static"


def allow_list(harness: str) -> tuple[str, ...] | None:
    """Where the proposal's harness lets diffs write; None when the harness is not configured."""
    if harness == "builtin":
        return BUILTIN_ALLOW
    configured = load_config().harnesses.get(harness)
    return None if configured is None else configured.allow


def _diff_text(row: dict[str, Any]) -> str | None:
    diff = row.get("diff")
    return None if diff is None else bytes(diff).decode("utf-8", errors="replace")


def _subject(row: dict[str, Any], code: str) -> DupSubject:
    kind = "finding" if row.get("status") == "approved" else "proposal"
    return DupSubject(row["id"], row["title"], row.get("idea"), code, kind)


def findings_for(store: ReviewStore, row: dict[str, Any], code: str) -> list[Check]:
    """Every static finding for one stored proposal whose normalised code is `code`."""
    diff = _diff_text(row)
    allow = allow_list(row["harness"])
    found: list[Check] = []
    if diff is not None:
        scanned = scan_diff(diff, allow if allow is not None else ("",))
        # An unconfigured harness has no allow-list to judge paths against.
        found += [c for c in scanned if allow is not None or c.code != "protected_path"]
    found += claim_checks(row.get("claimed"), f"{row['title']}\n{row['summary']}")
    if code.strip():
        others = [
            _subject({"id": c.proposal_id, "title": c.title, "idea": c.idea, "status": c.status},
                     c.code)
            for c in store.similar_sized(row["id"], len(code))
        ]
        found += duplicate_checks(_subject(row, code), others)
    return found


def check_proposals(
    store: ReviewStore, refs: Sequence[str], *, actor: str
) -> dict[str, list[Check]]:
    """Scan, fingerprint and record the static checks of `refs`; returns them by id.

    Fingerprints are written first, so proposals ingested together find each other.
    """
    rows = [store.get(ref) for ref in refs]
    codes = {row["id"]: normalize_code(_diff_text(row) or "") for row in rows}
    store.put_fingerprints(list(codes.items()))
    results = {row["id"]: findings_for(store, row, codes[row["id"]]) for row in rows}
    store.record_checks_batch(
        [(pid, [c.to_json() for c in found]) for pid, found in results.items()],
        SOURCE,
        actor=actor,
    )
    return results
