"""Each sandboxed run's output folder is removed as soon as the run is scored."""

from __future__ import annotations

import shutil

import pytest

from reviewer.rerun import sandboxed
from reviewer.rerun.request import RerunRequest

pytestmark = pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap not installed")


def test_the_output_folder_is_gone_once_the_run_is_scored(tmp_path):
    # Left until the whole rerun ended, a main run's gigabytes shrank the ablation's
    # free-space floor to nothing, and the disk stayed full through it.
    tree, view = tmp_path / "tree", tmp_path / "view"
    tree.mkdir()
    view.mkdir()
    req = RerunRequest("p" * 64, "m", None, None, None, None, None, None, [1], "clusters", 1,
                       timeout_s=30)
    run = sandboxed.run_scored(req, tree, view, tmp_path / "out", "clusters", "cpu")
    assert not run.ok and run.reason is not None and "exited with status" in run.reason
    assert not (tmp_path / "out").exists()
