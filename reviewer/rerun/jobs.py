"""Queueing reruns and turning a claimed job back into a RerunRequest."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Sequence
from typing import Any

from reviewer.ingest.claims import distinct_seeds
from reviewer.rerun.request import RerunRequest
from store import ReviewStore, StoreError
from store.jobs import Job

RERUN = "rerun"
DEFAULT_SEEDS = 5
MAX_SEEDS = 64
MAX_SEED = 2**31 - 1  # torch and numpy take any seed up to here
DEFAULT_TASK = "clusters"
BUILTIN = "builtin"


def read_seed_list(value: str, limit: int = MAX_SEEDS) -> list[int]:
    """'1,2,3' or '11-15' (or both, comma-separated) -> distinct ints in order; ValueError
    saying what is wrong. A range is measured before it is expanded, so `0-2000000000`
    is refused at once rather than filling memory."""
    seeds: list[int] = []
    for part in filter(None, (p.strip() for p in value.split(","))):
        try:
            lo, hi = _bounds(part)
        except ValueError as exc:
            raise ValueError(f"{part!r} is not an integer or a range; use e.g. 1,2,3 or 1-5"
                             ) from exc
        if hi < lo:
            raise ValueError(f"{part!r} runs backwards; write a range low to high, e.g. 5-9")
        if hi - lo + 1 > limit - len(seeds):
            raise ValueError(f"{value!r} names more than {limit} seeds")
        seeds.extend(range(lo, hi + 1))
    if not seeds or len(set(seeds)) != len(seeds):
        raise ValueError(f"{value!r}: give distinct integer seeds, e.g. 1,2,3,4,5")
    return seeds


def rerun_seed_list(value: str) -> list[int]:
    """`read_seed_list` for a rerun: at most MAX_SEEDS, each from 0 to MAX_SEED."""
    seeds = read_seed_list(value)
    if not all(0 <= s <= MAX_SEED for s in seeds):
        raise ValueError(f"seeds must lie between 0 and {MAX_SEED}")
    return seeds


def _bounds(part: str) -> tuple[int, int]:
    """The first and last seed of '11-15' (or '-3-2'), or of a single seed '7'."""
    if not part.isascii():
        raise ValueError(part)  # int() reads other scripts' digits, such as '٣' or '²'
    cut = part.find("-", 1)
    if cut < 0:
        return int(part), int(part)
    return int(part[:cut]), int(part[cut + 1:])


def reviewer_seeds(k: int = DEFAULT_SEEDS) -> list[int]:
    """k distinct seeds drawn by the reviewer's machine, never taken from the agent."""
    if not 1 <= k <= MAX_SEEDS:
        raise StoreError(f"the number of seeds must be between 1 and {MAX_SEEDS}")
    chosen: set[int] = set()
    while len(chosen) < k:
        chosen.add(1 + secrets.randbelow(2**31 - 2))
    return sorted(chosen)


class SessionSeeds:
    """One draw of reviewer seeds per seed count, shared by the reruns a session queues.

    Shared seeds let the cached teacher, ceiling and `naive` scores of the first rerun serve
    the rest, and make results compare seed for seed. A proposal already rerun on those
    seeds gets a fresh draw, since asking again is asking for new seeds.
    """

    def __init__(self) -> None:
        self._drawn: dict[int, list[int]] = {}

    def seeds(self, k: int, used: Iterable[Sequence[int]] = ()) -> list[int]:
        """The session's k seeds, or a fresh draw if `used` (the proposal's reruns) has them."""
        if k not in self._drawn:
            self._drawn[k] = reviewer_seeds(k)
        drawn = self._drawn[k]
        if any(list(seeds) == drawn for seeds in used):
            return reviewer_seeds(k)
        return list(drawn)


