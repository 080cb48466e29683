"""A control group per sandboxed run, so the kernel enforces its memory and process limits.

The sandbox's watch looks every half second at most; between two looks a method can take
gigabytes, and memory in memfds, shared segments or its /tmp is in no process's resident
set. In a group of its own, the kernel charges all of it to the run, refuses its forks past
`pids.max`, and at the memory limit kills inside the group, never the reviewer's processes.

Groups need cgroup v1's `memory` and `pids` hierarchies and root, and are made under this
process's own groups. Under cgroup v2 a process may not enable controllers for children of
the group it sits in, so there (and as another user) `run_group` gives None and the watch
alone stands; a v2 host would need the worker started in a delegated group.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

_PREFIX = "run-"


@dataclass(frozen=True)
class RunGroup:
    """One run's groups, one per v1 controller hierarchy."""

    dirs: tuple[Path, ...]

    def join(self) -> None:
        """Move the calling process in; called in the child between fork and exec, so each
        process the run starts is born inside."""
        pid = str(os.getpid()).encode()
        for directory in self.dirs:
            fd = os.open(directory / "cgroup.procs", os.O_WRONLY)
            try:
                os.write(fd, pid)
            finally:
                os.close(fd)

    def pids(self) -> list[int]:
        """Every process still in the run's groups."""
        found: set[int] = set()
        for directory in self.dirs:
            with contextlib.suppress(OSError):
                found.update(int(x) for x in (directory / "cgroup.procs").read_text().split())
        return sorted(found)

    def oom_killed(self) -> bool:
        """Whether the kernel killed a process of the run for going past its memory."""
        for directory in self.dirs:
            try:
                text = (directory / "memory.oom_control").read_text()
            except OSError:
                continue
            for line in text.splitlines():
                key, _, value = line.partition(" ")
                if key == "oom_kill" and value.strip().isdigit() and int(value) > 0:
                    return True
        return False

    def kill_all(self, wait_s: float = 5.0) -> None:
        """Kill every process left in the groups, even one that left the session or was
        reparented; waits for them to go, so the groups can be removed."""
        deadline = time.monotonic() + wait_s
        while True:
            left = self.pids()
            if not left or time.monotonic() > deadline:
                return
            for pid in left:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.01)

    def remove(self) -> None:
        """Remove the empty groups; one still busy is left for `sweep` to take later."""
        for directory in self.dirs:
            with contextlib.suppress(OSError):
                directory.rmdir()


def _mounts() -> list[tuple[str, str, str, set[str]]]:
    """(mount point, root inside the hierarchy, fs type, options) of each cgroup mount."""
    found = []
    with contextlib.suppress(OSError), open("/proc/self/mountinfo") as fh:
        for line in fh:
            left, _, right = line.partition(" - ")
            fields, tail = left.split(), right.split()
            if len(fields) >= 5 and len(tail) >= 3 and tail[0] == "cgroup":
                mount_point = fields[4].replace("\\040", " ")
                found.append((mount_point, fields[3], tail[0], set(tail[2].split(","))))
    return found


def _own_groups() -> dict[str, str]:
    """This process's group path by v1 controller name."""
    groups: dict[str, str] = {}
    with contextlib.suppress(OSError), open("/proc/self/cgroup") as fh:
        for line in fh:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            for name in controllers.split(",") if controllers else [""]:
                groups[name] = path
    return groups


def _inside(mount_point: str, mount_root: str, path: str) -> Path | None:
    """The folder of group `path` under a mount of the hierarchy's `mount_root`."""
    root = mount_root.rstrip("/")
    if path != root and not path.startswith(root + "/"):
        return None  # this process's group is outside what the mount shows
    return Path(mount_point, path[len(root):].lstrip("/"))


def _v1_parents() -> tuple[Path, Path] | None:
    own = _own_groups()
    parents: dict[str, Path] = {}
    for mount_point, mount_root, fstype, options in _mounts():
        for name in ("memory", "pids"):
            if fstype == "cgroup" and name in options and name in own and name not in parents:
                where = _inside(mount_point, mount_root, own[name])
                if where is not None and os.access(where, os.W_OK):
                    parents[name] = where
    if len(parents) < 2:
        return None
    return parents["memory"], parents["pids"]


class GroupError(OSError):
    """This machine has the hierarchies, yet the run's group could not be made: the run is
    refused rather than started without the limits it was promised."""


def run_group(memory_bytes: int, max_pids: int) -> RunGroup | None:
    """A new group limited to `memory_bytes` and `max_pids` tasks, or None where this
    process cannot make one; GroupError where it should be able to and failed."""
    if os.geteuid() != 0:
        return None  # unprivileged groups need a delegation this tool does not set up
    v1 = _v1_parents()
    if v1 is None:
        return None
    sweep(v1)
    # A random name: a pid is not unique across PID namespaces sharing the hierarchy.
    name = f"{_PREFIX}{secrets.token_hex(8)}"
    # No swapping past the memory limit either, where the kernel accounts swap.
    memory = {"memory.limit_in_bytes": memory_bytes, "memory.memsw.limit_in_bytes?": memory_bytes}
    return _made({v1[0] / name: memory, v1[1] / name: {"pids.max": max_pids}})


def _made(settings: dict[Path, dict[str, int]]) -> RunGroup:
    """Make each folder and write its limits ("?" marks a file some kernels lack)."""
    made: list[Path] = []
    try:
        for directory, values in settings.items():
            directory.mkdir()
            made.append(directory)
            for key, value in values.items():
                path = directory / key.rstrip("?")
                if path.exists() or not key.endswith("?"):
                    path.write_text(str(value))
    except OSError as exc:
        RunGroup(tuple(made)).remove()  # only what this call made
        raise GroupError(exc.errno, f"cannot make the run's control group: {exc}") from exc
    return RunGroup(tuple(settings))


STALE_S = 600.0  # an empty group this old is left from a run that died; one being set up is new


def sweep(parents: tuple[Path, ...] | None = None) -> None:
    """Remove empty groups older than STALE_S: left by runs killed before they could clean
    up. Age, not the owner's pid, decides: a pid means nothing in another PID namespace
    sharing the hierarchy, and a group is empty while its run is still being set up."""
    if parents is None:
        parents = _v1_parents() if os.geteuid() == 0 else None
    now = time.time()
    for parent in parents or ():
        with contextlib.suppress(OSError):
            for child in parent.glob(f"{_PREFIX}*"):
                with contextlib.suppress(OSError):
                    if now - child.stat().st_mtime > STALE_S:
                        child.rmdir()  # refused (EBUSY) while any process is in it


@contextlib.contextmanager
def limited(memory_bytes: int, max_pids: int) -> Iterator[RunGroup | None]:
    """`run_group` for the length of a run; whatever is left in it is killed at the end."""
    group = run_group(memory_bytes, max_pids)
    try:
        yield group
    finally:
        if group is not None:
            group.kill_all()
            group.remove()
