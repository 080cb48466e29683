"""The queue screen: every proposal, paged from SQLite, with filter, sort and search."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.screen import Screen
from textual.widgets import Input

from reviewer import keys
from reviewer.present import BLIND_SORTS, SORT_KEYS, STATUS_FILTERS, BarPart, next_in
from reviewer.present.agents import agent_label, lookalikes
from reviewer.screens.key_order import DeclaredKeyOrder
from reviewer.textsafe import short
from reviewer.tuidata import QueueView, assessed_among, change_stamp
from reviewer.widgets.footer import Footer
from reviewer.widgets.ordered_input import OrderedInput
from reviewer.widgets.queue_table import QueueBar, QueueTable
from store.query import QUEUE_SORT, VERDICT_FILTERS, WALK_INDEX_MATCHES

if TYPE_CHECKING:
    from reviewer.app import ReviewApp

POLL_S = 2.0
# A search with more matches than this shows its first page before its exact count.
FIRST_COUNT = WALK_INDEX_MATCHES + 1


class QueueScreen(DeclaredKeyOrder, Screen[None]):
    """The review queue; opens a proposal on enter and follows the store as it changes."""

    BINDINGS: ClassVar[list[BindingType]] = list(keys.bindings("queue"))
    AUTO_FOCUS = "QueueTable"

    def __init__(self) -> None:
        super().__init__()
        self.status: str | None = None
        self.agent: str | None = None
        self.verdict: str | None = None
        self.builds_on: str | None = None  # a proposal id: show what names it as a parent
        self.line = False  # with builds_on: also what descends from it through pending ones
        self.sort = QUEUE_SORT
        self.text = ""
        self._stamp: tuple[Any, ...] | None = None
        # How each agent's name is shown in the bar: told apart from names that read the same.
        self._agent_labels: dict[str, tuple[str, str]] = {}

    @property
    def review_app(self) -> ReviewApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield QueueBar(id="queue-bar")
        yield QueueTable(self._fetch, self.review_app.now, empty=self._empty_hint(),
                         id="queue-table")
        yield OrderedInput(placeholder="search title, summary, idea, agent", id="queue-search")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#queue-search", Input).display = False
        if self.review_app.blinded:
            self.sort = "newest"
        self.reload()
        self.set_interval(POLL_S, self.poll)

    def on_screen_resume(self) -> None:
        if self.is_mounted:
            self.refresh_rows()

    # -- the store ---------------------------------------------------------------------

    def _filters(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "agent": self.agent,
            "verdict": self.verdict,
            "text": self.text or None,
            "builds_on": self.builds_on,
            "line": self.line and self.builds_on is not None,
        }

    def _fetch(self, offset: int, limit: int) -> list[dict[str, Any]]:
        """One page for the table: a quick indexed query on the UI thread."""
        app = self.review_app
        rows = app.store.list(**self._filters(), sort=self.sort, limit=limit, offset=offset)
        if app.blinded:
            seen = assessed_among(app.store, [r["id"] for r in rows], app.actor)
            for row in rows:
                row["claim_hidden"] = row["id"] not in seen
        return rows

    def _count(self, capped: bool) -> tuple[int, bool]:
        """The number of rows and whether it is exact.

        A new search stops counting at FIRST_COUNT, so its first page shows at once; the
        exact count follows right after that frame (`_settle_count`). A refresh counts in
        full, since a cap would pull a cursor below it back up.
        """
        store = self.review_app.store
        if not (capped and self.text):
            return store.count(**self._filters()), True
        total = store.count(**self._filters(), at_most=FIRST_COUNT)
        return total, total < FIRST_COUNT

    def _settle_count(self, wanted: tuple[Any, ...]) -> None:
        """Replace a capped count by the exact one, unless the query or the data moved on."""
        if not self.is_mounted or (self._filters(), self._stamp) != wanted:
            return
        total = self.review_app.store.count(**self._filters())
        self.query_one(QueueTable).set_total(total)
        self._update_bar(total)

    def _show_count(self, total: int, exact: bool) -> None:
        self._update_bar(total, exact)
        if not exact:
            self.call_after_refresh(self._settle_count, (self._filters(), self._stamp))

    def _update_bar(self, total: int, exact: bool = True) -> None:
        self.query_one(QueueBar).show(self._bar_parts(total, exact))

    def _bar_parts(self, total: int, exact: bool) -> list[BarPart]:
        """The status bar's parts: the count, then every active filter and the search, which
        a narrow terminal keeps, then the blinding, the sort and the rerun counts."""
        counted = f"{total}" if exact else f"{total - 1}+"
        noun = "proposal" if counted == "1" else "proposals"
        parts = [BarPart(f"{counted} {noun}", f"{counted} {noun}", BarPart.KEPT)]
        if self.status:
            parts.append(BarPart(f"filter: {self.status}", self.status, BarPart.KEPT))
        else:
            parts.append(BarPart("filter: all", "", BarPart.EXTRA))
        if self.agent:
            wide, narrow = self._agent_label(self.agent)
            parts.append(BarPart(f"agent: {wide}", f"agent {narrow}", BarPart.KEPT))
        if self.verdict:
            brief = "no verdict" if self.verdict == "none" else self.verdict
            parts.append(BarPart(f"verdict: {self.verdict}", brief, BarPart.KEPT))
        if self.builds_on:
            how = "the line below" if self.line else "building on"
            short_how = "line below" if self.line else "built on"
            parts.append(BarPart(f"{how} {self.builds_on[:12]}",
                                 f"{short_how} {self.builds_on[:8]}", BarPart.KEPT))
        if self.text:
            parts.append(BarPart(f"search: {short(self.text, 40)}", f"/{short(self.text, 16)}",
                                 BarPart.KEPT))
        if self.review_app.blinded:
            parts.append(BarPart("BLINDED", "BLINDED", 3))
        # The pgr sort is by the agent's claim, which the bare name did not say.
        shown = "claimed pgr" if self.sort == "pgr" else self.sort
        parts.append(BarPart(f"sort: {shown}", f"sort {self.sort}", 2))
        jobs = self.review_app.store.jobs.counts()
        parts.append(BarPart(f"reruns: {jobs['running']} running, {jobs['queued']} queued",
                             f"{jobs['running']} running {jobs['queued']} queued",
                             BarPart.EXTRA))
        return parts

    def _empty_hint(self) -> str:
        """What the table says when no row matches, naming the keys as (re)mapped."""
        key = self.review_app.key_for
        return (f"no proposals match ({keys.display_key(key('filter'))}: filter, "
                f"{keys.display_key(key('search'))}: search, "
                f"{keys.display_key(key('clear_search'))}: clear search and filters)")

    def reload(self) -> None:
        """Count the rows of the current query and let the table page them in."""
        total, exact = self._count(capped=True)
        self._stamp = change_stamp(self.review_app.store)
        self.query_one(QueueTable).reload(total)
        self._show_count(total, exact)

    def refresh_rows(self) -> None:
        """Re-read the count and the visible rows, keeping the cursor on the same proposal."""
        total, exact = self._count(capped=False)
        self._stamp = change_stamp(self.review_app.store)
        self.query_one(QueueTable).reload_keeping(total)
        self._show_count(total, exact)

    def poll(self) -> None:
        """Show new ingests, verdicts and rerun counts without a key press.

        One cheap stamp query per tick; rows are re-read only when it moved.
        """
        if not self.is_current:
            return
        if change_stamp(self.review_app.store) != self._stamp:
            self.refresh_rows()

    def blinded_changed(self, _blinded: bool) -> None:
        """Blinded review went on or off (`ReviewApp.watch_blinded`)."""
        if self.review_app.blinded:
            self.verdict = None
            if self.sort not in BLIND_SORTS:
                self.sort = "newest"
        self.refresh_rows()
        self.refresh_bindings()

    # -- actions -----------------------------------------------------------------------

    @property
    def filtered(self) -> bool:
        """Whether a search or any filter narrows the queue."""
        return bool(self.text or self.builds_on or self.status or self.agent or self.verdict)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "clear_search":
            return self.filtered or self.query_one("#queue-search", Input).display
        if action == "plot":
            return not self.review_app.blinded  # the plot shows claims: hidden, not refused
        if action == "open":
            return self.query_one(QueueTable).total > 0
        if action == "toggle_line":
            return self.builds_on is not None
        return True

    def action_open(self) -> None:
        self.query_one(QueueTable).action_open()

    @on(QueueTable.Opened)
    def open_proposal(self, event: QueueTable.Opened) -> None:
        from reviewer.screens.proposal import ProposalScreen

        view = QueueView(**self._filters(), sort=self.sort)
        self.app.push_screen(ProposalScreen(event.row["id"], view))

    def action_audit(self) -> None:
        from reviewer.screens.audit import AuditScreen

        self.app.push_screen(AuditScreen())

    def action_reruns(self) -> None:
        from reviewer.screens.reruns import RerunsScreen

        self.app.push_screen(RerunsScreen())

    def action_agents(self) -> None:
        from reviewer.screens.agents import AgentsScreen

        self.app.push_screen(AgentsScreen(), self._show_agent)

    def show_children(self, pid: str) -> None:
        """This queue, filtered to the proposals that name `pid` as their parent."""
        self.builds_on = pid
        self.line = False
        self.reload()
        self.refresh_bindings()

    def action_toggle_line(self) -> None:
        """Widen a lineage filter to the whole line below it (what a rejection of it gates),
        or narrow it back to the direct children."""
        self.line = not self.line
        self.reload()

    def _show_agent(self, agent: str | None) -> None:
        """The agents screen's choice: this queue, filtered to that agent."""
        if agent is not None:
            self.agent = agent
            self.reload()

    def action_plot(self) -> None:
        from reviewer.screens.claims_plot import ClaimsPlotScreen

        if self.review_app.blinded:
            self.notify("blinded review hides claims; turn it off (b) to see the plot",
                        severity="warning", markup=False)
            return
        self.app.push_screen(ClaimsPlotScreen())

    def action_cycle_filter(self) -> None:
        self.status = next_in(STATUS_FILTERS, self.status)
        self.reload()

    def _agent_label(self, agent: str) -> tuple[str, str]:
        """The bar's wide and narrow text for an agent, marked when its name reads as
        another agent's; worked out again only for a name not seen before."""
        if agent not in self._agent_labels:
            names = self.review_app.store.agents()
            twins = lookalikes(names)
            self._agent_labels = {
                name: (agent_label(name, twins, 30), agent_label(name, twins, 16))
                for name in {*names, agent}
            }
        return self._agent_labels[agent]

    def action_cycle_agent(self) -> None:
        self.agent = next_in((None, *self.review_app.store.agents()), self.agent)
        self.reload()

    def action_cycle_verdict(self) -> None:
        if self.review_app.blinded:
            # A verdict compares the measurement with the claim, so it would unblind.
            self.notify("blinded review hides verdicts", severity="warning", markup=False)
            return
        self.verdict = next_in((None, *VERDICT_FILTERS), self.verdict)
        self.reload()

    def action_cycle_sort(self) -> None:
        self.sort = next_in(BLIND_SORTS if self.review_app.blinded else SORT_KEYS, self.sort)
        self.reload()

    def action_search(self) -> None:
        search = self.query_one("#queue-search", Input)
        search.display = True
        search.value = self.text
        # At once, not as `focus()` does after the keys already queued: a search typed in one
        # burst (a paste, a fast typist) went to the table, whose `f` changed the filter.
        self.set_focus(search)
        self.refresh_bindings()

    @on(Input.Changed, "#queue-search")
    def search_changed(self, event: Input.Changed) -> None:
        # FTS5 with a prefix match is quick enough to narrow the queue as the user types.
        self.text = event.value.strip()
        self.reload()

    @on(Input.Submitted, "#queue-search")
    def search_submitted(self, event: Input.Submitted) -> None:
        self.text = event.value.strip()
        search = self.query_one("#queue-search", Input)
        search.display = bool(self.text)
        self.query_one(QueueTable).focus()
        self.reload()

    def action_clear_search(self) -> None:
        """Back to the whole queue: no search and no status, agent, verdict or lineage filter."""
        search = self.query_one("#queue-search", Input)
        search.value = ""
        search.display = False
        self.text = ""
        self.status = self.agent = self.verdict = self.builds_on = None
        self.line = False
        self.query_one(QueueTable).focus()
        self.reload()
        self.refresh_bindings()
