"""The audit log as a paged table, newest first; the first bad row of a broken chain in red."""

from __future__ import annotations

from typing import ClassVar

from rich.style import Style

from reviewer.present import Column
from reviewer.present_audit import EVENT_COLUMNS, event_cells
from reviewer.widgets.paged_table import Fetch, PagedTable, Row


class EventTable(PagedTable):
    """Audit events from `fetch(offset, limit)`; `bad_seq` marks where verify found damage."""

    DEFAULT_CSS = """
    EventTable > .event-table--bad { color: $text-error; text-style: bold; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {"event-table--bad"}
    COLUMNS: ClassVar[tuple[Column, ...]] = EVENT_COLUMNS
    EMPTY = "the audit log is empty"

    def __init__(self, fetch: Fetch, *, id: str | None = None) -> None:
        super().__init__(fetch, key="seq", id=id)
        self._bad_seq: int | None = None

    @property
    def bad_seq(self) -> int | None:
        return self._bad_seq

    @bad_seq.setter
    def bad_seq(self, seq: int | None) -> None:
        if seq != self._bad_seq:
            self._bad_seq = seq
            self.invalidate()  # the marked row's cells change, and rendered rows are cached

    def cells(self, row: Row) -> dict[str, str]:
        cells = event_cells(row, blinded=bool(getattr(self.app, "blinded", False)))
        if row.get("seq") == self.bad_seq:
            cells["seq"] = f"! {cells['seq']}"
        return cells

    def row_style(self, row: Row) -> Style | None:
        if self.bad_seq is not None and row.get("seq") == self.bad_seq:
            return self.get_component_rich_style("event-table--bad")
        return None
