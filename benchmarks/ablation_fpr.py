"""How often the teacher-shuffle ablation flags an honest method (not a test; prints counts).

    python benchmarks/ablation_fpr.py --salts 30                      # shipped naive, logconf
    python benchmarks/ablation_fpr.py --salts 30 --methods naive,path/to/methods/idea.py
    python benchmarks/ablation_fpr.py --smoke                         # tiny, to keep it working

Each salt is a fresh secret: new task data, teachers and shuffle. For every method the
script runs the real view and the teacher-shuffled view in-process on seeds 1..N (the
trusted pipeline, no sandbox: the methods must be ones you trust) and judges the ablation
with the rerun's own rule, on the first 3 seeds and on all N. An honest method should pass;
every other outcome is a false alarm. Rows whose verdict is not `passed` are printed.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import importlib.util
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import numpy as np

from reviewer.harness import baselines, tasks
from reviewer.harness.pipeline import score_method, view_arrays
from reviewer.harness.tree.w2s_kit.view import View
from reviewer.rerun.ablation import SHUFFLED, judge, shuffle_rows


def load_method(name: str) -> ModuleType:
    """A shipped method by name, or a trusted method file by path."""
    if name.endswith(".py"):
        spec = importlib.util.spec_from_file_location(f"fpr_{Path(name).stem}", name)
        if spec is None or spec.loader is None:
            raise SystemExit(f"{name}: cannot load this file as a module")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    return importlib.import_module(f"reviewer.harness.tree.methods.{name}")


def shuffled(arrays: dict[str, np.ndarray], seeds: list[int], salt: bytes) -> dict[str, np.ndarray]:
    """The arrays with the teacher's rows permuted exactly as the rerun's ablation does."""
    return {**arrays, **{name: shuffle_rows(arrays[name], name, seeds, salt) for name in SHUFFLED}}


def measure(salts: int, seeds: list[int], methods: list[str], task: str, size: int
            ) -> list[dict]:
    """One row per (salt, method): per-seed real and shuffled PGR and both verdicts."""
    modules = {m: load_method(m) for m in methods}
    rows = []
    for k in range(salts):
        salt = hashlib.sha256(f"ablation-fpr-salt-{k}".encode()).digest()
        data = tasks.generate_many(tasks.TASKS[task], salt, size, seeds)
        base = baselines.compute_baselines(task, size, seeds, "cpu", data)
        real_arrays = view_arrays(data, base)
        meta = {"seeds": seeds, "size": size, "task": task}
        views = {"real": View(real_arrays, meta, "cpu"),
                 "shuffled": View(shuffled(real_arrays, seeds, salt), meta, "cpu")}
        for name, module in modules.items():
            pgr = {tag: [s.pgr for s in score_method(module, view, data, base)]
                   for tag, view in views.items()}
            few = judge(seeds[:3], pgr["real"][:3], pgr["shuffled"][:3])
            every = judge(seeds, pgr["real"], pgr["shuffled"])
            rows.append({"salt": k, "method": name, **pgr, "few": few, "all": every})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--salts", type=int, default=30)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--methods", default="naive,logconf",
                        help="shipped method names or trusted method files, comma-separated")
    parser.add_argument("--task", default=tasks.DEFAULT_TASK, choices=sorted(tasks.TASKS))
    parser.add_argument("--size", type=int, default=1)
    parser.add_argument("--smoke", action="store_true", help="1 salt, 3 seeds, naive only")
    args = parser.parse_args(argv)
    if args.smoke:
        args.salts, args.seeds, args.methods = 1, 3, "naive"
    seeds = list(range(1, args.seeds + 1))
    methods = args.methods.split(",")
    rows = measure(args.salts, seeds, methods, args.task, args.size)
    print(f"teacher-shuffle ablation on honest methods: {args.salts} salts, task {args.task}, "
          f"size {args.size}")
    print(f"{'method':<28}{'3 seeds':>34}{f'{len(seeds)} seeds':>34}")
    for name in methods:
        mine = [r for r in rows if r["method"] == name]
        cells = []
        for key in ("few", "all"):
            counts = Counter(r[key].outcome for r in mine)
            cells.append(", ".join(f"{o} {n}" for o, n in sorted(counts.items())))
        print(f"{Path(name).stem:<28}{cells[0]:>34}{cells[1]:>34}")
    for r in rows:
        if r["few"].outcome != "passed" or r["all"].outcome != "passed":
            print(f"  salt {r['salt']} {Path(r['method']).stem}: 3 seeds {r['few'].outcome}, "
                  f"all {r['all'].outcome}; real {np.round(r['real'], 2).tolist()}, "
                  f"shuffled {np.round(r['shuffled'], 2).tolist()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
