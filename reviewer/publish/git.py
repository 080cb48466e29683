"""Commit published files in a findings git repository and push with rebase-and-retry.

Every git call runs with a fixed identity, a scrubbed environment that never prompts,
and a timeout, so publishing behaves the same on any machine and never hangs.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from reviewer.publish.errors import PublishError

LOCAL_TIMEOUT_S = 60.0
NETWORK_TIMEOUT_S = 120.0
MAX_BLOB_BYTES = 64 << 20  # a shared file bigger than this is never read into memory
IDENTITY = ("-c", "user.name=reviewer", "-c", "user.email=reviewer@localhost")
# Variables a git hook or a parent repository may set that would redirect our calls.
_KEEP = ("PATH", "HOME", "USER", "LOGNAME", "TMPDIR", "SSH_AUTH_SOCK", "GIT_SSH",
         "GIT_SSH_COMMAND", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_NOSYSTEM", "SSL_CERT_FILE",
         "SSL_CERT_DIR", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy",
         "https_proxy", "no_proxy")  # fmt: skip
# Push failures that a fetch and rebase can cure: someone else pushed first.
_RACED = re.compile(r"rejected|non-fast-forward|fetch first|cannot lock ref|failed to update ref")


class GitError(PublishError):
    """A git command failed; the message carries git's own words."""


class RecordConflict(GitError):
    """The remote holds a record at `path`, written by `commit`, that is not this store's."""

    def __init__(self, path: str, commit: str | None) -> None:
        super().__init__(
            f"the remote's {path} (commit {commit or 'unknown'}) is not this "
            "store's record of the finding"
        )
        self.path = path
        self.commit = commit


def git_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k in _KEEP}
    env.update(GIT_TERMINAL_PROMPT="0", LC_ALL="C", GIT_ASKPASS="", SSH_ASKPASS="")
    return env


