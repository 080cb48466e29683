"""SVG snapshots of the three main screens on fixed data, a fixed clock and a fixed now."""

from __future__ import annotations

from tests.tui.conftest import SIZE, make_app, pid_of, sample_store


def test_queue_snapshot(snap_compare):
    assert snap_compare(make_app(sample_store()), terminal_size=SIZE)


def test_proposal_snapshot(snap_compare):
    store = sample_store()
    pid = pid_of(store, "logconf_smooth")  # the hostile sample: shows what survives cleaning
    store.comment(pid, "title carries a fake APPROVED", actor="tester@example.org")

    async def open_it(pilot) -> None:
        from reviewer.screens.proposal import ProposalScreen

        pilot.app.push_screen(ProposalScreen(pid))
        await pilot.pause()

    assert snap_compare(make_app(store), terminal_size=SIZE, run_before=open_it)


def test_diff_snapshot(snap_compare):
    store = sample_store()
    pid = pid_of(store, "logconf_tuned")  # edits the scorer outside methods/

    async def open_it(pilot) -> None:
        from reviewer.screens.diff import DiffScreen

        pilot.app.push_screen(DiffScreen(pid))
        await pilot.pause()

    assert snap_compare(make_app(store), terminal_size=SIZE, run_before=open_it)
