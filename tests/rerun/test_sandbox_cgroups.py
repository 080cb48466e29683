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


def _parents() -> list[Path]:
    group = cgroups.run_group(256 << 20, 64)
    assert group is not None
    group.remove()
    return [d.parent for d in group.dirs]


def _groups_named(name: str) -> list[Path]:
    return [parent / name for parent in _parents() if (parent / name).exists()]


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
    assert result.cgroup is not None and result.cgroup.startswith("run-")
    assert _groups_named(result.cgroup) == []


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
        where: dict[int, set[str]] = {}  # each probe process, and the groups it is in
        for parent in _parents():
            for group in parent.glob("run-*"):
                for pid in map(int, (group / "cgroup.procs").read_text().split()):
                    if _cmdline(pid).split(b"\0")[:3] == [sys.executable.encode(), b"-I",
                                                           b"/sandbox/probe.py"]:
                        where.setdefault(pid, set()).add(f"{parent.name}/{group.name}")
    finally:
        stop.set()
        thread.join()
    (result,) = results
    expected = {f"{parent.name}/{result.cgroup}" for parent in _parents()}
    # Other tests' runs (in parallel workers) run a probe.py of their own in their own groups.
    ours = {pid: groups for pid, groups in where.items() if groups & expected}
    assert len(ours) == 2, where  # the method and the child it forked
    assert all(groups == expected for groups in ours.values()), (where, expected)
    assert _groups_named(result.cgroup) == []


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def test_only_an_empty_group_left_long_ago_is_swept():
    # Sweeping by the owner's pid removed a starting run's group from another PID namespace,
    # where that pid means nothing, and the run failed.
    stale = [parent / "run-stale-test" for parent in _parents()]
    fresh = [parent / "run-fresh-test" for parent in _parents()]
    try:
        for directory in stale + fresh:
            directory.mkdir()
        for directory in stale:
            os.utime(directory, (1, 1))
        cgroups.sweep()
        assert not any(d.exists() for d in stale)
        assert all(d.exists() for d in fresh)  # being set up, or just emptied: left alone
    finally:
        for directory in stale + fresh:
            if directory.exists():
                directory.rmdir()


def test_two_groups_never_share_a_name():
    # Named by the pid, two reviewers in two PID namespaces (both pid 1) collided, and the
    # second run silently got no limits at all.
    groups = [cgroups.run_group(256 << 20, 64) for _ in range(2)]
    try:
        assert all(g is not None for g in groups)
        assert groups[0].dirs[0].name != groups[1].dirs[0].name
    finally:
        for group in groups:
            if group is not None:
                group.remove()
