"""The agents screen: each agent's track record; enter filters the queue to that agent."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Static

from reviewer import keys
from reviewer.present import held_up, next_in
from reviewer.present.agents import LOOKALIKE_NOTE, agent_label, lookalikes
from reviewer.screens.key_order import DeclaredKeyOrder
from reviewer.widgets.footer import Footer
from reviewer.widgets.scroll_keys import ListTable
from store import ReviewStore
from store.agents import AgentRecord, sorted_records

if TYPE_CHECKING:
    from reviewer.app import ReviewApp

# The two figures a reviewer sorts by come first, so an 80-column terminal shows them.
COLUMNS = ("agent", "total", "held up", "flagged", "pending", "approved", "rejected", "reran",
           "reproduced", "not reproduced", "failed")
ORDER_TEXT = {
    "total": "most proposals first",
    "flagged": "most flagged first",
    "held": "lowest share held up first",
    "name": "by name",
}
# Columns from rerun verdicts, which compare measurements with claims: blinded review hides them.
VERDICT_COLUMNS = frozenset({"reproduced", "not reproduced", "failed", "held up"})


def record_cells(
    record: AgentRecord, *, blinded: bool, twins: set[str] | None = None
) -> list[str | Text]:
    """One table row: the agent's name, cleaned (told apart from `twins`, the names that
    read as another's), then its counts."""
    values = {
        "total": str(record.proposals),
        "pending": str(record.pending),
        "approved": str(record.approved),
        "rejected": str(record.rejected),
        "reran": str(record.reran),
        "reproduced": str(record.reproduced),
        "not reproduced": str(record.not_reproduced),
        "failed": str(record.failed),
        "held up": held_up(record),
        "flagged": str(record.flagged),
    }
    cells: list[str | Text] = [Text(agent_label(record.agent, twins or set()))]
    for name in COLUMNS[1:]:
        text = "hidden" if blinded and name in VERDICT_COLUMNS else values[name]
        cells.append(Text(text, justify="right"))
    return cells


class AgentsScreen(DeclaredKeyOrder, Screen[str | None]):
    """Every agent's proposals by status and rerun verdict, read off the UI thread."""

    BINDINGS: ClassVar[list[BindingType]] = list(keys.bindings("agents"))
    AUTO_FOCUS = "DataTable"

    def __init__(self) -> None:
        super().__init__()
        self._agents: list[str] = []
        self._records: list[AgentRecord] | None = None
        self.order = "total"

    @property
    def review_app(self) -> ReviewApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Static(Text("reading each agent's record…"), id="agents-summary")
        table: ListTable[str | Text] = ListTable(id="agents-table", cursor_type="row")
        table.add_columns(*COLUMNS)
        yield table
        yield Footer()

    def blinded_changed(self, _blinded: bool) -> None:
        """Blinded review went on or off (`ReviewApp.watch_blinded`)."""
        self._redraw()

    def on_mount(self) -> None:
        if self.review_app.db_path is None:
            self._show(self.review_app.store.agent_records())
        else:
            self._read_in_thread()

    @work(thread=True, exclusive=True, group="agent-records", exit_on_error=False)
    def _read_in_thread(self) -> None:
        # At 100k proposals the counts take a few hundred milliseconds: not on the UI thread.
        records = self.review_app.on_own_connection("read agents", ReviewStore.agent_records)
        if records is not None:
            self.app.call_from_thread(self._show, records)

    def _redraw(self) -> None:
        if self._records is not None:
            self._show(self._records)

    def _show(self, records: list[AgentRecord]) -> None:
        blinded = self.review_app.blinded
        # Sorting by the share that held up would reveal verdicts in blinded review.
        order = "total" if blinded and self.order == "held" else self.order
        records = sorted_records(records, order)
        table = self.query_one(DataTable)
        table.clear()
        self._records = records
        self._agents = [r.agent for r in records]
        twins = lookalikes(self._agents)
        for record in records:
            table.add_row(*record_cells(record, blinded=blinded, twins=twins))
        hidden = "; verdicts hidden in blinded review" if blinded else ""
        summary = (
            f"{len(records)} agents, {ORDER_TEXT[order]} (s sorts); enter shows one agent's "
            f"queue. Held up: reproduced of reran. Flagged: an open high-severity check{hidden}"
        )
        if twins:
            summary += f". {LOOKALIKE_NOTE}"
        self.query_one("#agents-summary", Static).update(Text(summary))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        # The table takes enter itself and says which row; the screen binding is for help.
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        row = self.query_one(DataTable).cursor_row
        if 0 <= row < len(self._agents):
            self.dismiss(self._agents[row])

    def action_cycle_sort(self) -> None:
        self.order = next_in(tuple(ORDER_TEXT), self.order)
        self._redraw()

    def action_back(self) -> None:
        self.dismiss(None)
