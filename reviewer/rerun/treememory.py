"""The memory a process and all its descendants hold, read from /proc.

RLIMIT_AS bounds one process, so a method that forks can hold that much in each
child; the sandbox's watch sums the tree instead.
"""

from __future__ import annotations

import os
import signal
import time

_PAGE_FIELDS = (b"RssAnon:", b"RssShmem:")


def _parents() -> dict[int, int]:
    """Every visible process's parent, by pid."""
    parents: dict[int, int] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue  # it exited while we looked
        # The command name may hold spaces and brackets, so fields count from the last ')'.
        fields = stat[stat.rfind(b")") + 2:].split()
        if len(fields) > 1:
            parents[int(name)] = int(fields[1])
    return parents


def descendants(root: int) -> list[int]:
    """`root` and every process below it; a process that escaped to init is not found."""
    children: dict[int, list[int]] = {}
    for pid, parent in _parents().items():
        children.setdefault(parent, []).append(pid)
    found, todo = [root], [root]
    while todo:
        for child in children.get(todo.pop(), ()):
            found.append(child)
            todo.append(child)
    return found


def shared_bytes(pid: int) -> int:
    """The process's resident shared memory (RssShmem): a memfd or SysV segment it maps."""
    return _status_bytes(pid, (b"RssShmem:",))


def resident_bytes(pid: int) -> int:
    """The process's private and shared-memory resident set (file pages are reclaimable).

    Not the proportional set of smaps_rollup, which would count a page forked children
    share once: reading it walks every mapping, and 50 processes of 60,000 mappings each
    made one look take 1.2 s, long enough to write gigabytes between looks.
    """
    return _status_bytes(pid, _PAGE_FIELDS)


def _status_bytes(pid: int, fields: tuple[bytes, ...]) -> int:
    total = 0
    try:
        with open(f"/proc/{pid}/status", "rb") as fh:
            for line in fh:
                if line.startswith(fields):
                    total += int(line.split()[1]) * 1024
    except (OSError, ValueError):
        return 0
    return total


def memfd_bytes(pids: list[int], max_fds: int = 4096) -> int | None:
    """What the memfds `pids` hold open take in memory (each file once), or None past
    `max_fds` open descriptors: a memfd's pages are in no resident set until mapped, and a
    tree of many descriptors must not buy itself a slow look."""
    seen: dict[tuple[int, int], int] = {}
    fds = 0
    for pid in pids:
        try:
            names = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue  # it exited while we looked
        fds += len(names)
        if fds > max_fds:
            return None
        for name in names:
            link = f"/proc/{pid}/fd/{name}"
            try:
                if os.readlink(link).startswith("/memfd:"):
                    st = os.stat(link)
                    seen[(st.st_dev, st.st_ino)] = st.st_blocks * 512
            except OSError:
                continue
    return sum(seen.values())


def tree_bytes(pids: list[int]) -> int:
    """What the processes `pids` (a tree, as `descendants` finds it) hold resident together
    (a forked child's shared pages count in each, which errs on the side of stopping)."""
    return sum(resident_bytes(pid) for pid in pids)


def _running(pid: int) -> bool:
    """Whether `pid` exists and is not a zombie (a zombie does nothing more)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            stat = fh.read()
    except OSError:
        return False
    fields = stat[stat.rfind(b")") + 2:].split()
    return bool(fields) and fields[0] != b"Z"


def kill_all(pids: list[int], timeout: float = 2.0) -> None:
    """SIGKILL each of `pids` and wait, up to `timeout`, until none runs.

    A sandbox's processes die with its pid namespace, after its launcher has been reaped;
    until then they could still be writing into folders the caller is about to remove.
    """
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            continue
    deadline = time.monotonic() + timeout
    while any(_running(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.005)
