"""Benchmark the built-in harness on the CPU (not a test; prints medians and bests).

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


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench(
    size: int,
    seeds: list[int],
    repeats: int,
    device: str = "cpu",
    methods: tuple[str, ...] = ("naive",),
) -> dict[str, list[float]]:
    """Wall times of one seed, all seeds batched, and all seeds one at a time.

    The three cases alternate within each repeat, so a slow spell on a shared machine hits
    them alike instead of skewing the ratio.
    """

    def pipe(ss: list[int]) -> None:
        run_pipeline("clusters", size, ss, list(methods), device)

    pipe(seeds[:1])  # warm-up
    times: dict[str, list[float]] = {"one": [], "batched": [], "sequential": []}
    for _ in range(repeats):
        times["one"].append(_timed(lambda: pipe(seeds[:1])))
        times["batched"].append(_timed(lambda: pipe(seeds)))
        times["sequential"].append(_timed(lambda: [pipe([s]) for s in seeds]))
    return times


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
    times = bench(1, seeds, repeats)
    t = {k: statistics.median(v) for k, v in times.items()}
    best = {k: min(v) for k, v in times.items()}
    n = len(seeds)
    print(
        f"harness benchmark (cpu, torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads, median and best of {repeats})"
    )
    print(f"{'case':<34}{'median s':>10}{'best s':>10}")
    print(
        f"{'1 seed, full pipeline, size 1':<34}{t['one']:>10.3f}{best['one']:>10.3f}   target < 1 s"
    )
    print(f"{f'{n} seeds batched':<34}{t['batched']:>10.3f}{best['batched']:>10.3f}")
    print(f"{f'{n} seeds one at a time':<34}{t['sequential']:>10.3f}{best['sequential']:>10.3f}")
    ratios = [s / b for s, b in zip(times["sequential"], times["batched"], strict=True)]
    print(
        f"{'speed-up, batched vs sequential':<34}{statistics.median(ratios):>9.2f}x"
        f"{max(ratios):>9.2f}x   target >= 2.5x (median, best of paired repeats)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
