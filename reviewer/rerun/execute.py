"""One rerun job, trusted side: check and apply the diff, build the view, run the method in
the sandbox, then score the plain prediction file outside it and judge the claim."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from reviewer.harness import api, baselines, launch, treehash
from reviewer.rerun import ablation, decoys, heldout, sandboxed, signatures, stats
from reviewer.rerun.diffcheck import BUILTIN_ALLOW, DiffPolicy, DiffRefused, apply_diff
from reviewer.rerun.hostiletree import scratch_dir
from reviewer.rerun.request import RerunRequest, outcome
from reviewer.rerun.sandboxed import HARNESS_MOUNT as HARNESS_MOUNT
from reviewer.rerun.sandboxed import OUT_MOUNT as OUT_MOUNT
from reviewer.rerun.sandboxed import VIEW_MOUNT as VIEW_MOUNT

BUILTIN_POLICY = DiffPolicy(allow=BUILTIN_ALLOW)
Progress = Callable[[str], None]


def _env(req: RerunRequest, device: str, wall: float, sandboxed: bool) -> dict[str, Any]:
    import torch

    cuda = device.startswith("cuda")
    return {
        "harness": treehash.git_tree_hash(),
        "diff_sha256": req.diff_sha256,
        "torch": torch.__version__,
        "device": device,
        "device_name": torch.cuda.get_device_name(0) if cuda else "cpu",
        "cuda": cuda,
        "sandbox": "bubblewrap" if sandboxed else "none (--unsafe-no-sandbox)",
        "wall_s": round(wall, 3),
    }


def run_rerun(
    req: RerunRequest,
    *,
    progress: Progress = lambda _: None,
    cancel: threading.Event | None = None,
    output: Progress | None = None,
) -> dict[str, Any]:
    """Run one rerun to a result dict (a DESIGN §4.5 `reruns` entry without `id`/`state`)."""
    with baselines.data_held():
        return _run_rerun(req, progress=progress, cancel=cancel, output=output)


def _run_rerun(
    req: RerunRequest, *, progress: Progress, cancel: threading.Event | None,
    output: Progress | None,
) -> dict[str, Any]:
    start = time.perf_counter()
    if req.diff is None:
        return outcome(stats.FAILED, "the proposal has no code attached", req)
    pinned = treehash.git_tree_hash()
    if not req.base or not pinned.startswith(req.base.lower()):
        return outcome(
            "refused",
            f"the diff was made against {req.base or 'no base'}, not the pinned harness {pinned}",
            req,
        )
    if not req.idea or not launch.IDEA.fullmatch(req.idea):
        return outcome(
            "refused",
            f"idea {req.idea!r} is not a method name the harness "
            "runs (lowercase letters, digits and _)",
            req,
        )
    device = api.pick_device(req.device)
    with scratch_dir("reviewer-rerun-") as work:
        tree, view = work / "tree", work / "view"
        progress("checking and applying the diff")
        try:
            apply_diff(req.diff, treehash.tree_root(), tree, BUILTIN_POLICY)
        except DiffRefused as exc:
            return outcome("refused", str(exc), req)
        method = launch.method_file(req.idea)
        if not (tree / method).is_file():
            return outcome("refused", f"the diff does not provide {method}", req)
        progress("building the view (baselines are cached)")
        api.materialize_view(req.task, req.size, req.seeds, view, device)
        n_test = int(np.load(view / "x_test.npy", mmap_mode="r").shape[1])
        planted = decoys.plant(view, len(req.seeds), n_test)
        progress(
            f"running {req.idea} on {len(req.seeds)} seeds"
            + (" WITHOUT a sandbox" if req.unsafe_no_sandbox else " in the sandbox")
        )
        run = sandboxed.run_scored(req, tree, view, work / "out", req.task, device,
                                   progress=progress, cancel=cancel, output=output)
        env = _env(req, device, time.perf_counter() - start, not req.unsafe_no_sandbox)
        if run.scored is None or run.predictions is None:
            return outcome(stats.FAILED, run.reason or "no predictions", req, env=env,
                           log_tail=run.log)
        progress("scoring the paired naive baseline")
        baseline = api.baseline_method_scores(
            req.task, req.size, req.seeds, view, work, device, req.timeout_s
        )
        result = stats.rerun_stats(
            [stats.SeedRow(s.seed, s.transfer_acc, s.weak_acc, s.ceiling_acc, s.pgr)
             for s in run.scored.per_seed],
            [b.pgr for b in baseline] if baseline else None,
            req.claim_pgr,
            req.claim_se,
            req.claim_seeds,
            run.scored.fixed_baseline_pgr,
        )
        truth = api.trusted_labels(req.task, req.size, req.seeds, device)
        checks = [
            *decoys.matches(run.predictions, planted),
            *(c.to_json() for c in signatures.leak_signatures(
                run.predictions, truth.labels, truth.teacher_preds,
                [s.ceiling_acc for s in run.scored.per_seed])),
        ]
        extra = _dynamic(req, tree, view, work, device, run, result.gain_mean, checks,
                         progress=progress, cancel=cancel, output=output)
        if cancel is not None and cancel.is_set():
            return outcome(stats.FAILED, "cancelled", req, env=env, log_tail=run.log)
    env["wall_s"] = round(time.perf_counter() - start, 3)
    return {
        **result.to_json(),
        "reason": None,
        "checks": checks,
        **extra,
        "task": req.task,
        "size": req.size,
        "env": env,
        "log_tail": run.log,
    }


def _dynamic(
    req: RerunRequest, tree: Path, view: Path, work: Path, device: str,
    run: sandboxed.MethodRun, tuned_gain: float | None, checks: list[dict[str, Any]],
    *, progress: Progress, cancel: threading.Event | None, output: Progress | None,
) -> dict[str, Any]:
    """The requested ablation and held-out runs: result keys, with their checks appended."""
    assert run.scored is not None
    extra: dict[str, Any] = {}
    if req.ablation and not (cancel is not None and cancel.is_set()):
        progress("teacher-shuffle ablation")
        ablated = ablation.run_ablation(req, tree, view, work, device,
                                        [s.pgr for s in run.scored.per_seed],
                                        cancel=cancel, output=output)
        extra["ablation"] = ablated.to_json()
        checks += [c.to_json() for c in ablated.checks()]
    if req.heldout and not (cancel is not None and cancel.is_set()):
        runs = heldout.run_heldout(req, tree, work, device, progress=progress, cancel=cancel,
                                   output=output)
        extra["heldout"] = [r.to_json() for r in runs]
        checks += [c.to_json() for c in heldout.transfer_checks(tuned_gain, runs)]
    return extra
