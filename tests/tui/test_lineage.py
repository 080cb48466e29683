"""The proposal screen's lineage line, the key that opens the parent, and the reject note."""

from __future__ import annotations

from dataclasses import replace

import pytest
from textual.widgets import Static

from reviewer.screens.diff import DiffScreen
from reviewer.screens.proposal import ProposalScreen
from reviewer.widgets.prompt import PromptModal
from reviewer.widgets.queue_table import QueueTable
from tests.factories import make_proposal, new_file_diff
from tests.tui.conftest import SIZE, content_text, make_app, pid_of, screen_text

pytestmark = pytest.mark.anyio


def lineage_text(app) -> str:
    return content_text(app.screen.query_one("#proposal-lineage", Static))


async def test_rejecting_a_parent_is_noted_and_its_child_shows_it_and_opens_it(samples_store):
    # Sample finding 104 names 103's commit as its parent_commit_id.
    parent = pid_of(samples_store, "always_majority")
    child = pid_of(samples_store, "majority_calibrated")
    app = make_app(samples_store)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(ProposalScreen(parent))
        await pilot.pause()
        assert lineage_text(app).strip() == "built on by 1"
        assert app.screen.check_action("parent", ()) is False  # it names no parent
        await pilot.press("x")
        assert isinstance(app.screen, PromptModal)
        await pilot.press(*"hack", "enter")
        await pilot.pause()
        assert samples_store.get(parent)["status"] == "rejected"
        notes = [n.message for n in app._notifications]
        assert f"1 pending proposal builds on {parent[:12]}" in notes

        app.push_screen(ProposalScreen(child))
        await pilot.pause()
        line = lineage_text(app)
        assert f"builds on {parent[:12]} (rejected, aar-7)" in line
        assert "built on by" not in line
        assert app.screen.query_one("#proposal-lineage").has_class("-rejected-parent")
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, ProposalScreen)
        assert app.screen.proposal_id == parent


async def test_a_second_child_is_counted(samples_store):
    parent = pid_of(samples_store, "always_majority")
    samples_store.add_proposal(make_proposal(90, parent=parent[:12]), actor="ingest")
    app = make_app(samples_store)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(ProposalScreen(parent))
        await pilot.pause()
        assert lineage_text(app).strip() == "built on by 2"


async def test_no_lineage_hides_the_line(samples_store):
    app = make_app(samples_store)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(ProposalScreen(pid_of(samples_store, "boot_ensemble")))
        await pilot.pause()
        assert not app.screen.query_one("#proposal-lineage", Static).display
        await pilot.press("p")  # nothing to open: the screen stays
        await pilot.pause()
        assert app.screen.proposal_id == pid_of(samples_store, "boot_ensemble")


async def test_B_filters_the_queue_to_what_builds_on_it_and_esc_clears_it(samples_store):
    parent = pid_of(samples_store, "always_majority")
    child = pid_of(samples_store, "majority_calibrated")
    app = make_app(samples_store)
    async with app.run_test(size=SIZE) as pilot:
        queue = app.screen
        app.push_screen(ProposalScreen(child))
        await pilot.pause()
        assert app.screen.check_action("children", ()) is False  # nothing builds on 104
        # Its parent is pending, so the line is not marked.
        assert not app.screen.query_one("#proposal-lineage").has_class("-rejected-parent")
        await pilot.press("p")  # to its parent, two screens above the queue
        await pilot.pause()
        assert app.screen.proposal_id == parent
        await pilot.press("B")
        await pilot.pause()
        assert app.screen is queue
        table = queue.query_one(QueueTable)
        assert table.total == 1 and table.row_at(0)["id"] == child
        assert f"building on {parent[:12]}" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert table.total == 17 and "building on" not in screen_text(app)


async def test_l_widens_the_lineage_filter_to_the_whole_line_and_back(samples_store):
    parent = pid_of(samples_store, "always_majority")
    child = pid_of(samples_store, "majority_calibrated")
    grandchild = samples_store.add_proposal(make_proposal(91, parent=child[:12]), actor="ingest")
    app = make_app(samples_store)
    async with app.run_test(size=SIZE) as pilot:
        queue = app.screen
        assert queue.check_action("toggle_line", ()) is False  # no lineage filter to widen
        table = queue.query_one(QueueTable)
        queue.show_children(parent)
        await pilot.pause()
        assert table.total == 1
        await pilot.press("l")
        await pilot.pause()
        assert {table.row_at(i)["id"] for i in range(table.total)} == {child, grandchild}
        assert f"the line below {parent[:12]}" in screen_text(app)
        await pilot.press("l")
        await pilot.pause()
        assert table.total == 1 and f"building on {parent[:12]}" in screen_text(app)
        await pilot.press("l", "escape")
        await pilot.pause()
        assert table.total == 18 and not queue.line


async def test_a_proposal_from_git_names_its_commit_and_the_one_it_builds_on(samples_store):
    first, second = "1" * 40, "2" * 40
    def from_git(i: int, sha: str, parent: str | None = None) -> str:
        made = replace(make_proposal(i, external_id=sha, parent=parent),
                       source_format="git_commit")
        return samples_store.add_proposal(made, actor="ingest")

    parent = from_git(91, first)
    child = from_git(92, second, parent=first)
    app = make_app(samples_store)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(ProposalScreen(child))
        await pilot.pause()
        meta = content_text(app.screen.query_one("#proposal-meta", Static))
        assert meta.rstrip().endswith(f"commit {second[:12]}")
        assert f"builds on {parent[:12]}" in lineage_text(app)


async def test_D_shows_what_the_code_changes_from_the_parent(samples_store):
    parent = samples_store.add_proposal(
        make_proposal(93, diff=new_file_diff("methods/m.py", "a = 1\n").encode()), actor="i")
    child = samples_store.add_proposal(make_proposal(
        94, parent=parent, diff=new_file_diff("methods/m.py", "a = 1\npeek = 2\n").encode()),
        actor="i")  # fmt: skip
    twin = samples_store.add_proposal(make_proposal(
        95, parent=parent, diff=new_file_diff("methods/m.py", "a = 1\n").encode()), actor="i")
    app = make_app(samples_store)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(ProposalScreen(parent))
        await pilot.pause()
        assert app.screen.check_action("parent_diff", ()) is False  # it builds on nothing
        assert "what its code changes" not in lineage_text(app)
        app.push_screen(ProposalScreen(twin))
        await pilot.pause()
        await pilot.press("D")
        await pilot.pause()
        assert isinstance(app.screen, ProposalScreen)
        assert f"the same code as its parent {parent[:12]}" in [
            n.message for n in app._notifications]
        app.push_screen(ProposalScreen(child))
        await pilot.pause()
        assert lineage_text(app).rstrip().endswith("·  D: what its code changes")
        await pilot.press("D")
        await pilot.pause()
        assert isinstance(app.screen, DiffScreen) and app.screen.from_parent is not None
        text = screen_text(app)
        assert f"from parent {parent[:12]} (pending) to {child[:12]}" in text
        assert "+peek = 2" in text and "1 file, 0 flagged" in text
