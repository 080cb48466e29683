"""The audit screen: the hash-chained event log, newest first, under the result of verify."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import Worker, get_current_worker

from reviewer import keys
from reviewer.app import STORE_ERRORS
from reviewer.present_audit import verify_lines
from reviewer.screens.key_order import DeclaredKeyOrder
from reviewer.textsafe import short
from reviewer.tuidata import (
    LogShape,
    counted_shape,
    event_index,
    event_page,
    head_seq,
    log_shape,
    provisional_shape,
)
from reviewer.verify_child import verify_file
from reviewer.widgets.event_table import EventDetail, EventTable
from reviewer.widgets.footer import Footer

if TYPE_CHECKING:
    from reviewer.app import ReviewApp

POLL_S = 2.0


class AuditScreen(DeclaredKeyOrder, Screen[None]):
    """Pages the event log from SQLite and verifies the chain off the UI thread."""

    BINDINGS: ClassVar[list[BindingType]] = list(keys.bindings("audit"))
    AUTO_FOCUS = "EventTable"

    def __init__(self) -> None:
        super().__init__()
        self._head = 0
        self._top: int | None = None  # a gapless log's newest seq: pages are seq ranges

    @property
    def review_app(self) -> ReviewApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Static(Text("verifying the chain…"), id="audit-verify")
        yield Static(id="audit-detail")
        yield EventTable(self._fetch, id="audit-table")
        yield EventDetail(id="audit-event")
        yield Footer()

    def on_mount(self) -> None:
        self._head = head_seq(self.review_app.store)
        shape = provisional_shape(self._head)
        self._top = shape.top
        self.query_one(EventTable).reload(shape.count)
        self._count_log()
        self.action_verify()
        self.set_interval(POLL_S, self.poll)

    def _count_log(self) -> None:
        """Count the log, in a thread for a store on disk, and correct the provisional shape."""
        db = self.review_app.db_path
        if db is None:
            self._counted(self._head, log_shape(self.review_app.store))
        else:
            self._count_in_thread(db)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.review_app.screen_worker_failed(event)

    @work(thread=True, exclusive=True, group="log-count", exit_on_error=False,
          name="count the audit log")
    def _count_in_thread(self, db: Path) -> None:
        head, shape = counted_shape(db)
        self.app.call_from_thread(self._counted, head, shape)

    def _counted(self, head: int, shape: LogShape) -> None:
        table = self.query_one(EventTable)
        # A poll that saw a newer head counted again itself; a count of an older one is stale.
        if head != self._head or (shape.top == self._top and shape.count == table.total):
            return
        self._top = shape.top
        table.reload_keeping(shape.count)

    def _fetch(self, offset: int, limit: int) -> list[dict[str, Any]]:
        return event_page(self.review_app.store, offset, limit, top=self._top)

    def poll(self) -> None:
        """Show events appended elsewhere, keeping the cursor on the same event.

        One index lookup per tick; the log is counted again only when it grew.
        """
        if not self.is_current:
            return
        head = head_seq(self.review_app.store)
        if head != self._head:
            self._head = head
            shape = log_shape(self.review_app.store)
            self._top = shape.top
            self.query_one(EventTable).reload_keeping(shape.count)

    # -- verify ------------------------------------------------------------------------

    def action_verify(self) -> None:
        """Recompute the whole chain: inline for an in-memory store, else in a thread."""
        self._set_verify_line(Text("verifying the chain…"), None)
        app = self.review_app
        if app.db_path is None:
            self.show_report(app.store.verify().to_json())
        else:
            self._verify_in_thread(app.db_path)

    @work(thread=True, exclusive=True, group="verify", exit_on_error=False,
          name="verify the chain")
    def _verify_in_thread(self, db: Path) -> None:
        # The thread only waits on the child process that does the hashing, and stops it
        # once the worker is cancelled: verify asked for again (exclusive) or the screen left.
        worker = get_current_worker()
        report = verify_file(db, lambda: worker.is_cancelled)
        if report is not None:
            self.app.call_from_thread(self.show_report, report)

    def show_report(self, report: dict[str, Any]) -> None:
        """Show a verify report at the top and put the cursor on its first bad row."""
        if not self.is_attached:
            return
        ok, head, more = verify_lines(report)
        self._set_verify_line(Text(head), ok)
        self.query_one("#audit-detail", Static).update(Text("\n".join(more)))
        self.query_one("#audit-detail", Static).display = bool(more)
        table = self.query_one(EventTable)
        bad = report.get("first_bad_seq")
        table.bad_seq = bad if isinstance(bad, int) else None
        if table.bad_seq is not None:
            table.cursor = event_index(self.review_app.store, table.bad_seq)
        table.refresh()

    def _set_verify_line(self, text: Text, ok: bool | None) -> None:
        line = self.query_one("#audit-verify", Static)
        line.set_class(ok is True, "-ok")
        line.set_class(ok is False, "-bad")
        line.update(text)

    # -- actions -----------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open":
            row = self.query_one(EventTable).current
            return row is not None and bool(row.get("proposal_id"))
        return True

    @on(EventTable.Highlighted)
    def highlighted(self, event: EventTable.Highlighted) -> None:
        self.query_one(EventDetail).show(event.row, blinded=self.review_app.blinded)
        self.refresh_bindings()

    def blinded_changed(self, blinded: bool) -> None:
        """Blinded review went on or off (`ReviewApp.watch_blinded`): rerun verdicts in the
        rows and the detail are shown or hidden."""
        table = self.query_one(EventTable)
        table.invalidate()
        table.refresh()
        self.query_one(EventDetail).show(table.current, blinded=blinded)

    def action_open(self) -> None:
        self.query_one(EventTable).action_open()

    @on(EventTable.Opened)
    def open_proposal(self, event: EventTable.Opened) -> None:
        ref = event.row.get("proposal_id")
        if not isinstance(ref, str) or not ref:
            self.notify("this event belongs to no proposal", severity="warning", markup=False)
            return
        try:
            pid = self.review_app.store.resolve(ref)
        except STORE_ERRORS as exc:
            self.review_app.report_error(f"open {short(ref, 12)}", exc)
            return
        from reviewer.screens.proposal import ProposalScreen

        self.app.push_screen(ProposalScreen(pid))

    def action_back(self) -> None:
        self.app.pop_screen()
