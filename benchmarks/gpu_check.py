"""GPU check: sizes 1, 16 and 64 with 5 seeds, batched vs sequential, timings and PGR.

    python benchmarks/gpu_check.py [--sizes 1,16,64] [--methods naive,logconf]

Falls back to the CPU with a message when CUDA is unavailable. Target (H100): 5 seeds
batched take at most 1.3x the wall time of 1 seed at sizes 1-16.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import numpy as np

from reviewer.harness.pipeline import run_pipeline


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,16,64")
    parser.add_argument("--methods", default="naive,logconf")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-sequential", action="store_true", help="skip 5 one-at-a-time")
    args = parser.parse_args(argv)
    import torch

    if torch.cuda.is_available():
        device = "cuda"
        print(f"device: cuda, {torch.cuda.get_device_name(0)}, torch {torch.__version__}")
    else:
        device = "cpu"
        print("CUDA is not available: running on the CPU instead (timings are not GPU timings)")
    methods = args.methods.split(",")
    seeds = [1, 2, 3, 4, 5]
    print(f"{'size':>5}{'1 seed s':>10}{'5 batched s':>13}{'ratio':>7}{'5 seq s':>10}"
          f"{'speed-up':>9}  " + "  ".join(f"{m} PGR" for m in methods))
    for size in (int(s) for s in args.sizes.split(",")):
        run_pipeline("clusters", size, seeds[:1], methods, device)  # warm-up, compile kernels

        def timed(fn) -> float:
            times = []
            for _ in range(args.repeats):
                start = time.perf_counter()
                fn()
                times.append(time.perf_counter() - start)
            return statistics.median(times)

        last: dict = {}

        def one_run(s: int = size, keep: dict = last) -> None:
            keep["one"] = run_pipeline("clusters", s, seeds[:1], methods, device)

        one = timed(one_run)

        def batched_run(s: int = size, keep: dict = last) -> None:
            keep["run"] = run_pipeline("clusters", s, seeds, methods, device)

        batched = timed(batched_run)
        seq = float("nan") if args.no_sequential else timed(
            lambda s=size: [run_pipeline("clusters", s, [k], methods, device) for k in seeds])
        pgrs = "  ".join(
            f"{np.mean([r.pgr for r in last['run'].scores[m]]):.3f}" for m in methods)
        print(f"{size:>5}{one:>10.2f}{batched:>13.2f}{batched / one:>7.2f}{seq:>10.2f}"
              f"{seq / batched:>9.2f}  {pgrs}", flush=True)
        for label, key in (("1 seed", "one"), ("5 batched", "run")):
            phases = ", ".join(f"{k} {v:.2f}" for k, v in last[key].phases.items())
            print(f"      {label} phases (s): {phases}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
