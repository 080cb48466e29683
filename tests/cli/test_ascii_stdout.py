"""A terminal or pipe that takes only ASCII gets ASCII for our typography, `?` for other marks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from store import ReviewStore
from tests.factories import make_proposal


def test_list_show_and_search_on_an_ascii_stdout_print_without_a_traceback(tmp_path: Path):
    db = tmp_path / "r.db"
    store = ReviewStore.open(db)
    pid = store.add_proposal(make_proposal(1, title="Logconf \u2014 warm-up \u00b1 0.02 \u2713"),
                             actor="seed")
    store.close()
    env = {**os.environ, "PYTHONIOENCODING": "ascii", "COLUMNS": "120"}
    for args in (["list"], ["show", pid[:8]], ["search", "logconf"]):
        out = subprocess.run([sys.executable, "-P", "-m", "reviewer", "--db", str(db), *args],
                             capture_output=True, env=env)
        assert out.returncode == 0, out.stderr.decode()
        assert b"Traceback" not in out.stderr and b"Logconf" in out.stdout
        out.stdout.decode("ascii")  # nothing but ASCII reached the pipe
        # The dash and the plus-minus read as ASCII, not as `?`, which says nothing.
        assert b"Logconf - warm-up +/- 0.02" in out.stdout
