"""Where reviewer keeps its files; nothing is created at import time."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP = "reviewer"


def _home() -> Path | None:
    """`REVIEWER_HOME` puts every reviewer folder under one root (tests use a temp dir)."""
    value = os.environ.get("REVIEWER_HOME")
    return Path(value) if value else None


def data_dir() -> Path:
    home = _home()
    return home / "data" if home else Path(platformdirs.user_data_dir(APP))


def config_dir() -> Path:
    home = _home()
    return home / "config" if home else Path(platformdirs.user_config_dir(APP))


def cache_dir() -> Path:
    """Trusted-side cache (baselines); never mounted into a sandbox."""
    home = _home()
    return home / "cache" if home else Path(platformdirs.user_cache_dir(APP))


def config_file() -> Path:
    return config_dir() / "config.toml"


def db_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The store: `--db`, then `REVIEWER_DB`, then the user data directory."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("REVIEWER_DB")
    if env:
        return Path(env)
    return data_dir() / "reviewer.db"


def demo_db_path() -> Path:
    return data_dir() / "demo" / "reviewer.db"
