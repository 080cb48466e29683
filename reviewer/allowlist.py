"""Where a proposal's harness lets its diff write: the built-in list or the configured one."""

from __future__ import annotations

from reviewer.config import load_config
from reviewer.rerun.diffcheck import BUILTIN_ALLOW


def allow_list(harness: str) -> tuple[str, ...] | None:
    """The path prefixes `harness` allows; None when no harness of that name is configured.

    Raises `reviewer.config.ConfigError` when the config file is broken.
    """
    if harness == "builtin":
        return BUILTIN_ALLOW
    configured = load_config().harnesses.get(harness)
    return None if configured is None else configured.allow
