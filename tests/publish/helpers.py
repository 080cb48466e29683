"""Builders for the publish tests: approved proposals with a finished rerun."""

from __future__ import annotations

import inspect
import os
import subprocess
from pathlib import Path
from typing import Any

from reviewer import paths
from reviewer.decide import Outcome, decide
from reviewer.publish import PublishConfig
from reviewer.rerun.stats import SeedRow, rerun_stats
from store import ReviewStore
from tests.factories import make_proposal, new_file_diff

SEEDS = (11, 12, 13, 14, 15)
TRANSFER = (0.81, 0.83, 0.80, 0.82, 0.84)
WEAK, CEILING = 0.70, 0.90
BASELINE_PGR = (0.30, 0.28, 0.33, 0.31, 0.29)
CLAIM = {"pgr": 0.57, "pgr_se": 0.02, "weak_acc": 0.7, "strong_acc": 0.9,
         "transfer_acc": 0.814, "seeds": [1, 2, 3, 4, 5], "dataset": "w2s-synth"}


def rerun_result(store: ReviewStore, pid: str, claim: float = 0.57) -> dict[str, Any]:
    """A result dict as the worker writes it, from the real statistics code."""
    rows = [
        SeedRow(seed, acc, WEAK, CEILING, (acc - WEAK) / (CEILING - WEAK))
        for seed, acc in zip(SEEDS, TRANSFER, strict=True)
    ]
    stats = rerun_stats(rows, list(BASELINE_PGR), claim, 0.02, 5)
    return {
        **stats.to_json(),
        "reason": None,
        "checks": [],
        "task": "blobs",
        "size": 1,
        "env": {"harness": "f" * 40, "diff_sha256": store.get(pid)["diff_sha256"],
                "torch": "2.4.0", "device": "cpu", "device_name": "cpu", "cuda": False,
                "sandbox": "bubblewrap", "wall_s": 12.5},
        "log_tail": "",
    }


def finish_rerun(store: ReviewStore, pid: str, result: dict[str, Any] | None = None) -> int:
    """Queue, claim and complete a rerun job directly through the store's queue."""
    job = store.jobs.enqueue(pid, kind="rerun", params={"seeds": list(SEEDS)}, actor="carol")
    claimed = store.jobs.claim("worker-1", job_id=job.id)
    assert claimed is not None
    store.jobs.complete(job.id, claimed.attempt, result or rerun_result(store, pid))
    return job.id


def approve(store: ReviewStore, pid: str, actor: str = "alice@example.org",
            reason: str = "reproduced on 5 seeds") -> None:
    """Approve, passing an override only if this store version gates approvals."""
    kwargs: dict[str, Any] = {}
    if "override" in inspect.signature(store.approve).parameters and store.gates(pid):
        kwargs["override"] = "test approval"
    store.approve(pid, reason=reason, actor=actor, **kwargs)


def add(store: ReviewStore, i: int, **overrides: Any) -> str:
    body = f"def run(view):\n    return {i}\n"
    diff = overrides.pop("diff", new_file_diff(f"methods/idea_{i}.py", body))
    overrides.setdefault("claimed", dict(CLAIM))
    return store.add_proposal(
        make_proposal(i, diff=diff.encode() if isinstance(diff, str) else diff, **overrides),
        actor="ingest",
    )


def approved(store: ReviewStore, i: int, *, rerun: bool = True,
             by: str = "alice@example.org", **overrides: Any) -> str:
    """A proposal with a done rerun (unless `rerun=False`) that `by` approved."""
    pid = add(store, i, **overrides)
    if rerun:
        finish_rerun(store, pid)
    approve(store, pid, actor=by)
    return pid


GIT_ENV = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull,
           "GIT_TERMINAL_PROMPT": "0"}


def git(cwd: Path, *args: str) -> str:
    out = subprocess.run(["git", "-C", str(cwd), "-c", "user.name=t", "-c", "user.email=t@t",
                          *args], capture_output=True, text=True, env=GIT_ENV, check=True,
                         timeout=60)
    return out.stdout.strip()


def bare_remote(tmp: Path) -> Path:
    """A bare repository on branch main with one commit, as a shared remote."""
    remote = tmp / "remote.git"
    git(tmp, "init", "--quiet", "--bare", "-b", "main", str(remote))
    seed = tmp / "seed"
    git(tmp, "clone", "--quiet", str(remote), str(seed))
    (seed / "README.md").write_text("shared findings\n")
    git(seed, "add", "README.md")
    git(seed, "commit", "--quiet", "-m", "init")
    git(seed, "push", "--quiet", "origin", "HEAD:refs/heads/main")
    return remote


def clone(remote: Path, where: Path) -> Path:
    git(where.parent, "clone", "--quiet", str(remote), str(where))
    return where


def decidable(tmp: Path, i: int) -> tuple[Path, Path, Path, str]:
    """A bare remote, a findings clone of it, and a store file in `tmp` holding proposal `i`
    with a finished rerun, ready to decide from another process: (remote, clone, db, id)."""
    remote = bare_remote(tmp)
    folder = clone(remote, tmp / "findings")
    db = tmp / "store.db"
    store = ReviewStore.open(db)
    pid = add(store, i)
    finish_rerun(store, pid)
    store.close()
    return remote, folder, db, pid


def configure(folder: Path, extra: str = "") -> PublishConfig:
    """Write a config file whose `[publish]` folder is `folder` (plus `extra` lines)."""
    paths.config_file().parent.mkdir(parents=True, exist_ok=True)
    paths.config_file().write_text(f'[publish]\nfolder = "{folder}"\n{extra}')
    return PublishConfig(folder=folder)


def approve_via_decide(store: ReviewStore, i: int) -> tuple[str, Outcome]:
    """A proposal with a finished rerun, approved the way the CLI and TUI approve."""
    pid = add(store, i)
    finish_rerun(store, pid)
    override = "test approval" if store.gates(pid) else None
    return pid, decide(store, pid, "approve", reason="reproduced", actor="alice",
                       override=override)
