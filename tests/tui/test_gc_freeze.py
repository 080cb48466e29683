"""The app moves its start-up heap out of the garbage collector's reach after the first frame.

Run in a fresh interpreter, since a process freezes at most once and the test process may
already have.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent(
    """
    import asyncio, gc
    from reviewer.app import ReviewApp
    from store import ReviewStore

    async def main():
        app = ReviewApp(ReviewStore.memory(), actor="tester@example.org")
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            await pilot.press("j")
            return gc.get_freeze_count()

    assert gc.get_freeze_count() == 0
    print(asyncio.run(main()))
    """
)


def test_the_startup_heap_is_frozen_once_the_queue_is_drawn():
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    # Textual, Rich and the app's own objects: tens of thousands of them.
    assert int(done.stdout) > 10_000
