"""What the second opinion hears about the proposals one builds on (its `parent`).

A child of a rejected or unreproduced proposal often carries the same hack, so the model
is told what the reviewers decided and measured about each parent. No parent's numbers are
sent: they could echo the claim the opinion is blind to, so each note carries the claimed
values of its parent and of the proposals that one builds on, for the prompt to mask.
"""

from __future__ import annotations

from dataclasses import dataclass

from reviewer.blinding import claim_values
from reviewer.parentdiff import ParentDiffError, parent_diff
from store import ReviewStore

MAX_PARENTS = 3
# Ancestors whose claims a note carries: a chain longer than this is unusual, and each costs reads.
MAX_ANCESTORS = 20
# Decisions that say where a parent stands; comments and assist events say nothing of it.
_DECISIONS = ("approve", "reject", "undo", "override")


@dataclass(frozen=True)
class ParentNote:
    """The reviewer's own record of one parent, and its agent-written title and idea."""

    id: str
    via: str  # the field that matched: "id", "finding id" or "commit"
    status: str
    decision: str | None  # the latest approve, reject, undo or override
    reason: str | None  # that decision's reason, written by a reviewer
    verdicts: tuple[str, ...]  # finished reruns' verdicts, oldest first
    flags: tuple[str, ...]  # codes of unresolved high-severity checks
    title: str
    idea: str | None
    # Claimed values of this parent and its ancestors, masked wherever agent text is sent.
    claims: tuple[float, ...] = ()


def parent_notes(store: ReviewStore, pid: str) -> list[ParentNote]:
    """Notes on up to 3 proposals that pid's `parent` names."""
    return [_note(store, p.id, p.via) for p in store.lineage(pid, limit=MAX_PARENTS).parents]


def parent_change(store: ReviewStore, pid: str) -> bytes | None:
    """What pid's code changes from its first parent's; None when that cannot be worked out."""
    try:
        return parent_diff(store, pid).diff
    except (ParentDiffError, OSError):
        return None


def _note(store: ReviewStore, pid: str, via: str) -> ParentNote:
    row = store.get(pid)
    decisions = [d for d in store.decisions(pid) if d["action"] in _DECISIONS]
    last = decisions[-1] if decisions else None
    verdicts = tuple(
        str(job.result["verdict"])
        for job in store.jobs.for_proposal(pid)
        if job.kind == "rerun" and job.state == "done"
        and job.result is not None and job.result.get("verdict")
    )
    flags = tuple(
        str(c["code"]) for c in store.checks(pid)
        if c.get("severity") == "high" and not c.get("resolved")
    )  # fmt: skip
    return ParentNote(
        id=pid,
        via=via,
        status=row["status"],
        decision=None if last is None else last["action"],
        reason=None if last is None else last["reason"],
        verdicts=verdicts,
        flags=flags,
        title=row["title"],
        idea=row["idea"],
        claims=tuple(claim_values(row)) + _ancestor_claims(store, pid),
    )


def _ancestor_claims(store: ReviewStore, pid: str) -> tuple[float, ...]:
    """The claimed values of up to MAX_ANCESTORS proposals pid builds on, nearest first."""
    found: list[float] = []
    seen = {pid}
    queue = [pid]
    while queue and len(seen) <= MAX_ANCESTORS:
        for parent in store.lineage(queue.pop(0), limit=MAX_PARENTS).parents:
            if parent.id not in seen and len(seen) <= MAX_ANCESTORS:
                seen.add(parent.id)
                queue.append(parent.id)
                found.extend(claim_values(store.get(parent.id)))
    return tuple(found)
