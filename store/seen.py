"""What a reviewer saw when deciding, so that a decision cannot land on a proposal that moved on.

A decision is made on a screen that was read a moment before; meanwhile an ingest can attach
new code, a check can raise a new gate, and another reviewer can decide. Without this, an
override typed for one unmet gate covered gates that appeared while its prompt was open, an
approval bound to code nobody had read, and an undo reverted someone else's later decision.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from store.errors import StoreError
from store.proposals import LIFECYCLE_ACTIONS

DECISION_EVENTS = (*LIFECYCLE_ACTIONS, "override")
NO_DECISION = 0  # `last_decision` of a proposal whose screen showed no decision event


class StaleView(StoreError):
    """The proposal changed since the reviewer looked; the decision was not recorded."""


@dataclass(frozen=True)
class Seen:
    """The proposal as shown: its diff, the gates an approval failed, its latest decision.

    `last_decision` is the seq of the newest decision event shown (approve, reject, undo,
    invalidate or override), `NO_DECISION` for none, or None to leave it unchecked.
    """

    diff_sha256: str | None
    gates: tuple[str, ...] = ()
    last_decision: int | None = None


def check_diff(pid: str, seen: Seen, diff_sha: str | None) -> None:
    if diff_sha != seen.diff_sha256:
        raise StaleView(
            f"{pid[:12]} has other code than you saw (diff {_short(diff_sha)}, you saw "
            f"{_short(seen.diff_sha256)}): nothing was recorded; read it again")


def check_override(pid: str, seen: Seen, failed: Sequence[str]) -> None:
    """An override covers the gates that were shown failing, not any that failed since."""
    new = [gate for gate in failed if gate not in seen.gates]
    if new:
        raise StaleView(
            f"{pid[:12]}: gates failed that your override did not cover, as they were not "
            f"shown: {'; '.join(new)}; nothing was recorded")


def check_last_decision(pid: str, seen: Seen, last: int) -> None:
    if seen.last_decision is not None and last != seen.last_decision:
        raise StaleView(
            f"{pid[:12]} was decided again since you looked (event {last}, you saw "
            f"{seen.last_decision or 'none'}): nothing was recorded; look again")


def _short(sha: str | None) -> str:
    return "none" if sha is None else sha[:12]
