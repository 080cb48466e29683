"""The rerun queue as rows for people: what each rerun is doing or came to, and whose it is.

Shared by `reviewer jobs` and the TUI's reruns screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reviewer.blinding import blind_agent_text, list_claims
from reviewer.present import num
from reviewer.rerun.jobs import RERUN
from reviewer.shapes import rerun_item
from reviewer.textsafe import short
from store import ReviewStore

ACTIVE = ("running", "queued")


@dataclass(frozen=True)
class RerunRow:
    """One rerun: its job, its proposal's id and title, and the `show --json` rerun object."""

    proposal_id: str
    title: str
    item: dict[str, Any]
    claims: tuple[float, ...] = ()  # the proposal's claimed PGR and SE

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

    def outcome(self, *, blinded: bool = False) -> str:
        """Its stage while running, its verdict and mean PGR when done (unless blinded: a
        verdict compares the measurement with the claim), or its error."""
        item = self.item
        if item["state"] == "running":
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
                             tuple(list_claims(named))))
    return rows
