"""Benchmark the built-in harness on the CPU (not a test; prints a table of medians).

    python benchmarks/harness_bench.py            # full: 1-seed pipeline, 5 batched vs 5 sequential
    python benchmarks/harness_bench.py --smoke    # tiny and fast, to keep this script working

The pipeline is data, teacher, ceiling and the naive method, in one process and uncached.
Targets (issue 3): 1 seed under 1 s; 5 seeds batched at least 2.5x faster than 5 in a row.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from reviewer.harness.pipeline import run_pipeline


def _median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench(size: int, seeds: list[int], repeats: int, device: str = "cpu",
          methods: tuple[str, ...] = ("naive",)) -> dict[str, float]:
    """Median wall time of one seed, all seeds batched, and all seeds one at a time."""
    run_pipeline("clusters", size, seeds[:1], list(methods), device)  # warm-up
    one = _median_time(lambda: run_pipeline("clusters", size, seeds[:1], list(methods), device),
                       repeats)
    batched = _median_time(lambda: run_pipeline("clusters", size, seeds, list(methods), device),
                           repeats)
    sequential = _median_time(
        lambda: [run_pipeline("clusters", size, [s], list(methods), device) for s in seeds],
        repeats)
    return {"one": one, "batched": batched, "sequential": sequential}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny run (2 seeds, 1 repeat)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: default)")
    args = parser.parse_args(argv)
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    seeds, repeats = ([1, 2], 1) if args.smoke else ([1, 2, 3, 4, 5], args.repeats)
    t = bench(1, seeds, repeats)
    n = len(seeds)
    print(f"harness benchmark (cpu, torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads, median of {repeats})")
    print(f"{'case':<34}{'seconds':>10}")
    print(f"{'1 seed, full pipeline, size 1':<34}{t['one']:>10.3f}   target < 1 s")
    print(f"{f'{n} seeds batched':<34}{t['batched']:>10.3f}")
    print(f"{f'{n} seeds one at a time':<34}{t['sequential']:>10.3f}")
    speedup = t["sequential"] / t["batched"]
    print(f"{'speed-up, batched vs sequential':<34}{speedup:>9.2f}x   target >= 2.5x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
