"""`--device` and seed lists are checked when given: a usage error naming the option, never
a queued job that fails in the worker, nor a bare `int()` message."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner

from reviewer.harness.cli import harness
from store import ReviewStore
from tests.cli.test_cli import native, run  # noqa: F401  (fixture)
from tests.factories import new_file_diff

NO_CUDA = pytest.mark.skipif(torch.cuda.is_available(), reason="this torch has CUDA")


def _coded(run, tmp_path: Path) -> str:  # noqa: F811
    path = tmp_path / "p.json"
    path.write_text(json.dumps(native(1, diff=new_file_diff("methods/variant_1.py", "x = 1\n"))))
    return json.loads(run("ingest", "--json", str(path)).output)["added"][0]


def _jobs(db: Path) -> int:
    store = ReviewStore.open(db)
    try:
        return store.conn.execute("SELECT count(*) FROM jobs").fetchone()[0]
    finally:
        store.close()


@pytest.mark.parametrize("device", ["tpu", "cuda:x", "CPU", "cuda:"])
def test_a_device_the_harness_does_not_take_is_a_usage_error(run, tmp_path, device):  # noqa: F811
    pid = _coded(run, tmp_path)
    out = run("rerun", pid, "--device", device, "--unsafe-no-sandbox")
    assert out.exit_code == 2, out.output
    assert f"Invalid value for '--device': {device!r} is not one of auto, cpu, cuda or cuda:N" \
        in out.output
    assert "Traceback" not in out.output and _jobs(run.db) == 0


@NO_CUDA
@pytest.mark.parametrize("device", ["cuda", "cuda:1"])
def test_cuda_without_cuda_is_refused_before_queueing(run, tmp_path, device):  # noqa: F811
    pid = _coded(run, tmp_path)
    out = run("rerun", pid, "--device", device, "--unsafe-no-sandbox", "--wait")
    assert out.exit_code == 1, out.output
    assert out.output.strip() == (f"Error: --device {device!r}: torch here has no CUDA device; "
                                  "use cpu or auto")
    assert _jobs(run.db) == 0


def test_cpu_and_auto_still_queue(run, tmp_path):  # noqa: F811
    pid = _coded(run, tmp_path)
    for device in ("cpu", "auto"):
        out = run("rerun", pid, "--device", device, "--unsafe-no-sandbox")
        assert out.exit_code == 0 and "queued on seeds" in out.output, out.output
    assert _jobs(run.db) == 2


def test_a_seed_list_item_that_is_not_a_number_is_named_with_its_option(run, tmp_path):  # noqa: F811
    pid = _coded(run, tmp_path)
    out = run("rerun", pid, "--seed-list", "11,x2", "--unsafe-no-sandbox")
    assert out.exit_code == 2
    assert "Invalid value for '--seed-list': 'x2' is not an integer" in out.output, out.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--seeds", "1,x"], "Invalid value for '--seeds': 'x' is not an integer or a range"),
        (["--seeds", "1-y"], "Invalid value for '--seeds': '1-y' is not an integer or a range"),
        (["--device", "tpu"], "Invalid value for '--device': 'tpu' is not one of auto, cpu"),
        pytest.param(["--device", "cuda"],
                     "Invalid value for '--device': 'cuda': torch here has no CUDA device",
                     marks=NO_CUDA),
    ],
)
def test_harness_run_names_the_option_at_fault(args, message):
    out = CliRunner().invoke(harness, ["run", "--method", "naive", *args])
    assert out.exit_code == 2 and message in out.output, out.output
