"""Rerun a proposal on a configured external harness (DESIGN §4.3), e.g. the W2S sandbox.

The pinned commit is exported from the reviewer's checkout's object store, the diff is
checked and applied to that copy, and the harness command runs once per seed in the
sandbox. Predictions are read and scored outside, after each run, against the reviewer's
label file, which is never mounted.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from reviewer.config import STDOUT, ExternalHarness
from reviewer.gitenv import GitError
from reviewer.gitread import export_commit
from reviewer.rerun import sandbox, stats
from reviewer.rerun.diffcheck import DiffPolicy, DiffRefused, apply_diff
from reviewer.rerun.external_io import LabelsError, PredictionError, load_labels, read_predictions
from reviewer.rerun.hostiletree import scratch_dir
from reviewer.rerun.request import RerunRequest, outcome
from reviewer.rerun.signatures import above_ceiling

# Folders above the labels file whose names the pinned tree may not track at its top.
LABEL_FOLDERS_CHECKED = 3
HARNESS_MOUNT = "/sandbox/harness"
OUT_MOUNT = "/sandbox/out"
IDEA = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]{0,63}$")
STDOUT_CAP = 16 * 1024 * 1024
LOG_TAIL = 4000
GIT_TIMEOUT_S = 600
_PASS_THROUGH = ("CUDA_VISIBLE_DEVICES", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
_PLACEHOLDER = re.compile(r"\{(idea|seed|out|python)\}")
NO_PAIRED_BASELINE = (
    "external harness: no paired baseline run; PGR uses the configured fixed "
    "weak_acc and strong_acc"
)
Progress = Callable[[str], None]


class _Failed(Exception):
    """Ends the rerun with `verdict` and a reason that is safe to show."""

    def __init__(self, verdict: str, reason: str, log: str = "") -> None:
        super().__init__(reason)
        self.verdict, self.reason, self.log = verdict, reason, log


def run_external(
    req: RerunRequest,
    cfg: ExternalHarness,
    *,
    progress: Progress = lambda _: None,
    cancel: threading.Event | None = None,
) -> dict[str, Any]:
    """Run one rerun on `cfg` to a result dict (a DESIGN §4.5 `reruns` entry sans id/state)."""
    start = time.perf_counter()
    gpu = req.device.startswith("cuda") or (req.device == "auto" and bool(sandbox.gpu_nodes()))
    env = _env(req, cfg, gpu)
    try:
        _check_request(req, cfg)
        try:
            labels = load_labels(cfg.labels)
        except LabelsError as exc:
            raise _Failed(stats.FAILED, str(exc)) from exc
        with scratch_dir("reviewer-external-") as tmp:
            rows, log, notes = _run_seeds(req, cfg, labels, tmp, gpu, progress, cancel)
    except _Failed as exc:
        env["wall_s"] = round(time.perf_counter() - start, 3)
        return outcome(exc.verdict, exc.reason, req, env=env, log_tail=exc.log)
    pgrs = [row.pgr for row in rows]
    result = stats.rerun_stats(
        rows, None, req.claim_pgr, req.claim_se, req.claim_seeds, float(np.mean(pgrs))
    )
    result.notes += [*notes, NO_PAIRED_BASELINE]
    env["wall_s"] = round(time.perf_counter() - start, 3)
    # Against the configured ceiling: beating ground-truth training means labels got in.
    ceiling = above_ceiling([r.transfer_acc for r in rows], [r.ceiling_acc for r in rows])
    return {
        **result.to_json(),
        "reason": None,
        "checks": [] if ceiling is None else [ceiling.to_json()],
        "task": req.task,
        "size": req.size,
        "env": env,
        "log_tail": log,
    }


def _check_request(req: RerunRequest, cfg: ExternalHarness) -> None:
    if req.diff is None:
        raise _Failed(stats.FAILED, "the proposal has no code attached")
    base = (req.base or "").lower()
    if not re.fullmatch(r"[0-9a-f]{7,40}", base) or not cfg.commit.startswith(base):
        raise _Failed(
            "refused",
            f"the diff was made against {req.base or 'no base'}, not {cfg.name}'s "
            f"pinned commit {cfg.commit}",
        )
    if any("{idea}" in a for a in cfg.command) and not IDEA.fullmatch(req.idea or ""):
        raise _Failed(
            "refused", f"idea {req.idea!r} is not a name the harness runs (letters, digits, _ -)"
        )
    if not req.seeds:
        raise _Failed(stats.FAILED, "no seeds to run")


def _prepare_tree(req: RerunRequest, cfg: ExternalHarness, work: Path) -> tuple[Path, list[str]]:
    """The pinned tree with the diff applied, ready to mount; also the skipped entries."""
    pinned = work / "pinned"
    tree = work / "tree"
    try:
        skipped = export_commit(cfg.path, cfg.commit, pinned, GIT_TIMEOUT_S)
    except GitError as exc:
        raise _Failed(stats.FAILED, f"cannot export {cfg.commit[:12]} of {cfg.name}: {exc}"
                      ) from exc
    _refuse_tracked_labels(cfg, pinned)
    try:
        apply_diff(req.diff or b"", pinned, tree, DiffPolicy(allow=cfg.allow))
    except DiffRefused as exc:
        raise _Failed("refused", str(exc)) from exc
    shutil.rmtree(pinned)
    if cfg.data is not None:
        (tree / "data").mkdir(exist_ok=True)  # the mount point for the unlabeled data
    sandbox.prepare_dirs([tree], [])
    if cfg.data is not None and req.unsafe_no_sandbox:
        # Made after prepare_dirs, whose chmod walk would otherwise follow it into cfg.data.
        shutil.rmtree(tree / "data")
        (tree / "data").symlink_to(cfg.data)
    return tree, skipped


def _run_seeds(
    req: RerunRequest,
    cfg: ExternalHarness,
    labels: np.ndarray,
    work: Path,
    gpu: bool,
    progress: Progress,
    cancel: threading.Event | None,
) -> tuple[list[stats.SeedRow], str, list[str]]:
    """Export, patch, then run and score every seed; `_Failed` on the first bad one."""
    progress(f"exporting {cfg.name} at {cfg.commit[:12]} and applying the diff")
    tree, skipped = _prepare_tree(req, cfg, work)
    python = cfg.python or sys.executable
    binds = _python_binds(cfg.python)
    timeout = cfg.timeout_s or req.timeout_s
    rows: list[stats.SeedRow] = []
    log = ""
    for i, seed in enumerate(req.seeds, 1):
        if cancel is not None and cancel.is_set():
            raise _Failed(stats.FAILED, "cancelled", log[-LOG_TAIL:])
        progress(f"seed {i}/{len(req.seeds)}: running {req.idea or cfg.name} (seed {seed})")
        out = work / f"out-{i}"
        out.mkdir()
        sandbox.prepare_dirs([], [out])
        spec = _spec(req, cfg, tree, out, python, binds, seed, gpu, timeout)
        ran = sandbox.run(spec, cancel=cancel, unsafe_no_sandbox=req.unsafe_no_sandbox)
        log = (log + f"\n--- seed {seed} ---\n" + ran.stdout + "\n" + ran.stderr).strip()
        log = log[-LOG_TAIL:]
        if cancel is not None and cancel.is_set():
            raise _Failed(stats.FAILED, "cancelled", log)
        if ran.timed_out:
            raise _Failed(stats.FAILED, f"seed {seed}: timed out after {timeout:.0f} s", log)
        if ran.stopped is not None:
            raise _Failed(stats.FAILED, f"seed {seed}: stopped: {ran.stopped}", log)
        if ran.returncode != 0:
            raise _Failed(
                stats.FAILED, f"seed {seed}: the command exited with status {ran.returncode}", log
            )
        progress(f"seed {i}/{len(req.seeds)}: scoring outside the sandbox")
        try:
            preds = read_predictions(cfg.predictions, out, ran.stdout, len(labels))
        except PredictionError as exc:
            raise _Failed(stats.FAILED, f"seed {seed}: invalid predictions: {exc}", log) from exc
        acc = float(np.mean(preds == labels))
        pgr = (acc - cfg.weak_acc) / (cfg.strong_acc - cfg.weak_acc)
        rows.append(stats.SeedRow(seed, acc, cfg.weak_acc, cfg.strong_acc, pgr))
    notes = [f"skipped {len(skipped)} non-regular entries of the pinned tree"] if skipped else []
    return rows, log, notes


def _refuse_tracked_labels(cfg: ExternalHarness, pinned: Path) -> None:
    """No copy of the labels may ship inside the exported tree.

    Refused: the labels file's own path; a top-level folder named like one of the three
    folders above the labels file (the W2S sandbox's `labeled_data/` for
    `labeled_data/sciq/test_labels.json`, whatever file names or formats it holds); and any
    tracked file with the labels file's exact bytes.
    """
    labels, root = cfg.labels.resolve(), cfg.path.resolve()
    if labels.is_relative_to(root) and (pinned / labels.relative_to(root)).exists():
        raise _Failed(stats.FAILED, f"the labels file {cfg.labels} is tracked in {cfg.commit}")
    for above in list(labels.parents)[:LABEL_FOLDERS_CHECKED]:
        if above.name and (pinned / above.name).exists():
            raise _Failed(stats.FAILED, (
                f"{cfg.commit[:12]} of {cfg.name} tracks {above.name}/, the name of a folder "
                f"the labels are in ({above}): a copy of labels there would ship into the "
                "sandbox. Remove it from the pinned commit, or keep the labels under folders "
                "named otherwise"))
    copy = _same_bytes(labels, pinned)
    if copy is not None:
        raise _Failed(stats.FAILED, f"{copy.relative_to(pinned)} in {cfg.commit[:12]} of "
                                    f"{cfg.name} is a copy of the labels file {cfg.labels}")


def _same_bytes(original: Path, tree: Path) -> Path | None:
    """A file under `tree` (not following links) with `original`'s exact bytes, if any."""
    try:
        size = original.stat().st_size
        data: bytes | None = None
        for folder, _dirs, files in os.walk(tree):
            for name in files:
                path = Path(folder, name)
                if path.is_symlink() or path.stat().st_size != size:
                    continue
                data = original.read_bytes() if data is None else data
                if path.read_bytes() == data:
                    return path
    except OSError:
        return None
    return None


