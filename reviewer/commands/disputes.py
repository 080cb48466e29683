"""A second, different diff offered for a proposal that already has one: a high check.

A sandbox finding's identity leaves its patch out, since the sandbox's sync tool writes
none, so whoever can place a `{id}_{idea}.patch` beside a copy of a finding can attach code
to it, and the first patch to arrive is kept. The store refuses the later one; this makes
the refusal a finding on the proposal itself, which the approval gate then waits on, rather
than a line in one ingest's output.
"""

from __future__ import annotations

from reviewer.commands.ingest_report import IngestReport
from store import ReviewStore, StoreError

SOURCE = "ingest"
CODE = "diff_disputed"
MAX_DISPUTES = 20  # offered diffs kept per proposal: enough to show a fight, not a flood


def record_disputes(store: ReviewStore, report: IngestReport, actor: str) -> None:
    """Record each new diff `report.disputes` holds on its proposal (once per diff)."""
    by_proposal: dict[str, list[tuple[str, str | None, str]]] = {}
    for path, conflict in report.disputes:
        by_proposal.setdefault(conflict.proposal_id, []).append(
            (path, conflict.offered, conflict.stored))
    for pid, offered in by_proposal.items():
        try:
            _record(store, pid, offered, actor)
        except StoreError as exc:
            report.warnings.append(
                f"{pid[:12]}: the second diff offered for it was not recorded: {exc}")


def _record(store: ReviewStore, pid: str, offered: list[tuple[str, str | None, str]],
            actor: str) -> None:
    kept = [c for c in store.checks(pid) if c["source"] == SOURCE and c["code"] == CODE]
    known = {c["detail"].get("offered_sha256") for c in kept}
    rows = [{k: c[k] for k in ("code", "severity", "message", "detail")} for c in kept]
    for path, sha, stored in offered:
        if sha in known or len(rows) >= MAX_DISPUTES:
            continue
        known.add(sha)
        shown = "no diff" if sha is None else f"diff {sha[:12]}"
        rows.append({
            "code": CODE,
            "severity": "high",
            "message": (f"another {shown} was offered for this proposal by {path}; the stored "
                        f"diff {stored[:12]} arrived first. A finding's patch is not bound to "
                        "it, so either may be someone else's code: compare them before "
                        "trusting the stored one"),
            "detail": {"offered_sha256": sha, "stored_sha256": stored, "path": path},
        })
    if len(rows) > len(kept):
        store.record_checks(pid, SOURCE, rows, actor=actor)
