"""Start a method in its own process; a sandbox can wrap the very same argv later.

The process gets a clean environment and needs only the harness tree (as its working
directory), the view folder (read-only) and the output folder.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

IDEA = re.compile(r"^[a-z_][a-z0-9_]{0,63}$")
PREDICTIONS = "predictions.npy"
_PASS_THROUGH = ("CUDA_VISIBLE_DEVICES", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def method_argv(idea: str, view_dir: str | Path, out_dir: str | Path, device: str,
                python: str | None = None) -> list[str]:
    """The runner's command line; run it with the tree as the working directory."""
    if not IDEA.fullmatch(idea):
        raise ValueError(f"bad idea name {idea!r}: use lowercase letters, digits and _")
    return [python or sys.executable, "-s", "-m", "w2s_kit.run", "--view", str(view_dir),
            "--out", str(out_dir), "--idea", idea, "--device", device]


def method_env(home: str | Path) -> dict[str, str]:
    """A clean environment: no API keys, and a reviewer home with no salt in it."""
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": str(home),
           "REVIEWER_HOME": str(home), "PYTHONDONTWRITEBYTECODE": "1", "PYTHONNOUSERSITE": "1"}
    env.update({k: os.environ[k] for k in _PASS_THROUGH if k in os.environ})
    return env



def _dying_with_caller(argv: list[str]) -> list[str]:
    """`argv` started through `setpriv --pdeathsig KILL` where util-linux has it: a worker
    killed outright (SIGKILL, the OOM killer) left this child scoring on, unsandboxed, for
    as long as its run took. A pre-exec hook could do it too, but not safely beside the
    worker's heartbeat thread."""
    setpriv = shutil.which("setpriv")
    return [setpriv, "--pdeathsig", "KILL", *argv] if setpriv else argv


def method_file(idea: str) -> str:
    """The file of the tree the harness runs for `idea`, as a relative path."""
    return f"methods/{idea}.py"

def run_method_subprocess(
    tree_dir: str | Path, idea: str, view_dir: str | Path, out_dir: str | Path,
    device: str = "cpu", timeout: float = 3600.0,
) -> subprocess.CompletedProcess[str]:
    """Run `methods/<idea>.py` of `tree_dir` on a view folder in a child process.

    Output (stdout, stderr) is captured; a timeout kills the child and raises
    `subprocess.TimeoutExpired`.
    """
    tree = Path(tree_dir).resolve()
    if not (tree / method_file(idea)).is_file():
        raise FileNotFoundError(f"{tree}: no {method_file(idea)}")
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    argv = _dying_with_caller(
        method_argv(idea, Path(view_dir).resolve(), Path(out_dir).resolve(), device))
    home = tempfile.mkdtemp(prefix="w2s-home-")
    try:
        return subprocess.run(argv, cwd=tree, env=method_env(home), capture_output=True,
                              text=True, errors="replace", timeout=timeout, check=False,
                              start_new_session=True)  # the method's bytes need not be UTF-8
    finally:
        shutil.rmtree(home, ignore_errors=True)
