"""`reviewer audit verify --json` in a child process the TUI can stop.

A child rather than a thread: verify is pure-Python hashing that holds the GIL (100k events
take 12 s, during which a thread made each key press take ~0.8 s instead of ~0.17 s), and
the CLI's verdict, signed checkpoints included, is the one shown. On a big store it runs for
half a minute and 400 MB, so one nobody waits for any more is stopped, never left running.
"""

from __future__ import annotations

import atexit
import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from reviewer.worker_process import reviewer_argv

POLL_S = 0.2
# Children still running when the TUI's process exits: its worker threads die with it.
_running: set[subprocess.Popen[str]] = set()


def verify_file(db: Path, cancelled: Callable[[], bool] = lambda: False
                ) -> dict[str, Any] | None:
    """The verify report of the store at `db`; None, with the child stopped, once
    `cancelled()` turns true (the screen left, or verify asked for again)."""
    argv = reviewer_argv("--db", str(db), "audit", "verify", "--json")
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    _running.add(proc)
    try:
        while True:
            try:
                out, err = proc.communicate(timeout=POLL_S)
                break
            except subprocess.TimeoutExpired:
                if cancelled():
                    _stop(proc)
                    return None
    finally:
        _running.discard(proc)
    try:
        report = json.loads(out)
    except ValueError:
        report = None
    if not isinstance(report, dict):
        lines = err.strip().splitlines() or [f"audit verify exited with {proc.returncode}"]
        return {"ok": False, "problems": [lines[-1]], "first_bad_seq": None}
    return report


def _stop(proc: subprocess.Popen[str]) -> None:
    proc.kill()
    proc.communicate()


@atexit.register
def _stop_all() -> None:
    for proc in list(_running):
        _stop(proc)
