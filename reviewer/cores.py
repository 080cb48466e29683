"""How many CPU cores this process may use, and how to start worker processes on them."""

from __future__ import annotations

import multiprocessing
import signal
import sys
import threading
from multiprocessing.context import BaseContext

# Defined in the store, whose ranked search splits by it and which imports nothing of ours.
from store.ranked import usable_cores as usable_cores


def pool_context() -> BaseContext:
    """fork from a single-threaded caller on Linux (the CLI): no re-import, and no main-module
    guard needed; spawn otherwise, since a fork would copy other threads' locks mid-flight."""
    if threading.active_count() == 1 and sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def ignore_interrupts() -> None:
    """A pool's initializer: Ctrl-C is the caller's to handle, and stops the pool without a
    traceback per worker; and the worker dies with its parent, where a killed ingest left
    its workers parsing on, holding the store's folder, for as long as their work took."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()


def _die_with_parent() -> None:
    """Ask Linux for SIGKILL when the parent exits (prctl PR_SET_PDEATHSIG); elsewhere, nothing."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # 1 is PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
