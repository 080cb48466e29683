"""The memory of a process tree, read from /proc."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from reviewer.rerun import treememory

_TREE = """
import os, subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c",
    "import time; block = bytearray(30 << 20); print('held', flush=True); time.sleep(30)"],
    stdout=subprocess.PIPE)
child.stdout.readline()
print(child.pid, flush=True)
time.sleep(30)
"""


def test_a_grandchild_and_its_memory_are_found():
    top = subprocess.Popen([sys.executable, "-c", _TREE], stdout=subprocess.PIPE, text=True)
    grandchild = 0
    try:
        grandchild = int(top.stdout.readline())
        assert grandchild in treememory.descendants(top.pid)
        assert treememory.resident_bytes(grandchild) >= 30 << 20
        tree = treememory.descendants(top.pid)
        assert treememory.tree_bytes(tree) >= treememory.resident_bytes(grandchild) + (
            treememory.resident_bytes(top.pid))
        assert treememory.descendants(grandchild) == [grandchild]
    finally:
        if grandchild:
            os.kill(grandchild, signal.SIGKILL)
        top.kill()
        top.wait()


def test_a_process_that_is_gone_holds_nothing():
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    assert treememory.resident_bytes(proc.pid) == 0
    assert treememory.tree_bytes(treememory.descendants(proc.pid)) == 0


def test_kill_all_returns_once_every_process_of_the_tree_has_stopped():
    # The sandbox's processes outlived its launcher by a moment, still writing into its folder.
    top = subprocess.Popen([sys.executable, "-c", _TREE], stdout=subprocess.PIPE, text=True)
    grandchild = int(top.stdout.readline())
    pids = treememory.descendants(top.pid)
    assert grandchild in pids
    treememory.kill_all(pids)
    assert not treememory._running(grandchild) and not treememory._running(top.pid)
    top.wait()

