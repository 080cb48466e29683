"""Python API of the built-in harness, used by the CLI and by the reruns machinery.

Trusted side only: it holds the salt, the labels and the baselines. Methods run in child
processes that see nothing but a view folder.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from reviewer.harness import baselines, launch, materialize, scorer, tasks, treehash
from reviewer.rerun import stats

BASELINE_METHOD = "naive"
SIZES = (1, 2, 4, 8, 16, 32, 64)


def tree_hash() -> str:
    """Git tree id of the built-in harness tree (what proposals name as `base`)."""
    return treehash.git_tree_hash()


def export_tree(dest: str | Path) -> Path:
    """Write the built-in tree into `dest`; agents diff against exactly this."""
    return treehash.export_tree(dest)


def pick_device(device: str = "auto") -> str:
    """`auto` means cuda when available, else cpu; anything else is passed through."""
    if device != "auto":
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def materialize_view(task: str, size: int, seeds: list[int], out_dir: str | Path,
                     device: str = "cpu") -> Path:
    """Write the view folder for (task, size, seeds); baselines are trained or reused."""
    return materialize.write_view(task, size, seeds, out_dir, pick_device(device))


def run_method_subprocess(
    tree_dir: str | Path, idea: str, view_dir: str | Path, out_dir: str | Path,
    device: str = "cpu", timeout: float = 3600.0,
) -> subprocess.CompletedProcess[str]:
    """Run one method of a harness tree on a view folder, in its own process."""
    return launch.run_method_subprocess(tree_dir, idea, view_dir, out_dir, device, timeout)


@dataclass
class Scored:
    """Validated per-seed scores of one prediction file."""

    per_seed: list[scorer.SeedScore]
    fixed_baseline_pgr: float


def score(task: str, size: int, seeds: list[int], pred_path: str | Path,
          device: str = "cpu") -> Scored:
    """Check a prediction file and score it against trusted labels and cached baselines.

    Raises `scorer.PredictionError` when the file is unsafe or malformed.
    """
    labels, base = _labels_and_baselines(task, size, seeds, device)
    preds = scorer.read_predictions(pred_path, len(seeds), len(labels[0]))
    per_seed = scorer.score_arrays(preds, labels, seeds, [b.weak_acc for b in base],
                                   [b.ceiling_acc for b in base])
    return Scored(per_seed, scorer.fixed_baseline_pgr(per_seed))


def _labels_and_baselines(task: str, size: int, seeds: list[int], device: str,
                          ) -> tuple[list[np.ndarray], list[baselines.SeedBaseline]]:
    """Test labels and baselines, generating the data at most once when neither is at hand."""
    with baselines.data_held():
        base = baselines.get_baselines(task, size, seeds, pick_device(device))
        return baselines.load_labels(task, size, seeds), base


@dataclass(frozen=True)
class TrustedLabels:
    """Trusted facts about the test split per seed, for the leak signatures of a rerun.

    Trusted side only: these arrays are never written into a view folder.
    """

    labels: np.ndarray  # (S, N_test) int64 ground truth
    teacher_preds: np.ndarray  # (S, N_test) the teacher's argmax on the test split


def trusted_labels(task: str, size: int, seeds: list[int], device: str = "cpu") -> TrustedLabels:
    """Test labels and the teacher's test predictions for (task, size, seeds)."""
    labels, base = _labels_and_baselines(task, size, seeds, device)
    return TrustedLabels(
        np.stack(labels),
        np.stack([baselines.weak_predictions(b.weak_test_probs) for b in base]))


@dataclass
class RerunResult:
    """A rerun of one method: statistics, the paired baseline, and the environment."""

    method: str
    task: str
    size: int
    stats: stats.RerunStats
    env: dict
    baseline: list[scorer.SeedScore] = field(default_factory=list)
    log_tail: str = ""

    def to_json(self) -> dict:
        """A `reruns`-style record (DESIGN §4.5) plus the method, task and size."""
        return {"method": self.method, "task": self.task, "size": self.size,
                **self.stats.to_json(), "env": self.env, "log_tail": self.log_tail}


def resolve_method(method: str, method_dir: str | Path | None = None) -> tuple[Path, str]:
    """(tree, idea) from a shipped name, a name plus `method_dir`, or a methods/*.py path."""
    if method.endswith(".py"):
        path = Path(method).resolve()
        if path.parent.name != "methods":
            raise ValueError(f"{method}: a method file must sit in a tree's methods/ folder")
        return path.parent.parent, path.stem
    tree = Path(method_dir).resolve() if method_dir else treehash.tree_root()
    if not (tree / "methods" / f"{method}.py").is_file():
        raise FileNotFoundError(f"no method {method!r} in {tree / 'methods'}")
    return tree, method


