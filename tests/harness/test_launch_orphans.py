"""A method child started for trusted scoring (the paired `naive` baseline) dies with the
process that started it: a worker killed outright once left it running, unsandboxed."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

WAIT_S = 60  # for the child to start, and then to go once its caller is killed

NEEDS_SETPRIV = pytest.mark.skipif(shutil.which("setpriv") is None,
                                   reason="util-linux setpriv not installed")

# A runner that says where it runs, then outlives any test.
RUNNER = """import os, sys, time
open(sys.argv[sys.argv.index('--out') + 1] + '/pid', 'w').write(str(os.getpid()))
time.sleep(600)
"""

CALLER = """import sys
from reviewer.harness.launch import run_method_subprocess
run_method_subprocess(sys.argv[1], "slow", sys.argv[2], sys.argv[3], timeout=600)
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


@NEEDS_SETPRIV
def test_a_killed_caller_takes_its_method_child_with_it(tmp_path):
    tree, view, out = tmp_path / "tree", tmp_path / "view", tmp_path / "out"
    (tree / "w2s_kit").mkdir(parents=True)
    (tree / "w2s_kit" / "__init__.py").write_text("")
    (tree / "w2s_kit" / "run.py").write_text(RUNNER)
    (tree / "methods").mkdir()
    (tree / "methods" / "slow.py").write_text("")
    view.mkdir()
    repo = str(Path(__file__).resolve().parents[2])
    caller = subprocess.Popen([sys.executable, "-c", CALLER, str(tree), str(view), str(out)],
                              env={**os.environ, "PYTHONPATH": repo})
    deadline = time.monotonic() + WAIT_S
    while not (out / "pid").exists() and caller.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert (out / "pid").exists(), caller.returncode
    child = int((out / "pid").read_text())
    assert _alive(child)

    caller.send_signal(signal.SIGKILL)
    caller.wait()

    deadline = time.monotonic() + WAIT_S
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    if _alive(child):
        os.kill(child, signal.SIGKILL)
        pytest.fail("the method child outlived the process that started it")
