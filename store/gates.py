"""Approval gates: what must hold before an approval counts, checked inside its transaction.

Gates are evaluated under the same write lock as the approval, so a rerun or check that
lands between looking and approving cannot slip past them.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from store import checks
from store.jobs import stored_object
from store.lineage import (
    MAX_ANCESTRY,
    MAX_VISITED,
    PARENTS_PER_NAME,
    Relative,
    rejected_ancestors,
)
from store.proposals import current_diff_sha


@dataclass(frozen=True)
class GatePolicy:
    """Which gates apply. The store's default is none; the CLI and TUI load `[gates]`."""

    require_rerun: bool = False
    require_ablation: bool = False
    block_high_checks: bool = False
    required_approvals: int = 1
    # The reviewer who requested the gating rerun cannot be the only approver.
    independent_approver: bool = False
    # Work that names a rejected proposal as its parent, or descends from one through
    # proposals nobody approved, inherits the doubt.
    block_rejected_parent: bool = False

    @classmethod
    def defaults(cls) -> GatePolicy:
        """The product's defaults: every gate but the two-person and independence rules."""
        return cls(
            require_rerun=True,
            require_ablation=True,
            block_high_checks=True,
            block_rejected_parent=True,
        )


def gating_rerun(
    conn: sqlite3.Connection, pid: str, diff_sha256: str | None
) -> dict[str, Any] | None:
    """The newest finished rerun of the current diff: its job id, requester and result.

    A newer result that is not a readable JSON object (a damaged row) means no result: the
    gate fails closed rather than fall back to an older rerun the damaged one may overrule.
    """
    for job_id, requested_by, result in conn.execute(
        "SELECT id, requested_by, result FROM jobs WHERE proposal_id = ? AND kind = 'rerun' "
        "AND state = 'done' ORDER BY id DESC",
        (pid,),
    ):
        data, readable = stored_object(result)
        if not readable:
            return None
        if data is None:
            continue  # no result stored
        env = data.get("env")
        ran = env.get("diff_sha256") if isinstance(env, dict) else None
        if diff_sha256 is not None and ran == diff_sha256:
            return {"job": job_id, "requested_by": requested_by, "result": data}
    return None


def unmet(conn: sqlite3.Connection, pid: str, policy: GatePolicy) -> list[str]:
    """Each gate the proposal does not pass, as a sentence a reviewer can act on."""
    sha = current_diff_sha(conn, pid)
    out: list[str] = []
    if policy.require_rerun or policy.require_ablation:
        rerun = gating_rerun(conn, pid, sha)
        if sha is None:
            out.append("no code is attached, so nothing was rerun")
        elif rerun is None:
            out.append("no finished rerun of the current diff (press r, or `reviewer rerun`)")
        else:
            result = rerun["result"]
            verdict, measured = result.get("verdict"), _seeds_measured(result)
            if policy.require_rerun and verdict is None and measured < 2:
                seeds = "no seed" if measured == 0 else "one seed"
                out.append(f"the latest rerun (job {rerun['job']}) measured {seeds} with a "
                           "PGR, which gives no interval: rerun on 2 or more seeds")
            elif policy.require_rerun and (verdict != "reproduced" or measured < 2):
                # A reproduced verdict on under 2 seeds is a damaged or an older row.
                out.append(
                    f"the latest rerun (job {rerun['job']}) says {verdict}"
                    + ("" if verdict == "not_reproduced" else
                       ", not reproduced" if verdict != "reproduced" else
                       f" on {measured} seed(s) with a PGR: rerun on 2 or more seeds")
                )
            if policy.require_rerun:
                out += _other_dataset(conn, pid, rerun["job"], result)
            ablation = result.get("ablation")
            if policy.require_ablation:
                if not isinstance(ablation, dict):
                    out.append(f"the teacher-shuffle ablation did not run in job {rerun['job']}")
                elif ablation.get("outcome") == "inconclusive" and not ablation.get("passed"):
                    out.append("the teacher-shuffle ablation was inconclusive (some seed kept "
                               "its PGR without the teacher): rerun with more seeds")
                elif not ablation.get("passed"):
                    out.append("the teacher-shuffle ablation did not pass")
    if policy.block_high_checks and checks.never_checked(conn, [pid], checks.STATIC_SOURCE):
        # An ingest killed between storing and checking left high findings unseen.
        out.append("the static checks have not run on the current diff (`reviewer check ID`)")
    if policy.block_high_checks:
        high = [
            c["code"]
            for c in checks.current(conn, pid)
            if c["severity"] == "high" and c["resolved"] is None
        ]
        if high:
            out.append(f"unresolved high-severity checks: {', '.join(sorted(set(high)))}")
    if policy.block_rejected_parent:
        ancestors, complete = rejected_ancestors(conn, pid)
        direct = [a.rejected.id[:12] for a in ancestors if not a.through]
        if direct:
            out.append(f"builds on rejected {_plural(len(direct))} {', '.join(direct)}")
        for a in ancestors:
            if a.through:
                out.append(f"descends from rejected proposal {a.rejected.id[:12]} through "
                           f"pending {_through(a.through)}")
        if not complete:
            # Failing closed: an agent could hide a rejected ancestor past the walk's reach.
            out.append("its pending ancestry is too large to check for rejected proposals "
                       f"(over {MAX_ANCESTRY:,} generations, {MAX_VISITED:,} proposals, or "
                       f"{PARENTS_PER_NAME} proposals answering to one parent name)")
    return out


def _seeds_measured(result: dict[str, Any]) -> int:
    """Seeds of a rerun result that have a PGR (null where the ceiling was not above the
    teacher, or in a damaged row)."""
    rows = result.get("per_seed")
    if not isinstance(rows, list):
        return 0
    return sum(isinstance(row, dict) and isinstance(row.get("pgr"), (int, float))
               and not isinstance(row.get("pgr"), bool) for row in rows)


def _other_dataset(
    conn: sqlite3.Connection, pid: str, job: int, result: dict[str, Any]
) -> list[str]:
    """A built-in rerun measures one task family: a claim about another is not tested by it."""
    harness, claimed = conn.execute(
        "SELECT harness, claimed_dataset FROM proposals WHERE id = ?", (pid,)
    ).fetchone()
    task = result.get("task")
    if harness != "builtin" or claimed is None or task is None or claimed == task:
        return []
    return [f"the latest rerun (job {job}) ran on {task}; the claim is about {claimed[:60]}"]


def _through(path: tuple[Relative, ...]) -> str:
    """The pending proposals between a rejected ancestor and the start, nearest first; a long
    git branch gives hundreds, so the middle is counted, not listed."""
    ids = [r.id[:12] for r in path]
    if len(ids) <= 4:
        return ", ".join(ids)
    return f"{ids[0]}, {ids[1]} and {len(ids) - 3} more up to {ids[-1]}"


def _plural(count: int) -> str:
    return "proposal" if count == 1 else "proposals"
