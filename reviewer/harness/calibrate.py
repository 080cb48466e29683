"""Calibration report: `python -m reviewer.harness.calibrate [--seeds 1-5] [--size 1]`.

Runs the shipped methods in-process on every task family and prints weak and ceiling
accuracy and PGR mean ± SE per method. A random salt is drawn per invocation unless
`--salt-hex` is given, so the numbers are what a fresh install would see.
"""

from __future__ import annotations

import argparse
import secrets
import sys

import numpy as np

from reviewer.harness import tasks
from reviewer.harness.pipeline import run_pipeline

METHODS = ["naive", "logconf", "confident_only"]


def _mean_se(values: list[float]) -> str:
    x = np.asarray(values, dtype=float)
    se = x.std(ddof=1) / np.sqrt(x.size) if x.size > 1 else float("nan")
    return f"{x.mean():.3f} ± {se:.3f}"


def main(argv: list[str] | None = None) -> int:
    """Print the calibration table; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m reviewer.harness.calibrate")
    parser.add_argument("--seeds", default="1-5", help="first-last")
    parser.add_argument("--size", type=int, default=1)
    parser.add_argument("--tasks", default=",".join(tasks.TASKS))
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--salt-hex", default=None)
    args = parser.parse_args(argv)
    lo, _, hi = args.seeds.partition("-")
    seeds = list(range(int(lo), int(hi or lo) + 1))
    salt = bytes.fromhex(args.salt_hex) if args.salt_hex else secrets.token_bytes(32)
    print(f"size {args.size}, seeds {seeds[0]}-{seeds[-1]} ({len(seeds)}), mean ± SE")
    print(f"{'task':<12}{'weak':>15}{'ceiling':>15}" + "".join(f"{m:>17}" for m in METHODS))
    for task in args.tasks.split(","):
        run = run_pipeline(task, args.size, seeds, METHODS, args.device, salt)
        rows = run.scores["naive"]
        cells = [_mean_se([r.weak_acc for r in rows]), _mean_se([r.ceiling_acc for r in rows])]
        cells += [_mean_se([r.pgr for r in run.scores[m]]) for m in METHODS]
        print(f"{task:<12}" + "".join(f"{c:>15}" for c in cells[:2])
              + "".join(f"{c:>17}" for c in cells[2:]), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
