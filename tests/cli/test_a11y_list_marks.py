"""`reviewer list` on an output that cannot encode ✓ and ✗ still tells reproduced from not
reproduced: both used to print as `?`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from store import ReviewStore
from tests.report.helpers import populated


def run_list(db: Path, encoding: str) -> str:
    env = {**os.environ, "PYTHONIOENCODING": encoding, "COLUMNS": "160"}
    out = subprocess.run([sys.executable, "-P", "-m", "reviewer", "--db", str(db), "list"],
                         capture_output=True, env=env)  # fmt: skip
    assert out.returncode == 0, out.stderr.decode()
    return out.stdout.decode(encoding)


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
def test_list_marks_verdicts_that_differ_on_a_narrow_encoding(tmp_path: Path, encoding: str):
    db = tmp_path / "r.db"
    store = ReviewStore.open(db)
    ids = populated(store)  # "good" reproduced and "inflated" not, both measured at 0.600
    store.close()
    text = run_list(db, encoding)
    # Rich draws the table in ASCII here: `|id|status|...|meas.|flags|`.
    lines = [line for line in text.splitlines() if line.startswith("|") and "|-" not in line]
    cells = [[c.strip() for c in line.strip("|").split("|")] for line in lines]
    column = cells[0].index("meas.")
    measured = {row[0]: row[column] for row in cells[1:]}
    yes = measured[ids["good"][:12]].removeprefix("0.600")
    no = measured[ids["inflated"][:12]].removeprefix("0.600")
    assert len(yes) == len(no) == 1 and yes != no and "?" not in (yes, no)
    # The header's legend names the marks the rows use.
    assert f"(measured: {yes} reproduced, {no} not reproduced)" in text


def test_a_utf8_output_keeps_the_check_and_the_cross():
    from reviewer.commands.proposals import ASCII_MARKS, VERDICT_MARKS, verdict_marks

    assert verdict_marks("utf-8") == VERDICT_MARKS
    assert verdict_marks("ascii") == ASCII_MARKS
    assert verdict_marks("no-such-codec") == ASCII_MARKS
