"""The rerun-overhead benchmark keeps working (smoke mode; timings are not asserted)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap not installed")
def test_rerun_overhead_smoke() -> None:
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "rerun_overhead.py"),
                          "--smoke"], capture_output=True, text=True, check=True, timeout=600)
    assert "overhead" in out.stdout
