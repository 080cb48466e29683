"""Make an exported harness tree a git repository, so agents' commits can be ingested."""

from __future__ import annotations

from pathlib import Path

from reviewer.gitenv import GitError, isolated_env, run_git

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
            out = run_git(["git", *ident, "-C", str(folder)], *args, env=env,
                          timeout=GIT_TIMEOUT_S)  # fmt: skip
        except GitError as exc:
            raise GitExportError(f"{folder}: {exc}") from exc
        return out.decode("utf-8", "replace").strip()

    git("init", "-q", "--template=")
    git("add", "-A")
    git("commit", "-q", "--no-verify", "-m", f"reviewer harness {expected_tree[:12]}")
    tree = git("rev-parse", "HEAD^{tree}")
    if tree != expected_tree:
        raise GitExportError(f"{folder}: the commit's tree is {tree}, not the harness "
                             f"{expected_tree}")
    return git("rev-parse", "HEAD")
