"""How many CPU cores this process may use, for sizing worker pools and thread counts."""

from __future__ import annotations

import os


def usable_cores() -> int:
    """Cores in this process's affinity mask (Linux), else every core the OS reports."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
