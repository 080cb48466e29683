"""One rerun job, trusted side: check and apply the diff, build the view, run the method in
the sandbox, then score the plain prediction file outside it and judge the claim."""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from reviewer.harness import api, launch, scorer, treehash
from reviewer.rerun import decoys, sandbox, stats
from reviewer.rerun.diffcheck import BUILTIN_ALLOW, DiffPolicy, DiffRefused, apply_diff
from reviewer.rerun.request import RerunRequest, outcome

BUILTIN_POLICY = DiffPolicy(allow=BUILTIN_ALLOW)
HARNESS_MOUNT = "/sandbox/harness"
VIEW_MOUNT = "/sandbox/view"
OUT_MOUNT = "/sandbox/out"
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


def _spec(
    tree: Path, view: Path, out: Path, idea: str, device: str, timeout_s: float
) -> sandbox.SandboxSpec:
    argv = launch.method_argv(idea, VIEW_MOUNT, OUT_MOUNT, device)
    sandbox.prepare_dirs([tree, view], [out])
    return sandbox.SandboxSpec(
        argv=argv,
        ro_binds=[*sandbox.python_binds(), (tree, HARNESS_MOUNT), (view, VIEW_MOUNT)],
        rw_binds=[(out, OUT_MOUNT)],
        env={
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONNOUSERSITE": "1",
            # One thread unless the reviewer says otherwise: on small CPU runs torch's
            # OpenMP threads spin against each other and measured 6x slower with two.
            "OMP_NUM_THREADS": "1",
            **{k: os.environ[k] for k in launch._PASS_THROUGH if k in os.environ},
        },
        cwd=HARNESS_MOUNT,
        gpu=device.startswith("cuda"),
        limits=sandbox.Limits(
            wall_s=timeout_s,
            cpu_s=int(timeout_s * 16) + 60,
            address_space=None if device.startswith("cuda") else 32 * 1024**3,
        ),
    )


def _unsafe_spec(
    spec: sandbox.SandboxSpec, tree: Path, view: Path, out: Path
) -> sandbox.SandboxSpec:
    """The same run without isolation: host paths instead of sandbox mounts."""
    mapping = {HARNESS_MOUNT: str(tree), VIEW_MOUNT: str(view), OUT_MOUNT: str(out)}
    argv = [mapping.get(a, a) for a in spec.argv]
    return sandbox.SandboxSpec(argv=argv, env=spec.env, cwd=str(tree), limits=spec.limits)


def run_rerun(
    req: RerunRequest,
    *,
    progress: Progress = lambda _: None,
    cancel: threading.Event | None = None,
    output: Progress | None = None,
) -> dict[str, Any]:
    """Run one rerun to a result dict (a DESIGN §4.5 `reruns` entry without `id`/`state`)."""
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
    if not req.idea or not launch.IDEA.match(req.idea):
        return outcome(
            "refused",
            f"idea {req.idea!r} is not a method name the harness "
            "runs (lowercase letters, digits and _)",
            req,
        )
    device = api.pick_device(req.device)
    with tempfile.TemporaryDirectory(prefix="reviewer-rerun-") as tmp:
        work = Path(tmp)
        tree, view, out = work / "tree", work / "view", work / "out"
        progress("checking and applying the diff")
        try:
            apply_diff(req.diff, treehash.tree_root(), tree, BUILTIN_POLICY)
        except DiffRefused as exc:
            return outcome("refused", str(exc), req)
        if not (tree / "methods" / f"{req.idea}.py").is_file():
            return outcome("refused", f"the diff does not provide methods/{req.idea}.py", req)
        progress("building the view (baselines are cached)")
        api.materialize_view(req.task, req.size, req.seeds, view, device)
        n_test = int(np.load(view / "x_test.npy", mmap_mode="r").shape[1])
        planted = decoys.plant(view, len(req.seeds), n_test)
        out.mkdir()
        spec = _spec(tree, view, out, req.idea, device, req.timeout_s)
        if req.unsafe_no_sandbox:
            spec = _unsafe_spec(spec, tree, view, out)
        progress(
            f"running {req.idea} on {len(req.seeds)} seeds"
            + (" WITHOUT a sandbox" if req.unsafe_no_sandbox else " in the sandbox")
        )
        ran = sandbox.run(
            spec, cancel=cancel, unsafe_no_sandbox=req.unsafe_no_sandbox, on_output=output
        )
        log = (ran.stdout + "\n" + ran.stderr).strip()[-4000:]
        env = _env(req, device, time.perf_counter() - start, not req.unsafe_no_sandbox)
        if cancel is not None and cancel.is_set():
            return outcome(stats.FAILED, "cancelled", req, env=env, log_tail=log)
        if ran.timed_out or ran.returncode != 0:
            why = (
                f"timed out after {req.timeout_s:.0f} s"
                if ran.timed_out
                else (f"the method exited with status {ran.returncode}")
            )
            return outcome(stats.FAILED, why, req, env=env, log_tail=log)
        progress("scoring outside the sandbox")
        try:
            scored = api.score(req.task, req.size, req.seeds, out / launch.PREDICTIONS, device)
            predictions = scorer.read_predictions(out / launch.PREDICTIONS, len(req.seeds), n_test)
        except scorer.PredictionError as exc:
            return outcome(stats.FAILED, f"invalid predictions: {exc}", req, env=env, log_tail=log)
        progress("scoring the paired naive baseline")
        baseline = api.baseline_method_scores(
            req.task, req.size, req.seeds, view, work, device, req.timeout_s
        )
    rows = [
        stats.SeedRow(s.seed, s.transfer_acc, s.weak_acc, s.ceiling_acc, s.pgr)
        for s in scored.per_seed
    ]
    result = stats.rerun_stats(
        rows,
        [b.pgr for b in baseline] if baseline else None,
        req.claim_pgr,
        req.claim_se,
        req.claim_seeds,
        scored.fixed_baseline_pgr,
    )
    env["wall_s"] = round(time.perf_counter() - start, 3)
    return {
        **result.to_json(),
        "reason": None,
        "checks": decoys.matches(predictions, planted),
        "task": req.task,
        "size": req.size,
        "env": env,
        "log_tail": log,
    }
