"""Keys typed in one burst after a key that moves focus land where focus went.

A terminal delivers a paste or a fast typist's keys in one read, so every key is in the
App's queue before the first one's binding has run. Each test posts the whole burst before
letting the app process any of it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from textual import events
from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.widgets import Input, RadioSet

from reviewer.app import ReviewApp
from reviewer.present import PREDICTIONS
from reviewer.screens.proposal import ProposalScreen
from reviewer.screens.queue import QueueScreen
from reviewer.widgets.assessment_modal import AssessmentModal
from reviewer.widgets.prompt import ConfirmModal, PromptModal
from reviewer.widgets.queue_table import QueueTable
from store import ReviewStore
from tests.tui.conftest import SIZE, make_app, pid_of, settle

pytestmark = pytest.mark.anyio

# Key names Textual gives the characters the bursts below use.
NAMES = {"/": "slash", " ": "space", "-": "minus"}


def burst(app: ReviewApp, *keys: str) -> None:
    """Queue every key at once, as a terminal's single read does: characters or key names."""
    for key in keys:
        char = key if len(key) == 1 else None
        app.post_message(events.Key(NAMES.get(key, key), char))


def chars(text: str) -> list[str]:
    """`text` as the keys that type it."""
    return list(text)


@asynccontextmanager
async def proposal_open(store: ReviewStore) -> AsyncIterator[tuple[ReviewApp, Pilot, str]]:
    """An app showing the sample proposal on `boot_ensemble`, with its pilot and id."""
    pid = pid_of(store, "boot_ensemble")
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(ProposalScreen(pid))
        await pilot.pause()
        yield app, pilot, pid


