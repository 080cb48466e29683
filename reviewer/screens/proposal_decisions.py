"""The proposal screen's keys that go on the record: decide, comment, undo, assess, ask Claude."""

from __future__ import annotations

from reviewer import keys
from reviewer.assist import AssistError, load_assist_config, second_opinion
from reviewer.decide import Outcome, decide, undo
from reviewer.present import children_note
from reviewer.screens.proposal_base import ProposalBase
from reviewer.shapes import show
from reviewer.textsafe import clean, short
from reviewer.tuidata import ASSESSMENT
from reviewer.widgets.assessment_modal import Assessment, AssessmentModal
from reviewer.widgets.prompt import PromptModal, Validator
from store import ReviewStore, Seen
from store.seen import NO_DECISION
from store.store_base import text_problem


def required(what: str) -> Validator:
    """A prompt validator refusing what the store would (nothing visible, too long), so the
    dialog stays open with the text instead of closing and losing it."""

    def check(value: str) -> str | None:
        return text_problem(value, what)

    return check


class ProposalDecisions(ProposalBase):
    """Decisions, comments, undo, the reviewer's assessment and Claude's second opinion."""

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
