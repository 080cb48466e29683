"""`reviewer rerun` (queue, wait, cancel) and `reviewer worker`."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from functools import cache, partial
from typing import Any

import click

from reviewer.commands import SQL_INT_MAX
from reviewer.config import ConfigError, load_config
from reviewer.context import Context, each_proposal, pass_ctx, print_json
from reviewer.present import ablation_word, num, pm, raised_line, signed
from reviewer.present.reruns import no_verdict
from reviewer.rerun.jobs import (
    BUILTIN,
    DEFAULT_SEEDS,
    DEFAULT_TASK,
    request_rerun,
    rerun_seed_list,
    reviewer_seeds,
)
from reviewer.rerun.request import device_problem, device_syntax_problem
from reviewer.rerun.sandbox import SandboxUnavailable, find_tools, require_modules
from reviewer.shapes import rerun_item
from reviewer.textsafe import clean
from store import ReviewStore, StoreError
from store.jobs import DEFAULT_LEASE_S, MAX_LEASE_S, Job


def _seed_list(_ctx: click.Context, _param: click.Parameter, value: str | None
               ) -> list[int] | None:
    """`--seed-list`: distinct seeds and ranges, as `harness run --seeds` reads them; click
    names the option in the error."""
    if value is None:
        return None
    try:
        return rerun_seed_list(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


def device_option(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    """`--device`: one of the names the harness takes (whether CUDA is there is checked later,
    only for the built-in harness, which runs on this machine's torch)."""
    problem = device_syntax_problem(value)
    if problem is not None:
        raise click.BadParameter(problem)
    return value


def _require_device(store: ReviewStore, pid: str, device: str) -> None:
    """Refuse a device torch here cannot use before queueing a built-in rerun, which would
    otherwise fail in the worker."""
    if store.get(pid)["harness"] != BUILTIN:
        return  # an external harness runs its own torch, on whatever GPUs the sandbox binds
    problem = device_problem(device)
    if problem is not None:
        raise click.ClickException(f"--device {problem}")


def _runs_own_python(harness: str) -> bool:
    """Whether a rerun on `harness` runs this interpreter in the sandbox (the built-in
    harness, or an external one configured without a `python` of its own), and so needs
    this interpreter's numpy and torch inside the sandbox's mounts."""
    if harness == BUILTIN:
        return True
    try:
        cfg = load_config().harnesses.get(harness)
    except ConfigError:
        return False  # the worker fails the job naming the config's error
    return cfg is not None and cfg.python in (None, sys.executable)


def _own_modules_problem() -> str | None:
    """Why a sandboxed method could not import this interpreter's modules; None if it could."""
    try:
        require_modules()
    except SandboxUnavailable as exc:
        return str(exc)
    return None


def _require_modules(store: ReviewStore, pid: str, problem_of: Callable[[], str | None]) -> None:
    """Refuse, before queueing, a rerun whose sandbox would miss the modules it imports; an
    external harness with its own interpreter brings its own."""
    problem = _runs_own_python(store.get(pid)["harness"]) and problem_of()
    if problem:
        raise click.ClickException(problem)


def finished_with_result(item: dict[str, Any]) -> bool:
    """Whether a rerun ended in a measurement (a verdict, or none for want of a claim)."""
    return item["state"] == "done" and item["verdict"] not in ("failed", "refused")


def rerun_summary(item: dict[str, Any], *, with_checks: bool = True) -> str:
    """A rerun's result in a few lines: verdict, PGR and its interval, ablation, held-out;
    for a failed one, the exception its output ended with, labelled as the method's text.

    Reasons and stages can quote what the method printed, so the text is cleaned.
    """
    text = _summary(item, with_checks)
    if (raised := raised_line(item)) is not None:
        text += f"\n  its output ends with: {raised}"
    return clean(text)


def _summary(item: dict[str, Any], with_checks: bool) -> str:
    if item["state"] == "failed" and item.get("error"):
        return f"job {item['id']}: failed: {clean(item['error'], single_line=True)}"
    if item["state"] != "done":
        stage = (item.get("progress") or {}).get("stage", "")
        return f"job {item['id']}: {item['state']}" + (f" ({stage})" if stage else "")
    if item["pgr_mean"] is None:
        why = item.get("reason") or item.get("error") or ""  # error: a damaged row, named
        return f"job {item['id']}: {item['verdict']}: {clean(why, single_line=True)}"
    lo, hi = item["pgr_ci"]
    p = item["gain_p_value"]
    paired = f"paired p {'-' if p is None else f'{p:.2g}'}"
    # External harnesses have no paired baseline, so those fields may be null.
    if (gain := item.get("gain_mean")) is not None:
        # The p alone said there was a gain, not how large it was or which way it went.
        paired = f"gain {signed(gain)} ({paired})"
    text = (
        f"job {item['id']}: {item['verdict'] or f'measured ({no_verdict(item)})'}  "
        f"PGR {pm(item['pgr_mean'], item['pgr_se'])}  "
        f"95% CI [{num(lo)}, {num(hi)}]  naive {num(item['baseline_pgr_mean'])}  {paired}"
    )
    shuffled = item.get("ablation")
    if shuffled:
        text += (
            f"\n  teacher-shuffle ablation: {ablation_word(shuffled)}, "
            f"PGR {num(shuffled.get('real_pgr_mean'))} -> {num(shuffled['pgr_mean'])}"
        )
    for entry in item.get("heldout") or []:
        text += (
            f"\n  held-out {entry['task']}: PGR {pm(entry['pgr_mean'], entry['pgr_se'])}  "
            f"naive {num(entry['baseline_pgr_mean'])}  gain {num(entry['gain'])}"
        )
    for check in (item.get("checks") or []) if with_checks else []:
        text += f"\n  {check['severity']}: {check['code']}: {check['message']}"
    return text


@click.command("rerun")
@click.argument("refs", metavar="[ID]...", nargs=-1)
@click.option(
    "--seeds",
    "k",
    type=click.IntRange(1, 64),
    help=f"How many reviewer-chosen seeds (default {DEFAULT_SEEDS}).",
)
@click.option("--seed-list", callback=_seed_list,
              help="Exact seeds, e.g. 11,12,13 (instead of --seeds).")
@click.option(
    "--task",
    help=f"Task family (default: the claimed dataset where the built-in harness has it, "
    f"else {DEFAULT_TASK}).",
)
@click.option("--size", type=click.IntRange(1, 64), default=1, show_default=True)
@click.option("--device", default="auto", show_default=True, callback=device_option,
              help="auto, cpu or cuda[:N].")
@click.option("--priority", type=click.IntRange(-SQL_INT_MAX, SQL_INT_MAX), default=0,
              show_default=True)
@click.option("--wait", is_flag=True, help="Run them now in this process and print the results.")
@click.option(
    "--cancel",
    "cancel_job",
    type=click.IntRange(1, SQL_INT_MAX),
    metavar="JOB",
    help="Cancel a queued or running job instead.",
)
@click.option(
    "--unsafe-no-sandbox",
    is_flag=True,
    help="Run without bubblewrap (trusted debugging only; recorded in the audit trail).",
)
@click.option(
    "--ablation/--no-ablation",
    default=True,
    show_default=True,
    help="Also run the method on a teacher-shuffled view (doubles the sandbox time).",
)
@click.option(
    "--heldout",
    is_flag=True,
    help="Also run it on the other task families, each with its naive baseline (3x the cost).",
)
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def rerun_cmd(
    ctx: Context,
    refs: tuple[str, ...],
    k: int | None,
    seed_list: list[int] | None,
    task: str | None,
    size: int,
    device: str,
    priority: int,
    wait: bool,
    cancel_job: int | None,
    unsafe_no_sandbox: bool,
    ablation: bool,
    heldout: bool,
    as_json: bool,
) -> None:
    """Queue reruns of proposals on seeds the reviewer chooses, each paired with `naive`.

    Several IDs share one draw of seeds, so the cached teacher, ceiling and `naive` scores
    of the first serve the rest, and their results compare on the same seeds.
    """
    store = ctx.store
    try:
        if cancel_job is not None:
            if refs:
                raise click.UsageError("--cancel takes a job number, not proposal IDs")
            _cancel(store, cancel_job, actor=ctx.actor, as_json=as_json)
            return
        if not refs:
            raise click.UsageError("give one or more proposal IDs (or --cancel JOB)")
        if k is not None and seed_list is not None:
            raise click.UsageError("give --seeds or --seed-list, not both")
        if not unsafe_no_sandbox:
            find_tools(modules=())  # bubblewrap here; the modules per harness, below
        seeds = seed_list or reviewer_seeds(k or DEFAULT_SEEDS)
    except (StoreError, SandboxUnavailable) as exc:
        raise click.ClickException(str(exc)) from exc
    queue = partial(request_rerun, store, actor=ctx.actor, seeds=seeds, task=task, size=size,
                    device=device, priority=priority, unsafe_no_sandbox=unsafe_no_sandbox,
                    ablation=ablation, heldout=heldout)
    jobs: list[Job] = []
    modules_problem = cache(_own_modules_problem)  # a child interpreter, asked once a command

    def queue_one(pid: str) -> None:
        _require_device(store, pid, device)
        if not unsafe_no_sandbox:
            _require_modules(store, pid, modules_problem)
        jobs.append(queue(pid))

    failed = each_proposal(store, refs, queue_one)
    if wait:
        from reviewer.rerun.worker import stop_on_signals

        with stop_on_signals():
            for job in jobs:
                _run_now(store, job.id)
    items = [rerun_item(store.jobs.get(job.id)) for job in jobs]
    _print_items(items, store, as_json=as_json, single=len(refs) == 1, wait=wait)
    if failed or (wait and not all(map(finished_with_result, items))):
        raise click.exceptions.Exit(1)


def _cancel(store: ReviewStore, job_id: int, *, actor: str, as_json: bool) -> None:
    """Cancel one job; `--json` prints it as an element of `jobs --json`."""
    job = store.jobs.cancel(job_id, actor=actor)
    if as_json:
        print_json({**rerun_item(job), "proposal_id": job.proposal_id})
    else:
        click.echo(f"job {job.id}: cancelled")


def _run_now(store: ReviewStore, job_id: int) -> None:
    from reviewer.rerun.worker import run_job, worker_name

    while store.jobs.get(job_id).state in ("queued", "running"):
        # Claiming succeeds only while the job is queued or its lease has expired, so this
        # also takes over from another worker that died with the job.
        claimed = store.jobs.claim(worker_name(), lease_s=DEFAULT_LEASE_S, job_id=job_id)
        if claimed is not None:
            run_job(store, claimed, log=lambda m: click.echo(m, err=True))
        else:
            time.sleep(1.0)


def _print_items(
    items: list[dict[str, Any]], store: ReviewStore, *, as_json: bool, single: bool, wait: bool
) -> None:
    if as_json:
        print_json(items[0] if single else items)
        return
    for item in items:
        if wait:
            click.echo(rerun_summary(item))
        else:
            pid = store.jobs.get(item["id"]).proposal_id
            click.echo(f"job {item['id']}: {pid[:12]} queued on seeds {item['seeds']}")
    if items and not wait:
        click.echo("run `reviewer worker` to work through the queue")


@click.command("worker")
@click.option("--once", is_flag=True, help="Stop when the queue is empty.")
@click.option("--max-jobs", type=click.IntRange(1), help="Stop after this many jobs.")
@click.option(
    "--gpus",
    help="GPU indices for this worker, e.g. 0,1 (sets CUDA_VISIBLE_DEVICES for its reruns).",
)
@click.option(
    "--lease",
    type=click.FloatRange(5, MAX_LEASE_S),
    default=DEFAULT_LEASE_S,
    show_default=True,
    help="Seconds a claim lasts without a heartbeat.",
)
@pass_ctx
def worker_cmd(
    ctx: Context, once: bool, max_jobs: int | None, gpus: str | None, lease: float
) -> None:
    """Claim queued reruns and run them in the sandbox, one at a time."""
    from reviewer.rerun.worker import stop_on_signals, work

    if gpus:
        os.environ["CUDA_VISIBLE_DEVICES"] = gpus
    ctx.close()
    ctx.require_existing()
    with stop_on_signals():
        done = work(
            ctx.db_path,
            once=once,
            max_jobs=max_jobs,
            lease_s=lease,
            log=lambda m: click.echo(m, err=True),
        )
    click.echo(f"worker: {done} job(s) run")