async def test_a_search_typed_in_one_burst_lands_whole_in_the_search_box(samples_store):
    # Each letter here is also a queue key: q quits, s sorts, f filters, w opens the agents
    # screen, j moves the cursor, space pages down, l toggles the lineage.
    text = "quiet flags jsw l"
    app = make_app(samples_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        queue = app.screen
        assert isinstance(queue, QueueScreen)
        before = (queue.status, queue.agent, queue.verdict, queue.sort, queue.line)
        search = queue.query_one("#queue-search", Input)
        burst(app, *chars("/" + text))
        await settle(pilot, lambda: search.value == text)
        await pilot.pause()
        assert search.value == text  # nothing lost, nothing doubled
        assert app.is_running
        assert app.screen is queue
        assert app.focused is search
        assert (queue.status, queue.agent, queue.verdict, queue.sort, queue.line) == before
        assert queue.query_one(QueueTable).cursor == 0


@pytest.mark.parametrize("key", ["c", "x", "a"])
async def test_text_typed_with_the_key_that_opens_a_prompt_lands_in_the_prompt(
        samples_store, key):
    # d opens the diff, r asks for a rerun, j scrolls: none of them may run behind the prompt.
    text = "jd rerun looks odd"
    async with proposal_open(samples_store) as (app, pilot, _pid):
        proposal = app.screen
        burst(app, key, *chars(text))
        await settle(pilot, lambda: isinstance(app.screen, PromptModal)
                     and app.screen.query_one(Input).value == text)
        await pilot.pause()
        prompt = app.screen
        assert isinstance(prompt, PromptModal)
        assert prompt.query_one(Input).value == text
        assert app.focused is prompt.query_one(Input)
        assert app.screen_stack[-2] is proposal
        assert len(app.screen_stack) == 4  # the default screen, the queue, the proposal, the prompt


async def test_a_whole_comment_with_its_enter_typed_in_one_burst_is_recorded(samples_store):
    async with proposal_open(samples_store) as (app, pilot, pid):
        burst(app, "c", *chars("seeds look cherry-picked"), "enter")
        await settle(pilot, lambda: isinstance(app.screen, ProposalScreen)
                     and list(samples_store.events(pid))[-1].action == "comment")
        assert list(samples_store.events(pid))[-1].payload["text"] == "seeds look cherry-picked"


async def test_escape_in_the_burst_cancels_the_prompt_it_opened(samples_store):
    async with proposal_open(samples_store) as (app, pilot, pid):
        proposal = app.screen
        before = [e.action for e in samples_store.events(pid)]
        burst(app, "x", *chars("no"), "escape")
        await settle(pilot, lambda: app.screen is proposal)
        await pilot.pause()
        assert app.screen is proposal
        assert [e.action for e in samples_store.events(pid)] == before


async def test_a_verdict_and_note_typed_in_one_burst_fill_the_assessment(samples_store):
    # 2 picks a verdict and moves focus to the note with `focus()`, which Textual applies
    # only from a callback queued after the keys already in flight.
    async with proposal_open(samples_store) as (app, pilot, _pid):
        burst(app, "e", "2", *chars("expect less"))
        await settle(pilot, lambda: isinstance(app.screen, AssessmentModal)
                     and app.screen.query_one("#assess-note", Input).value == "expect less")
        modal = app.screen
        assert isinstance(modal, AssessmentModal)
        assert modal.query_one(RadioSet).pressed_index == 1
        assert app.focused is modal.query_one("#assess-note", Input)


async def test_a_priority_key_in_a_burst_still_acts(samples_store):
    # Priority bindings run as each key arrives, ahead of the keys still finding their widget.
    app = make_app(samples_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        burst(app, "/", "a", "b", "ctrl+q")
        await settle(pilot, lambda: app.return_code is not None)
        assert app.return_code == 0


async def test_keys_after_an_enter_are_not_recorded_in_the_reason(samples_store):
    # Enter was a binding that ran only after the keys behind it had been typed: the reject
    # reason was recorded as "nopej".
    async with proposal_open(samples_store) as (app, pilot, pid):
        proposal = app.screen
        burst(app, "x", *chars("nope"), "enter", "j")
        await settle(pilot, lambda: samples_store.get(pid)["status"] == "rejected")
        await pilot.pause()
        rejections = [e for e in samples_store.events(pid) if e.action == "reject"]
        assert [e.payload["reason"] for e in rejections] == ["nope"]
        assert app.screen is proposal


async def test_a_second_comment_typed_after_an_enter_is_not_folded_into_the_first(samples_store):
    # It ran "hi" and "cyo" together as one comment, and the second enter dismissed the
    # prompt again, popping the proposal screen from under it.
    async with proposal_open(samples_store) as (app, pilot, pid):
        proposal = app.screen
        burst(app, "c", *chars("hi"), "enter", "c", *chars("yo"), "enter")
        await settle(pilot, lambda: list(samples_store.events(pid))[-1].action == "comment")
        await pilot.pause()
        comments = [e.payload["text"] for e in samples_store.events(pid) if e.action == "comment"]
        assert comments[-1] == "hi" and "yo" not in " ".join(comments)
        assert proposal in app.screen_stack


async def test_a_search_and_its_enter_in_one_burst_search_for_what_came_before_it(samples_store):
    app = make_app(samples_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        queue = app.screen
        assert isinstance(queue, QueueScreen)
        search = queue.query_one("#queue-search", Input)
        burst(app, *chars("/logconf"), "enter", "j", "j")
        await settle(pilot, lambda: app.focused is queue.query_one(QueueTable))
        await pilot.pause()
        assert (queue.text, search.value) == ("logconf", "logconf")
        # The box takes keys again once it has focus (they replace the search it selects).
        burst(app, "/", *chars("warm"))
        await settle(pilot, lambda: search.value == "warm")


async def test_a_refused_reason_leaves_the_prompt_taking_keys(samples_store):
    async with proposal_open(samples_store) as (app, pilot, pid):
        burst(app, "x", "enter")  # an empty reason is refused and the prompt stays
        await settle(pilot, lambda: isinstance(app.screen, PromptModal))
        await pilot.pause()
        burst(app, *chars("flaky"), "enter")
        await settle(pilot, lambda: samples_store.get(pid)["status"] == "rejected")
        rejections = [e for e in samples_store.events(pid) if e.action == "reject"]
        assert [e.payload["reason"] for e in rejections] == ["flaky"]


async def test_a_confirmation_answered_twice_in_one_burst_answers_once(samples_store):
    answers: list[bool | None] = []
    app = make_app(samples_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        queue = app.screen
        app.push_screen(ConfirmModal("sure?"), answers.append)
        await pilot.pause()
        burst(app, "y", "y")
        await settle(pilot, lambda: app.screen is queue)
        await pilot.pause()
        assert answers == [True]
        assert app.screen is queue and app.is_running


async def test_an_answer_given_under_the_palette_lands_once_the_palette_closes(samples_store):
    # ctrl+p, a priority key, pushed the palette before the enter typed ahead of it submitted;
    # Textual's dismiss then popped the palette and left the prompt stuck on screen.
    async with proposal_open(samples_store) as (app, pilot, pid):
        proposal = app.screen
        burst(app, "x")
        await settle(pilot, lambda: isinstance(app.screen, PromptModal))
        burst(app, *chars("nope"), "enter", "ctrl+p")
        await settle(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press("escape")
        await settle(pilot, lambda: app.screen is proposal)
        rejections = [e for e in samples_store.events(pid) if e.action == "reject"]
        assert [e.payload["reason"] for e in rejections] == ["nope"]


async def test_keys_a_priority_key_overtook_do_not_follow_it_into_its_screen(samples_store):
    # ctrl+p acts as it arrives, ahead of the keys before it: they went into the palette's
    # search, and its enter ran the first command found (approve).
    async with proposal_open(samples_store) as (app, pilot, pid):
        before = [e.action for e in samples_store.events(pid)]
        burst(app, "x", *chars("nope"), "enter", "ctrl+p")
        await settle(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.pause()
        palette = app.screen
        assert isinstance(palette, CommandPalette)
        assert palette.query_one(Input).value == ""
        assert [e.action for e in samples_store.events(pid)] == before


async def test_keys_after_a_tab_go_where_the_tab_moved_focus(samples_store):
    # shift+tab out of the note, then 2: the 2 was typed into the note ("ok2") and the verdict
    # stayed the first one picked.
    async with proposal_open(samples_store) as (app, pilot, pid):
        burst(app, "e", "1")
        await settle(pilot, lambda: isinstance(app.focused, Input))
        burst(app, *chars("ok"), "shift+tab", "2", "enter")
        await settle(pilot, lambda: list(samples_store.events(pid))[-1].action == "assessment")
        payload = list(samples_store.events(pid))[-1].payload
        assert (payload["note"], payload["predicted_verdict"]) == ("ok", PREDICTIONS[1])


async def test_an_edit_key_after_the_search_s_enter_leaves_the_search_as_submitted(samples_store):
    app = make_app(samples_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        queue = app.screen
        assert isinstance(queue, QueueScreen)
        burst(app, *chars("/logconf"), "enter", "ctrl+w", "ctrl+u")
        await settle(pilot, lambda: app.focused is queue.query_one(QueueTable))
        await pilot.pause()
        assert (queue.text, queue.query_one("#queue-search", Input).value) == ("logconf",
                                                                              "logconf")


async def test_a_tab_in_a_prompt_with_one_input_keeps_it_taking_keys(samples_store):
    async with proposal_open(samples_store) as (app, pilot, pid):
        burst(app, "c")
        await settle(pilot, lambda: isinstance(app.screen, PromptModal))
        burst(app, *chars("a"), "tab", *chars("b"), "enter")
        await settle(pilot, lambda: list(samples_store.events(pid))[-1].action == "comment")
        assert list(samples_store.events(pid))[-1].payload["text"] == "ab"


async def test_a_verdict_then_a_tab_back_and_another_verdict_in_one_burst(samples_store):
    # The first pick's late Changed message focused the note again after the shift+tab, so
    # the 3 was typed into the note ("ok3a") and the first verdict stayed.
    async with proposal_open(samples_store) as (app, pilot, pid):
        burst(app, "e")
        await settle(pilot, lambda: isinstance(app.screen, AssessmentModal))
        burst(app, "1", *chars("ok"), "shift+tab", "3", "a", "enter")
        await settle(pilot, lambda: list(samples_store.events(pid))[-1].action == "assessment")
        payload = list(samples_store.events(pid))[-1].payload
        assert (payload["note"], payload["predicted_verdict"]) == ("oka", PREDICTIONS[2])
