"""Blinded review: claims stay hidden until the reviewer records an assessment."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from reviewer.blinding import WITHHELD
from reviewer.present import queue_cells
from reviewer.screens.diff import DiffScreen
from reviewer.screens.proposal import ProposalScreen
from reviewer.screens.queue import QueueScreen
from reviewer.tuiconfig import load_tui_settings
from reviewer.widgets.assessment_modal import AssessmentModal
from reviewer.widgets.checks_panel import ChecksPanel
from reviewer.widgets.prompt import PromptModal
from reviewer.widgets.queue_table import QueueTable
from reviewer.widgets.timeline import Timeline
from tests.tui.conftest import SIZE, content_text, make_app, screen_text

pytestmark = pytest.mark.anyio

CLAIM = "1.060 ± 0.000"  # agent-delta's inflated claim as the claim panel prints it


@pytest.fixture
def blinded_config(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("[tui]\nblinded = true\n")
    return config


def delta(store) -> str:
    return next(r["id"] for r in store.list(limit=50) if r["agent"] == "agent-delta")


def queue_row_text(app, pid: str) -> str:
    """The row's cells as the queue draws them."""
    return " ".join(queue_cells(queue_row(app, pid), datetime.now(UTC)).values())


def queue_row(app, pid: str) -> dict:
    table = app.screen.query_one(QueueTable)
    return next(table.row_at(i) for i in range(table.total) if table.row_at(i)["id"] == pid)


async def test_the_claim_shows_only_after_an_assessment(samples_store, blinded_config):
    pid = delta(samples_store)
    app = make_app(samples_store, config_path=blinded_config)
    async with app.run_test(size=SIZE) as pilot:
        assert app.blinded
        assert "BLINDED" in screen_text(app)
        assert queue_row(app, pid)["claim_hidden"] is True
        # the queue's claimed column says hidden, and the title's "PGR 1.06" is masked
        assert "1.06" not in screen_text(app)
        assert f"reaches PGR {WITHHELD}" in queue_row_text(app, pid)
        app.push_screen(ProposalScreen(pid))
        await pilot.pause()
        text = screen_text(app)
        assert CLAIM not in text and "1.06" not in text
        assert "claim hidden — record your assessment first (press e)" in text
        # the agent's title and summary repeat the claim: masked too, on the diff screen too
        assert f"reaches PGR {WITHHELD}" in text and f"PGR {WITHHELD} on" in text
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, DiffScreen)
        assert f"reaches PGR {WITHHELD}" in screen_text(app) and "1.06" not in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert "1.06" not in content_text(app.screen.query_one(ChecksPanel))
        # approving before an assessment is refused
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, ProposalScreen)
        assert any("before approving" in n.message for n in app._notifications)
        assert samples_store.get(pid)["status"] == "pending"
        # the assessment: a verdict is required, then it is recorded with the note
        await pilot.press("e")
        assert isinstance(app.screen, AssessmentModal)
        assert f"reaches PGR {WITHHELD}" in screen_text(app) and "1.06" not in screen_text(app)
        await pilot.press("tab", *"hm", "enter")
        assert isinstance(app.screen, AssessmentModal)
        assert "choose a predicted verdict" in screen_text(app)
        await pilot.press("shift+tab", "2", *" best of 10?", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ProposalScreen)
        event = samples_store.latest_event(pid, "assessment")
        assert event is not None and event.actor == "tester@example.org"
        assert event.payload == {
            "predicted_verdict": "not_reproduced",
            "note": "hm best of 10?",
            "blinded": True,
        }
        text = screen_text(app)
        assert CLAIM in text and "claim hidden" not in text
        assert "reaches PGR 1.06" in text and "PGR 1.06 on" in text and WITHHELD not in text
        assert "message hidden" not in content_text(app.screen.query_one(ChecksPanel))
        timeline = content_text(app.screen.query_one(Timeline))
        assert "predicted not_reproduced (blinded): hm best of 10?" in timeline
        await pilot.press("a")
        assert isinstance(app.screen, PromptModal)  # approving may proceed now
        await pilot.press("escape", "escape")
        assert isinstance(app.screen, QueueScreen)
        assert queue_row(app, pid)["claim_hidden"] is False
        assert "reaches PGR 1.06" in queue_row_text(app, pid)
    assert "assessment" in [e.action for e in samples_store.events(pid)]  # in the audit trail


