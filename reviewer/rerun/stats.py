"""Rerun statistics and the verdict against a claim (pure numpy/scipy, no torch).

Inputs are per-seed scores; the output is a `RerunStats` whose `to_json()` gives the fields
of a DESIGN §4.5 `reruns` entry.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import stats as sps

REPRODUCED = "reproduced"
NOT_REPRODUCED = "not_reproduced"
FAILED = "failed"
CONFIDENCE = 0.95


@dataclass(frozen=True)
class SeedRow:
    """One seed's test accuracies and PGR."""

    seed: int
    transfer_acc: float
    weak_acc: float
    ceiling_acc: float
    pgr: float

    def to_json(self) -> dict:
        """The `per_seed` entry."""
        return {
            "seed": self.seed,
            "transfer_acc": self.transfer_acc,
            "weak_acc": self.weak_acc,
            "ceiling_acc": self.ceiling_acc,
            "pgr": _num(self.pgr),
        }


@dataclass(frozen=True)
class Summary:
    """Mean, standard error and a t-based confidence interval of a sample."""

    mean: float
    se: float
    ci: tuple[float, float]
    n: int


@dataclass
class RerunStats:
    """Everything a rerun reports about one method on one set of seeds."""

    seeds: list[int]
    per_seed: list[SeedRow]
    pgr_mean: float
    pgr_se: float
    pgr_ci: tuple[float, float]
    baseline_pgr_mean: float | None
    gain_mean: float | None
    gain_p_value: float | None
    fixed_baseline_pgr: float | None
    verdict: str | None
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        """Fields for a `reruns` entry (NaN becomes null)."""
        return {
            "seeds": list(self.seeds),
            "per_seed": [row.to_json() for row in self.per_seed],
            "pgr_mean": _num(self.pgr_mean),
            "pgr_se": _num(self.pgr_se),
            "pgr_ci": [_num(self.pgr_ci[0]), _num(self.pgr_ci[1])],
            "baseline_pgr_mean": _num(self.baseline_pgr_mean),
            "gain_mean": _num(self.gain_mean),
            "gain_p_value": _num(self.gain_p_value),
            "fixed_baseline_pgr": _num(self.fixed_baseline_pgr),
            "verdict": self.verdict,
            "notes": list(self.notes),
        }


def _num(value: float | None) -> float | None:
    """JSON-safe float: NaN and infinities become None."""
    if value is None or not math.isfinite(value):
        return None
    return float(value)


def summarize(values: Sequence[float], confidence: float = CONFIDENCE) -> Summary:
    """Mean, SE (sample sd / sqrt n) and a two-sided t interval; NaN where n < 2."""
    x = np.asarray(values, dtype=float)
    n = int(x.size)
    if n == 0:
        return Summary(math.nan, math.nan, (math.nan, math.nan), 0)
    mean = float(x.mean())
    if n < 2:
        return Summary(mean, math.nan, (math.nan, math.nan), n)
    se = float(x.std(ddof=1) / math.sqrt(n))
    half = float(sps.t.ppf(0.5 + confidence / 2, df=n - 1)) * se
    return Summary(mean, se, (mean - half, mean + half), n)


def paired_gain(method: Sequence[float], baseline: Sequence[float]) -> tuple[float, float]:
    """Mean per-seed gain of `method` over `baseline` and the two-sided paired t-test p."""
    a, b = np.asarray(method, dtype=float), np.asarray(baseline, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"paired samples differ in length: {a.shape} vs {b.shape}")
    diff = a - b
    if diff.size < 2:
        return float(diff.mean()) if diff.size else math.nan, math.nan
    if float(np.ptp(diff)) <= 1e-12 * max(1.0, float(np.abs(diff).max())):
        # A constant difference has zero variance: certain if non-zero, no evidence if zero.
        mean = float(diff.mean())
        return mean, (0.0 if abs(mean) > 1e-12 else 1.0)
    return float(diff.mean()), float(sps.ttest_rel(a, b).pvalue)


WIDE_INTERVAL = 1.0  # a PGR interval this wide spans the whole weak-to-ceiling gap
# PGR points a claim may sit above the measured mean. Two honest 5-seed means of a method
# whose seeds spread by 0.06 differ by more than this about once in 250 pairs.
TOLERANCE = 0.10
# The fewest seeds a claim is taken to average: a claim of one or two seeds (flagged
# `few_seeds` at ingest) must not buy itself a wider allowance.
MIN_CLAIM_SEEDS = 3
# How often an honest claim may draw a best-of-N note: one in twenty.
NOTE_ALPHA = 0.05