def _python_binds(python: str | None) -> list[tuple[Path, str]]:
    """Read-only binds for the interpreter: the running one's, or the configured one's prefixes."""
    if python is None:
        return sandbox.python_binds()
    out = subprocess.run(
        [python, "-I", "-c", "import sys; print(sys.prefix); print(sys.base_prefix)"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if out.returncode != 0:
        raise _Failed(stats.FAILED, f"the configured python {python} does not run")
    prefixes = dict.fromkeys(p for p in out.stdout.splitlines() if p)
    return [(Path(p), p) for p in prefixes if p != "/usr" and not p.startswith("/usr/")]


def command_argv(cfg: ExternalHarness, idea: str, seed: int, out: str, python: str) -> list[str]:
    """The harness command with placeholders filled in; a bare `python` becomes the interpreter."""
    values = {"idea": idea, "seed": str(seed), "out": out, "python": python}
    argv = [_PLACEHOLDER.sub(lambda m: values[m[1]], arg) for arg in cfg.command]
    if argv[0] in ("python", "python3"):
        argv[0] = python
    return argv


def _spec(
    req: RerunRequest,
    cfg: ExternalHarness,
    tree: Path,
    out: Path,
    python: str,
    binds: list[tuple[Path, str]],
    seed: int,
    gpu: bool,
    timeout: float,
) -> sandbox.SandboxSpec:
    env = {
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONNOUSERSITE": "1",
        **{k: os.environ[k] for k in _PASS_THROUGH if k in os.environ},
        **dict(cfg.env),
    }
    limits = sandbox.Limits(
        wall_s=timeout,
        cpu_s=int(timeout * 16) + 60,
        address_space=None if gpu else sandbox.cpu_address_space(),
        disk_bytes=int(cfg.out_gib * 1024**3),
        max_entries=100_000,  # a training run may write checkpoints and logs
        output_cap=STDOUT_CAP if cfg.predictions == STDOUT else sandbox.Limits.output_cap,
    )
    idea = req.idea or ""
    if req.unsafe_no_sandbox:
        argv = command_argv(cfg, idea, seed, str(out), python)
        return sandbox.SandboxSpec(argv=argv, env=env, cwd=str(tree), limits=limits,
                                   rw_binds=[(out, str(out))])  # watched, not bound
    ro = [*binds, (tree, HARNESS_MOUNT)]
    if cfg.data is not None:
        ro.append((cfg.data, f"{HARNESS_MOUNT}/data"))
    ro += [(m, str(m)) for m in cfg.mounts]
    labels = cfg.labels.resolve()
    for source, _ in ro:
        if labels.is_relative_to(source.resolve()):
            raise _Failed(stats.FAILED, f"the labels file lies under {source}, which is mounted")
    return sandbox.SandboxSpec(
        argv=command_argv(cfg, idea, seed, OUT_MOUNT, python),
        ro_binds=ro,
        rw_binds=[(out, OUT_MOUNT)],
        env=env,
        cwd=HARNESS_MOUNT,
        gpu=gpu,
        limits=limits,
    )


def _env(req: RerunRequest, cfg: ExternalHarness, gpu: bool) -> dict[str, Any]:
    return {
        "harness": cfg.commit,
        "harness_name": cfg.name,
        "diff_sha256": req.diff_sha256,
        "torch": None,
        "python": cfg.python or sys.executable,
        "device": "cuda" if gpu else "cpu",
        "device_name": _gpu_name() if gpu else "cpu",
        "cuda": gpu,
        "sandbox": "none (--unsafe-no-sandbox)" if req.unsafe_no_sandbox else "bubblewrap",
        "wall_s": 0.0,
    }


def _gpu_name() -> str:
    """The first NVIDIA GPU's model from the driver's /proc files, without importing torch."""
    for info in sorted(Path("/proc/driver/nvidia/gpus").glob("*/information")):
        for line in info.read_text(errors="replace").splitlines():
            if line.startswith("Model:"):
                return line.split(":", 1)[1].strip()
    return "unknown GPU"
