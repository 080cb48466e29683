"""ReviewApp: the Textual face of the review store.

Widgets render and emit messages; the screens' handlers call the store through `perform`,
which runs writes in a thread worker on its own connection when the store is a file.
"""

from __future__ import annotations

import gc
import os
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from textual import events, work
from textual.app import App, SystemCommand
from textual.binding import BindingType
from textual.command import CommandPalette
from textual.notifications import SeverityLevel
from textual.reactive import reactive
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from reviewer import keys, paths
from reviewer.actor import resolve_actor
from reviewer.rerun.jobs import SessionSeeds
from reviewer.textsafe import clean
from reviewer.tuiconfig import load_tui_settings
from reviewer.widgets.key_routing import KeysFollowFocus
from store import ReviewStore, StoreError

T = TypeVar("T")
# What the store and the rerun queue raise for a refused or failed change.
STORE_ERRORS = (StoreError, sqlite3.Error, ValueError)
WRITE_GROUP = "store-write"  # the workers that save changes
PALETTE_MIN_ROWS = 5  # below it, paging Textual's palette list raises KeyError
# Narrower, its list raises ValueError as it draws (rich's chop_cells), or KeyError on a page.
PALETTE_MIN_COLS = 10
SAVING_NOTICE_S = 1.0  # a change not saved after this long is said to be waiting


def _palette_fits(width: int, height: int) -> bool:
    return width >= PALETTE_MIN_COLS and height >= PALETTE_MIN_ROWS


