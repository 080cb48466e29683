"""A `reviewer worker` child process that lives exactly as long as the TUI session beside it.

`reviewer demo` uses it so a new user sees a rerun finish without opening a second terminal.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

STOP_TIMEOUT_S = 10.0


def reviewer_argv(*args: str) -> list[str]:
    """The command line of this reviewer, run by this very Python, with `args`.

    `-P`: `-m` would put the working folder first on the path, so a `reviewer/` or `store/`
    folder there (an agent's checkout, say) would run in place of the installed package.
    """
    return [sys.executable, "-P", "-m", "reviewer", *args]


def worker_argv(db: Path) -> list[str]:
    """The command line of a worker on `db`, run by this very Python."""
    return reviewer_argv("--db", str(db), "worker")


def stop_worker(proc: subprocess.Popen[bytes], timeout_s: float = STOP_TIMEOUT_S) -> None:
    """terminate, wait, then kill: a worker stuck in a rerun must not outlive the session.

    Its sandboxed run dies with it (bubblewrap runs with --die-with-parent).
    """
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextmanager
def worker_process(
    db: Path, log_file: Path, *, stop_timeout_s: float = STOP_TIMEOUT_S
) -> Iterator[subprocess.Popen[bytes]]:
    """Run `reviewer --db DB worker` for the duration of the block, its output in `log_file`.

    The child never touches the terminal: stdin is /dev/null and its output goes to the log,
    so it cannot draw over the TUI.
    """
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with open(log_file, "ab") as log:
        proc = subprocess.Popen(
            worker_argv(db),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        yield proc
    finally:
        stop_worker(proc, stop_timeout_s)
