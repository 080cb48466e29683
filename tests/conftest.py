from __future__ import annotations

import os
from pathlib import Path

if os.environ.get("PYTEST_XDIST_WORKER"):
    # Parallel workers each running multi-threaded torch oversubscribe the cores and
    # OpenMP's spin-waiting then makes the suite several times slower.
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("MKL_NUM_THREADS", "1")

import pytest

from store import ReviewStore


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory, monkeypatch):
    """Every test gets its own reviewer home, so nothing touches the real user folders."""
    home = tmp_path_factory.mktemp("reviewer-home")
    monkeypatch.setenv("REVIEWER_HOME", str(home))
    monkeypatch.delenv("REVIEWER_DB", raising=False)
    monkeypatch.setenv("REVIEWER_ACTOR", "tester@example.org")
    return home


@pytest.fixture
def mem_store() -> ReviewStore:
    store = ReviewStore.memory()
    yield store
    store.close()


@pytest.fixture
def file_store(tmp_path: Path) -> ReviewStore:
    store = ReviewStore.open(tmp_path / "review.db")
    yield store
    store.close()