def file_identity(path: Path) -> tuple[int, int] | None:
    """The (device, inode) of the file at `path`, or None when there is none."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return None
    return info.st_dev, info.st_ino


# Verbs offered in the command palette when the current screen allows them.
PALETTE_VERBS = (
    ("diff", "Read this proposal's diff, file by file"),
    ("approve", "Approve this proposal (asks for a reason)"),
    ("reject", "Reject this proposal (asks for a reason)"),
    ("rerun", "Rerun this proposal on seeds drawn here"),
    ("comment", "Comment on this proposal"),
    ("assess", "Record your assessment (predicted verdict and a note)"),
    ("cancel_rerun", "Cancel the queued or running rerun"),
    ("second_opinion", "Ask Claude for a blinded second opinion (needs ANTHROPIC_API_KEY)"),
    ("audit", "Open the audit log"),
    ("agents", "Each agent's record; enter shows that agent's queue"),
    ("reruns", "The rerun queue, in the order the workers take it, and finished reruns"),
    ("undo", "Undo the last decision on this proposal"),
    ("search", "Search the queue"),
)


def utc_now() -> datetime:
    return datetime.now(UTC)


def freeze_startup_heap() -> None:
    """Move every object alive after the first frame out of the garbage collector's reach.

    Modules, widgets and caches made at start-up live as long as the app, yet each full
    collection walked them all: a 75-100 ms pause in a key press every hundred presses or so.
    No collection first, since that is such a pause; start-up garbage is kept, once. Once per
    process, so a second app (as in tests) changes nothing.
    """
    if gc.get_freeze_count() == 0:
        gc.freeze()


class ReviewApp(KeysFollowFocus, App[None]):
    """Review proposals: queue, proposal, diff and help screens over one ReviewStore."""

    CSS_PATH = "app.tcss"
    TITLE = "reviewer"
    BINDINGS: ClassVar[list[BindingType]] = list(keys.bindings("app"))

    blinded: reactive[bool] = reactive(False)

    def __init__(
        self,
        store: ReviewStore,
        *,
        db_path: Path | None = None,
        actor: str | None = None,
        now: Callable[[], datetime] = utc_now,
        config_path: Path | None = None,
        notices: Sequence[tuple[str, SeverityLevel]] = (),
    ) -> None:
        super().__init__()
        self.store = store
        self.db_path = db_path
        # The file this session opened: threads must not write to one put in its place.
        self.db_identity = file_identity(db_path) if db_path is not None else None
        self.read_errors_shown: set[str] = set()
        self.quit_asked = False  # quit was pressed while changes were still being saved
        self.actor = actor or resolve_actor()
        self.now = now
        self.config_path = config_path
        self.notices = tuple(notices)
        self.keymap: dict[str, str] = {}
        self.rerun_seeds = SessionSeeds()

    def on_mount(self) -> None:
        config = self.config_path or paths.config_file()
        keymap, problems = keys.load_keymap(config)
        self.keymap = keymap
        self.set_keymap(keymap)
        settings, more = load_tui_settings(config)
        self.blinded = settings.blinded
        for problem in problems + more:
            self.notify(problem, title="config", severity="warning", markup=False, timeout=10)
        for message, severity in self.notices:
            self.notify(message, severity=severity, markup=False, timeout=15)
        from reviewer.screens.queue import QueueScreen

        self.push_screen(QueueScreen())
        self.call_after_refresh(freeze_startup_heap)

    def key_for(self, binding_id: str) -> str:
        """The key(s) bound to `binding_id` after remapping."""
        return self.keymap.get(binding_id, keys.SPEC_BY_ID[binding_id].key)

    # -- store access --------------------------------------------------------------------

    def open_thread_store(self) -> ReviewStore:
        """A store on a fresh connection, for a thread worker (connections stay in one thread)."""
        if self.db_path is None:
            raise StoreError("thread workers need a store file")
        self._check_same_file()
        store = ReviewStore.open(self.db_path, clock=self.store.clock, signer=self.store.signer)
        try:
            self._check_same_file()  # replaced between the check and the open
        except StoreError:
            store.close()
            raise
        # The thread's store must enforce the same gates as the one the app was given.
        store.gate_policy = self.store.gate_policy
        return store

    def _check_same_file(self) -> None:
        """Refuse a store file that was removed or replaced since the session opened it.

        Opening by path would otherwise create an empty store where one was removed, or
        write to another file (a `reviewer demo` run again, a restored backup) while the
        queue still shows the old one.
        """
        assert self.db_path is not None
        now = file_identity(self.db_path)
        if now is None:
            raise StoreError(f"the store file {self.db_path} is gone; nothing was read or "
                             "written (restart reviewer)")
        if self.db_identity is not None and now != self.db_identity:
            raise StoreError(f"the store file {self.db_path} was replaced since this session "
                             "opened it; nothing was read or written: restart reviewer to work "
                             "on the new one")

    def perform(
        self, what: str, change: Callable[[ReviewStore], T], done: Callable[[T], None]
    ) -> None:
        """Run one store change; `done(result)` on success, a notification on failure."""
        if self.db_path is None:
            try:
                result = change(self.store)
            except STORE_ERRORS as exc:
                self.report_error(what, exc)
                return
            done(result)
        else:
            worker = self._perform_in_thread(what, change, done)
            self.set_timer(SAVING_NOTICE_S, partial(self.still_saving, worker, what))

    def still_saving(self, worker: Worker[Any], what: str) -> None:
        """Say a change is still being saved, so a store busy for seconds is not silence."""
        if worker.state in (WorkerState.PENDING, WorkerState.RUNNING):
            # A first rerun request also loads the harness (torch, seconds): the store is
            # not always the wait, so this says what it may be rather than what it is.
            self.notify(f"{what}: still saving (another process may be writing to the store)",
                        title="saving", markup=False)

    # Not exclusive: cancelling a queued write would silently drop a decision the user made.
    @work(thread=True, group=WRITE_GROUP, exit_on_error=False, name="save a change")
    def _perform_in_thread(
        self, what: str, change: Callable[[ReviewStore], Any], done: Callable[[Any], None]
    ) -> None:
        # Writes wait on SQLite's busy timeout when a worker holds the lock; not on the UI thread.
        try:
            store = self.open_thread_store()
            try:
                result = change(store)
            finally:
                store.close()
        except STORE_ERRORS as exc:
            self.call_from_thread(self.report_error, what, exc)
            return
        self.call_from_thread(done, result)

    def on_own_connection(self, what: str, read: Callable[[ReviewStore], T]) -> T | None:
        """From a worker thread: `read(store)` on a fresh connection, closed after.

        A store error is reported on the UI thread and gives None.
        """
        try:
            store = self.open_thread_store()
            try:
                return read(store)
            finally:
                store.close()
        except STORE_ERRORS as exc:
            self.call_from_thread(self.report_error, what, exc)
            return None

    def report_error(self, what: str, exc: BaseException, title: str = "refused") -> None:
        self.notify(
            f"{what}: {clean(str(exc), single_line=True)}",
            title=title,
            severity="error",
            markup=False,
        )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # Not a refusal the store made on purpose: whether a change landed is unknown.
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self.report_error(event.worker.name or "background work", event.worker.error,
                              title="failed (check whether it was saved)")
        if self.quit_asked and not self.saving():
            self.exit()

    def saving(self) -> int:
        """How many changes are still being written (waiting on the store's lock, say)."""
        return sum(1 for w in self.workers if w.group == WRITE_GROUP
                   and w.state in (WorkerState.PENDING, WorkerState.RUNNING))

    # Textual runs sync and async actions alike, so a sync override of its async quit is fine.
    def action_quit(self) -> None:  # type: ignore[override]
        """Quit, but not from under a decision still being saved, unless asked twice."""
        waiting = self.saving()
        if not waiting or self.quit_asked:
            self.exit()
            return
        self.quit_asked = True
        key = keys.display_key(self.key_for("quit"))
        self.notify(f"{waiting} change{'' if waiting == 1 else 's'} still being saved (the "
                    f"store is busy): reviewer quits once saved; {key} again quits now, and "
                    "what is not saved yet is lost", title="quitting", severity="warning",
                    markup=False)

    def screen_worker_failed(self, event: Worker.StateChanged) -> None:
        """A screen's background read failed: say so once per message, as polls repeat it.

        A screen's worker reports to the screen, not here, so each screen that reads in a
        thread forwards its workers' state changes; unforwarded, a failing poll left the
        screen stale without a word.
        """
        error = event.worker.error
        if event.state != WorkerState.ERROR or error is None:
            return
        what = event.worker.name or "background read"
        message = f"{what}: {clean(str(error), single_line=True)}"
        if message in self.read_errors_shown:
            return
        self.read_errors_shown.add(message)
        self.report_error(what, error, title="could not refresh")

    # -- actions and commands ----------------------------------------------------------------

    def action_command_palette(self) -> None:
        """Textual's command palette, unless the terminal is too short for its list.

        At four rows or fewer, page up or down in it raises KeyError inside Textual's
        OptionList (8.2.8), a traceback screen.
        """
        if not _palette_fits(self.size.width, self.size.height):
            self.notify(f"the command palette needs a terminal at least {PALETTE_MIN_ROWS} "
                        f"rows tall and {PALETTE_MIN_COLS} columns wide", severity="warning",
                        markup=False)
            return
        super().action_command_palette()

    def on_resize(self, event: events.Resize) -> None:
        """Close an open command palette when the terminal shrinks below its list's minimum."""
        # Textual types is_open's app as App[object], which App[None] is not, App being invariant.
        if _palette_fits(event.size.width, event.size.height) or not CommandPalette.is_open(
                self):  # type: ignore[arg-type]
            return
        self.screen.dismiss()
        self.notify(f"the command palette closed: it needs a terminal at least "
                    f"{PALETTE_MIN_ROWS} rows tall and {PALETTE_MIN_COLS} columns wide",
                    severity="warning", markup=False)

    def watch_blinded(self, blinded: bool) -> None:
        """Each open screen redraws for blinded review or out of it.

        One watcher here, not one per screen: Textual drops a closed screen's own watch on
        the app only when the value next changes, so a reviewer who never pressed `b` kept
        every proposal screen ever opened, with its widgets, all session.
        """
        for screen in self.screen_stack:
            redraw = getattr(screen, "blinded_changed", None)
            if callable(redraw):
                redraw(blinded)

    def action_toggle_blind(self) -> None:
        self.blinded = not self.blinded
        state = "on: claims stay hidden until you assess" if self.blinded else "off"
        self.notify(f"blinded review {state}", markup=False)

    def action_help(self) -> None:
        from reviewer.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            # The keys of the screen it is asked from come near the top, not sections down.
            here = keys.scope_of(getattr(type(self.screen), "BINDINGS", ()))
            self.push_screen(HelpScreen(self.keymap, here))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for action, help_text in PALETTE_VERBS:
            if hasattr(screen, f"action_{action}") and screen.check_action(action, ()):
                yield SystemCommand(
                    action.capitalize(), help_text, partial(screen.run_action, action)
                )
