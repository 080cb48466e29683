"""`reviewer demo` runs a real `reviewer worker` beside the TUI and stops it with the TUI."""

from __future__ import annotations

import io
import os
import shutil
import time
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

import reviewer.commands.demo as demo
from reviewer import paths
from reviewer.app import ReviewApp
from reviewer.cli import cli
from reviewer.commands.ingest import ingest_paths
from reviewer.rerun.jobs import request_rerun
from reviewer.worker_process import worker_process
from store import ReviewStore
from tests.tui.conftest import SAMPLES

needs_bwrap = pytest.mark.skipif(shutil.which("bwrap") is None, reason="needs bubblewrap")
# Generous: the child imports Python, click and the store before it claims anything.
DEADLINE_S = 180.0


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def queue_refused_rerun(store: ReviewStore) -> int:
    """A rerun the worker finishes without training: the diff edits a file outside methods/."""
    pid = next(r["id"] for r in store.list(limit=50) if r["idea"] == "logconf_tuned")
    return request_rerun(store, pid, actor="tester@example.org", seeds=[1]).id


def wait_for_state(store: ReviewStore, job_id: int, states: tuple[str, ...]) -> str:
    deadline = time.monotonic() + DEADLINE_S
    while (state := store.jobs.get(job_id).state) not in states:
        if time.monotonic() > deadline:
            pytest.fail(f"job {job_id} still {state} after {DEADLINE_S:.0f} s")
        time.sleep(0.1)
    return state


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_the_worker_process_runs_jobs_on_its_store_and_stops(tmp_path):
    db = tmp_path / "demo.db"
    store = ReviewStore.open(db)
    ingest_paths(store, [SAMPLES], "tester@example.org")
    job_id = queue_refused_rerun(store)
    log = tmp_path / "logs" / "worker.log"
    with worker_process(db, log) as proc:
        assert wait_for_state(store, job_id, ("done", "failed")) == "done"
        job = store.jobs.get(job_id)
        assert job.owner is not None and job.owner.endswith(f":{proc.pid}")
        assert job.result["verdict"] == "refused"
        assert proc.poll() is None  # it keeps waiting for more work
    assert proc.returncode is not None and gone(proc.pid)
    assert f"job {job_id}: claimed" in log.read_text()
    store.close()


@needs_bwrap
def test_demo_starts_a_worker_for_the_tui_and_stops_it_after(monkeypatch):
    monkeypatch.setattr(demo, "sys", SimpleNamespace(stdin=Tty(), stdout=Tty()))
    seen: dict = {}

    def run(app: ReviewApp) -> None:
        # While the TUI would be open: a rerun queued in the demo store gets run.
        store = ReviewStore.open(app.db_path)
        job_id = queue_refused_rerun(store)
        wait_for_state(store, job_id, ("done", "failed"))
        seen["owner"] = store.jobs.get(job_id).owner
        seen["notices"] = app.notices
        store.close()

    monkeypatch.setattr(ReviewApp, "run", run)
    result = CliRunner().invoke(cli, ["demo"])
    assert result.exit_code == 0, result.output
    assert seen["notices"][0][1] == "information"
    assert "a rerun worker runs beside this demo" in seen["notices"][0][0]
    worker_pid = int(seen["owner"].rsplit(":", 1)[1])
    assert gone(worker_pid)  # stopped when the TUI returned
    assert "claimed" in (paths.demo_db_path().parent / "demo-worker.log").read_text()


def test_without_bubblewrap_the_demo_says_so_instead_of_starting_a_worker(monkeypatch, tmp_path):
    monkeypatch.setattr(demo, "sys", SimpleNamespace(stdin=Tty(), stdout=Tty()))
    monkeypatch.setenv("PATH", str(tmp_path))  # no bwrap on it
    opened: list[ReviewApp] = []
    monkeypatch.setattr(ReviewApp, "run", lambda app: opened.append(app))
    result = CliRunner().invoke(cli, ["demo"])
    assert result.exit_code == 0, result.output
    ((message, severity),) = opened[0].notices
    assert severity == "warning" and "no worker was started: bubblewrap is not installed" in message
    assert not (paths.demo_db_path().parent / "demo-worker.log").exists()
    result = CliRunner().invoke(cli, ["demo", "--no-worker"])
    assert result.exit_code == 0, result.output
    assert opened[1].notices == ()


def test_python_dash_m_reviewer_is_the_cli():
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-m", "reviewer", "worker", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "Claim queued reruns" in out.stdout
