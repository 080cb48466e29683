"""TUI benchmarks on a large store, driven headlessly by Textual's Pilot.

    python benchmarks/tui_bench.py                  # 100k proposals, 200 presses, 5 sessions
    python benchmarks/tui_bench.py --size 300 --big-lines 200 --presses 10

Each session opens the store and the app and times:
- the first interactive frame: from opening the store to the queue's first rows drawn;
- j/k: the app's time per key press, from the key event arriving to the frame with the moved
  cursor drawn. Pilot's `press()` idles 20 ms per key, so keys are posted as the terminal
  driver posts them and frames are forced with `pause(0)`; what such a frame costs with
  nothing to do, measured right after each press, is taken off as harness overhead;
- opening the diff screen on a proposal whose diff has `big_lines` lines, until its first
  lines are drawn.
Targets (issue 8), at 100k: first frame ≤ 0.5 s, ≤ 16 ms per press, 10k-line diff ≤ 200 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import io
import pstats
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from textual import events
from textual.pilot import Pilot

from benchmarks.figures import Figure, mean, median, ms, table
from benchmarks.generate_store import BIG_LINES, big_proposal_id, ensure_store
from reviewer.app import ReviewApp
from reviewer.screens.diff import DiffScreen
from reviewer.screens.queue import QueueScreen
from reviewer.widgets.diff_view import DiffView
from reviewer.widgets.queue_table import QueueTable
from store import ReviewStore

SIZE = (120, 40)
ACTOR = "reviewer@bench"
FIRST_FRAME_TARGET, PRESS_TARGET, DIFF_TARGET = 0.5, 0.016, 0.2


@dataclass
class Session:
    """One app session's timings, in seconds."""

    first_frame: float = 0.0
    press_wall: list[float] = field(default_factory=list)
    press_cpu: list[float] = field(default_factory=list)
    # Per press: wall time less what the harness's frames cost with nothing to do.
    press_app: list[float] = field(default_factory=list)
    idle_frames: list[float] = field(default_factory=list)
    diff_open: float = 0.0
    diff_lines: int = 0


def _screen_text(app: ReviewApp) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def _until(pilot: Pilot, done, timeout: float = 60.0) -> int:
    """Let the app run and draw (without Pilot's idle sleeps) until `done()` holds; returns
    how many frames that took."""
    deadline = time.perf_counter() + timeout
    frames = 0
    while not done():
        if time.perf_counter() > deadline:
            raise TimeoutError("the app did not get there in time")
        await pilot.pause(0)
        frames += 1
    return frames


async def _press(app: ReviewApp, pilot: Pilot, table: QueueTable, key: str) -> int:
    """Press `key` and draw the result; returns the frames that took."""
    expected = table.cursor + (1 if key == "j" else -1)
    app.post_message(events.Key(key, key))
    frames = await _until(pilot, lambda: table.cursor == expected)
    await pilot.pause(0)  # the cursor moved after this frame began: draw the next one
    return frames + 1


async def session(path: Path, config: Path, presses: int) -> Session:
    """Open the store and the app, then time the first frame, key presses and the big diff."""
    out = Session()
    # The app freezes the heap once per process; undo an earlier session's, as a new process.
    gc.unfreeze()
    start = time.perf_counter()
    store = ReviewStore.open(path)
    app = ReviewApp(store, db_path=path, actor=ACTOR, config_path=config)
    try:
        async with app.run_test(size=SIZE) as pilot:

            def queue_ready() -> bool:
                return isinstance(app.screen, QueueScreen) and app.screen.query(QueueTable)

            await _until(pilot, queue_ready)
            table = app.screen.query_one(QueueTable)
            await _until(pilot, lambda: table.total > 0 and table.loaded_rows > 0)
            await pilot.pause(0)  # draw the frame with the rows
            out.first_frame = time.perf_counter() - start
            first = table.row_at(0)
            assert first is not None and first["title"][:12] in _screen_text(app)

            for i in range(presses):
                key = "j" if i < presses // 2 else "k"
                if table.cursor == (0 if key == "k" else table.total - 1):
                    key = "j" if key == "k" else "k"  # at an end: go the other way
                wall, cpu = time.perf_counter(), time.process_time()
                frames = await _press(app, pilot, table, key)
                out.press_wall.append(time.perf_counter() - wall)
                out.press_cpu.append(time.process_time() - cpu)
                idle = time.perf_counter()
                await pilot.pause(0)  # the same frame with nothing to do, right after
                out.idle_frames.append(time.perf_counter() - idle)
                out.press_app.append(out.press_wall[-1] - frames * out.idle_frames[-1])

            pid = big_proposal_id(store)
            begin = time.perf_counter()
            app.push_screen(DiffScreen(pid))

            def diff_drawn() -> bool:
                views = app.screen.query(DiffView) if isinstance(app.screen, DiffScreen) else []
                return bool(views) and len(views.first().line_cache) > 0

            await _until(pilot, diff_drawn)
            out.diff_open = time.perf_counter() - begin
            out.diff_lines = len(app.screen.query_one(DiffView).document.lines)
            app.pop_screen()
            await _until(pilot, lambda: isinstance(app.screen, QueueScreen))
    finally:
        store.close()
    return out


