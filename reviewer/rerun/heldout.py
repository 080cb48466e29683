"""Held-out tasks: rerun the method on the task families it was not tuned on.

A method tuned to one task's quirks (its class balance, its distractor) gains over `naive`
there and nowhere else; each held-out task gets the same seeds and its own paired baseline.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from reviewer.checks.model import Check
from reviewer.harness import api, tasks
from reviewer.rerun import sandboxed, stats
from reviewer.rerun.request import RerunRequest

# A held-out gain under this share of the tuned gain counts as not transferring.
MIN_SHARE = 1 / 3


@dataclass(frozen=True)
class HeldoutRun:
    """One held-out task's PGR, its paired `naive` baseline and the gain over it."""

    task: str
    pgr_mean: float | None = None
    pgr_se: float | None = None
    baseline_pgr_mean: float | None = None
    gain: float | None = None
    reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        """One element of the result's `heldout` list."""
        return {"task": self.task, "pgr_mean": self.pgr_mean, "pgr_se": self.pgr_se,
                "baseline_pgr_mean": self.baseline_pgr_mean, "gain": self.gain,
                "reason": self.reason}


def other_tasks(task: str) -> list[str]:
    """Every task family of the built-in harness except `task`."""
    return [name for name in tasks.TASKS if name != task]


def _num(value: float | None) -> float | None:
    """JSON-safe float: NaN becomes None."""
    return None if value is None or not math.isfinite(value) else float(value)


def summarize(task: str, pgr: list[float], baseline_pgr: list[float] | None) -> HeldoutRun:
    """Mean and SE of the method's PGR, the baseline's mean and the paired gain."""
    summary = stats.summarize(pgr)
    if baseline_pgr is None:
        return HeldoutRun(task, _num(summary.mean), _num(summary.se),
                          reason="the paired naive baseline failed")
    gain, _ = stats.paired_gain(pgr, baseline_pgr)
    return HeldoutRun(task, _num(summary.mean), _num(summary.se),
                      _num(float(np.mean(baseline_pgr))), _num(gain))


def run_heldout(
    req: RerunRequest,
    tree: Path,
    work: Path,
    device: str,
    *,
    progress: Callable[[str], None] = lambda _: None,
    cancel: threading.Event | None = None,
    output: Callable[[str], None] | None = None,
) -> list[HeldoutRun]:
    """Run the method and `naive` in the sandbox/subprocess on every other task."""
    runs = []
    for task in other_tasks(req.task):
        if cancel is not None and cancel.is_set():
            break
        progress(f"held-out task {task}")
        folder = work / f"heldout-{task}"
        view = api.materialize_view(task, req.size, req.seeds, folder / "view", device)
        run = sandboxed.run_scored(req, tree, view, folder / "out", task, device,
                                   cancel=cancel, output=output)
        if run.scored is None:
            runs.append(HeldoutRun(task, reason=run.reason))
            continue
        base = api.baseline_method_scores(task, req.size, req.seeds, view, folder, device,
                                          req.timeout_s)
        runs.append(summarize(task, [s.pgr for s in run.scored.per_seed],
                              [b.pgr for b in base] if base else None))
    return runs


def transfer_checks(tuned_gain: float | None, runs: list[HeldoutRun]) -> list[Check]:
    """`does_not_transfer` (medium) per held-out task where a positive tuned gain vanishes.

    It fires when the gain there is at most 0, under a third of the tuned gain, or could
    not be measured because the method failed on that task.
    """
    if tuned_gain is None or not tuned_gain > 0:
        return []
    found = []
    for run in runs:
        if run.gain is None:
            if run.pgr_mean is not None:
                continue  # the method ran; only the baseline is missing, so no comparison
            why = f"the method failed on it ({run.reason})"
        elif run.gain <= 0 or run.gain < MIN_SHARE * tuned_gain:
            why = f"its gain over naive there is {run.gain:+.3f}"
        else:
            continue
        found.append(Check(
            "does_not_transfer", "medium",
            f"the method gains {tuned_gain:+.3f} PGR over naive on the task it was tuned on, "
            f"but not on held-out task {run.task}: {why}",
            {"task": run.task, "tuned_gain": tuned_gain, "gain": run.gain,
             "pgr_mean": run.pgr_mean, "baseline_pgr_mean": run.baseline_pgr_mean}))
    return found