def _run_and_score(tree: Path, idea: str, task: str, size: int, seeds: list[int],
                   view_dir: Path, work: Path, device: str, timeout: float,
                   ) -> tuple[Scored | None, str]:
    """Run a method in its own process and score it; (None, log) when it fails."""
    out = work / f"out-{idea}"
    try:
        proc = run_method_subprocess(tree, idea, view_dir, out, device, timeout)
    except subprocess.TimeoutExpired:
        return None, f"timed out after {timeout:.0f} s"
    log = (proc.stdout + proc.stderr)[-4000:]
    if proc.returncode != 0:
        return None, f"exit status {proc.returncode}\n{log}"
    try:
        return score(task, size, seeds, out / launch.PREDICTIONS, device), log
    except scorer.PredictionError as exc:
        return None, f"{exc}\n{log}"


def baseline_method_scores(task: str, size: int, seeds: list[int], view_dir: Path, work: Path,
                            device: str, timeout: float) -> list[scorer.SeedScore] | None:
    """Per-seed scores of the shipped `naive` method, cached beside the baselines."""
    folder = baselines.cache_folder(task, size, device)
    paths = {s: folder / f"{BASELINE_METHOD}_seed{s}.json" for s in seeds}
    rows = {s: cached for s in seeds if (cached := _cached_score(paths[s])) is not None}
    if len(rows) < len(seeds):
        scored, _ = _run_and_score(treehash.tree_root(), BASELINE_METHOD, task, size, seeds,
                                   view_dir, work, device, timeout)
        if scored is None:
            return None
        unsaved: list[str] = []
        for row in scored.per_seed:
            rows[row.seed] = row.to_json()
            try:
                baselines.write_atomic(paths[row.seed], json.dumps(row.to_json()).encode())
            except OSError as exc:
                # Only a cache: the scores in hand serve this rerun (a full disk must not fail it).
                unsaved.append(f"{exc.filename}: {exc.strerror}")
        if unsaved:
            print(f"note: could not cache {len(unsaved)} {BASELINE_METHOD} score(s): "
                  f"{unsaved[0]}; scoring without the cache", file=sys.stderr)
    return [scorer.SeedScore(r["seed"], r["transfer_acc"], r["weak_acc"], r["ceiling_acc"])
            for r in (rows[s] for s in seeds)]


def _cached_score(path: Path) -> dict | None:
    """A cached per-seed score, or None when there is none or it cannot be read whole (a
    write cut short by a full disk left an empty file before writes went through a temp)."""
    try:
        row = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    keys = ("seed", "transfer_acc", "weak_acc", "ceiling_acc")
    return row if isinstance(row, dict) and all(k in row for k in keys) else None


def _env(device: str, wall: float) -> dict:
    """The environment a rerun records: harness hash, torch, device, GPU name, wall time."""
    import torch

    gpu = torch.cuda.get_device_name(0) if device.startswith("cuda") else None
    return {"harness": tree_hash(), "torch": torch.__version__, "device": device,
            "gpu": gpu, "wall_s": round(wall, 3)}


def rerun(
    method: str, task: str = tasks.DEFAULT_TASK, size: int = 1,
    seeds: list[int] | None = None, device: str = "auto", method_dir: str | Path | None = None,
    claim: float | None = None, claimed_se: float | None = None,
    claimed_seeds: int | None = None, timeout: float = 3600.0,
) -> RerunResult:
    """Materialise the view, run the method and `naive` on the same seeds, score, judge."""
    seeds = list(seeds or [1, 2, 3, 4, 5])
    if task not in tasks.TASKS:
        raise KeyError(f"unknown task {task!r}; known: {', '.join(tasks.TASKS)}")
    device = pick_device(device)
    tree, idea = resolve_method(method, method_dir)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="w2s-rerun-") as tmp, baselines.data_held():
        work = Path(tmp)
        view_dir = materialize_view(task, size, seeds, work / "view", device)
        scored, log = _run_and_score(tree, idea, task, size, seeds, view_dir, work, device,
                                     timeout)
        base = baseline_method_scores(task, size, seeds, view_dir, work, device, timeout)
    wall = time.perf_counter() - start
    rows = [stats.SeedRow(s.seed, s.transfer_acc, s.weak_acc, s.ceiling_acc, s.pgr)
            for s in (scored.per_seed if scored else [])]
    result = stats.rerun_stats(
        rows, [b.pgr for b in base] if base else None, claim, claimed_se, claimed_seeds,
        scored.fixed_baseline_pgr if scored else None, valid=scored is not None)
    if scored is None:
        result.seeds = seeds
        result.notes.append(log.strip().splitlines()[-1] if log.strip() else "no output")
    return RerunResult(idea, task, size, result, _env(device, wall), base or [], log[-2000:])


def info() -> dict:
    """Tree hash, task families (with summaries) and sizes, for `reviewer harness info`."""
    return {"tree_hash": tree_hash(), "tree": str(treehash.tree_root()),
            "tasks": {name: spec.summary for name, spec in tasks.TASKS.items()},
            "default_task": tasks.DEFAULT_TASK, "sizes": list(SIZES),
            "methods": sorted(p.stem for p in (treehash.tree_root() / "methods").glob("*.py")),
            "baseline_method": BASELINE_METHOD,
            "split_sizes_at_1": list(tasks.split_sizes(1)), "dim_at_1": tasks.strong_dim(1)}
