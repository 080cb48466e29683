"""When a sandboxed run must stop early: memory it or the machine holds, disk it writes."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import BinaryIO

from reviewer.rerun import cgroups, treememory
from reviewer.rerun.hostiletree import disk_usage
from reviewer.rerun.sandboxspec import Limits, _most_memory

WATCH_MAX_GAP_S = 0.5
HIDDEN_MEMORY_BYTES = 64 * 1024**2  # in memfds, enough to count as what took the memory


class _Watch:
    """Stops a run that writes or holds past its limits; looks at most every tenth of the time."""

    def __init__(self, limits: Limits, roots: list[Path], logs: list[BinaryIO]) -> None:
        self.limits, self.roots, self.logs = limits, roots, logs
        self.memory = limits.memory_bytes if limits.memory_bytes is not None else _most_memory()
        self.next_at = 0.0
        # A file the method unlinks but keeps open is in no walk, yet fills the disk; so the
        # free space may not fall under `keep_free_bytes`, once the run had its disk_bytes.
        where: list[Path | int] = [*roots, *(f.fileno() for f in logs)]
        self.floors = {w: max(0, min(limits.keep_free_bytes, _free(w) - limits.disk_bytes))
                       for w in where}
        keep = limits.keep_free_memory
        if keep is None:
            keep = min(2 * 1024**3, os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 16)
        # Lowered when the machine starts short, so a run there still gets 256 MiB.
        self.memory_floor = max(0, min(keep, _available_memory() - 256 * 1024**2))

    def check(self, now: float, pid: int) -> str | None:
        """Why the run started as `pid` must stop, or None; a walk costs one stat per entry
        and one read per process on the machine."""
        if now < self.next_at:
            return None
        pids = treememory.descendants(pid)  # one walk of /proc for both memory checks
        if treememory.tree_bytes(pids) > self.memory:
            return f"its processes held more than {self.memory / 1024**2:g} MiB of memory"
        available = _available_memory()
        if available < self.memory_floor and self._short_of_memory_by_us(pids, available):
            return (f"the machine's available memory fell under "
                    f"{self.memory_floor / 1024**2:g} MiB while it ran")
        why = self.disk()
        took = time.monotonic() - now
        # A tenth of the time at most, yet never so seldom that a method slowing the walk
        # (many files, many processes) buys itself a long gap between looks.
        self.next_at = now + min(WATCH_MAX_GAP_S, max(0.05, 10 * took))
        return why

    def _short_of_memory_by_us(self, pids: list[int], available: int) -> bool:
        """Whether the run of `pids` is to stop with the machine under its memory floor: when
        its memfds or shared mappings hold much of it (an open memfd's pages are in no
        process's resident set), when it keeps so many descriptors they cannot be read
        quickly, or, under half the floor, whoever took it (SysV shared memory has no owner
        to find), before the kernel's OOM killer picks a process. An honest run beside a
        hungry one is otherwise left be."""
        if available < self.memory_floor // 2:
            return True
        hidden = treememory.memfd_bytes(pids)
        if hidden is None:
            return True
        # A memfd mapped and then closed is no descriptor but its process's RssShmem.
        return hidden + sum(map(treememory.shared_bytes, pids)) >= HIDDEN_MEMORY_BYTES

    def disk(self) -> str | None:
        """Why what the run wrote breaks its limits, or None; also checked once it exited,
        since a burst after the last look (an exit handler's) was otherwise never seen."""
        lim = self.limits
        usage = disk_usage(self.roots, lim.max_entries, lim.max_depth)
        if usage.problem is not None:
            return f"it wrote {usage.problem}"
        used = usage.bytes + sum(os.fstat(f.fileno()).st_blocks * 512 for f in self.logs)
        if used > lim.disk_bytes:
            return f"it wrote more than {lim.disk_bytes / 1024**2:g} MiB"
        for where, floor in self.floors.items():
            if _free(where) < floor:
                return f"the disk it writes to fell under {floor / 1024**2:g} MiB free"
        return None


def _out_of_memory(group: cgroups.RunGroup | None, memory: int) -> str | None:
    """Why the run stops when the kernel killed one of its processes at its cgroup's
    memory limit: what is left of it would score a run that lost part of itself."""
    if group is None or not group.oom_killed():
        return None
    return f"its processes held more than {memory / 1024**2:g} MiB of memory"


def _available_memory() -> int:
    """MemAvailable: what the machine can still give without swapping."""
    with open("/proc/meminfo", "rb") as fh:
        for line in fh:
            if line.startswith(b"MemAvailable:"):
                return int(line.split()[1]) * 1024
    return _most_memory()  # kernels before 3.14 have no such line


def _free(where: Path | int) -> int:
    """Bytes an unprivileged writer can still use on the filesystem holding `where`."""
    st = os.statvfs(where)
    return st.f_bavail * st.f_frsize
