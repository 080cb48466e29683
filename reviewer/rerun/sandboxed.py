"""Run a proposal's method once in the sandbox on one view folder, then score it outside.

A rerun calls this for the real view, for the teacher-shuffle ablation and for each
held-out task, so all three go through the same isolation and the same trusted scorer.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from reviewer.cores import usable_cores
from reviewer.harness import api, launch, scorer
from reviewer.rerun import sandbox
from reviewer.rerun.hostiletree import remove_tree
from reviewer.rerun.request import RerunRequest

HARNESS_MOUNT = "/sandbox/harness"
VIEW_MOUNT = "/sandbox/view"
OUT_MOUNT = "/sandbox/out"
Progress = Callable[[str], None]


@dataclass(frozen=True)
class MethodRun:
    """One sandboxed run: its scores and validated predictions, or why there are none."""

    scored: api.Scored | None
    predictions: np.ndarray | None
    reason: str | None
    log: str

    @property
    def ok(self) -> bool:
        """True when the run produced valid, scored predictions."""
        return self.scored is not None


def method_threads(cores: int) -> int:
    """OpenMP threads for a method: half the cores, 1 to 8, unless OMP_NUM_THREADS is set.

    On 2 cores torch's threads spin against each other (a small run measured 6x slower with
    two), while on 16 idle cores one thread made a rerun a third slower than torch's default.
    """
    return max(1, min(8, cores // 2))


def spec(
    tree: Path, view: Path, out: Path, idea: str, device: str, timeout_s: float
) -> sandbox.SandboxSpec:
    """The bubblewrap spec: the tree and view read-only, `out` the only writable folder."""
    argv = launch.method_argv(idea, VIEW_MOUNT, OUT_MOUNT, device)
    sandbox.prepare_dirs([tree, view], [out])
    return sandbox.SandboxSpec(
        argv=argv,
        ro_binds=[*sandbox.python_binds(), (tree, HARNESS_MOUNT), (view, VIEW_MOUNT)],
        rw_binds=[(out, OUT_MOUNT)],
        env={
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONNOUSERSITE": "1",
            "OMP_NUM_THREADS": str(method_threads(usable_cores())),
            **{k: os.environ[k] for k in launch._PASS_THROUGH if k in os.environ},
        },
        cwd=HARNESS_MOUNT,
        gpu=device.startswith("cuda"),
        limits=sandbox.Limits(
            wall_s=timeout_s,
            cpu_s=int(timeout_s * 16) + 60,
            address_space=None if device.startswith("cuda") else sandbox.cpu_address_space(),
        ),
    )


def unsafe_spec(
    spec: sandbox.SandboxSpec, tree: Path, view: Path, out: Path
) -> sandbox.SandboxSpec:
    """The same run without isolation: host paths instead of sandbox mounts."""
    mapping = {HARNESS_MOUNT: str(tree), VIEW_MOUNT: str(view), OUT_MOUNT: str(out)}
    argv = [mapping.get(a, a) for a in spec.argv]
    return sandbox.SandboxSpec(argv=argv, env=spec.env, cwd=str(tree), limits=spec.limits,
                               rw_binds=[(out, str(out))])  # watched, not bound


def run_scored(
    req: RerunRequest,
    tree: Path,
    view: Path,
    out: Path,
    task: str,
    device: str,
    *,
    progress: Progress = lambda _: None,
    cancel: threading.Event | None = None,
    output: Progress | None = None,
) -> MethodRun:
    """Run `methods/<req.idea>.py` of `tree` on `view` in the sandbox and score it on `task`."""
    assert req.idea is not None, "run_rerun checks the idea before anything runs"
    out.mkdir(parents=True)
    run_spec = spec(tree, view, out, req.idea, device, req.timeout_s)
    if req.unsafe_no_sandbox:
        run_spec = unsafe_spec(run_spec, tree, view, out)
    try:
        ran = sandbox.run(
            run_spec, cancel=cancel, unsafe_no_sandbox=req.unsafe_no_sandbox, on_output=output
        )
        return _scored(req, ran, view, out, task, device, progress, cancel, run_spec.limits)
    finally:
        # Freed as soon as it is scored: left for the rerun's end, a full folder shrank the
        # next run's free-space floor to nothing (the ablation's, measured).
        with contextlib.suppress(OSError):
            remove_tree(out)


def _scored(
    req: RerunRequest,
    ran: sandbox.SandboxResult,
    view: Path,
    out: Path,
    task: str,
    device: str,
    progress: Progress,
    cancel: threading.Event | None,
    limits: sandbox.Limits,
) -> MethodRun:
    log = (ran.stdout + "\n" + ran.stderr).strip()[-4000:]
    if cancel is not None and cancel.is_set():
        return MethodRun(None, None, "cancelled", log)
    if ran.timed_out or ran.stopped is not None or ran.returncode != 0:
        if ran.timed_out:
            why = f"timed out after {req.timeout_s:.0f} s"
        elif ran.stopped is not None:
            why = f"stopped: {ran.stopped}"
        else:
            why = exit_reason(ran.returncode, ran.stderr, limits)
        return MethodRun(None, None, why, log)
    progress("scoring outside the sandbox")
    n_test = int(np.load(view / "x_test.npy", mmap_mode="r").shape[1])
    try:
        scored = api.score(task, req.size, req.seeds, out / launch.PREDICTIONS, device)
        predictions = scorer.read_predictions(out / launch.PREDICTIONS, len(req.seeds), n_test)
    except scorer.PredictionError as exc:
        return MethodRun(None, None, f"invalid predictions: {exc}", log)
    return MethodRun(scored, predictions, None, log)


# Signals the kernel sends for an rlimit, and what each says; bubblewrap exits 128 + the signal.
LIMIT_SIGNALS: dict[int, str] = {  # Signals are ints, so an exit's signal number finds them
    signal.SIGXFSZ: "a file reached the sandbox's {file_size} file-size limit",
    signal.SIGXCPU: "it used up its {cpu_s} s of CPU time",
}
# Errors a write meets at a limit, as the last lines of stderr report them (strerror text).
LIMIT_ERRORS = {
    errno.EFBIG: "a file most likely reached the sandbox's {file_size} file-size limit",
    errno.ENOSPC: "most likely its {tmp_bytes} private /tmp filled (or the disk under its "
                  "out folder)",
}
LAST_LINES = 5  # where an exception or perror message ends a failed run's stderr


def exit_reason(returncode: int, stderr: str, limits: sandbox.Limits) -> str:
    """Why a method that exited non-zero failed, naming the sandbox limit it hit where that
    can be known: the signal the kernel sent for it, or the error its last lines report.

    The stderr text is the method's own, so it only chooses which fixed sentence is added.
    """
    sizes = {"file_size": _size(limits.file_size), "tmp_bytes": _size(limits.tmp_bytes),
             "cpu_s": limits.cpu_s}
    signo = -returncode if returncode < 0 else returncode - 128 if returncode > 128 else 0
    if signo in LIMIT_SIGNALS:
        name = signal.Signals(signo).name
        return f"the method was killed by {name}: {LIMIT_SIGNALS[signo].format(**sizes)}"
    why = f"the method exited with status {returncode}"
    last = "\n".join(stderr.strip().splitlines()[-LAST_LINES:])
    for code, meaning in LIMIT_ERRORS.items():
        if os.strerror(code) in last:
            name = errno.errorcode[code]
            return f"{why}; its stderr ends with {name} ({os.strerror(code)}): " + (
                meaning.format(**sizes))
    return why


def _size(n: int) -> str:
    """Bytes as whole GiB or MiB where they are, else bytes."""
    for unit, name in ((1024**3, "GiB"), (1024**2, "MiB")):
        if n % unit == 0:
            return f"{n // unit} {name}"
    return f"{n:,} bytes"
