"""Start a sandbox's process under its rlimits and cgroup, watch it, and kill all of it."""

from __future__ import annotations

import glob
import os
import resource
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from reviewer.rerun import cgroups, treememory
from reviewer.rerun.sandboxspec import (
    Limits,
    SandboxResult,
    SandboxSpec,
    SandboxUnavailable,
    _most_memory,
)
from reviewer.rerun.sandboxwatch import _out_of_memory, _Watch
from reviewer.textsafe import clean


def _user_processes(uid: int) -> int:
    count = 0
    for status in glob.glob("/proc/[0-9]*/status"):
        try:
            with open(status) as fh:
                for line in fh:
                    if line.startswith("Uid:"):
                        count += int(line.split()[1]) == uid
                        break
        except OSError:
            continue
    return count


def _limiter(limits: Limits, nproc: int, group: cgroups.RunGroup | None = None) -> None:
    """Set rlimits in the child before exec; soft < hard CPU gives SIGXCPU before SIGKILL.
    In `group`, every process the run starts is charged to its cgroup limits."""
    if group is not None:
        group.join()
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_s, limits.cpu_s + 5))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_size, limits.file_size))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
    if limits.address_space is not None:
        resource.setrlimit(resource.RLIMIT_AS, (limits.address_space, limits.address_space))


def _tail(path: Path, cap: int) -> str:
    with open(path, "rb") as fh:
        fh.seek(0, os.SEEK_END)
        size = fh.tell()
        fh.seek(max(0, size - cap))
        data = fh.read(cap)
    text = data.decode("utf-8", "replace")
    return ("…" if size > cap else "") + clean(text)


def _run(
    spec: SandboxSpec,
    argv: list[str],
    dropped_to: int | None,
    cancel: threading.Event | None,
    unsafe_no_sandbox: bool,
    on_output: Callable[[str], None] | None,
    pass_fds: tuple[int, ...],
) -> SandboxResult:
    """Start `argv` under the limits and watch it; `dropped_to` is the uid setpriv drops
    root to, whose count of processes is the run's alone."""
    limits = spec.limits
    nproc = limits.nproc + (0 if dropped_to is not None else _user_processes(os.getuid()))
    memory = limits.memory_bytes if limits.memory_bytes is not None else _most_memory()
    with (cgroups.limited(memory, limits.nproc) as group,
          tempfile.TemporaryDirectory(prefix="reviewer-sbx-log-") as logs):
        out_path, err_path = Path(logs, "stdout"), Path(logs, "stderr")
        start = time.monotonic()
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            # Made before the run starts, so the free space it keeps is measured untouched.
            watch = _Watch(limits, [host for host, _ in spec.rw_binds], [out, err])
            try:
                proc = subprocess.Popen(
                    argv,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=err,
                    start_new_session=True,
                    preexec_fn=lambda: _limiter(limits, nproc, group),
                    cwd=spec.cwd if unsafe_no_sandbox else None,
                    pass_fds=pass_fds,
                )
            except subprocess.SubprocessError as exc:
                # An exception in the child before exec: nothing of the run ran.
                raise SandboxUnavailable(
                    "the run could not be started under its limits (setting its rlimits or "
                    f"joining its control group failed before exec): {exc}") from exc
            timed_out = False
            stopped: str | None = None
            try:
                last_report = start
                while proc.poll() is None:
                    now = time.monotonic()
                    if now - start > limits.wall_s:
                        timed_out = True
                        break
                    if cancel is not None and cancel.is_set():
                        break
                    stopped = watch.check(now, proc.pid) or _out_of_memory(group, memory)
                    if stopped is not None:
                        break
                    if on_output is not None and now - last_report >= 1.0:
                        # The live tail lets a reviewer watch a long rerun from the TUI.
                        # On lines of their own: stderr's last partial line joined stdout's first.
                        parts = (_tail(err_path, 2000), _tail(out_path, 2000))
                        on_output("\n".join(part for part in parts if part))
                        last_report = now
                    time.sleep(0.05)
            finally:
                # Once reaped, its pid may name another process: look only while it runs.
                inside = treememory.descendants(proc.pid)[1:] if proc.poll() is None else []
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait()
                treememory.kill_all(inside)
                if group is not None:
                    group.kill_all()
            if stopped is None and not timed_out:
                stopped = _out_of_memory(group, memory) or watch.disk()
        wall = time.monotonic() - start
        return SandboxResult(
            returncode=proc.returncode,
            timed_out=timed_out,
            wall_s=wall,
            stdout=_tail(out_path, limits.output_cap),
            stderr=_tail(err_path, limits.output_cap),
            argv=argv,
            stopped=stopped,
            cgroup=None if group is None else group.dirs[0].name,
        )
