"""The whole experiment in one process, for benchmarks and calibration (trusted side).

Reruns of untrusted methods never use this: they go through a view folder and a child
process (`api.rerun`). Here the shipped methods run in-process, without any cache, so the
timings cover data, teacher, ceiling and method.
"""

from __future__ import annotations

import importlib
import time
from dataclasses import dataclass, field
from types import ModuleType

import numpy as np

from reviewer.harness import baselines, scorer, tasks
from reviewer.harness.tree.w2s_kit.view import View


@dataclass
class PipelineRun:
    """Scores per method, wall-clock seconds of the whole pipeline and of each phase."""

    scores: dict[str, list[scorer.SeedScore]]
    wall_s: float
    phases: dict[str, float] = field(default_factory=dict)


def _sync(device: str) -> None:
    """Wait for queued GPU work, so timings are honest."""
    if device.startswith("cuda"):
        import torch

        torch.cuda.synchronize()


def view_arrays(data: list[tasks.SeedData], base: list[baselines.SeedBaseline]
                ) -> dict[str, np.ndarray]:
    """The arrays a method's view holds, stacked over seeds (never the labels)."""
    return {
        "x_transfer": np.stack([d.transfer.x for d in data]),
        "weak_probs": np.stack([b.weak_probs for b in base]),
        "x_test": np.stack([d.test.x for d in data]),
        "weak_test_probs": np.stack([b.weak_test_probs for b in base]),
    }


def score_method(module: ModuleType, view: View, data: list[tasks.SeedData],
                 base: list[baselines.SeedBaseline]) -> list[scorer.SeedScore]:
    """Run a method module's `run(view)` and score its test predictions per seed."""
    preds = module.run(view).cpu().numpy()
    return scorer.score_arrays(preds, [d.test.y for d in data], view.seeds,
                               [b.weak_acc for b in base], [b.ceiling_acc for b in base])


def run_pipeline(task: str, size: int, seeds: list[int], methods: list[str],
                 device: str = "cpu", salt: bytes | None = None) -> PipelineRun:
    """Generate data, train teacher and ceiling, run shipped `methods`, and score."""
    start = time.perf_counter()
    phases: dict[str, float] = {}
    spec = tasks.TASKS[task]
    salt = salt if salt is not None else b"\0" * 32
    data = tasks.generate_many(spec, salt, size, seeds)
    phases["data"] = time.perf_counter() - start
    base = baselines.compute_baselines(task, size, seeds, device, data)
    _sync(device)
    phases["baselines"] = time.perf_counter() - start - phases["data"]
    view = View(view_arrays(data, base), {"seeds": seeds, "size": size, "task": task}, device)
    out: dict[str, list[scorer.SeedScore]] = {}
    for name in methods:
        began = time.perf_counter()
        module = importlib.import_module(f"reviewer.harness.tree.methods.{name}")
        out[name] = score_method(module, view, data, base)
        phases[name] = time.perf_counter() - began
    _sync(device)
    return PipelineRun(out, time.perf_counter() - start, phases)
