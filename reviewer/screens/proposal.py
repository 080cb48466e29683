"""One proposal: its text, claimed vs measured, reruns, history, and the decision keys."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import Worker

from reviewer import keys
from reviewer.app import STORE_ERRORS
from reviewer.present import (
    active_rerun_id,
    check_line,
    duplicate_target,
    lineage_line,
)
from reviewer.screens.key_order import DeclaredKeyOrder
from reviewer.screens.proposal_decisions import ProposalDecisions
from reviewer.screens.proposal_reruns import ProposalReruns
from reviewer.screens.proposal_text import finding_snippet, meta_line, summary_with_snippet
from reviewer.textsafe import clean, short
from reviewer.tuidata import QueueView, proposal_view
from reviewer.widgets.assist_panel import AssistPanel
from reviewer.widgets.checks_panel import ChecksPanel
from reviewer.widgets.claim_panel import ClaimPanel
from reviewer.widgets.footer import Footer
from reviewer.widgets.scroll_keys import ScrollKeysContainer
from reviewer.widgets.seed_plot import SeedPlot
from reviewer.widgets.timeline import Timeline
from store import ReviewStore

POLL_S = 1.0


class ProposalScreen(DeclaredKeyOrder, ProposalDecisions, ProposalReruns, Screen[None]):
    """Reads one proposal; approve, reject, comment, assess, undo, rerun and diff from here."""

    BINDINGS: ClassVar[list[BindingType]] = list(keys.bindings("proposal"))
    # One line however long the agent's name: a wrapped line hid all but the id and status.
    DEFAULT_CSS = """
    ProposalScreen #proposal-meta { text-wrap: nowrap; text-overflow: ellipsis; }
    """

    def __init__(self, proposal_id: str, queue: QueueView | None = None) -> None:
        super().__init__()
        self.proposal_id = proposal_id
        # The queue this was opened from, whose order `R` walks; else the default queue's.
        self.queue = queue or QueueView()
        self.data: dict[str, Any] = {}
        self.shown_hidden: bool | None = None  # whether the claim was hidden when last shown

    def compose(self) -> ComposeResult:
        yield Static(id="proposal-title")
        yield Static(id="proposal-meta")
        yield Static(id="proposal-lineage")
        with ScrollKeysContainer(id="proposal-body"):
            yield Static(id="proposal-summary")
            yield ClaimPanel(id="proposal-claim")
            yield SeedPlot(id="proposal-seed-plot")
            with Horizontal(id="proposal-checks-row"):
                yield ChecksPanel(id="proposal-checks")
                yield AssistPanel(id="proposal-assist")
            yield Timeline(id="proposal-timeline")
        yield Footer()

    def on_mount(self) -> None:
        self.apply(proposal_view(self.review_app.store, self.proposal_id, self.review_app.actor))
        self.set_interval(POLL_S, self.poll)

    def blinded_changed(self, _blinded: bool) -> None:
        """Blinded review went on or off (`ReviewApp.watch_blinded`)."""
        self.apply(self.data)

    # -- showing ------------------------------------------------------------------------

    def apply(self, data: dict[str, Any]) -> None:
        """Show `data` (a `shapes.show()` object); agent text is cleaned, markup stays off."""
        previous, self.data = self.data, data
        was_hidden, self.shown_hidden = self.shown_hidden, self.claim_hidden
        self.query_one("#proposal-title", Static).update(
            Text(short(self.agent_text(data["title"]), 400), style="bold")
        )
        self.query_one("#proposal-meta", Static).update(Text(meta_line(data)))
        lineage = self.query_one("#proposal-lineage", Static)
        line = lineage_line(data.get("lineage"))
        parents = (data.get("lineage") or {}).get("parents") or []
        if parents and data["diff_sha256"]:
            key = keys.display_key(self.review_app.key_for("parent_diff"))
            line += f"  ·  {key}: what its code changes"
        lineage.update(Text(line))
        lineage.display = bool(line)
        lineage.set_class(any(p["status"] == "rejected" for p in parents), "-rejected-parent")
        if (not previous or previous.get("summary") != data["summary"]
                or was_hidden != self.shown_hidden):
            # Even a summary's start takes a while to lay out: not on every poll.
            whole_key = keys.display_key(self.review_app.key_for("summary"))
            snippet = finding_snippet(data)
            view = summary_with_snippet(self.agent_text(data["summary"]),
                                        snippet and self.agent_text(snippet), whole_key)
            self.query_one("#proposal-summary", Static).update(view)
        app = self.review_app
        hidden = self.claim_hidden
        self.query_one(ClaimPanel).show_data(
            data,
            keys.display_key(app.key_for("rerun")),
            hide_claim=hidden,
            assess_key=keys.display_key(app.key_for("assess")),
        )
        self.query_one(SeedPlot).show_data(data, hide_claim=hidden)
        self.query_one(ChecksPanel).show_data(
            data, keys.display_key(app.key_for("jump")), hide_messages=hidden
        )
        self.query_one(AssistPanel).show_data(data, hidden=hidden)
        self.query_one(Timeline).show_data(data, hide_verdict=hidden)
        self.refresh_bindings()

    def reload(self) -> None:
        self.apply(proposal_view(self.review_app.store, self.proposal_id, self.review_app.actor))

    def poll(self) -> None:
        """Pick up rerun progress and decisions made elsewhere, without a key press."""
        if self.review_app.db_path is None:
            data = proposal_view(self.review_app.store, self.proposal_id, self.review_app.actor)
            if data != self.data:
                self.apply(data)
        else:
            self._poll_in_thread()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.review_app.screen_worker_failed(event)

    @work(thread=True, exclusive=True, group="poll", exit_on_error=False,
          name="refresh the proposal")
    def _poll_in_thread(self) -> None:
        store = self.review_app.open_thread_store()
        try:
            data = proposal_view(store, self.proposal_id, self.review_app.actor)
        finally:
            store.close()
        if data != self.data:
            self.app.call_from_thread(self._apply_if_shown, data)

    def _apply_if_shown(self, data: dict[str, Any]) -> None:
        if self.is_attached:
            self.apply(data)

    # -- actions -----------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.data:
            return True
        pending = self.data["status"] == "pending"
        has_code = self.data["diff_sha256"] is not None
        rules = {
            "approve": pending,
            "reject": pending,
            "undo": not pending,
            "rerun": has_code,
            "rerun_next": has_code,
            "diff": has_code,
            "diff_check": has_code and check_line(self.data.get("checks") or []) is not None,
            "parent_diff": has_code and bool((self.data.get("lineage") or {}).get("parents")),
            "cancel_rerun": active_rerun_id(self.data) is not None,
            "jump": duplicate_target(self.data.get("checks") or []) is not None,
            "parent": bool((self.data.get("lineage") or {}).get("parents")),
            "children": bool((self.data.get("lineage") or {}).get("children_total")),
        }
        return rules.get(action, True)

    def action_jump(self) -> None:
        other = duplicate_target(self.data.get("checks") or [])
        if other is None:
            return
        try:
            pid = self.review_app.store.resolve(other)
        except STORE_ERRORS as exc:
            self.review_app.report_error(f"open {short(other, 12)}", exc)
            return
        self.app.push_screen(ProposalScreen(pid))

    def action_parent(self) -> None:
        parents = (self.data.get("lineage") or {}).get("parents") or []
        if parents:
            self.app.push_screen(ProposalScreen(parents[0]["id"]))

    def action_children(self) -> None:
        """Back to the queue, filtered to the proposals that build on this one."""
        from reviewer.screens.queue import QueueScreen

        stack = self.app.screen_stack
        queue = next((s for s in reversed(stack) if isinstance(s, QueueScreen)), None)
        if queue is None:
            return
        while self.app.screen is not queue:  # pop_screen takes each off the stack at once
            self.app.pop_screen()
        queue.show_children(self.proposal_id)

    def action_summary(self) -> None:
        from reviewer.screens.summary import SummaryScreen

        self.app.push_screen(SummaryScreen(self.proposal_id, self.agent_text(self.data["title"]),
                                           self.agent_text(self.data["summary"])))

    def action_diff(self) -> None:
        from reviewer.screens.diff import DiffScreen

        self.app.push_screen(DiffScreen(self.proposal_id,
                                        title=self.agent_text(self.data.get("title") or "")))

    def action_diff_check(self) -> None:
        """The diff, opened at the line the most severe open check names."""
        from reviewer.screens.diff import DiffScreen

        at = check_line(self.data.get("checks") or [])
        if at is not None:
            self.app.push_screen(DiffScreen(self.proposal_id, at=at,
                                            title=self.agent_text(self.data.get("title") or "")))

    def action_parent_diff(self) -> None:
        """What this proposal's code changes from its parent's, worked out in the background."""
        from reviewer.parentdiff import ParentDiff, ParentDiffError, parent_diff
        from reviewer.screens.diff import DiffScreen

        pid = self.proposal_id

        def compare(store: ReviewStore) -> ParentDiff | str:
            try:
                return parent_diff(store, pid)
            except (ParentDiffError, OSError) as exc:
                return str(exc)

        def show_it(found: ParentDiff | str) -> None:
            if isinstance(found, str):
                self.notify(clean(found), title="diff from parent", severity="warning",
                            markup=False)
            elif not found.files:
                self.notify(f"the same code as its parent {found.parent.id[:12]}",
                            title="diff from parent", markup=False)
            else:
                title = self.agent_text(self.data.get("title") or "")
                self.app.push_screen(DiffScreen(pid, from_parent=found, title=title))

        self.review_app.perform(f"diff of {pid[:12]} from its parent", compare, show_it)

    def action_back(self) -> None:
        self.app.pop_screen()
