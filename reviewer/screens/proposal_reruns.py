"""The proposal screen's rerun keys: queue one on chosen seeds, queue and move on, cancel."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reviewer.present import active_rerun_id
from reviewer.rerun.jobs import (
    DEFAULT_SEEDS,
    MAX_SEEDS,
    request_rerun,
    rerun_seed_list,
)
from reviewer.screens.proposal_base import ProposalBase
from reviewer.tuidata import current_rerun, next_to_rerun
from reviewer.widgets.prompt import ConfirmModal, PromptModal
from store import ReviewStore
from store.jobs import Job

# A queued rerun waits for a worker, which only `reviewer demo` starts beside the TUI.
RUNS_IT = "a `reviewer worker` runs it"


@dataclass(frozen=True)
class RerunNext:
    """What `R` did: the rerun it queued, or the one already queued or running that it left
    alone, and the proposal to open next (None past the queue's last)."""

    queued: Job | None
    already: int | None
    following: str | None


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


class ProposalReruns(ProposalBase):
    """Reruns of the proposal's code: on seeds asked for, on the default ones and on to the
    next proposal, or cancelling the one queued or running."""

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
                lambda job: self._after_write(
                    f"rerun #{job.id} queued on {len(seeds)} seeds; {RUNS_IT}"),
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
        from reviewer.screens.proposal import ProposalScreen

        if done.queued is not None:
            self.app.notify(f"rerun #{done.queued.id} queued on {len(done.queued.params['seeds'])}"
                            f" seeds; {RUNS_IT}", markup=False)
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
