"""A byte from the terminal that is not UTF-8 (é typed in a Latin-1 terminal) ended Textual's
input thread with UnicodeDecodeError: the screen was torn down and no key acted after it.
The real app, in a real pseudo-terminal."""

from __future__ import annotations

import os
import pty
import select
import signal
import sys
import time
from pathlib import Path

from store import ReviewStore


def _read_until(fd: int, out: bytearray, done, seconds: float) -> bool:
    """Read the terminal into `out` until `done(out)` or the time is up."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if done(out):
            return True
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                data = os.read(fd, 65536)
            except OSError:
                return done(out)
            if not data:
                return done(out)
            out.extend(data)
    return done(out)


def test_a_byte_that_is_not_utf8_is_read_and_keys_still_act(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    ReviewStore.open(db).close()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "80", "LINES": "24"}
    pid, fd = pty.fork()
    if pid == 0:  # the child: the real app on the pty
        os.execve(sys.executable, [sys.executable, "-P", "-m", "reviewer", "--db", str(db)], env)
    out = bytearray()
    exited: int | None = None
    try:
        assert _read_until(fd, out, lambda o: b"no proposals" in o, 60), bytes(out[-500:])
        os.write(fd, b"\xe9")
        _read_until(fd, out, lambda o: False, 1.0)
        os.write(fd, b"q")
        end = time.monotonic() + 30
        while exited is None and time.monotonic() < end:
            _read_until(fd, out, lambda o: False, 0.2)
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                exited = os.waitstatus_to_exitcode(status)
        assert b"UnicodeDecodeError" not in out
        assert exited == 0, "q did not quit after the byte"
    finally:
        if exited is None:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        os.close(fd)
