"""A claim the rerun reproduced only because its seeds disagree.

The verdict asks whether the claim lies in the measured interval, so a method that wrecks one
seed on purpose widens the interval until any claim fits. This check asks instead how far
the claim sits above what was measured.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from reviewer.checks.model import Check

# PGR points a claim may sit above the measured mean. Two honest 5-seed means of a method
# whose seeds spread by 0.06 differ by more than this about once in 250 pairs.
TOLERANCE = 0.10


def claim_above_measured(claim: float | None, pgrs: Sequence[float], verdict: str | None
                         ) -> Check | None:
    """`claim_above_measured` (high) when a `reproduced` claim exceeds the mean by TOLERANCE."""
    values = [v for v in pgrs if math.isfinite(v)]
    if verdict != "reproduced" or claim is None or not math.isfinite(claim) or not values:
        return None
    mean = sum(values) / len(values)
    gap = claim - mean
    if gap <= TOLERANCE:
        return None
    return Check(
        "claim_above_measured",
        "high",
        f"the claimed PGR {claim:.3f} is {gap:.3f} above the measured mean {mean:.3f} "
        f"(seeds from {min(values):.3f} to {max(values):.3f}): it lies in the interval only "
        f"because the seeds disagree, so the rerun does not confirm it; a rerun on more seeds "
        f"narrows the interval",
        {"claim": claim, "mean": mean, "gap": gap, "tolerance": TOLERANCE,
         "seeds": len(values)},
    )
