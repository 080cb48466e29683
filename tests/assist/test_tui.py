"""`O` on the proposal screen asks for the second opinion and shows it; failures notify."""

from __future__ import annotations

import pytest

from reviewer.screens.proposal import ProposalScreen
from tests.assist.fakeapi import error_reply
from tests.tui.conftest import SIZE, make_app, pid_of, sample_store, screen_text

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def open_and_ask(app, pilot, pid: str) -> None:
    app.push_screen(ProposalScreen(pid))
    await pilot.pause()
    await pilot.press("O")
    await pilot.pause()


async def test_o_records_and_shows_the_second_opinion(assist_env):
    store = sample_store()
    pid = pid_of(store, "prior_match")
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await open_and_ask(app, pilot, pid)
        assert [e.action for e in store.events(pid)][-1] == "assist"
        assert "second opinion" in screen_text(app).lower()
    assert len(assist_env.received) == 1


async def test_an_overloaded_api_notifies_and_stores_nothing(assist_env):
    assist_env.replies = [error_reply(529, "overloaded_error", "Overloaded")]
    store = sample_store()
    pid = pid_of(store, "prior_match")
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await open_and_ask(app, pilot, pid)
        assert "assist" not in [e.action for e in store.events(pid)]
        assert isinstance(app.screen, ProposalScreen)
        assert any("nothing was stored" in str(n.message) for n in app._notifications)
