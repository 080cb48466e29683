from __future__ import annotations

from pathlib import Path

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
