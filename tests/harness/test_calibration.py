"""Calibration at size 1 over 5 seeds: weak ~0.70, ceiling ~0.95, logconf beats naive."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from reviewer.harness import api

SEEDS = [1, 2, 3, 4, 5]


@pytest.fixture(scope="module")
def results(module_home: Path) -> dict[str, api.RerunResult]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("REVIEWER_HOME", str(module_home))
        return {m: api.rerun(m, "clusters", 1, SEEDS, "cpu") for m in ("naive", "logconf")}


def test_weak_and_ceiling_in_range(results: dict[str, api.RerunResult]) -> None:
    rows = results["naive"].stats.per_seed
    weak = np.mean([r.weak_acc for r in rows])
    ceiling = np.mean([r.ceiling_acc for r in rows])
    assert 0.66 <= weak <= 0.74
    assert 0.93 <= ceiling <= 0.97


def test_naive_pgr_in_range(results: dict[str, api.RerunResult]) -> None:
    s = results["naive"].stats
    assert 0.1 <= s.pgr_mean <= 0.4
    assert s.gain_mean == 0.0  # paired with itself


def test_logconf_beats_naive(results: dict[str, api.RerunResult]) -> None:
    s = results["logconf"].stats
    assert 0.4 <= s.pgr_mean <= 0.75
    assert s.gain_mean > 0.1
    assert s.gain_p_value < 0.01
    assert s.baseline_pgr_mean == pytest.approx(results["naive"].stats.pgr_mean)
