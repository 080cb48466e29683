"""The environment for git runs that no user or system config may steer.

Checking a diff, reading an agent's repository and exporting the harness must give the same
answer on every machine, so git sees no system or global config, no askpass prompt and a
home of the caller's choosing. Publishing is the exception: it pushes with the user's own
credentials (`reviewer.publish.git`).
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO


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


# No transport at all: a repository marked as a partial clone fetches a missing object from
# its promisor remote, running whatever `remote.*.uploadpack` or helper its config names.
# The variable overrides every `protocol.*.allow` in the repository's own config.
_NO_PROTOCOL = "none-allowed"


# An index path where no file is or can be made (/proc takes no new files): a repository's
# index is the agent's too, and a diff reads a work-tree file its entry marks unchanged in
# place of a blob the commit names but the object store lacks.
_NO_INDEX = "/proc/self/reviewer-no-index"


def reader_env(repo: Path) -> dict[str, str]:
    """For reading `repo`'s objects: discovery stops at it, replace refs and the index are
    ignored, so a commit id always names that commit's own content, and nothing is fetched."""
    return isolated_env(os.devnull, ceiling=repo.parent, GIT_NO_REPLACE_OBJECTS="1",
                        GIT_OPTIONAL_LOCKS="0", GIT_ALLOW_PROTOCOL=_NO_PROTOCOL,
                        GIT_NO_LAZY_FETCH="1", GIT_INDEX_FILE=_NO_INDEX)  # fmt: skip


# The repository's own config is the agent's: these override the keys of it that make a
# read-only command run a program (an fsmonitor hook, a signature checker on `git log`).
_READER_CONFIG = ("core.fsmonitor=false", "log.showSignature=false")


def reader_argv(repo: Path) -> list[str]:
    """git, before its subcommand, reading `repo`: another user's repository is only read,
    never run from."""
    safe = ["-c", f"safe.directory={repo}"]
    for setting in _READER_CONFIG:
        safe += ["-c", setting]
    return ["git", "--no-pager", *safe, "-C", str(repo)]


class GitError(RuntimeError):
    """git is missing, timed out or failed; `said` is git's own words when it ran and failed."""

    def __init__(self, message: str, said: str | None = None) -> None:
        super().__init__(message)
        self.said = said


def said(out: subprocess.CompletedProcess[bytes]) -> str:
    """git's last words on a failure: the last three lines of its errors (or output)."""
    return _last_words(out.stderr or out.stdout or b"", out.returncode)


def _last_words(text: bytes, code: int) -> str:
    lines = text.decode("utf-8", "replace").strip().splitlines()
    return " / ".join(lines[-3:])[:500] or f"exit status {code}"


def run_git(prefix: list[str], *args: str, env: dict[str, str], timeout: float,
            stdin: bytes | None = None) -> bytes:
    """git's standard output for `prefix` (git and its options) and `args` (the subcommand
    and its own); GitError naming the subcommand and what git said otherwise."""
    try:
        done = subprocess.run([*prefix, *args], env=env, input=stdin, capture_output=True,
                              timeout=timeout, check=False,
                              stdin=None if stdin is not None else subprocess.DEVNULL)
    except FileNotFoundError as exc:
        raise GitError("git is not installed") from exc
    except subprocess.TimeoutExpired as exc:
        raise GitError(f"git {args[0]} timed out after {timeout:g} s") from exc
    except OSError as exc:
        raise GitError(f"cannot run git {args[0]}: {exc}") from exc
    if done.returncode != 0:
        words = said(done)
        raise GitError(f"git {args[0]} failed: {words}", words)
    return done.stdout


@dataclass(frozen=True)
class Streaming:
    """A git whose output is read as it comes (`stdout`); `finish` waits for it."""

    proc: subprocess.Popen[bytes]
    what: str  # the subcommand, for messages
    errors: IO[bytes]
    timed_out: threading.Event
    timeout: float

    @property
    def stdout(self) -> IO[bytes]:
        assert self.proc.stdout is not None
        return self.proc.stdout

    def finish(self) -> None:
        """Wait for git; GitError if it was stopped at the timeout or failed."""
        code = self.proc.wait()
        if self.timed_out.is_set():
            raise GitError(f"git {self.what} timed out after {self.timeout:g} s")
        if code != 0:
            self.errors.seek(0)
            words = _last_words(self.errors.read(), code)
            raise GitError(f"git {self.what} failed: {words}", words)


@contextmanager
def streaming_git(prefix: list[str], *args: str, env: dict[str, str], timeout: float,
                  stdin: IO[bytes] | int = subprocess.DEVNULL) -> Iterator[Streaming]:
    """`run_git` for output too big to hold: git runs while the caller reads its output, and
    is killed after `timeout` or when the block ends early; its errors go to a file."""
    with tempfile.TemporaryFile() as errors:
        try:
            proc = subprocess.Popen([*prefix, *args], stdin=stdin, stdout=subprocess.PIPE,
                                    stderr=errors, env=env)  # fmt: skip
        except FileNotFoundError as exc:
            raise GitError("git is not installed") from exc
        timed_out = threading.Event()

        def stop() -> None:
            timed_out.set()
            proc.kill()

        timer = threading.Timer(timeout, stop)
        timer.start()
        try:
            yield Streaming(proc, args[0], errors, timed_out, timeout)
        finally:
            timer.cancel()
            if proc.poll() is None:
                proc.kill()  # the caller stopped reading before git finished
            if proc.stdout is not None:
                proc.stdout.close()
            proc.wait()