async def test_an_assessment_by_another_reviewer_does_not_unblind(samples_store, blinded_config):
    pid = delta(samples_store)
    samples_store.annotate(
        pid, "assessment", {"predicted_verdict": "unsure", "note": ""}, actor="someone-else"
    )
    app = make_app(samples_store, config_path=blinded_config)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(ProposalScreen(pid))
        await pilot.pause()
        text = screen_text(app)
        assert CLAIM not in text and "claim hidden" in text
        assert "predicted unsure" in content_text(app.screen.query_one(Timeline))  # theirs


async def test_the_toggle_key_and_escape_cancels_the_modal(samples_store):
    pid = delta(samples_store)
    app = make_app(samples_store)
    async with app.run_test(size=SIZE) as pilot:
        assert not app.blinded
        assert queue_row(app, pid).get("claim_hidden") is None
        await pilot.press("slash", "b", "enter")  # typed into the search, not a toggle
        assert not app.blinded and app.screen.text == "b"
        await pilot.press("escape", "b")
        await pilot.pause()
        assert app.blinded and queue_row(app, pid)["claim_hidden"] is True
        app.push_screen(ProposalScreen(pid))
        await pilot.pause()
        assert "claim hidden" in screen_text(app)
        await pilot.press("b")
        await pilot.pause()
        assert CLAIM in screen_text(app)
        await pilot.press("e", "1", "escape")
        await pilot.pause()
        assert isinstance(app.screen, ProposalScreen)
        assert samples_store.latest_event(pid, "assessment") is None


async def test_a_bad_tui_table_is_a_notification(samples_store, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('[tui]\nblinded = "yes"\ncolour = 1\n')
    app = make_app(samples_store, config_path=config)
    async with app.run_test(size=SIZE):
        messages = [n.message for n in app._notifications]
        assert any("tui.blinded: must be true or false, not 'yes'" in m for m in messages)
        assert any("tui.colour: unknown key" in m for m in messages)
        assert app.is_running and app.blinded  # a bad value fails safe: blinded on


def test_tui_settings(tmp_path):
    config = tmp_path / "config.toml"
    assert load_tui_settings(config) == (load_tui_settings(config)[0], [])
    assert not load_tui_settings(config)[0].blinded
    config.write_text("[tui]\nblinded = true\n")
    assert load_tui_settings(config)[0].blinded
    config.write_text("tui = 3\n")  # a [tui] table it cannot read fails safe: blinded on
    settings, problems = load_tui_settings(config)
    assert settings.blinded and "tui: must be a table" in problems[0]
    assert problems[0].endswith("blinded review is on until it is fixed")
    config.write_text("[tui\n")
    settings, problems = load_tui_settings(config)
    assert settings.blinded and "not valid TOML" in problems[0]


async def test_the_audit_log_hides_verdicts_in_blinded_review(samples_store, blinded_config):
    from reviewer.rerun.jobs import request_rerun

    pid = delta(samples_store)
    job = request_rerun(samples_store, pid, actor="tester@example.org", seeds=[3, 4])
    claimed = samples_store.jobs.claim("w")
    samples_store.jobs.complete(job.id, claimed.attempt, {
        "pgr_mean": 0.56, "pgr_se": 0.01, "verdict": "not_reproduced", "per_seed": []})
    app = make_app(samples_store, config_path=blinded_config)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("L")
        await pilot.pause()
        shown = screen_text(app)
        assert "rerun_finished" in shown and "verdict=hidden" in shown
        assert "not_reproduced" not in shown and "0.560" not in shown


async def test_a_running_rerun_s_output_has_the_claim_masked(samples_store, blinded_config):
    from reviewer.rerun.jobs import request_rerun

    pid = delta(samples_store)
    job = request_rerun(samples_store, pid, actor="elsewhere", seeds=[1, 2])
    claimed = samples_store.jobs.claim("worker-1")
    samples_store.jobs.heartbeat(job.id, claimed.attempt, progress={
        "stage": "training", "log_tail": "epoch 3\nexpected PGR 1.06 (claimed)"})
    app = make_app(samples_store, config_path=blinded_config)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(ProposalScreen(pid))
        await pilot.pause()
        history = content_text(app.screen.query_one(Timeline))
        assert "the method's own output, as printed:" in history
        assert f"│ expected PGR {WITHHELD} (claimed)" in history and "1.06" not in history
        await pilot.press("b")  # blinded review off: the output as printed
        await pilot.pause()
        assert "│ expected PGR 1.06 (claimed)" in content_text(app.screen.query_one(Timeline))
