"""Make an exported harness tree a git repository, so agents' commits can be ingested."""

from __future__ import annotations

import subprocess
from pathlib import Path

from reviewer.gitenv import isolated_env

GIT_TIMEOUT_S = 60.0


class GitExportError(RuntimeError):
    """git is missing or failed; the message carries its words."""


def commit_tree(folder: Path, expected_tree: str) -> str:
    """`git init` in `folder` and commit everything on `main`; the commit id.

    The commit's tree must be `expected_tree`: it is how `ingest-git` recognises the harness.
    """
    # The user's own config (autocrlf, hooks, templates) must not change what is committed.
    env = isolated_env(folder)
    ident = ("-c", "user.name=reviewer", "-c", "user.email=reviewer@localhost",
             "-c", "init.defaultBranch=main", "-c", "commit.gpgSign=false")  # fmt: skip

    def git(*args: str) -> str:
        try:
            out = subprocess.run(["git", *ident, "-C", str(folder), *args], env=env,
                                 capture_output=True, text=True, timeout=GIT_TIMEOUT_S,
                                 stdin=subprocess.DEVNULL, check=False)  # fmt: skip
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise GitExportError(f"cannot run git in {folder}: {exc}") from exc
        if out.returncode != 0:
            raise GitExportError(f"git {args[0]} failed in {folder}: "
                                 f"{(out.stderr or out.stdout).strip()[-500:]}")
        return out.stdout.strip()

    git("init", "-q", "--template=")
    git("add", "-A")
    git("commit", "-q", "--no-verify", "-m", f"reviewer harness {expected_tree[:12]}")
    tree = git("rev-parse", "HEAD^{tree}")
    if tree != expected_tree:
        raise GitExportError(f"{folder}: the commit's tree is {tree}, not the harness "
                             f"{expected_tree}")
    return git("rev-parse", "HEAD")
