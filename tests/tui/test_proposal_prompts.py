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
