"""The proposal screen: undo asks why, and the meta line stays one line whatever the agent."""

from __future__ import annotations

import pytest

from reviewer.screens.proposal import ProposalScreen
from reviewer.widgets.prompt import PromptModal
from store import ReviewStore
from tests.factories import make_proposal, new_file_diff
from tests.tui.conftest import SIZE, make_app, pid_of, screen_text

pytestmark = pytest.mark.anyio


async def test_undo_asks_for_a_reason_and_records_it(samples_store):
    pid = pid_of(samples_store, "boot_ensemble")
    samples_store.reject(pid, reason="looked inflated", actor="tester@example.org")
    app = make_app(samples_store)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(ProposalScreen(pid))
        await pilot.pause()
        await pilot.press("u")
        await pilot.pause()
        assert isinstance(app.screen, PromptModal)
        assert "Undo the reject" in screen_text(app)
        await pilot.press("escape")  # cancels: nothing recorded
        await pilot.pause()
        assert samples_store.get(pid)["status"] == "rejected"
        await pilot.press("u", "enter")  # a reason is required
        await pilot.pause()
        assert "a reason is required" in screen_text(app)
        await pilot.press(*"rerun reproduced it", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ProposalScreen)
    assert samples_store.get(pid)["status"] == "pending"
    last = list(samples_store.events(pid))[-1]
    assert last.action == "undo" and last.payload["reason"] == "rerun reproduced it"


@pytest.mark.parametrize("size", [(80, 24), (60, 20)])
async def test_a_long_agent_name_leaves_the_meta_line_whole(size):
    store = ReviewStore.memory()
    diff = new_file_diff("methods/m.py", "x = 1\n").encode()
    pid = store.add_proposal(make_proposal(1, agent="agent-" + "x" * 300, diff=diff),
                             actor="ingest")
    sha = store.get(pid)["diff_sha256"]
    app = make_app(store)
    async with app.run_test(size=size) as pilot:
        app.push_screen(ProposalScreen(pid))
        await pilot.pause()
        lines = screen_text(app).splitlines()
    at = next(i for i, line in enumerate(lines) if pid[:12] in line)
    meta = lines[at]
    assert meta.strip().startswith(f"{pid[:12]}  pending  diff {sha[:12]}"), meta
    assert meta.rstrip().endswith("…"), meta
    assert "x" * 24 not in meta  # the agent's name is capped
    assert not any("xxxx" in line for line in lines[:at] + lines[at + 1:])


async def test_a_reason_that_shows_nothing_or_runs_too_long_keeps_the_dialog_open(samples_store):
    """Zero-width or control characters alone were recorded as the reason (printed blank);
    one past the store's cap closed the dialog before the store refused it, losing the text."""
    from store.store_base import MAX_REASON

    pid = pid_of(samples_store, "boot_ensemble")
    app = make_app(samples_store)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(ProposalScreen(pid))
        await pilot.pause()
        await pilot.press("x")
        await pilot.pause()
        app.screen.query_one("Input").insert_text_at_cursor("\u200b\x07\u2060")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, PromptModal) and "a reason is required" in screen_text(app)
        field = app.screen.query_one("Input")
        field.value = "x" * (MAX_REASON + 1)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, PromptModal) and "too long" in screen_text(app)
        assert field.value == "x" * (MAX_REASON + 1)  # kept, to be shortened
    assert samples_store.get(pid)["status"] == "pending"


async def test_an_assessment_note_past_the_cap_is_refused_in_the_dialog(samples_store):
    from reviewer.widgets.assessment_modal import AssessmentModal
    from store.store_base import MAX_REASON

    pid = pid_of(samples_store, "boot_ensemble")
    app = make_app(samples_store)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(ProposalScreen(pid))
        await pilot.pause()
        await pilot.press("e", "1")
        await pilot.pause()
        app.screen.query_one("#assess-note").value = "n" * (MAX_REASON + 1)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, AssessmentModal) and "too long" in screen_text(app)
    assert not [e for e in samples_store.events(pid) if e.action == "assessment"]
