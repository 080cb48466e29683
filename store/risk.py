"""The risk score that orders the queue and the rerun queue: riskiest claims first.

It combines how much the agent claims, what the integrity checks found, and what the
latest rerun measured; higher means look sooner. The scale runs roughly 0-20.
"""

from __future__ import annotations

from collections.abc import Iterable

SEVERITY_POINTS = {"high": 4.0, "medium": 1.5, "low": 0.25}
VERDICT_POINTS = {
    None: 1.0,  # not yet verified: a claim nobody has checked carries some risk
    "reproduced": -1.0,
    "not_reproduced": 4.0,
    "failed": 2.0,
    "refused": 5.0,
}
MAX_CHECK_POINTS = 12.0
# Building on a rejected proposal: more than a medium check, less than a high one.
REJECTED_PARENT_POINTS = 3.0


def risk_score(
    claimed_pgr: float | None,
    severities: Iterable[str],
    verdict: str | None,
    rejected_parent: bool = False,
) -> float:
    """Claimed gain (big claims are the ones worth gaming) + open checks + the verdict, plus
    points when it builds on a rejected proposal."""
    claim = 0.0 if claimed_pgr is None else 2.0 * min(max(claimed_pgr, 0.0), 1.5)
    checks = min(sum(SEVERITY_POINTS.get(s, 0.0) for s in severities), MAX_CHECK_POINTS)
    verdict_points = VERDICT_POINTS.get(verdict, 1.0)
    lineage = REJECTED_PARENT_POINTS if rejected_parent else 0.0
    return round(max(claim + checks + verdict_points + lineage, 0.0), 2)
