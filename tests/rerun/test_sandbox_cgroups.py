"""The kernel enforces a run's memory through a control group of its own, where one can be made."""

from __future__ import annotations

import os
import shutil
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from reviewer.rerun import cgroups, sandbox
from reviewer.rerun.sandbox import Limits, SandboxSpec


def _groups_here() -> bool:
    group = cgroups.run_group(256 << 20, 64)
    if group is None:
        return False
    group.remove()
    return True


pytestmark = [
    pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap not installed"),
    pytest.mark.skipif(not _groups_here(), reason="no cgroup hierarchy this process may write"),
]


def _run(tmp_path: Path, code: str, limits: Limits,
         cancel: threading.Event | None = None) -> sandbox.SandboxResult:
    out = tmp_path / "out"
    out.mkdir()
    sandbox.prepare_dirs([], [out])
    script = tmp_path / "probe.py"
    script.write_text(textwrap.dedent(code))
    script.chmod(0o644)
    spec = SandboxSpec(
        argv=[sys.executable, "-I", "/sandbox/probe.py"],
        ro_binds=[*sandbox.python_binds(), (script, "/sandbox/probe.py")],
        rw_binds=[(out, "/sandbox/out")],
        limits=limits,
    )
    return sandbox.run(spec, cancel=cancel)


def _run_groups() -> list[Path]:
    """Every run group of this process that exists now."""
    group = cgroups.run_group(256 << 20, 64)
    assert group is not None
    group.remove()
    return [d for parent in {d.parent for d in group.dirs}
            for d in parent.glob(f"run-{os.getpid()}-*")]


def test_memory_in_a_memfd_is_refused_by_the_kernel_not_found_later(tmp_path):
    # Pages in a memfd are in no process's resident set, so the watch saw 600 MiB held
    # against a 256 MiB limit only when the whole machine ran short.
    result = _run(tmp_path, """
        import os, time
        fd = os.memfd_create("hidden")
        for _ in range(600):
            os.write(fd, b"x" * (1 << 20))
        print("held", flush=True)
        time.sleep(60)
    """, Limits(wall_s=60, memory_bytes=256 << 20))
    assert "held" not in result.stdout, result
    assert result.stopped == "its processes held more than 256 MiB of memory", result
    assert not result.timed_out


def test_an_honest_run_fits_and_leaves_no_group_behind(tmp_path):
    result = _run(tmp_path, """
        block = bytearray(32 << 20)
        print("ok")
    """, Limits(wall_s=60, memory_bytes=256 << 20))
    assert result.returncode == 0 and result.stdout.strip() == "ok", result
    assert result.stopped is None
    assert _run_groups() == []


def test_every_process_of_the_run_is_in_its_group(tmp_path):
    # The run joins between fork and exec, so nothing it starts is born outside.
    out = tmp_path / "out"
    stop = threading.Event()
    results: list[sandbox.SandboxResult] = []
    code = """
        import os, time
        if os.fork() == 0:
            time.sleep(60)
        open("/sandbox/out/ready", "w").close()
        time.sleep(60)
    """
    thread = threading.Thread(target=lambda: results.append(
        _run(tmp_path, code, Limits(wall_s=60), cancel=stop)))
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not (out / "ready").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        groups = _run_groups()
        inside = {int(pid) for d in groups for pid in (d / "cgroup.procs").read_text().split()}
        probes = {pid for pid in inside
                  if _cmdline(pid).split(b"\0")[:3] == [sys.executable.encode(), b"-I",
                                                          b"/sandbox/probe.py"]}
    finally:
        stop.set()
        thread.join()
    assert len(probes) == 2, (groups, inside)  # the method and the child it forked
    assert _run_groups() == []


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def test_a_group_whose_run_died_is_swept(tmp_path):
    group = cgroups.run_group(256 << 20, 64)
    assert group is not None
    group.remove()
    # A pid above pid_max names no process: the run that made it is gone.
    stale = [d.parent / "run-99999999-0" for d in group.dirs]
    for directory in stale:
        directory.mkdir()
    try:
        cgroups.sweep()
        assert not any(d.exists() for d in stale)
    finally:
        for directory in stale:
            if directory.exists():
                directory.rmdir()
