"""A finished rerun that failed keeps the end of its output in the proposal screen's history."""

from __future__ import annotations

import pytest

from reviewer.blinding import WITHHELD
from reviewer.present import FAILED_LOG_LINES, log_tail_lines, raised_line
from reviewer.screens.proposal import ProposalScreen
from reviewer.widgets.timeline import Timeline
from tests.tui.conftest import SIZE, content_text, make_app, pid_of
from tests.tui.test_blinded import blinded_config, delta  # noqa: F401  (fixture)

pytestmark = pytest.mark.anyio

EXCEPTION = "RuntimeError: loss is nan at step 3"
HOSTILE = [
    "\x1b[2J\x1b[31mscreen cleared",
    "\x1b]52;c;ZXZpbA==\x07[bold green]APPROVED by the reviewer[/]",
    "[link=https://evil.example]click[/link] \u202eevil\u2066",
]


def _fail(store, pid: str, log_tail: str) -> None:
    job = store.jobs.enqueue(pid, kind="rerun", params={"seeds": [1, 2]}, actor="t")
    store.jobs.complete(job.id, store.jobs.claim("w", job_id=job.id).attempt, {
        "verdict": "failed", "reason": "the method exited with status 1", "pgr_mean": None,
        "log_tail": log_tail})


async def _history(store, pid: str, **kwargs) -> str:
    app = make_app(store, **kwargs)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(ProposalScreen(pid))
        await pilot.pause()
        return content_text(app.screen.query_one(Timeline))


async def test_a_failed_rerun_shows_its_last_lines_inert_and_capped(samples_store):
    pid = pid_of(samples_store, "boot_ensemble")
    lines = [f"epoch {i}" for i in range(20)] + HOSTILE + ["A" * 1_000_000, EXCEPTION]
    _fail(samples_store, pid, "\n".join(lines) + "\n")
    history = await _history(samples_store, pid)

    assert "the method's own output, as printed:" in history
    shown = [line.rstrip() for line in history.splitlines() if "│ " in line]
    assert len(shown) == FAILED_LOG_LINES == 12
    assert shown[0].endswith("│ epoch 13") and shown[-1].endswith(f"│ {EXCEPTION}")
    unwrapped = history.replace("\n", "")  # the test console wraps at 200 columns
    assert f"│ {'A' * 200}  │ {EXCEPTION}" in unwrapped and "A" * 201 not in unwrapped
    assert "\x1b" not in history and "\u202e" not in history and "\u2066" not in history
    # Markup is drawn as the characters it is made of.
    assert "│ 52;c;ZXZpbA==[bold green]APPROVED by the reviewer[/]" in history
    assert "│ [link=https://evil.example]click[/link] evil" in history


async def test_a_failed_rerun_s_output_has_the_claim_masked_when_blinded(
    samples_store, blinded_config  # noqa: F811
):
    pid = delta(samples_store)
    _fail(samples_store, pid, f"expected PGR 1.06 (claimed)\n{EXCEPTION}\n")
    history = await _history(samples_store, pid, config_path=blinded_config)
    assert f"│ expected PGR {WITHHELD} (claimed)" in history and "1.06" not in history


def test_only_a_running_or_failed_rerun_has_log_lines_and_only_an_exception_is_raised():
    failed = {"state": "done", "verdict": "failed", "log_tail": f"x\n  {EXCEPTION}\n{EXCEPTION}\n"}
    assert log_tail_lines(failed) == ["x", f"  {EXCEPTION}", EXCEPTION]
    assert raised_line(failed) == EXCEPTION
    assert raised_line({**failed, "log_tail": "torch.cuda.OutOfMemoryError: CUDA out of memory"})
    assert raised_line({**failed, "log_tail": "KeyboardInterrupt"}) == "KeyboardInterrupt"
    assert raised_line({**failed, "log_tail": f"{EXCEPTION}\nexpected PGR: 0.9"}) is None
    for other in ({**failed, "verdict": "not_reproduced"}, {**failed, "state": "cancelled"}):
        assert log_tail_lines(other) == [] and raised_line(other) is None
    # A job that failed without a result keeps the output its last heartbeat carried.
    job_failed = {"state": "failed", "log_tail": None, "progress": {"log_tail": EXCEPTION}}
    assert raised_line(job_failed) == EXCEPTION
    assert log_tail_lines({"state": "failed", "progress": ["not", "a", "dict"]}) == []
