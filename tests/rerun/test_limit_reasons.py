"""A method stopped by a sandbox limit says which one in its rerun's reason, and its stderr's
last lines stay in the log: the file-size limit (SIGXFSZ, or EFBIG where the signal is
ignored, as Python does) and the private /tmp filling up (ENOSPC)."""

from __future__ import annotations

import shutil
import sys
import textwrap
from pathlib import Path

import pytest

from reviewer.rerun import sandbox, sandboxed
from reviewer.rerun.request import RerunRequest
from reviewer.rerun.sandbox import Limits, SandboxSpec

pytestmark = pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap not installed")

# The method lowers its own file-size limit to 1 MiB, then writes 2 MiB into its out folder.
WRITE_PAST_THE_LIMIT = """
import resource, signal, sys
{signal_line}
resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
out = sys.argv[sys.argv.index("--out") + 1]
print("writing the blob", file=sys.stderr, flush=True)
with open(out + "/blob.bin", "wb") as fh:
    fh.write(b"x" * (2 << 20))
"""


def _run(tmp_path: Path, runner: str) -> sandboxed.MethodRun:
    tree, view = tmp_path / "tree", tmp_path / "view"
    (tree / "w2s_kit").mkdir(parents=True)
    (tree / "w2s_kit" / "__init__.py").write_text("")
    (tree / "w2s_kit" / "run.py").write_text(textwrap.dedent(runner))
    view.mkdir()
    req = RerunRequest("p" * 64, "m", None, None, None, None, None, None, [1], "clusters", 1,
                       timeout_s=60)
    return sandboxed.run_scored(req, tree, view, tmp_path / "out", "clusters", "cpu")


def test_a_write_past_the_file_size_limit_names_it(tmp_path):
    run = _run(tmp_path, WRITE_PAST_THE_LIMIT.format(signal_line=""))
    assert run.reason == (
        "the method exited with status 1; its stderr ends with EFBIG (File too large): a file "
        "most likely reached the sandbox's 1 GiB file-size limit")
    assert "writing the blob" in run.log and "File too large" in run.log


def test_a_method_killed_by_sigxfsz_names_the_file_size_limit(tmp_path):
    run = _run(tmp_path, WRITE_PAST_THE_LIMIT.format(
        signal_line="signal.signal(signal.SIGXFSZ, signal.SIG_DFL)"))
    assert run.reason == ("the method was killed by SIGXFSZ: a file reached the sandbox's "
                          "1 GiB file-size limit")
    assert "writing the blob" in run.log


def test_a_full_private_tmp_is_named(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    script = tmp_path / "fill.py"
    script.write_text('open("/tmp/blob.bin", "wb").write(b"x" * (2 << 20))\n')
    script.chmod(0o644)
    limits = Limits(wall_s=60, tmp_bytes=1 << 20)
    ran = sandbox.run(SandboxSpec(
        argv=[sys.executable, "-I", "/sandbox/fill.py"],
        ro_binds=[*sandbox.python_binds(), (script, "/sandbox/fill.py")],
        rw_binds=[(out, "/sandbox/out")], limits=limits))
    assert ran.returncode == 1 and "No space left on device" in ran.stderr
    assert sandboxed.exit_reason(ran.returncode, ran.stderr, limits) == (
        "the method exited with status 1; its stderr ends with ENOSPC (No space left on "
        "device): most likely its 1 MiB private /tmp filled (or the disk under its out folder)")


def test_other_failures_keep_the_plain_reason():
    limits = Limits()
    assert sandboxed.exit_reason(1, "ValueError: bad shape\n", limits) == (
        "the method exited with status 1")
    # A message far above the end of stderr is not what ended the run.
    early = "OSError: [Errno 28] No space left on device\n" + "step\n" * 10
    assert sandboxed.exit_reason(2, early, limits) == "the method exited with status 2"