def tui_figures(path: Path, sessions: int, presses: int, big_lines: int,
                log=print) -> list[Figure]:
    """Median over `sessions` app sessions of each TUI figure."""
    runs: list[Session] = []
    with tempfile.TemporaryDirectory(prefix="reviewer-bench-") as tmp:
        config = Path(tmp) / "config.toml"  # absent: default keys and settings
        # Warm-up: page cache, lazy imports, Pygments' lexer lookup (its diff open is "cold").
        cold = asyncio.run(session(path, config, min(presses, 4)))
        for _ in range(sessions):
            s = asyncio.run(session(path, config, presses))
            runs.append(s)
            log(f"  tui session: first frame {ms(s.first_frame)}, press {ms(mean(s.press_app))} "
                f"app, {ms(mean(s.press_wall))} wall, {ms(mean(s.press_cpu))} cpu, "
                f"diff {ms(s.diff_open)}")
    first = median(s.first_frame for s in runs)
    press = median(mean(s.press_app) for s in runs)
    wall = median(mean(s.press_wall) for s in runs)
    press_cpu = median(mean(s.press_cpu) for s in runs)
    worst = median(max(s.press_wall) for s in runs)
    diff = median(s.diff_open for s in runs)
    idle = median(mean(s.idle_frames) for s in runs)
    lines = runs[0].diff_lines
    return [
        Figure("TUI first interactive frame", ms(first), f"≤ {ms(FIRST_FRAME_TARGET)}",
               passed=first <= FIRST_FRAME_TARGET,
               note="store open + app start until the queue's first rows are drawn",
               raw={"runs": [s.first_frame for s in runs]}),
        Figure(f"j/k, mean per press ({presses} presses)", ms(press), f"≤ {ms(PRESS_TARGET)}",
               passed=press <= PRESS_TARGET,
               note=f"key event to drawn frame, less the harness's idle-frame cost ({ms(idle)}); "
                    f"raw wall {ms(wall)}, process CPU {ms(press_cpu)}, slowest press "
                    f"{ms(worst)} (medians over sessions)",
               raw={"app": press, "wall": wall, "cpu": press_cpu, "slowest": worst,
                    "idle_frame": idle}),
        Figure(f"open a {big_lines:,}-line diff", ms(diff),
               f"≤ {ms(DIFF_TARGET)}" if big_lines >= BIG_LINES else "-",
               passed=diff <= DIFF_TARGET if big_lines >= BIG_LINES else None,
               note=f"{lines:,} display lines; push DiffScreen until its first lines are drawn; "
                    f"first open in this process (warm-up session) {ms(cold.diff_open)}",
               raw={"runs": [s.diff_open for s in runs], "cold": cold.diff_open}),
    ]


def profile_session(path: Path, presses: int, log=print) -> str:
    """cProfile of one session (first frame, presses, big diff): where the app's time goes."""
    with tempfile.TemporaryDirectory(prefix="reviewer-bench-") as tmp:
        config = Path(tmp) / "config.toml"
        asyncio.run(session(path, config, 4))  # warm-up, as in the benchmark
        profiler = cProfile.Profile()
        profiler.runcall(asyncio.run, session(path, config, presses))
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats("/reviewer/", 15)
    body = out.getvalue()
    text = (f"TUI session ({presses} presses, then the big diff), cProfile, reviewer's own "
            "functions, top 15 by cumulative time:\n" + body[body.find("   ncalls"):].rstrip())
    log(text)
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--big-lines", type=int, default=BIG_LINES)
    parser.add_argument("--presses", type=int, default=200)
    parser.add_argument("--sessions", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="profile one session")
    args = parser.parse_args(argv)
    path = ensure_store(args.size, args.seed, big_lines=args.big_lines)
    print(table(tui_figures(path, args.sessions, args.presses, args.big_lines)))
    if args.profile:
        profile_session(path, args.presses)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