def _claim_seeds(claimed_seeds: int | None, summary: Summary) -> int:
    """How many seeds the claim averages, for its own noise: as claimed, at least
    MIN_CLAIM_SEEDS; as many as the rerun's when the claim does not say."""
    return max(claimed_seeds or summary.n, MIN_CLAIM_SEEDS)


def honest_reach(summary: Summary, claimed_seeds: int | None, confidence: float = CONFIDENCE
                 ) -> float:
    """The highest an honest claim from its own seeds is expected to sit, one-sided at
    `confidence`'s two-sided level, beside this rerun: the mean plus t times the rerun's
    spread times sqrt(1/n_rerun + 1/n_claim).

    A claim is a mean of other seeds, noisy in its own right: held to the rerun's interval
    alone, an honest 5-seed claim failed a 20-seed rerun one time in five. The spread is the
    rerun's, which the agent does not choose.
    """
    n = summary.n
    sd = summary.se * math.sqrt(n)
    t = float(sps.t.ppf(0.5 + confidence / 2, df=n - 1))
    return summary.mean + t * sd * math.sqrt(1 / n + 1 / _claim_seeds(claimed_seeds, summary))


def verdict_for(
    claim: float | None, summary: Summary, valid: bool, claimed_seeds: int | None = None
) -> tuple[str | None, list[str]]:
    """DESIGN §4.4 verdict of a claimed PGR against the rerun, with notes.

    `not_reproduced` when the claim sits above what an honest claim from its own seeds
    reaches beside this rerun (`honest_reach`, which an honest claim passes 97.5% of the time
    whatever the seed counts), or more than TOLERANCE above the mean: a method that wrecks
    one seed on purpose widens any interval until every claim fits (so an honest method whose
    seeds spread by 0.10 or more fails more often). `summary` is of the seeds that have a PGR.
    """
    if not valid:
        return FAILED, ["no valid predictions"]
    if claim is None:
        return None, ["no claimed PGR to compare"]
    if summary.n == 0:
        return None, ["no seed has a PGR to compare the claim with"]
    lo, hi = summary.ci
    if summary.n < 2:
        # A claim equal to one seed's PGR lands on either side of it by chance: held against
        # the agent (risk, its record, a ✗) as a coin flip would be.
        return None, [f"one seed ({summary.mean:.3f}): no interval, so no verdict; rerun on "
                      "2 or more seeds"]
    reach = honest_reach(summary, claimed_seeds)
    seeds = _claim_seeds(claimed_seeds, summary)
    # A claim listing no seeds is taken to average as many as the rerun: say so, not "N-seed".
    honest = (f"an honest {seeds}-seed claim" if claimed_seeds == seeds else
              f"an honest claim (it lists {claimed_seeds} seed(s); counted as {seeds})"
              if claimed_seeds else
              f"an honest claim (it lists no seeds; taken as {seeds}, as many as this rerun)")
    if claim > reach:
        return NOT_REPRODUCED, [
            f"claim {claim:.3f} is above {reach:.3f}, the most {honest} reaches beside this "
            f"rerun (mean {summary.mean:.3f}, 95% interval [{lo:.3f}, {hi:.3f}])"
        ]
    if claim - summary.mean > TOLERANCE:
        return NOT_REPRODUCED, [
            f"claim {claim:.3f} is {claim - summary.mean:.3f} above the measured mean "
            f"{summary.mean:.3f}: it lies in the interval [{lo:.3f}, {hi:.3f}] only because "
            f"the seeds disagree, so the rerun does not confirm it (more seeds narrow it)"
        ]
    if claim > hi:
        return REPRODUCED, [
            f"claim {claim:.3f} is above the 95% interval of the mean [{lo:.3f}, {hi:.3f}] "
            f"but within {reach:.3f}, what {honest} varies by"
        ]
    if claim < lo:
        return REPRODUCED, [
            f"claim {claim:.3f} is below the interval [{lo:.3f}, {hi:.3f}]: "
            "the method measured better than claimed"
        ]
    if hi - lo >= WIDE_INTERVAL:
        # A claim near a mean whose interval holds nearly anything says little either way.
        return REPRODUCED, [
            f"the 95% interval [{lo:.3f}, {hi:.3f}] is {hi - lo:.2f} wide, so it holds the "
            f"claim but tells little: rerun on more seeds before leaning on it"
        ]
    return REPRODUCED, []


