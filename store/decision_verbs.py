"""DecisionVerbs: approving, rejecting and undoing under the gates, and reviewers' notes."""

from __future__ import annotations

from typing import Any

from store import audit
from store.errors import GateError, IllegalTransition, StoreError
from store.gates import GatePolicy, gating_rerun, unmet
from store.proposals import DECISIONS, Lifecycle, current_diff_sha
from store.seen import (
    DECISION_EVENTS,
    NO_DECISION,
    Seen,
    check_diff,
    check_last_decision,
    check_override,
)
from store.store_base import StoreBase, require_text, text_problem

# Events that record something about a proposal without changing its state.
ANNOTATIONS = ("assist", "assessment", "publish", "publish_failed", "withdraw", "override",
               "publisher_named", "publish_started")


class DecisionVerbs(StoreBase):
    """Decisions on a proposal, checked against its lifecycle and the gate policy, and the
    comments and annotations recorded beside them."""

    def decide(
        self,
        ref: str,
        action: str,
        *,
        reason: str,
        actor: str,
        override: str | None = None,
        seen: Seen | None = None,
    ) -> audit.Event:
        """Approve or reject a pending proposal with a reason.

        An approval must pass the store's gate policy, or carry an `override` reason, which
        is recorded as its own `override` event just before the approval. An approval names
        the rerun the gates judged (`rerun_job`, null without one). With `seen`, the
        decision is refused (StaleView) unless the diff is the one shown and an override
        covers only gates that were shown failing.
        """
        if action not in DECISIONS:
            raise StoreError(f"a decision is one of {', '.join(DECISIONS)}, not {action!r}")
        reason = require_text(reason, "reason")
        if override is not None:
            override = require_text(override, "override reason")
        policy = self.gate_policy
        with self._write():
            pid = self.resolve(ref)
            life = self._lifecycle(pid)
            payload: dict[str, Any] = {"reason": reason}
            if action == "approve":
                payload["required_approvals"] = policy.required_approvals
            life.apply(0, action, pid, actor, payload)
            diff_sha = current_diff_sha(self.conn, pid)
            if seen is not None:
                check_diff(pid, seen, diff_sha)
            # A decision binds to the exact code it was made on.
            payload["diff_sha256"] = diff_sha
            if action == "approve":
                rerun = gating_rerun(self.conn, pid, diff_sha)
                # The published record carries the measurement this approval rested on, not
                # whatever rerun finishes after it.
                payload["rerun_job"] = rerun["job"] if rerun is not None else None
                gates = unmet(self.conn, pid, policy)
                failed = gates + self._independence(pid, diff_sha, life, policy)
                if failed and override is None:
                    raise GateError(pid, failed)
                if failed and seen is not None:
                    check_override(pid, seen, failed)  # the screen shows `gates(actor=)`
                if failed:
                    payload["override_seq"] = self._event(
                        actor, "override", pid, {"reason": override, "unmet": failed}
                    ).seq
            event = self._event(actor, action, pid, payload)
            self._set_status(pid, life.status)
        return event

    def _independence(
        self, pid: str, diff_sha: str | None, life: Lifecycle, policy: GatePolicy
    ) -> list[str]:
        """The two-person rule's second half: the rerun's requester cannot approve alone.

        Checked only on the approval that would complete the count, so a requester may still
        give one of several required approvals.
        """
        if not policy.independent_approver or len(life.approvers) < policy.required_approvals:
            return []
        rerun = gating_rerun(self.conn, pid, diff_sha)
        if rerun is not None and set(life.approvers) == {rerun["requested_by"]}:
            return [f"{rerun['requested_by']} requested the rerun and cannot be the only approver"]
        return []

    def gates(
        self, ref: str, policy: GatePolicy | None = None, actor: str | None = None
    ) -> list[str]:
        """The gates an approval would fail now (empty when it may proceed).

        With `actor`, also the two-person rule's independence gate for an approval by them,
        so that a screen shows (and an override covers) every gate their approval fails.
        """
        pid = self.resolve(ref)
        policy = policy or self.gate_policy
        failed = unmet(self.conn, pid, policy)
        if actor is None or not policy.independent_approver:
            return failed
        life = self._lifecycle(pid)
        try:
            life.apply(0, "approve", pid, actor, {"required_approvals": policy.required_approvals})
        except IllegalTransition:
            return failed  # this actor cannot approve it at all; decide() says why
        return failed + self._independence(pid, current_diff_sha(self.conn, pid), life, policy)

    def approve(
        self, ref: str, *, reason: str, actor: str, override: str | None = None,
        seen: Seen | None = None,
    ) -> audit.Event:
        return self.decide(ref, "approve", reason=reason, actor=actor, override=override,
                           seen=seen)

    def reject(self, ref: str, *, reason: str, actor: str, seen: Seen | None = None
               ) -> audit.Event:
        return self.decide(ref, "reject", reason=reason, actor=actor, seen=seen)

    def undo(
        self, ref: str, *, actor: str, reason: str | None = None, seen: Seen | None = None
    ) -> audit.Event:
        """Revert the last live decision with a new event; the old one stays in the log.

        With `seen`, refused (StaleView) if a decision event came after the one shown.
        """
        with self._write():
            pid = self.resolve(ref)
            if seen is not None:
                check_last_decision(pid, seen, self._last_decision(pid))
            life = self._lifecycle(pid)
            if not life.decisions:
                raise IllegalTransition(f"cannot undo {pid[:12]}: it has no decision to undo")
            reverted_seq, reverted_action, _ = life.decisions[-1]
            life.apply(0, "undo", pid)
            payload: dict[str, Any] = {"reverts": reverted_seq, "reverted_action": reverted_action}
            if reason:
                payload["reason"] = require_text(reason, "reason")
            event = self._event(actor, "undo", pid, payload)
            self._set_status(pid, life.status)
        return event

    def _last_decision(self, pid: str) -> int:
        marks = ", ".join("?" * len(DECISION_EVENTS))
        row = self.conn.execute(
            f"SELECT MAX(seq) FROM events WHERE proposal_id = ? AND action IN ({marks})",
            (pid, *DECISION_EVENTS),
        ).fetchone()
        return row[0] or NO_DECISION

    def comment(self, ref: str, text: str, *, actor: str) -> audit.Event:
        text = require_text(text, "comment")
        with self._write():
            pid = self.resolve(ref)
            return self._event(actor, "comment", pid, {"text": text})

    def annotate(
        self, ref: str, action: str, payload: dict[str, Any], *, actor: str
    ) -> audit.Event:
        """Record an event that changes no state: a second opinion, an assessment, a publish."""
        if action not in ANNOTATIONS:
            raise StoreError(f"an annotation is one of {', '.join(ANNOTATIONS)}, not {action!r}")
        note = payload.get("note") if action == "assessment" else None
        if note is not None:
            # The person's own words, bounded as a comment is, whichever screen or script wrote it.
            problem = (text_problem(note, "note", required=False) if isinstance(note, str)
                       else "the note must be text")
            if problem is not None:
                raise StoreError(problem)
        with self._write():
            pid = self.resolve(ref)
            return self._event(actor, action, pid, payload)
