"""One proposal: its text, claimed vs measured, reruns, history, and the decision keys."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Static
from textual.worker import Worker

from reviewer import keys
from reviewer.agent_markdown import AgentMarkdown
from reviewer.app import STORE_ERRORS
from reviewer.assist import AssistError, load_assist_config, second_opinion
from reviewer.blinding import blind_agent_text
from reviewer.decide import Outcome, decide, undo
from reviewer.present import (
    active_rerun_id,
    check_line,
    children_note,
    duplicate_target,
    lineage_line,
)
from reviewer.rerun.jobs import (
    DEFAULT_SEEDS,
    MAX_SEEDS,
    request_rerun,
    rerun_seed_list,
)
from reviewer.shapes import show
from reviewer.textsafe import clean, short
from reviewer.tuidata import (
    ASSESSMENT,
    QueueView,
    assessed_by,
    current_rerun,
    next_to_rerun,
    proposal_view,
)
from reviewer.widgets.assessment_modal import Assessment, AssessmentModal
from reviewer.widgets.assist_panel import AssistPanel
from reviewer.widgets.checks_panel import ChecksPanel
from reviewer.widgets.claim_panel import ClaimPanel
from reviewer.widgets.prompt import ConfirmModal, PromptModal, Validator
from reviewer.widgets.scroll_keys import ScrollKeysContainer
from reviewer.widgets.seed_plot import SeedPlot
from reviewer.widgets.timeline import Timeline
from store import ReviewStore, Seen
from store.jobs import Job
from store.seen import NO_DECISION

if TYPE_CHECKING:
    from reviewer.app import ReviewApp

POLL_S = 1.0
# Rich's Markdown takes 1.7-4.9 s on 200,000 hostile characters, on the UI thread.
MARKDOWN_LIMIT = 20_000
# Laying out 40,000 short lines as plain text took 2 s: past this, the rest is a key away.
SUMMARY_LINES = 400
# An agent's name past this many characters pushed the diff hash off the meta line.
META_AGENT = 24


def meta_line(data: dict[str, Any]) -> str:
    """Id, status and diff hash first, then the agent (capped), idea, harness and commit."""
    meta = (
        f"{data['id'][:12]}  {data['status']}  diff {(data['diff_sha256'] or 'none')[:12]}  "
        f"agent {short(data['agent'], META_AGENT)}  idea {short(data['idea'], 60) or '-'}  "
        f"harness {short(data['harness'], 40)}"
    )
    if data.get("source_format") == "git_commit":
        meta += f"  commit {short(data.get('external_id') or '', 64)[:12]}"
    return meta


@dataclass(frozen=True)
class RerunNext:
    """What `R` did: the rerun it queued, or the one already queued or running that it left
    alone, and the proposal to open next (None past the queue's last)."""

    queued: Job | None
    already: int | None
    following: str | None


def required(what: str) -> Validator:
    """A prompt validator refusing an empty answer, naming what is missing."""

    def check(value: str) -> str | None:
        return None if value.strip() else f"a {what} is required"

    return check


def chosen_seeds(value: str) -> int | list[int]:
    """What the seeds prompt asks for: a number of seeds to draw here, or the seeds
    themselves ('11-15', '3,7,9'); ValueError saying what is wrong."""
    text = value.strip()
    if text.isascii() and text.isdigit():
        k = int(text)
        if not 1 <= k <= MAX_SEEDS:
            raise ValueError(f"enter a number of seeds from 1 to {MAX_SEEDS}, or seeds "
                             "such as 11-15 or 3,7,9")
        return k
    return rerun_seed_list(text)


def seeds_count(value: str) -> str | None:
    """A prompt validator for `chosen_seeds`."""
    try:
        chosen_seeds(value)
    except ValueError as exc:
        return str(exc)
    return None


def summary_is_cut(text: str) -> bool:
    """Whether the proposal screen shows only the start of this (cleaned) summary."""
    return len(text) > MARKDOWN_LIMIT or text.count("\n") >= SUMMARY_LINES


def summary_view(summary: str | None, whole_key: str = "S") -> AgentMarkdown | Text:
    """The agent's summary as Markdown or, when long, its start as plain text and a note
    that `whole_key` shows it all.

    Rich's Markdown never reads Rich markup; AgentMarkdown keeps links inert and picks the
    code blocks' lexers itself.
    """
    text = clean(summary)
    if not summary_is_cut(text):
        return AgentMarkdown(text)
    head = "\n".join(text[:MARKDOWN_LIMIT].split("\n")[:SUMMARY_LINES])
    lines = text.count("\n") + 1
    return Text(f"[{len(text):,} characters in {lines:,} lines, too long to show here: its "
                f"first {len(head):,} characters as plain text; {whole_key} shows it all]\n\n"
                f"{head}\n[…]")


class ProposalScreen(Screen[None]):
    """Reads one proposal; approve, reject, comment, assess, undo, rerun and diff from here."""

    BINDINGS: ClassVar = keys.bindings("proposal")
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

    @property
    def review_app(self) -> ReviewApp:
        return self.app  # type: ignore[return-value]

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
        self.watch(self.app, "blinded", lambda _blinded: self.apply(self.data), init=False)
        self.set_interval(POLL_S, self.poll)

    @property
    def claim_hidden(self) -> bool:
        """Blinded review hides the claim until this reviewer has recorded an assessment."""
        app = self.review_app
        return app.blinded and not assessed_by(self.data, app.actor)

    # -- showing ------------------------------------------------------------------------

    def agent_text(self, text: str) -> str:
        """The agent's `text`, with the claimed values in it masked while the claim is hidden."""
        claims = self.data.get("claims") or []
        return blind_agent_text(text, claims) if self.claim_hidden else text

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
            view = summary_view(self.agent_text(data["summary"]), whole_key)
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

    def _after_write(self, message: str) -> None:
        # A write can land after the user left this screen: say it was saved all the same.
        if self.is_attached:
            self.reload()
        self.app.notify(message, markup=False)

    def action_approve(self) -> None:
        if self.claim_hidden:
            key = keys.display_key(self.review_app.key_for("assess"))
            self.notify(
                f"blinded review: record your assessment ({key}) before approving",
                title="refused",
                severity="warning",
                markup=False,
            )
            return
        self._decide("approve")

    def action_reject(self) -> None:
        self._decide("reject")

    def _decide(self, action: str) -> None:
        pid = self.proposal_id
        actor = self.review_app.actor
        verb = {"approve": "Approve", "reject": "Reject"}[action]
        # The gates an approval would fail now, as `shapes.show` computed them on refresh.
        gates = list(self.data.get("gates") or [])
        unmet = [clean(g, single_line=True) for g in gates]
        gated = action == "approve" and bool(unmet)
        # The store refuses the decision if the code or the gates moved on from these.
        seen = Seen(self.data.get("diff_sha256"), tuple(gates))

        def record(reason: str, override: str | None) -> None:
            self.review_app.perform(
                f"{action} {pid[:12]}",
                lambda store: decide(
                    store, pid, action, reason=reason, actor=actor, override=override, seen=seen
                ),
                self._decided,
            )

        def decided(reason: str | None) -> None:
            if reason is None:
                return
            if not gated:
                record(reason, None)
                return
            self.app.push_screen(
                PromptModal(
                    "Override the unmet gates? The reason is its own audit event.",
                    placeholder="override reason (esc: do not approve)",
                    validate=required("override reason"),
                ),
                lambda override: None if override is None else record(reason, override),
            )

        title = f"{verb} {short(self.agent_text(self.data.get('title') or ''), 50)}: why?"
        if action == "approve":
            title += "\n\n" + (
                "Gates: all passed."
                if not unmet
                else "Unmet gates (approving needs an override):\n"
                + "\n".join(f"  ✗ {g}" for g in unmet)
            )
        self.app.push_screen(
            PromptModal(
                title,
                placeholder="reason (required, kept in the audit trail)",
                validate=required("reason"),
            ),
            decided,
        )

    def _decided(self, outcome: Outcome) -> None:
        """Report a decision the way the CLI does: pending approvals and publish failures."""
        event = outcome.event
        pid = (event.proposal_id or "")[:12]
        if event.action == "approve" and outcome.status == "pending":
            self._after_write(f"approval recorded for {pid}; more reviewers must approve")
        else:
            self._after_write(f"{outcome.status} {pid}")
        if outcome.pending_children:
            self.notify(children_note(outcome.pending_children, pid, outcome.pending_line,
                                      outcome.line_complete), title="lineage",
                        severity="warning", markup=False)
        if outcome.publish_error is not None:
            self._publish_warning(f"the decision stands but publishing failed: "
                                  f"{outcome.publish_error}")

    def _publish_warning(self, message: str) -> None:
        self.notify(clean(message), title="publish", severity="warning", markup=False)

    def action_comment(self) -> None:
        pid = self.proposal_id
        actor = self.review_app.actor

        def commented(text: str | None) -> None:
            if text is None:
                return
            self.review_app.perform(
                f"comment on {pid[:12]}",
                lambda store: store.comment(pid, text, actor=actor),
                lambda _event: self._after_write("comment added"),
            )

        self.app.push_screen(
            PromptModal("Comment", placeholder="comment", validate=required("comment")),
            commented,
        )

    def action_undo(self) -> None:
        pid = self.proposal_id
        actor = self.review_app.actor
        # Undo what this screen shows as the last decision, not one made since elsewhere.
        shown = self.data.get("decisions") or []
        seen = Seen(self.data.get("diff_sha256"),
                    last_decision=shown[-1].get("seq", NO_DECISION) if shown else NO_DECISION)

        def reasoned(reason: str | None) -> None:
            if reason is None:
                return
            self.review_app.perform(
                f"undo on {pid[:12]}",
                lambda store: undo(store, pid, actor=actor, reason=reason, seen=seen),
                self._undone,
            )

        what = shown[-1].get("action", "decision") if shown else "decision"
        title = short(self.agent_text(self.data.get("title") or ""), 50)
        self.app.push_screen(
            PromptModal(
                f"Undo the {what} of {title}: why?",
                placeholder="reason (required, kept in the audit trail; esc: do not undo)",
                validate=required("reason"),
            ),
            reasoned,
        )

    def _undone(self, outcome: Outcome) -> None:
        gone = outcome.withdrawn
        note = "" if gone is None else f" and {clean(gone.describe(), single_line=True)}"
        self._after_write(f"undid {outcome.event.payload['reverted_action']}{note}")
        if outcome.publish_error is not None:
            self._publish_warning(f"the undo stands but withdrawing failed: "
                                  f"{outcome.publish_error}")

    def _seeds(self, k: int) -> list[int]:
        """This TUI session's k seeds, unless this proposal already ran on them."""
        used = [r.get("seeds") or [] for r in self.data.get("reruns", [])]
        return self.review_app.rerun_seeds.seeds(k, used)

    def action_rerun(self) -> None:
        already = self.data.get("current_rerun")
        if already is None:
            self._ask_seeds()
            return
        self.app.push_screen(
            ConfirmModal(f"Rerun #{already} of this code is already queued or running. "
                         "Queue another?"),
            lambda yes: self._ask_seeds() if yes else None,
        )

    def _ask_seeds(self) -> None:
        """Ask for the number of seeds, then queue a rerun on them."""
        pid = self.proposal_id
        actor = self.review_app.actor

        def chosen(value: str | None) -> None:
            if value is None:
                return
            choice = chosen_seeds(value)
            seeds = self._seeds(choice) if isinstance(choice, int) else choice

            def queue(store: ReviewStore) -> Any:
                return request_rerun(store, pid, actor=actor, seeds=seeds)

            self.review_app.perform(
                f"rerun {pid[:12]}",
                queue,
                lambda job: self._after_write(f"rerun #{job.id} queued on {len(seeds)} seeds"),
            )

        self.app.push_screen(
            PromptModal(
                f"Rerun on how many seeds (1-{MAX_SEEDS}, drawn here), or on which "
                "(e.g. 11-15 or 3,7,9)?",
                value=str(DEFAULT_SEEDS),
                validate=seeds_count,
            ),
            chosen,
        )

    def action_rerun_next(self) -> None:
        """Queue a rerun on the default number of seeds, unless one of this code is already
        queued or running, then open the next proposal with code in the queue's order."""
        pid = self.proposal_id
        actor = self.review_app.actor
        seeds = self._seeds(DEFAULT_SEEDS)
        view = self.queue.blinded() if self.review_app.blinded else self.queue

        def queue(store: ReviewStore) -> RerunNext:
            sha = store.get(pid)["diff_sha256"]
            already = current_rerun(store, pid, sha)
            job = None if already is not None else request_rerun(
                store, pid, actor=actor, seeds=seeds)
            return RerunNext(job, already, next_to_rerun(store, pid, view))

        self.review_app.perform(f"rerun {pid[:12]}", queue, self._rerun_next_done)

    def _rerun_next_done(self, done: RerunNext) -> None:
        if done.queued is not None:
            self.app.notify(f"rerun #{done.queued.id} queued on {len(done.queued.params['seeds'])}"
                            " seeds", markup=False)
        else:
            self.app.notify(f"rerun #{done.already} of this code is already queued or running: "
                            "none queued", severity="warning", markup=False)
        if self.app.screen is not self:
            return  # the user moved on before the write landed: replace no other screen
        if done.following is None:
            self.reload()
            status = self.queue.status or "pending"
            self.notify(f"no {status} proposal with code follows this one in the queue",
                        title="end of the queue", severity="warning", markup=False)
            return
        self.app.switch_screen(ProposalScreen(done.following, self.queue))

    def action_second_opinion(self) -> None:
        """Ask Claude for a blinded second opinion in the background (needs an API key)."""
        pid = self.proposal_id
        actor = self.review_app.actor
        self.notify("asking Claude for a second opinion…", markup=False)

        def ask(store: ReviewStore) -> str | None:
            try:
                checks = show(store, pid)["checks"]
                second_opinion(
                    store, pid, config=load_assist_config(), actor=actor, checks=checks
                )
            except AssistError as exc:
                return str(exc)
            return None

        def done(problem: str | None) -> None:
            if problem is None:
                self._after_write("second opinion recorded")
            else:
                self.notify(clean(problem), title="second opinion", severity="warning",
                            markup=False)

        self.review_app.perform(f"second opinion on {pid[:12]}", ask, done)

    def action_assess(self) -> None:
        pid = self.proposal_id
        actor = self.review_app.actor
        blinded = self.review_app.blinded

        def assessed(answer: Assessment | None) -> None:
            if answer is None:
                return
            payload = {**answer, "blinded": blinded}
            self.review_app.perform(
                f"assessment of {pid[:12]}",
                lambda store: store.annotate(pid, ASSESSMENT, payload, actor=actor),
                lambda _event: self._after_write(
                    f"assessment recorded: {answer['predicted_verdict']}"
                ),
            )

        title = (f"Your assessment of {short(self.agent_text(self.data.get('title') or ''), 40)}"
                 ": what will a rerun say?")
        self.app.push_screen(AssessmentModal(title), assessed)

    def action_cancel_rerun(self) -> None:
        job_id = active_rerun_id(self.data)
        if job_id is None:
            self.notify("no rerun is queued or running", severity="warning", markup=False)
            return
        actor = self.review_app.actor
        self.review_app.perform(
            f"cancel rerun #{job_id}",
            lambda store: store.jobs.cancel(job_id, actor=actor),
            lambda job: self._after_write(f"rerun #{job.id} cancelled"),
        )

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
