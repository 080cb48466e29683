"""The environment for git runs that no user or system config may steer.

Checking a diff, reading an agent's repository and exporting the harness must give the same
answer on every machine, so git sees no system or global config, no askpass prompt and a
home of the caller's choosing. Publishing is the exception: it pushes with the user's own
credentials (`reviewer.publish.git`).
"""

from __future__ import annotations

import os
from pathlib import Path


def isolated_env(home: str | Path, *, ceiling: Path | None = None, **extra: str) -> dict[str, str]:
    """PATH and the isolation variables; `ceiling` stops repository discovery above it."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LC_ALL": "C",
        "HOME": str(home),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_TERMINAL_PROMPT": "0",
    }
    if ceiling is not None:
        env["GIT_CEILING_DIRECTORIES"] = str(ceiling)
    env.update(extra)
    return env
