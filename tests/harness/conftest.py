"""Shared fixtures: every harness test runs with REVIEWER_HOME in a temp folder."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def reviewer_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point salt, caches and data at a fresh temp folder."""
    home = tmp_path / "home"
    monkeypatch.setenv("REVIEWER_HOME", str(home))
    return home


@pytest.fixture(scope="module")
def module_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A REVIEWER_HOME shared by one module's expensive fixtures (one salt, one cache)."""
    return tmp_path_factory.mktemp("module-home")


@pytest.fixture
def shared_home(module_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Use the module's shared home in a test (overrides the per-test one)."""
    monkeypatch.setenv("REVIEWER_HOME", str(module_home))
    return module_home