def run(
    root: Path, *args: str, timeout: float = LOCAL_TIMEOUT_S, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """One git command in `root`; never raises for a non-zero exit."""
    try:
        return subprocess.run(
            ["git", "-C", str(root), *IDENTITY, *args],
            input=stdin,
            capture_output=True,
            # A hook's output need not be UTF-8: strict decoding raised past the caller's
            # GitError handling, leaving a record's files staged and no publish_failed.
            encoding="utf-8",
            errors="replace",
            timeout=timeout,
            env=git_env(),
            stdin=None if stdin is not None else subprocess.DEVNULL,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise GitError(f"git {args[0]} in {root} timed out after {timeout:.0f} s") from exc
    except OSError as exc:
        raise GitError(f"cannot run git: {exc}") from exc


def _checked(
    root: Path, *args: str, timeout: float = LOCAL_TIMEOUT_S, stdin: str | None = None
) -> str:
    out = run(root, *args, timeout=timeout, stdin=stdin)
    if out.returncode != 0:
        raise GitError(f"git {' '.join(args[:2])} failed in {root}: {_tail(out)}")
    return out.stdout.strip()


def _tail(out: subprocess.CompletedProcess[str]) -> str:
    """Git's own words, in one line: its `fatal:`/`error:` lines first, since the advice
    after them can be longer than the tail kept (a stale `index.lock` was named only there),
    then the last few lines."""
    text = (out.stderr or out.stdout or f"exit status {out.returncode}").strip()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    first = [line for line in lines if line.startswith(("fatal:", "error:"))][:2]
    return " / ".join(dict.fromkeys([*first, *lines[-6:]]))[:1000]


@dataclass(frozen=True)
class Repo:
    """A findings folder that is the top of a git work tree, with where it pushes."""

    root: Path
    branch: str
    remote: str | None


def open_repo(folder: Path, remote: str | None, branch: str | None) -> Repo | None:
    """The repository whose top is `folder`, or None for a plain folder.

    A folder merely inside some other repository (a home directory under version control,
    say) is treated as plain, so publishing never commits into an unrelated repository.
    """
    top = run(folder, "rev-parse", "--show-toplevel")
    if top.returncode != 0 or Path(top.stdout.strip()).resolve() != folder.resolve():
        return None
    current = run(folder, "symbolic-ref", "--quiet", "--short", "HEAD")
    if current.returncode != 0:
        raise GitError(f"{folder} has a detached HEAD: check out the branch findings go on")
    name = current.stdout.strip()
    if branch is not None and branch != name:
        raise GitError(f"{folder} is on branch {name!r} but publish.branch is {branch!r}")
    if remote is not None:
        if run(folder, "remote", "get-url", remote).returncode != 0:
            raise GitError(f"{folder} has no git remote {remote!r} (publish.remote)")
    elif run(folder, "remote", "get-url", "origin").returncode == 0:
        remote = "origin"
    return Repo(folder, name, remote)


def commit(repo: Repo, relpaths: Sequence[str], message: str) -> bool:
    """Commit exactly `relpaths` (nothing else staged); False when they are unchanged."""
    _checked(repo.root, "add", "--", *relpaths)
    staged = run(repo.root, "diff", "--cached", "--quiet", "--", *relpaths)
    if staged.returncode == 0:
        return False
    if staged.returncode != 1:
        raise GitError(f"git diff failed in {repo.root}: {_tail(staged)}")
    _checked(
        repo.root,
        "commit",
        "--quiet",
        "--cleanup=whitespace",
        "--file=-",
        "--",
        *relpaths,
        stdin=message,
    )
    return True


def tracked(repo: Repo, relpaths: Sequence[str]) -> list[str]:
    """Those of `relpaths` the index holds: a file a killed publish wrote but never
    committed is unknown to git, and naming it to `git add` fails."""
    listed = set(_checked(repo.root, "ls-files", "-z", "--", *relpaths).split("\0"))
    return [rel for rel in relpaths if rel in listed]


def unstage(repo: Repo, relpaths: Sequence[str]) -> bool:
    """Make the index hold HEAD's `relpaths` again (a `commit` that failed may have added
    them), best effort; False when git could not."""
    return run(repo.root, "reset", "--quiet", "--", *relpaths).returncode == 0


def last_commit(repo: Repo, *relpaths: str) -> str | None:
    """The newest commit on HEAD that touched any of `relpaths`."""
    out = run(repo.root, "log", "-1", "--format=%H", "--", *relpaths)
    if out.returncode != 0:
        return None
    return out.stdout.strip() or None


def blob(repo: Repo, rev: str, relpath: str) -> bytes | None:
    """The bytes of `relpath` in commit `rev`; None when it has no such file or one over
    MAX_BLOB_BYTES."""
    size = run(repo.root, "cat-file", "-s", f"{rev}:{relpath}")
    if size.returncode != 0 or int(size.stdout.strip() or 0) > MAX_BLOB_BYTES:
        return None
    try:
        out = subprocess.run(
            ["git", "-C", str(repo.root), *IDENTITY, "cat-file", "blob", f"{rev}:{relpath}"],
            capture_output=True, timeout=LOCAL_TIMEOUT_S, env=git_env(),
            stdin=subprocess.DEVNULL, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired as exc:
        raise GitError(f"git cat-file in {repo.root} timed out") from exc
    except OSError as exc:
        raise GitError(f"cannot run git: {exc}") from exc
    return out.stdout if out.returncode == 0 else None


def head(repo: Repo) -> str | None:
    """The commit HEAD points at, or None in a repository without commits."""
    out = run(repo.root, "rev-parse", "--verify", "--quiet", "HEAD")
    return (out.stdout.strip() or None) if out.returncode == 0 else None


@dataclass(frozen=True)
class Pushed:
    """How a push went: the attempts it made."""

    attempts: int


def push(
    repo: Repo,
    retries: int,
    own: Sequence[str] = (),
    accept: Callable[[bytes], bool] | None = None,
) -> Pushed:
    """Push HEAD to the remote branch, rebasing onto it after each lost race.

    When the rebase conflicts only in `own` (the files this push publishes, the record
    first), our files win if the remote removed the record (another store withdrew its
    record, and this store's approval stands) or if `accept` says the remote's record is
    the same finding. Otherwise our commit is dropped, so the clone matches the remote and
    later publishes are not stuck behind it, and RecordConflict names the remote's commit.
    """
    if repo.remote is None:
        raise GitError("no remote to push to")
    for attempt in range(1, retries + 2):
        if try_push(repo, last=attempt > retries, attempt=attempt):
            return Pushed(attempt)
        tracking = fetch(repo)
        refused: str | None = None
        rebased = run(repo.root, "rebase", "--autostash", tracking)
        while rebased.returncode != 0 and _own_conflicts(repo, own):
            # Mid-rebase, HEAD is the remote's side and REBASE_HEAD our commit.
            if _in_tree(repo, "HEAD", own[0]) and not _accepted(repo, own[0], accept):
                refused = last_commit(repo, own[0]) or "unknown"
                rebased = run(repo.root, "rebase", "--skip")
                continue
            # REBASE_HEAD's tree has the whole record, including files it left unchanged,
            # which the remote's removal took away too.
            ours = [path for path in own if _in_tree(repo, "REBASE_HEAD", path)]
            try:
                _checked(repo.root, "checkout", "REBASE_HEAD", "--", *ours)
                _checked(repo.root, "add", "--", *ours)
            except GitError:
                run(repo.root, "rebase", "--abort")  # never leave the clone mid-rebase
                raise
            rebased = run(repo.root, "-c", "core.editor=true", "rebase", "--continue")
        if rebased.returncode != 0:
            run(repo.root, "rebase", "--abort")
            raise GitError(
                f"cannot rebase onto {repo.remote}/{repo.branch} (a conflicting finding?): "
                f"{_tail(rebased)}"
            )
        if refused is not None:
            raise RecordConflict(own[0], refused)
    raise AssertionError("unreachable")  # the loop returns or raises on its last attempt


def _accepted(repo: Repo, relpath: str, accept: Callable[[bytes], bool] | None) -> bool:
    """Whether the remote's `relpath` (HEAD mid-rebase) may be replaced by ours."""
    theirs = blob(repo, "HEAD", relpath)
    return accept is not None and theirs is not None and accept(theirs)


def try_push(repo: Repo, *, last: bool = True, attempt: int = 1) -> bool:
    """Push HEAD to the remote branch: True when it landed, False when someone pushed first.

    Any other failure, or a lost race when `last` is set, raises GitError.
    """
    assert repo.remote is not None
    out = run(repo.root, "push", "--porcelain", repo.remote, f"HEAD:refs/heads/{repo.branch}",
              timeout=NETWORK_TIMEOUT_S)  # fmt: skip
    if out.returncode == 0:
        return True
    if not _RACED.search(out.stderr + out.stdout) or last:
        raise GitError(f"git push to {repo.remote} failed after {attempt} attempt(s): {_tail(out)}")
    return False


def fetch(repo: Repo) -> str:
    """Fetch the remote branch into its tracking ref; returns that ref's name."""
    assert repo.remote is not None
    tracking = f"refs/remotes/{repo.remote}/{repo.branch}"
    _checked(repo.root, "fetch", "--quiet", repo.remote,
             f"+refs/heads/{repo.branch}:{tracking}", timeout=NETWORK_TIMEOUT_S)  # fmt: skip
    return tracking


def catch_up(repo: Repo) -> None:
    """Fetch and rebase this clone's own commits onto the remote branch (none is dropped)."""
    rebased = run(repo.root, "rebase", "--autostash", fetch(repo))
    if rebased.returncode != 0:
        run(repo.root, "rebase", "--abort")
        raise GitError(f"cannot rebase onto {repo.remote}/{repo.branch}: {_tail(rebased)}")


def commit_empty(repo: Repo, message: str) -> None:
    """A commit that changes no file: a ledger entry, which can never conflict."""
    _checked(repo.root, "commit", "--quiet", "--allow-empty", "--cleanup=whitespace",
             "--file=-", stdin=message)  # fmt: skip


def drop_last_commit(repo: Repo) -> None:
    """Undo HEAD's commit and its changes to the work tree, keeping unrelated local edits."""
    _checked(repo.root, "reset", "--quiet", "--keep", "HEAD~1")


def trailer_log(repo: Repo, grep: str) -> list[dict[str, list[str]]]:
    """Trailers of each commit on HEAD whose message contains `grep`, oldest first.

    Each entry maps a trailer key to its values, plus `sha` and `subject`. A commit message
    can hold the separators this parse splits on, so an entry counts only where its hash is
    the next one that `git log` lists: text forged to look like another commit's is dropped.
    """
    shas = _shas(repo, grep)
    out = run(repo.root, "log", "--reverse", "--fixed-strings", f"--grep={grep}",
              "--format=%H%x02%s%x02%(trailers:only,unfold)%x03")  # fmt: skip
    if out.returncode != 0:
        return []  # a repository without commits has no history to read
    entries: list[dict[str, list[str]]] = []
    for record in filter(None, (r.strip("\n") for r in out.stdout.split("\x03"))):
        sha, _, rest = record.partition("\x02")
        if len(entries) >= len(shas) or sha != shas[len(entries)]:
            continue
        subject, _, trailers = rest.partition("\x02")
        entry: dict[str, list[str]] = {"sha": [sha], "subject": [subject]}
        for line in trailers.splitlines():
            key, sep, value = line.partition(": ")
            if sep:
                entry.setdefault(key, []).append(value.strip())
        entries.append(entry)
    return entries


def touching(repo: Repo, grep: str, pathspecs: Sequence[str]) -> set[str]:
    """The commits on HEAD whose message contains `grep` and that changed a file matching
    one of `pathspecs` (git pathspecs, magic allowed)."""
    return set(_shas(repo, grep, "--full-history", "--", *pathspecs))


def _shas(repo: Repo, grep: str, *more: str) -> list[str]:
    """Commits on HEAD whose message contains `grep`, oldest first: hashes only, which no
    commit message can forge."""
    out = run(repo.root, "log", "--reverse", "--fixed-strings", f"--grep={grep}",
              "--format=%H", *more)  # fmt: skip
    return out.stdout.split() if out.returncode == 0 else []


def _own_conflicts(repo: Repo, own: Sequence[str]) -> list[str]:
    """The conflicted paths when a rebase stopped on conflicts in `own` files only, else []."""
    out = run(repo.root, "diff", "--name-only", "--diff-filter=U", "-z")
    conflicted = sorted({p for p in out.stdout.split("\0") if p})
    return conflicted if out.returncode == 0 and set(conflicted) <= set(own) else []


def _in_tree(repo: Repo, rev: str, path: str) -> bool:
    """Whether commit `rev` has `path` (mid-rebase, HEAD is the remote's side)."""
    return run(repo.root, "cat-file", "-e", f"{rev}:{path}").returncode == 0


def message(title: str, body: str, trailers: Sequence[tuple[str, str]]) -> str:
    """A commit message whose last paragraph is git trailers, one per `(key, value)`."""
    lines = [title, ""]
    if body:
        lines += [body, ""]
    lines += [f"{key}: {value}" for key, value in trailers]
    return "\n".join(lines) + "\n"
