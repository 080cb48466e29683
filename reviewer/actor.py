"""Who is acting: --actor, REVIEWER_ACTOR, git's user.email, or the login name."""

from __future__ import annotations

import getpass
import os
import subprocess


def git_email() -> str | None:
    try:
        out = subprocess.run(
            ["git", "config", "--get", "user.email"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    email = out.stdout.strip()
    return email or None


def resolve_actor(explicit: str | None = None) -> str:
    for candidate in (explicit, os.environ.get("REVIEWER_ACTOR"), git_email()):
        if candidate and candidate.strip():
            return candidate.strip()
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
