"""The audit log as a paged table, newest first; the first bad row of a broken chain in red."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from reviewer.present import Column
from reviewer.present_audit import EVENT_COLUMNS, event_cells, payload_summary
from reviewer.textsafe import clean
from reviewer.widgets.paged_table import Fetch, PagedTable, Row
from reviewer.widgets.scroll_keys import ScrollKeysContainer

# Payload fields people write (or a run reports) at any length, shown whole under the table.
FULL_TEXT_KEYS = ("reason", "text", "note", "error", "unmet")


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


# A stored reason is at most 10,000 characters; a tampered one of a megabyte took seconds to
# wrap on each cursor move onto it.
FIELD_MAX = 20_000


def _field(value: Any) -> str:
    text = "; ".join(clean(item) for item in value) if isinstance(value, list) else clean(value)
    if len(text) > FIELD_MAX:
        return f"{text[:FIELD_MAX]}… ({len(text) - FIELD_MAX:,} more characters)"
    return text


def event_detail(row: Row | None, *, blinded: bool = False) -> str:
    """One event in full: who did what when, then its reasons and notes uncut.

    The table cuts a payload to one line; a reject or override reason runs to thousands of
    characters. Every stored string is cleaned as the table cleans it, keeping its lines.
    """
    if row is None:
        return ""
    cells = event_cells(row, blinded=blinded)
    pid = clean(row.get("proposal_id"), single_line=True) or "-"
    head = " · ".join((f"seq {cells['seq']}", cells["time"], cells["actor"], cells["action"],
                       f"proposal {pid}"))
    payload = row.get("payload")
    given = payload if isinstance(payload, dict) else {}
    fields = []
    for key in FULL_TEXT_KEYS:
        if given.get(key) not in (None, "", []):
            # An override's unmet gates name the latest rerun's verdict ("says not_reproduced").
            hidden = blinded and key == "unmet"
            fields.append(f"{key}: {'hidden (blinded review)' if hidden else _field(given[key])}")
    # Without such a field the table's summary says all there is (and hides what blinding hides).
    return "\n".join([head, *(fields or [payload_summary(payload, blinded=blinded)])])


class EventDetail(ScrollKeysContainer):
    """The highlighted event in full under the table; tab in and the list keys scroll it."""

    DEFAULT_CSS = """
    EventDetail { height: auto; max-height: 40%; border-top: solid $primary; padding: 0 1; }
    EventDetail > Static { height: auto; }
    """

    def compose(self) -> ComposeResult:
        yield Static()

    def show(self, row: Row | None, *, blinded: bool = False) -> None:
        # Folded, so a reason without spaces wraps rather than running off the screen.
        self.query_one(Static).update(Text(event_detail(row, blinded=blinded), overflow="fold"))
        self.scroll_home(animate=False)
