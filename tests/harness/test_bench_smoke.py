"""The benchmark script keeps working (smoke mode; its timings are not asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_harness_bench_smoke() -> None:
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "harness_bench.py"),
                          "--smoke"], capture_output=True, text=True, check=True, timeout=300)
    assert "speed-up" in out.stdout


def test_ablation_fpr_smoke() -> None:
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "ablation_fpr.py"),
                          "--smoke"], capture_output=True, text=True, check=True, timeout=300)
    assert "naive" in out.stdout and "passed 1" in out.stdout
