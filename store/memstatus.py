"""Turn SQLite's memory statistics off before the library starts, as SQLite recommends.

With them on (the default of most system builds), every allocation takes one global mutex,
so two threads scoring a common word's matches wait on each other; nothing here reads them.
"""

from __future__ import annotations

import ctypes
import importlib.util
import platform
import sys

SQLITE_CONFIG_MEMSTATUS = 9
# ABIs where a variadic int argument travels as a fixed one does, so ctypes can pass it.
_PLAIN_VARARGS = {"x86_64", "aarch64"}


def memory_statistics_off() -> bool:
    """Configure the SQLite library Python's `sqlite3` links, before anything initialises it;
    whether it took.

    `sqlite3_config` is defined only before `sqlite3_initialize`, which importing `sqlite3`
    runs; once it has run, the call is refused with SQLITE_MISUSE, harmlessly, so this only
    acts when it comes first in the process.
    """
    if "_sqlite3" in sys.modules or sys.platform != "linux":
        return False
    if platform.machine() not in _PLAIN_VARARGS:
        return False
    spec = importlib.util.find_spec("_sqlite3")
    if spec is None or not spec.has_location or not spec.origin:
        return False
    try:
        # Loading the extension's file (not importing it) brings in the library it links.
        config = ctypes.CDLL(spec.origin).sqlite3_config
    except (OSError, AttributeError):
        return False
    return bool(config(ctypes.c_int(SQLITE_CONFIG_MEMSTATUS), ctypes.c_int(0)) == 0)


MEMORY_STATISTICS_OFF = memory_statistics_off()
