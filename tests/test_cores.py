"""Worker pools: their processes do not outlive a killed parent."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

PARENT = """
import time
from concurrent.futures import ProcessPoolExecutor
from reviewer.cores import ignore_interrupts, pool_context

def work():
    import os
    print(os.getpid(), flush=True)
    time.sleep(60)

pool = ProcessPoolExecutor(1, mp_context=pool_context(), initializer=ignore_interrupts)
pool.submit(work)
time.sleep(60)
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except OSError:
        return False


def test_a_pool_worker_dies_when_its_parent_is_killed():
    # A SIGKILLed ingest left its parsing workers running on for as long as their work took.
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True)
    worker = int(parent.stdout.readline())
    try:
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        deadline = time.monotonic() + 20
        while _alive(worker) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(worker)
    finally:
        if _alive(worker):
            os.kill(worker, signal.SIGKILL)
