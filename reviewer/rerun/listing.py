"""The rerun queue as rows for people: what each rerun is doing or came to, and whose it is.

Shared by `reviewer jobs` and the TUI's reruns screen.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from reviewer.blinding import blind_agent_text, list_claims
from reviewer.present import num
from reviewer.rerun.jobs import RERUN
from reviewer.shapes import rerun_item
from reviewer.textsafe import short
from store import ReviewStore
from store.jobs import lapsed

ACTIVE = ("running", "queued")


@dataclass(frozen=True)
class RerunRow:
    """One rerun: its job, its proposal's id and title, and the `show --json` rerun object."""

    proposal_id: str
    title: str
    item: dict[str, Any]
    claims: tuple[float, ...] = ()  # the proposal's claimed PGR and SE
    # The running attempt's lease, and whether another attempt is left once it lapses.
    lease_until: float | None = None
    retries_left: bool = True

    def shown_title(self, width: int, *, blinded: bool = False) -> str:
        """Its title on one line, with the claim masked in blinded review."""
        title = blind_agent_text(self.title, list(self.claims)) if blinded else self.title
        return short(title, width)

    @property
    def job(self) -> int:
        return int(self.item["id"])

    @property
    def state(self) -> str:
        return str(self.item["state"])

    @property
    def seeds(self) -> int:
        return len(self.item.get("seeds") or [])

    def outcome(self, *, blinded: bool = False, now: float | None = None) -> str:
        """Its stage while running, its verdict and mean PGR when done (unless blinded: a
        verdict compares the measurement with the claim), or its error. A running job whose
        lease lapsed lost its worker: its last stage would claim work nobody is doing."""
        item = self.item
        if item["state"] == "running":
            now = time.time() if now is None else now
            if self.lease_until is not None and lapsed(self.lease_until, now):
                # Short, for an 80-column table: the next claim retries it or, with no
                # attempt left, fails it.
                return "worker lost; retry due" if self.retries_left else "worker lost; no retry"
            return short(str((item.get("progress") or {}).get("stage") or "started"), 60)
        if item.get("verdict"):
            if blinded:
                return "done (verdict hidden)"
            return short(f"{item['verdict']} {num(item.get('pgr_mean'))}", 60)
        return short(item.get("error") or "", 60)


def rerun_rows(store: ReviewStore, states: tuple[str, ...], limit: int) -> list[RerunRow]:
    """Reruns in `states`: running, then queued in claim order, then finished newest first."""
    jobs = store.jobs.listing(RERUN, states, limit=limit)
    titles = store.titles(job.proposal_id for job in jobs)
    rows = []
    for job in jobs:
        named = titles.get(job.proposal_id) or {}
        rows.append(RerunRow(job.proposal_id, named.get("title") or "", rerun_item(job),
                             tuple(list_claims(named)), job.lease_until,
                             job.attempt < job.max_attempts))
    return rows
