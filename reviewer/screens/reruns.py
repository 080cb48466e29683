"""The reruns screen: the rerun queue as the workers take it, then finished reruns."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Static

from reviewer import keys
from reviewer.rerun.listing import RerunRow, rerun_rows
from reviewer.screens.key_order import DeclaredKeyOrder
from reviewer.tuidata import change_stamp
from reviewer.widgets.footer import Footer
from reviewer.widgets.scroll_keys import ListTable
from store import ReviewStore
from store.jobs import JOB_STATES

if TYPE_CHECKING:
    from reviewer.app import ReviewApp

# The title last: first, it pushed the result off an 80-column terminal.
COLUMNS = ("job", "state", "proposal", "seeds", "stage or result", "title")
LIMIT = 500
POLL_S = 2.0


def read_reruns(store: ReviewStore) -> tuple[dict[str, int], list[RerunRow]]:
    """Job counts by state and the rows the screen shows."""
    return store.jobs.counts(), rerun_rows(store, JOB_STATES, LIMIT)


class RerunsScreen(DeclaredKeyOrder, Screen[None]):
    """Every rerun, running and queued first, refreshed while it is open."""

    BINDINGS: ClassVar[list[BindingType]] = list(keys.bindings("reruns"))
    AUTO_FOCUS = "DataTable"

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[RerunRow] = []
        self._stamp: tuple[Any, ...] | None = None
        self._counts: dict[str, int] | None = None

    @property
    def review_app(self) -> ReviewApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Static(Text("reading the rerun queue…"), id="reruns-summary")
        table: ListTable[str | Text] = ListTable(id="reruns-table", cursor_type="row")
        table.add_columns(*COLUMNS)
        yield table
        yield Footer()

    def blinded_changed(self, _blinded: bool) -> None:
        """Blinded review went on or off (`ReviewApp.watch_blinded`)."""
        self._redraw()

    def on_mount(self) -> None:
        self.poll()
        self.set_interval(POLL_S, self.poll)

    def _redraw(self) -> None:
        if self._counts is not None:
            self._show(self._counts, self._rows)

    def poll(self) -> None:
        """Read the list again when anything it shows may have changed: an event, a job
        changing state, or a running one reporting progress."""
        store = self.review_app.store
        stamp = (change_stamp(store), store.jobs.running_progress())
        if stamp == self._stamp:
            return
        self._stamp = stamp
        if self.review_app.db_path is None:
            self._show(*read_reruns(self.review_app.store))
        else:
            self._read_in_thread()

    @work(thread=True, exclusive=True, group="reruns-read", exit_on_error=False)
    def _read_in_thread(self) -> None:
        read = self.review_app.on_own_connection("read reruns", read_reruns)
        if read is not None:
            self.app.call_from_thread(self._show, *read)

    def _show(self, counts: dict[str, int], rows: list[RerunRow]) -> None:
        table = self.query_one(DataTable)
        # Keep the cursor on its job across refreshes.
        keep = self._rows[table.cursor_row].job if 0 <= table.cursor_row < len(self._rows) else None
        blinded = self.review_app.blinded
        table.clear()
        self._counts, self._rows = counts, rows
        for row in rows:
            table.add_row(
                Text(str(row.job), justify="right"),
                row.state,
                row.proposal_id[:12],
                Text(str(row.seeds), justify="right"),
                Text(row.outcome(blinded=blinded)),
                Text(row.shown_title(60, blinded=blinded)),
            )
        jobs = [r.job for r in rows]
        if keep in jobs:
            table.move_cursor(row=jobs.index(keep))
        total = sum(counts.values())
        shown = f"; the first {len(rows)} shown" if total > len(rows) else ""
        # Outside `reviewer demo` nothing runs a queued rerun until a worker is started.
        order = ("none runs until a `reviewer worker` takes them" if counts["queued"]
                 and not counts["running"] else "in the order the workers take them")
        summary = (
            f"{counts['running']} running, {counts['queued']} queued ({order}), "
            f"{counts['done']} done, {counts['failed']} failed, "
            f"{counts['cancelled']} cancelled{shown}. Enter opens the proposal."
        )
        self.query_one("#reruns-summary", Static).update(Text(summary))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        # The table takes enter itself and says which row; the screen binding is for help.
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        from reviewer.screens.proposal import ProposalScreen

        row = self.query_one(DataTable).cursor_row
        if 0 <= row < len(self._rows):
            self.app.push_screen(ProposalScreen(self._rows[row].proposal_id))

    def action_back(self) -> None:
        self.app.pop_screen()
