"""Overhead of the sandbox plus trusted scoring per rerun, against the bare harness run.

    python benchmarks/rerun_overhead.py          # 5 seeds, size 1, median of 5
    python benchmarks/rerun_overhead.py --smoke  # 1 repeat, to keep this script working

Both cases run the shipped `naive` method on the same materialised view, in a child
process with one OpenMP thread; the sandboxed case adds a fresh copy of the tree, the
rerun's own bubblewrap spec (uid drop, rlimits) and the trusted scorer.
Target (issue 4): overhead ≤ 0.5 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from reviewer.harness import api, baselines, launch, treehash
from reviewer.rerun import sandbox
from reviewer.rerun import sandboxed as rerun_sandbox

SEEDS = [1, 2, 3, 4, 5]


def bare(view: Path, work: Path, i: int) -> float:
    start = time.perf_counter()
    proc = launch.run_method_subprocess(treehash.tree_root(), "naive", view, work / f"b{i}")
    assert proc.returncode == 0, proc.stderr
    return time.perf_counter() - start


def sandboxed(view: Path, work: Path, i: int, seeds: list[int]) -> float:
    """What a rerun adds: a fresh tree copy, the real bubblewrap spec, and trusted scoring."""
    out = work / f"s{i}"
    out.mkdir()
    start = time.perf_counter()
    tree = Path(shutil.copytree(treehash.tree_root(), work / f"tree{i}"))
    ran = sandbox.run(rerun_sandbox.spec(tree, view, out, "naive", "cpu", 600.0))
    assert ran.returncode == 0, ran.stderr
    api.score("clusters", 1, seeds, out / launch.PREDICTIONS)
    return time.perf_counter() - start


def measure(repeats: int, seeds: list[int] | None = None) -> tuple[list[float], list[float]]:
    """Wall times of the bare and the sandboxed run, `repeats` of each.

    The test labels are kept from the view for the scoring, as a rerun keeps them.
    """
    with tempfile.TemporaryDirectory() as tmp, baselines.data_held():
        work = Path(tmp)
        seeds = seeds or SEEDS
        view = api.materialize_view("clusters", 1, seeds, work / "view")
        bare_t, box_t = [], []
        for i in range(repeats):  # interleaved, so drifting load hits both alike
            bare_t.append(bare(view, work, i))
            box_t.append(sandboxed(view, work, i, seeds))
    return bare_t, box_t


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    repeats = 1 if args.smoke else args.repeats
    # A rerun's method runs on one OpenMP thread; the bare run gets the same, so only the
    # sandbox and the scoring differ.
    os.environ["OMP_NUM_THREADS"] = "1"
    # A smoke run keeps the script working in the suite's time: two seeds, not five.
    seeds = SEEDS[:2] if args.smoke else SEEDS
    bare_t, box_t = measure(repeats, seeds)
    b, s = statistics.median(bare_t), statistics.median(box_t)
    print(f"rerun overhead (naive, {len(seeds)} seeds, size 1, median of {repeats})")
    print(f"{'bare harness run':<36}{b:>8.3f} s")
    print(f"{'sandbox + scoring':<36}{s:>8.3f} s")
    print(f"{'overhead':<36}{s - b:>8.3f} s   target ≤ 0.5 s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
