"""What a sandboxed run is given and what it returns: its spec, limits, result and error."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


class SandboxUnavailable(Exception):
    """bubblewrap (or setpriv, when running as root) is not installed, or a module the
    sandboxed method imports lies outside what the sandbox mounts."""


@dataclass(frozen=True)
class Limits:
    """Resource limits for one sandboxed run."""

    wall_s: float = 1800.0
    cpu_s: int = 3600
    address_space: int | None = 64 * 1024**3
    file_size: int = 1024**3
    nproc: int = 512  # threads count too, and torch starts many
    output_cap: int = 64 * 1024
    # All the run may write (its folders and its captured output): RLIMIT_FSIZE bounds a
    # file, not how many there are, so a watch stops the run past these.
    disk_bytes: int = 2 * 1024**3
    max_entries: int = 10_000
    max_depth: int = 32
    keep_free_bytes: int = 1024**3  # on each disk it writes to, past its own disk_bytes
    # What all its processes hold resident together; None is three quarters of the memory.
    memory_bytes: int | None = None
    tmp_bytes: int = 512 * 1024**2  # its /tmp, which lives in memory
    # The machine's available memory it must leave: a memfd's or shared segment's pages are
    # in no process's resident set. None is a sixteenth of the memory, at most 2 GiB.
    keep_free_memory: int | None = None


def _most_memory() -> int:
    """Three quarters of this machine's memory."""
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") * 3 // 4


def cpu_address_space() -> int:
    """A CPU run's address-space cap: 32 GiB, or three quarters of this machine's memory
    when that is less, so one method cannot take all of a small machine's memory."""
    return min(32 * 1024**3, _most_memory())


@dataclass(frozen=True)
class SandboxSpec:
    """What to run and what it may see; host paths map to sandbox paths."""

    argv: list[str]
    ro_binds: list[tuple[Path, str]] = field(default_factory=list)
    rw_binds: list[tuple[Path, str]] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    cwd: str = "/"
    gpu: bool = False
    limits: Limits = field(default_factory=Limits)


@dataclass(frozen=True)
class SandboxResult:
    """How the sandboxed command ended; output is capped and terminal-safe."""

    returncode: int
    timed_out: bool
    wall_s: float
    stdout: str
    stderr: str
    argv: list[str]
    stopped: str | None = None  # why the reviewer stopped it early, other than the clock
    cgroup: str | None = None  # the control group whose limits the kernel enforced, if any

