"""Fixtures for the TUI tests: stores with fixed clocks and apps driven by Pilot."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import Static
from textual.worker import WorkerCancelled

from reviewer.app import ReviewApp
from reviewer.commands.ingest import ingest_paths
from store import ReviewStore

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
HOSTILE = SAMPLES / "proposals" / "11_hostile_text.json"
CLOCK = "2026-11-27T09:00:00+00:00"
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
SIZE = (120, 40)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def fixed_clock() -> str:
    return CLOCK


def sample_store(*paths: Path) -> ReviewStore:
    """An in-memory store with a fixed clock, seeded from samples/ (or the given files)."""
    store = ReviewStore.memory(clock=fixed_clock)
    report = ingest_paths(store, list(paths) or [SAMPLES], "tester@example.org")
    assert not report.errors
    return store


def make_app(store: ReviewStore, **kwargs) -> ReviewApp:
    kwargs.setdefault("actor", "tester@example.org")
    return ReviewApp(store, now=lambda: NOW, **kwargs)


def screen_text(app: ReviewApp) -> str:
    """Everything the current screen would draw, as plain text, line by line."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def content_text(widget: Static) -> str:
    """All of a Static's content as plain text, scrolled into view or not."""
    console = Console(width=200, file=io.StringIO(), record=True, markup=False)
    console.print(widget.content)
    return console.export_text()


async def settle(pilot: Pilot, done: Callable[[], bool], rounds: int = 200) -> None:
    """Run messages and thread workers until `done()` holds.

    A key press can start a worker only a few message hops later (a modal's dismiss
    callback, say), so one `wait_for_complete` may return before that worker exists.
    """
    for _ in range(rounds):
        await pilot.pause()
        await workers_done(pilot.app)
        if done():
            return
    raise AssertionError(f"still not done after {rounds} rounds of messages and workers")


async def workers_done(app: ReviewApp) -> None:
    """Wait for every worker; one an exclusive newer one cancelled counts as done.

    The screens' poll workers are exclusive, so a poll from the timer can cancel the one a
    test started (and `wait_for_complete` would raise WorkerCancelled for it).
    """
    for worker in list(app.workers):
        try:
            await worker.wait()
        except WorkerCancelled:
            pass


def screen_segments(app: ReviewApp) -> str:
    """The raw text of every segment drawn, control segments included."""
    return "".join(
        segment.text for strip in app.screen._compositor.render_strips() for segment in strip
    )


@pytest.fixture
def samples_store() -> ReviewStore:
    store = sample_store()
    yield store
    store.close()


def pid_of(store: ReviewStore, idea: str) -> str:
    rows = [r for r in store.list(limit=100) if r["idea"] == idea]
    assert len(rows) == 1
    return rows[0]["id"]


def table_rows(app: ReviewApp) -> list[list[str]]:
    """The current screen's DataTable, row by row, as plain strings."""
    from textual.widgets import DataTable

    table = app.screen.query_one(DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def samples_file_store(tmp_path: Path) -> tuple[Path, ReviewStore]:
    """A store file seeded from samples/, for screens that read in worker threads."""
    db = tmp_path / "review.db"
    store = ReviewStore.open(db)
    ingest_paths(store, [SAMPLES], "tester@example.org")
    return db, store