def request_rerun(
    store: ReviewStore,
    ref: str,
    *,
    actor: str,
    seeds: list[int] | None = None,
    task: str | None = None,
    size: int = 1,
    device: str = "auto",
    priority: int = 0,
    unsafe_no_sandbox: bool = False,
    timeout_s: float = 1800.0,
    max_attempts: int = 3,
    ablation: bool = True,
    heldout: bool = False,
) -> Job:
    """Queue a rerun of the proposal's current diff (audit: `rerun_requested`).

    `ablation` adds the teacher-shuffle run and `heldout` the other task families
    (built-in harness only). `task` defaults to the claimed dataset where the built-in
    harness has it, so a claim is measured on what it is about.
    """
    proposal = store.get(ref)
    harness = proposal["harness"]
    if harness != BUILTIN:
        from reviewer.config import ConfigError, load_config

        try:
            configured = load_config().harnesses
        except ConfigError as exc:
            raise StoreError(str(exc)) from exc
        if harness not in configured:
            raise StoreError(
                f"proposal {proposal['id'][:12]} targets harness {harness!r}, which is not "
                f"configured; add [harness.{harness}] to the config file (`reviewer path`)"
            )
    if proposal["diff"] is None:
        raise StoreError(
            f"proposal {proposal['id'][:12]} has no code attached, so it cannot "
            "be rerun; ingest its .patch first"
        )
    if harness == BUILTIN:
        from reviewer.harness import tasks

        if task is None:
            claimed = proposal["claimed_dataset"]
            task = claimed if claimed in tasks.TASKS else DEFAULT_TASK
        if task not in tasks.TASKS:
            raise StoreError(f"unknown task {task!r}; known: {', '.join(tasks.TASKS)}")
    if not 1 <= size <= 64:
        raise StoreError("size must be between 1 and 64")
    if heldout and harness != BUILTIN:
        raise StoreError("held-out tasks need the built-in harness's task families")
    chosen = seeds if seeds is not None else reviewer_seeds()
    if not chosen or len(set(chosen)) != len(chosen) or len(chosen) > MAX_SEEDS:
        raise StoreError(f"seeds must be 1 to {MAX_SEEDS} distinct integers")
    if not all(isinstance(s, int) and 0 <= s <= MAX_SEED for s in chosen):
        raise StoreError(f"seeds must lie between 0 and {MAX_SEED}")
    params: dict[str, Any] = {
        "seeds": chosen,
        "task": task or DEFAULT_TASK,
        "size": size,
        "device": device,
        "diff_sha256": proposal["diff_sha256"],
        "timeout_s": timeout_s,
        "unsafe_no_sandbox": unsafe_no_sandbox,
        "ablation": ablation and harness == BUILTIN,  # external harnesses have no view to shuffle
        "heldout": heldout,
    }
    return store.jobs.enqueue(
        proposal["id"],
        kind=RERUN,
        params=params,
        actor=actor,
        priority=priority,
        max_attempts=max_attempts,
    )


def _distinct_seeds(row: dict[str, Any]) -> int | None:
    """How many different seeds the claim lists (`distinct_seeds`), or its stated count."""
    try:
        seeds = json.loads(row["claimed_seeds"]) if row["claimed_seeds"] else None
    except ValueError:
        seeds = None
    if not isinstance(seeds, list):
        return row["claimed_num_seeds"]
    return distinct_seeds(seeds)


def request_for(store: ReviewStore, job: Job) -> RerunRequest:
    """The RerunRequest of a claimed job, bound to the diff it was requested for."""
    p = store.get(job.proposal_id)
    params = job.params
    diff = p["diff"]
    if p["diff_sha256"] != params["diff_sha256"]:
        diff = None  # the code changed after the request: run nothing
    return RerunRequest(
        proposal_id=p["id"],
        idea=p["idea"],
        base=p["base"],
        diff=diff,
        diff_sha256=params["diff_sha256"],
        claim_pgr=p["claimed_pgr"],
        claim_se=p["claimed_pgr_se"],
        claim_seeds=_distinct_seeds(p),
        seeds=list(params["seeds"]),
        task=params["task"],
        size=int(params["size"]),
        device=params.get("device", "auto"),
        timeout_s=float(params.get("timeout_s", 1800.0)),
        unsafe_no_sandbox=bool(params.get("unsafe_no_sandbox", False)),
        harness=p["harness"],
        ablation=bool(params.get("ablation", True)),
        heldout=bool(params.get("heldout", False)),
    )