def best_of_n_notes(
    claim: float | None,
    values: Sequence[float],
    claimed_se: float | None = None,
    claimed_seeds: int | None = None,
) -> list[str]:
    """Notes when a claim looks cherry-picked: near the best seed, or an SE too small.

    A claim closer to the best measured seed than to the mean, and higher than an honest
    claim from its own seeds reaches one time in twenty, suggests a best-of-N report; a
    claimed SE smaller than an honest one is one time in twenty, for the claimed number of
    seeds against this rerun's spread, suggests it reports more seeds than it used.
    """
    notes: list[str] = []
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if claim is None or x.size < 2:
        return notes
    summary = summarize(x)
    mean, top, sd = summary.mean, float(x.max()), float(x.std(ddof=1))
    near_top = abs(claim - top) < abs(claim - mean) and claim <= top + sd
    if near_top and claim > honest_reach(summary, claimed_seeds, 1 - 2 * NOTE_ALPHA):
        notes.append(
            f"claim {claim:.3f} sits near the best seed ({top:.3f}) rather than the "
            f"mean ({mean:.3f}): possibly best-of-N"
        )
    if claimed_se is not None and claimed_seeds and claimed_seeds > 1 and sd > 0:
        expected = sd / math.sqrt(claimed_seeds)
        # (claimed sd / rerun sd)^2 follows F(claimed - 1, rerun - 1) for an honest claim.
        least = math.sqrt(float(sps.f.ppf(NOTE_ALPHA, claimed_seeds - 1, x.size - 1)))
        if claimed_se < least * expected:
            notes.append(
                f"claimed SE {claimed_se:.3f} is under {least:.2f} of the {expected:.3f} that "
                f"{claimed_seeds} seeds give here, which an honest claim is one time in "
                f"twenty: it may report more seeds than it used"
            )
    return notes


def _worse_than_baseline(gain: float | None, p: float | None) -> list[str]:
    """A note when the method measured significantly worse than the paired baseline method:
    an honest claim of nothing (a teacher echo) still holds up, and should not pass unseen."""
    if gain is None or p is None or not (gain < 0 and p < 0.05):
        return []
    return [f"the method measured worse than the paired baseline method "
            f"(gain {gain:.3f} PGR, p = {p:.2g})"]


def rerun_stats(
    rows: Sequence[SeedRow],
    baseline_pgr: Sequence[float] | None = None,
    claim: float | None = None,
    claimed_se: float | None = None,
    claimed_seeds: int | None = None,
    fixed_baseline_pgr: float | None = None,
    valid: bool = True,
) -> RerunStats:
    """Assemble the statistics, paired gain over the baseline method, verdict and notes."""
    pgr = [r.pgr for r in rows]
    kept = [i for i, value in enumerate(pgr) if math.isfinite(value)]
    measured = [pgr[i] for i in kept]
    summary = summarize(measured) if valid else Summary(math.nan, math.nan, (math.nan, math.nan), 0)
    base_mean = gain = p = None
    if valid and baseline_pgr is not None:
        if len(baseline_pgr) != len(rows):
            raise ValueError(f"paired samples differ in length: {len(rows)} vs {len(baseline_pgr)}")
        base = [baseline_pgr[i] for i in kept]
        pairs = [(a, b) for a, b in zip(measured, base, strict=True) if math.isfinite(b)]
        if pairs:
            base_mean = float(np.mean([b for _, b in pairs]))
            gain, p = paired_gain([a for a, _ in pairs], [b for _, b in pairs])
    verdict, notes = verdict_for(claim, summary, valid, claimed_seeds)
    if valid and len(kept) < len(rows):
        notes.insert(0, f"{len(rows) - len(kept)} of {len(rows)} seeds have no PGR (the "
                        f"ceiling was not above the weak teacher there) and are left out")
    if valid:
        notes += best_of_n_notes(claim, measured, claimed_se, claimed_seeds)
        notes += _worse_than_baseline(gain, p)
    return RerunStats(
        seeds=[r.seed for r in rows],
        per_seed=list(rows),
        pgr_mean=summary.mean,
        pgr_se=summary.se,
        pgr_ci=summary.ci,
        baseline_pgr_mean=base_mean,
        gain_mean=gain,
        gain_p_value=p,
        fixed_baseline_pgr=fixed_baseline_pgr,
        verdict=verdict,
        notes=notes,
    )
