"""`rerun --wait` exits 1 when a rerun ends without a measurement, so a script can tell."""

from __future__ import annotations

import json

import pytest

from reviewer.commands.rerun import finished_with_result, rerun_summary
from tests.cli.test_cli import native, run  # noqa: F401  (fixture)
from tests.factories import new_file_diff


def test_a_refused_rerun_exits_1(run, tmp_path):  # noqa: F811
    path = tmp_path / "p.json"
    # No `base`: the rerun is refused before any of its code runs.
    path.write_text(json.dumps(native(1, diff=new_file_diff("methods/variant_1.py", "x = 1\n"))))
    pid = json.loads(run("ingest", "--json", str(path)).output)["added"][0]
    out = run("rerun", pid, "--wait", "--unsafe-no-sandbox", "--seed-list", "1", "--json")
    assert out.exit_code == 1
    assert json.loads(out.stdout)["verdict"] == "refused"


@pytest.mark.parametrize(
    ("state", "verdict", "measured"),
    [
        ("done", "reproduced", True),
        ("done", "not_reproduced", True),  # a measurement was made; it just disagrees
        ("done", None, True),  # measured, with no claim to judge
        ("done", "failed", False),
        ("done", "refused", False),
        ("failed", None, False),
        ("cancelled", None, False),
    ],
)
def test_which_endings_count_as_a_measurement(state, verdict, measured):
    assert finished_with_result({"state": state, "verdict": verdict}) is measured


def test_a_failed_job_says_why():
    item = {"id": 7, "state": "failed", "error": "device 'tpu' is not one of auto, cpu\x1b[2J"}
    assert rerun_summary(item) == "job 7: failed: device 'tpu' is not one of auto, cpu"
