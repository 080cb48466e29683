"""A sandboxed CPU run gets half the usable cores as OpenMP threads, unless the reviewer
sets OMP_NUM_THREADS, which passes through unchanged."""

from __future__ import annotations

import os

import pytest

from reviewer.cores import usable_cores
from reviewer.rerun import sandboxed


@pytest.mark.parametrize(("cores", "threads"), [(1, 1), (2, 1), (3, 1), (4, 2), (16, 8), (64, 8)])
def test_half_the_cores_from_one_to_eight(cores, threads):
    assert sandboxed.method_threads(cores) == threads


def _spec_env(tmp_path):
    dirs = [tmp_path / name for name in ("tree", "view", "out")]
    for d in dirs:
        d.mkdir()
    return sandboxed.spec(*dirs, "naive", "cpu", 60).env


def test_the_spec_uses_the_usable_cores(tmp_path, monkeypatch):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setattr(sandboxed, "usable_cores", lambda: 12)
    assert _spec_env(tmp_path)["OMP_NUM_THREADS"] == "6"


def test_the_reviewers_setting_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    monkeypatch.setattr(sandboxed, "usable_cores", lambda: 12)
    assert _spec_env(tmp_path)["OMP_NUM_THREADS"] == "3"


def test_usable_cores_is_the_affinity_mask():
    assert 1 <= usable_cores() <= (os.cpu_count() or 1)
    assert usable_cores() == len(os.sched_getaffinity(0))
