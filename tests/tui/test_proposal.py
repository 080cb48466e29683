"""Deciding, commenting, undoing and rerunning from the proposal screen, driven by keys."""

from __future__ import annotations

import contextlib
import sqlite3

import pytest
from textual.worker import WorkerCancelled, WorkerFailed

from reviewer.screens.proposal import ProposalScreen
from reviewer.screens.queue import QueueScreen
from reviewer.widgets.prompt import PromptModal
from store import ReviewStore
from tests.tui.conftest import (
    SAMPLES,
    SIZE,
    content_text,
    make_app,
    pid_of,
    sample_store,
    samples_file_store,
    screen_text,
    settle,
    workers_done,
)

pytestmark = pytest.mark.anyio


async def open_proposal(pilot, pid: str) -> None:
    """Open `pid` from the queue the way a user would: search its id-free title, enter."""
    app = pilot.app
    assert isinstance(app.screen, QueueScreen)
    app.push_screen(ProposalScreen(pid))
    await pilot.pause()
    assert isinstance(app.screen, ProposalScreen)


def actions(store: ReviewStore, pid: str) -> list[str]:
    return [e.action for e in store.events(pid)]


async def test_approve_with_a_reason_writes_the_decision_and_its_event(samples_store):
    pid = pid_of(samples_store, "boot_ensemble")
    app = make_app(samples_store)
    async with app.run_test(size=SIZE) as pilot:
        await open_proposal(pilot, pid)
        await pilot.press("a")
        assert isinstance(app.screen, PromptModal)
        await pilot.press(*"ok", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ProposalScreen)
        assert samples_store.get(pid)["status"] == "approved"
        assert actions(samples_store, pid)[-1] == "approve"
        assert samples_store.decisions(pid)[-1]["reason"] == "ok"
        assert "approve" in screen_text(app)  # the timeline shows it
        # approve and reject no longer apply; undo does
        assert app.screen.check_action("approve", ()) is False
        await pilot.press("u", *"mis-key", "enter")
        await pilot.pause()
        assert samples_store.get(pid)["status"] == "pending"
        assert actions(samples_store, pid)[-1] == "undo"


async def test_reject_needs_a_reason(samples_store):
    pid = pid_of(samples_store, "prior_match")
    app = make_app(samples_store)
    async with app.run_test(size=SIZE) as pilot:
        await open_proposal(pilot, pid)
        await pilot.press("x", "enter")
        await pilot.pause()
        assert isinstance(app.screen, PromptModal)  # refused: the modal stays open
        assert "a reason is required" in screen_text(app)
        assert actions(samples_store, pid) == ["ingest", "checks"]
        await pilot.press("escape")
        assert actions(samples_store, pid) == ["ingest", "checks"]
        await pilot.press("x", *"hack", "enter")
        await pilot.pause()
        assert samples_store.get(pid)["status"] == "rejected"
        assert samples_store.decisions(pid)[-1]["reason"] == "hack"


async def test_rerun_queues_a_job_on_reviewer_seeds_and_comment_is_recorded(samples_store):
    pid = pid_of(samples_store, "confident_q70")
    app = make_app(samples_store)
    async with app.run_test(size=SIZE) as pilot:
        await open_proposal(pilot, pid)
        assert "no rerun yet" in screen_text(app)
        await pilot.press("r")
        assert isinstance(app.screen, PromptModal)
        await pilot.press("backspace", "3", "enter")
        await pilot.pause()
        assert samples_store.jobs.counts()["queued"] == 1
        job = samples_store.jobs.for_proposal(pid)[0]
        assert len(job.params["seeds"]) == 3
        assert job.requested_by == "tester@example.org"
        assert "queued" in screen_text(app)
        assert any(f"rerun #{job.id} queued on 3 seeds; a `reviewer worker` runs it"
                   in n.message for n in app._notifications)
        await pilot.press("c", *"hm", "enter")
        await pilot.pause()
        assert actions(samples_store, pid)[-1] == "comment"


async def test_store_errors_are_notifications_not_tracebacks(samples_store):
    pid = pid_of(samples_store, "label_smoothing")  # a finding without code
    app = make_app(samples_store)
    async with app.run_test(size=SIZE) as pilot:
        await open_proposal(pilot, pid)
        assert app.screen.check_action("rerun", ()) is False
        # Another reviewer approves, the screen picks it up, then they undo it behind our back.
        samples_store.approve(pid, reason="outside", actor="other")
        app.screen.poll()
        assert app.screen.check_action("undo", ())
        samples_store.undo(pid, actor="other")
        # Called directly: the 1 s poll may already have hidden the key on a slow machine.
        app.screen.action_undo()
        await pilot.pause()
        await pilot.press(*"oops", "enter")
        await pilot.pause()
        # The undo shown is no longer the last decision event: refused as stale, not a crash.
        assert any("decided again since you looked" in n.message for n in app._notifications)
        assert app.is_running


async def test_progress_appears_without_a_key_press(samples_store):
    pid = pid_of(samples_store, "boot_ensemble")
    app = make_app(samples_store)
    async with app.run_test(size=SIZE) as pilot:
        await open_proposal(pilot, pid)
        from reviewer.rerun.jobs import request_rerun

        job = request_rerun(samples_store, pid, actor="elsewhere", seeds=[1, 2])
        claimed = samples_store.jobs.claim("worker-1")
        samples_store.jobs.heartbeat(job.id, claimed.attempt, progress={"stage": "training"})
        app.screen.poll()  # what the 1 s interval runs
        await pilot.pause()
        assert "stage training" in screen_text(app)


async def test_thread_workers_write_through_their_own_connection(tmp_path):
    db = tmp_path / "review.db"
    seeded = sample_store()
    pid = pid_of(seeded, "boot_ensemble")
    seeded.close()
    store = ReviewStore.open(db)
    from reviewer.commands.ingest import ingest_paths
    from tests.tui.conftest import SAMPLES

    ingest_paths(store, [SAMPLES], "tester@example.org")
    app = make_app(store, db_path=db)
    async with app.run_test(size=SIZE) as pilot:
        await open_proposal(pilot, pid)
        assert "approved" not in screen_text(app)
        await pilot.press("a", *"ok", "enter")
        await settle(pilot, lambda: "approved" in screen_text(app))
        assert store.get(pid)["status"] == "approved"
        app.screen.poll()  # a poll worker opens its own connection to read the change back
        await workers_done(app)
        assert "approved" in screen_text(app)
    store.close()


async def test_a_finished_rerun_shows_claimed_vs_measured_and_the_verdict(samples_store):
    from reviewer.rerun.jobs import request_rerun

    pid = next(r["id"] for r in samples_store.list(limit=50) if r["agent"] == "agent-delta")
    job = request_rerun(samples_store, pid, actor="tester@example.org", seeds=[3, 4])
    claimed = samples_store.jobs.claim("worker-1")
    result = {
        "per_seed": [
            {"seed": 3, "pgr": 0.55, "transfer_acc": 0.81, "weak_acc": 0.7, "ceiling_acc": 0.9},
            {"seed": 4, "pgr": 0.57, "transfer_acc": 0.82, "weak_acc": 0.7, "ceiling_acc": 0.9},
        ],
        "pgr_mean": 0.56,
        "pgr_se": 0.01,
        "pgr_ci": [0.433, 0.687],
        "baseline_pgr_mean": 0.24,
        "gain_p_value": 0.0123,
        "verdict": "not_reproduced",
        "notes": ["claim looks like a best of N"],
    }
    samples_store.jobs.complete(job.id, claimed.attempt, result)
    app = make_app(samples_store)
    async with app.run_test(size=SIZE) as pilot:
        assert "0.560 ± 0.010" in screen_text(app)  # the queue's measured column
        await open_proposal(pilot, pid)
        text = screen_text(app)
        for expected in (
            "1.060 ± 0.000",
            "[0.433, 0.687]",
            "0.550, 0.570",
            "0.0123",
            "verdict: not_reproduced",
            "note: claim looks like a best of N",
        ):
            assert expected in text
        assert "no rerun yet" not in text


async def test_cancel_key_cancels_the_queued_rerun(samples_store):
    from reviewer.rerun.jobs import request_rerun

    pid = pid_of(samples_store, "boot_ensemble")
    app = make_app(samples_store)
    async with app.run_test(size=SIZE) as pilot:
        await open_proposal(pilot, pid)
        assert app.screen.check_action("cancel_rerun", ()) is False  # nothing to cancel
        job = request_rerun(samples_store, pid, actor="tester@example.org", seeds=[1, 2])
        app.screen.poll()
        assert app.screen.check_action("cancel_rerun", ()) is True
        await pilot.press("C")
        await pilot.pause()
        assert samples_store.jobs.get(job.id).state == "cancelled"
        assert actions(samples_store, pid)[-1] == "rerun_cancelled"
        assert any(f"rerun #{job.id} cancelled" in n.message for n in app._notifications)
        assert app.screen.check_action("cancel_rerun", ()) is False
        # a second job cancelled elsewhere first: the key's failure is a notification
        second = request_rerun(samples_store, pid, actor="tester@example.org", seeds=[3])
        app.screen.poll()
        samples_store.jobs.cancel(second.id, actor="other")
        app.screen.action_cancel_rerun()
        await pilot.pause()
        assert any("already cancelled" in n.message for n in app._notifications)
        assert app.is_running


async def test_a_running_rerun_shows_the_tail_of_its_output(samples_store):
    from reviewer.rerun.jobs import request_rerun

    pid = pid_of(samples_store, "boot_ensemble")
    app = make_app(samples_store)
    async with app.run_test(size=SIZE) as pilot:
        await open_proposal(pilot, pid)
        job = request_rerun(samples_store, pid, actor="elsewhere", seeds=[1, 2])
        claimed = samples_store.jobs.claim("worker-1")
        tail = "\n".join(f"epoch {i} loss 0.{i}" for i in range(12)) + "\n\x1b[2Jdone\u202e!"
        progress = {"stage": "training", "log_tail": tail}
        samples_store.jobs.heartbeat(job.id, claimed.attempt, progress=progress)
        app.screen.poll()
        await pilot.pause()
        text = screen_text(app)
        assert "stage training" in text
        assert "│ epoch 11 loss 0.11" in text and "│ done!" in text
        assert "│ epoch 5 loss 0.5" in text and "epoch 4 loss" not in text  # the last 8 lines
        assert "\x1b" not in text and "\u202e" not in text


async def test_approve_shows_the_unmet_gates_and_needs_an_override(samples_store):
    from store.gates import GatePolicy

    samples_store.gate_policy = GatePolicy.defaults()
    pid = pid_of(samples_store, "boot_ensemble")
    app = make_app(samples_store)
    async with app.run_test(size=SIZE) as pilot:
        await open_proposal(pilot, pid)
        await pilot.press("a")
        assert isinstance(app.screen, PromptModal)
        assert "Unmet gates" in screen_text(app)
        assert "no finished rerun of the current diff" in screen_text(app)
        await pilot.press(*"ok", "enter")
        await pilot.pause()
        assert isinstance(app.screen, PromptModal)  # the override prompt
        await pilot.press("escape")  # declining the override approves nothing
        await pilot.pause()
        assert samples_store.get(pid)["status"] == "pending"
        await pilot.press("a", *"ok", "enter")
        await pilot.pause()
        await pilot.press(*"demo", "enter")
        await pilot.pause()
        assert samples_store.get(pid)["status"] == "approved"
        assert actions(samples_store, pid)[-2:] == ["override", "approve"]


async def test_the_two_person_gate_is_listed_and_can_be_overridden_from_the_screen(
    samples_store,
):
    # Failing alone, the independence gate was not listed, so `a` offered no override and
    # the approval was refused with no way through from the TUI.
    from store.gates import GatePolicy
    from tests.store.test_gates import finish_rerun

    samples_store.gate_policy = GatePolicy(independent_approver=True)
    pid = pid_of(samples_store, "boot_ensemble")
    finish_rerun(samples_store, pid, requester="tester@example.org")
    app = make_app(samples_store)
    async with app.run_test(size=SIZE) as pilot:
        await open_proposal(pilot, pid)
        await pilot.press("a")
        assert "tester@example.org requested the rerun" in screen_text(app)
        await pilot.press(*"ok", "enter")
        await pilot.pause()
        assert isinstance(app.screen, PromptModal)  # the override prompt
        await pilot.press(*"no one else is here", "enter")
        await workers_done(app)
        assert samples_store.get(pid)["status"] == "approved"
        assert actions(samples_store, pid)[-2:] == ["override", "approve"]


async def test_an_override_does_not_cover_code_that_arrived_while_its_prompt_was_open(
    samples_store, tmp_path
):
    import shutil

    from reviewer.commands.ingest import ingest_paths
    from store.gates import GatePolicy

    samples_store.gate_policy = GatePolicy.defaults()
    pid = pid_of(samples_store, "label_smoothing")  # a sandbox finding with no code
    assert samples_store.get(pid)["diff_sha256"] is None
    app = make_app(samples_store)
    async with app.run_test(size=SIZE) as pilot:
        await open_proposal(pilot, pid)
        await pilot.press("a", *"ok", "enter")
        await pilot.pause()
        assert isinstance(app.screen, PromptModal)  # the override prompt, for "no code"
        # Meanwhile the agent's patch lands beside a copy of the finding.
        shutil.copy(SAMPLES / "findings" / "102_label_smoothing.json", tmp_path)
        (tmp_path / "102_label_smoothing.patch").write_text(
            "diff --git a/methods/m.py b/methods/m.py\nnew file mode 100644\n--- /dev/null\n"
            "+++ b/methods/m.py\n@@ -0,0 +1 @@\n+x = 1\n")
        assert ingest_paths(samples_store, [tmp_path], "ingest").attached == [pid]
        await pilot.press(*"no GPU", "enter")
        await pilot.pause()
        assert samples_store.get(pid)["status"] == "pending"
        assert "approve" not in actions(samples_store, pid)
        assert any("other code than you saw" in n.message for n in app._notifications)


async def test_undo_does_not_revert_a_decision_made_since_elsewhere(samples_store):
    pid = pid_of(samples_store, "boot_ensemble")
    samples_store.reject(pid, reason="mine", actor="tester@example.org")
    app = make_app(samples_store)
    async with app.run_test(size=SIZE) as pilot:
        await open_proposal(pilot, pid)
        samples_store.undo(pid, actor="bob")
        samples_store.approve(pid, reason="bob's", actor="bob")
        await pilot.press("u", *"mine was wrong", "enter")
        await pilot.pause()
        assert samples_store.get(pid)["status"] == "approved"
        assert actions(samples_store, pid)[-1] == "approve"
        assert any("decided again since you looked" in n.message for n in app._notifications)


async def test_shift_r_queues_a_rerun_and_opens_the_next_pending(samples_store):
    pid = pid_of(samples_store, "boot_ensemble")
    following = samples_store.next_in_order(pid, status="pending", with_code=True)
    app = make_app(samples_store)
    async with app.run_test(size=SIZE) as pilot:
        await open_proposal(pilot, pid)
        await pilot.press("R")
        await pilot.pause()
        assert [j.state for j in samples_store.jobs.for_proposal(pid)] == ["queued"]
        assert isinstance(app.screen, ProposalScreen)
        assert app.screen.proposal_id == following
        await pilot.press("escape")
        assert isinstance(app.screen, QueueScreen)


async def test_seed_plot_shows_a_finished_rerun(samples_store):
    from reviewer.widgets.seed_plot import SeedPlot

    pid = pid_of(samples_store, "confident_q70")
    job = samples_store.jobs.enqueue(pid, kind="rerun", params={}, actor="t")
    claimed = samples_store.jobs.claim("w")
    rows = [{"seed": s, "pgr": 0.25 + s / 100, "transfer_acc": 0.8, "weak_acc": 0.7,
             "ceiling_acc": 0.95} for s in (11, 12, 13)]
    samples_store.jobs.complete(job.id, claimed.attempt, {
        "verdict": "reproduced", "per_seed": rows, "pgr_mean": 0.37, "pgr_se": 0.01,
        "seeds": [11, 12, 13], "env": {}})
    app = make_app(samples_store)
    async with app.run_test(size=SIZE) as pilot:
        await open_proposal(pilot, pid)
        plot = app.screen.query_one(SeedPlot)
        assert plot.display
        assert "vs the claim" in plot.border_title
        await pilot.press("b")  # blinded: the claim line and its title go
        await pilot.pause()
        assert "vs the claim" not in plot.border_title


async def test_undo_withdraws_what_the_approval_published(samples_store, tmp_path):
    from reviewer import paths

    shared = tmp_path / "shared"
    paths.config_file().parent.mkdir(parents=True, exist_ok=True)
    paths.config_file().write_text(f'[publish]\nfolder = "{shared}"\n')
    pid = pid_of(samples_store, "boot_ensemble")
    app = make_app(samples_store)
    async with app.run_test(size=SIZE) as pilot:
        await open_proposal(pilot, pid)
        await pilot.press("a", *"ok", "enter")
        await pilot.pause()
        assert samples_store.get(pid)["status"] == "approved"
        assert any(p.suffix == ".json" for p in shared.iterdir())
        await pilot.press("u", *"approved in error", "enter")
        await pilot.pause()
        assert samples_store.get(pid)["status"] == "pending"
        assert [p for p in shared.iterdir() if not p.name.startswith(".")] == []
        assert actions(samples_store, pid)[-1] == "withdraw"
        assert any("withdrew it from" in n.message for n in app._notifications)
        history = content_text(app.screen.query_one("#proposal-timeline"))
        assert "publish" in history and "removed 3 file(s): approved in error" in history


async def test_reruns_queued_in_one_session_share_their_seeds(samples_store):
    pid = pid_of(samples_store, "boot_ensemble")
    following = samples_store.next_in_order(pid, status="pending", with_code=True)
    app = make_app(samples_store)
    async with app.run_test(size=SIZE) as pilot:
        await open_proposal(pilot, pid)
        await pilot.press("R")  # opens `following`
        await pilot.pause()
        await pilot.press("R")
        await pilot.pause()
        await pilot.press("escape")
        # R leaves a proposal alone while a rerun of its code is queued: finish that one.
        samples_store.jobs.cancel(samples_store.jobs.for_proposal(pid)[0].id, actor="t")
        await open_proposal(pilot, pid)
        await pilot.press("R")  # the same proposal again: new seeds, not a repeat
        await pilot.pause()
    first, again = (j.params["seeds"] for j in samples_store.jobs.for_proposal(pid))
    (second,) = (j.params["seeds"] for j in samples_store.jobs.for_proposal(following))
    assert first == second and len(first) == 5
    assert again != first and len(again) == 5


async def test_a_huge_summary_is_shown_as_plain_text(samples_store):
    from rich.markdown import Markdown
    from rich.text import Text

    from reviewer.screens.proposal_text import MARKDOWN_LIMIT, summary_view
    from tests.factories import make_proposal

    # Emphasis markers that make Rich's Markdown slow, past the limit: drawn as they are.
    huge = "## Heading\n\n" + "*a" * MARKDOWN_LIMIT
    pid = samples_store.add_proposal(make_proposal(97, summary=huge), actor="ingest")
    assert isinstance(summary_view("## Idea\n\nshort"), Markdown)
    view = summary_view(huge)
    assert isinstance(view, Text)
    assert view.plain.startswith(
        f"[{len(huge):,} characters in 3 lines, too long to show here: its first "
        f"{MARKDOWN_LIMIT:,} characters as plain text; S shows it all]\n\n## Heading")
    app = make_app(samples_store)
    async with app.run_test(size=SIZE) as pilot:
        await open_proposal(pilot, pid)
        assert "too long to show here" in screen_text(app)


@pytest.mark.parametrize("keys", [("x", "h", "i", "enter"), ("c", "h", "i", "enter"),
                                  ("r", "enter")])
async def test_a_write_that_lands_after_leaving_is_reported_saved(tmp_path, keys):
    # The reload after the write failed on the detached screen: "refused", though it was saved.
    db, store = samples_file_store(tmp_path)
    pid = pid_of(store, "boot_ensemble")
    before = len(list(store.events(pid)))
    app = make_app(store, db_path=db)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(ProposalScreen(pid))
        await pilot.pause()
        other_writer = sqlite3.connect(db, isolation_level=None, timeout=30)
        other_writer.execute("BEGIN IMMEDIATE")  # a worker or an ingest, busy for a moment
        await pilot.press(*keys)
        await pilot.pause(0.3)
        await pilot.press("escape")  # back to the queue before the write lands
        await pilot.pause(0.3)
        other_writer.execute("ROLLBACK")
        other_writer.close()
        await settle(pilot, lambda: len(app._notifications) > 0)
        await workers_done(app)
        titles = [n.title for n in app._notifications]
        assert isinstance(app.screen, QueueScreen)
    assert len(list(ReviewStore.open(db).events(pid))) == before + 1
    assert "refused" not in titles


async def test_rerun_and_next_after_leaving_keeps_the_queue(tmp_path):
    db, store = samples_file_store(tmp_path)
    pid = pid_of(store, "boot_ensemble")
    app = make_app(store, db_path=db)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(ProposalScreen(pid))
        await pilot.pause()
        other_writer = sqlite3.connect(db, isolation_level=None, timeout=30)
        other_writer.execute("BEGIN IMMEDIATE")
        await pilot.press("R")
        await pilot.pause(0.3)
        await pilot.press("escape")
        await pilot.pause(0.3)
        other_writer.execute("ROLLBACK")
        other_writer.close()
        await settle(pilot, lambda: len(app._notifications) > 0)
        await workers_done(app)
        # The queue was the screen replaced by the next proposal; esc then left a blank one.
        assert [type(s).__name__ for s in app.screen_stack][-1] == "QueueScreen"


@pytest.mark.parametrize("claim", [1.7e308, -1.7e308])
async def test_a_huge_claim_opens_beside_its_rerun(claim):
    # Padding the plot's axis around a claim of 1.7e308 overflowed and crashed the screen.
    from tests.factories import make_proposal

    store = ReviewStore.memory()
    pid = store.add_proposal(make_proposal(1, claimed={"pgr": claim, "seeds": [1, 2]}),
                             actor="ingest")
    job = store.jobs.enqueue(pid, kind="rerun", params={"seeds": [3, 4]}, actor="carol")
    claimed = store.jobs.claim("w")
    store.jobs.complete(job.id, claimed.attempt, {
        "per_seed": [{"seed": 3, "pgr": 0.5}, {"seed": 4, "pgr": 0.52}],
        "pgr_mean": 0.51, "pgr_se": 0.01, "verdict": "not_reproduced"})
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(ProposalScreen(pid))
        await pilot.pause()
        assert isinstance(app.screen, ProposalScreen)
        assert f"red: claim {claim:.3g}" in screen_text(app)


async def test_a_change_elsewhere_does_not_lay_the_summary_out_again(monkeypatch):
    from reviewer.screens import proposal
    from tests.spies import calls_to

    store = sample_store()
    pid = pid_of(store, "boot_ensemble")
    drawn = calls_to(monkeypatch, proposal, "summary_with_snippet")
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(ProposalScreen(pid))
        await pilot.pause()
        store.comment(pid, "a comment from another reviewer", actor="bob")
        app.screen.poll()
        await pilot.pause()
        assert "a comment from another reviewer" in screen_text(app)
    assert len(drawn) == 1


@pytest.mark.parametrize("trouble", ["replaced", "removed"])
async def test_a_store_file_replaced_or_removed_under_the_app_takes_no_write(tmp_path, trouble):
    db, store = samples_file_store(tmp_path)
    pid = pid_of(store, "boot_ensemble")
    app = make_app(store, db_path=db)
    async with app.run_test(size=SIZE) as pilot:
        await open_proposal(pilot, pid)
        if trouble == "replaced":  # `reviewer demo` run again, or a backup restored
            other = tmp_path / "other.db"
            ReviewStore.open(other).close()
            other.replace(db)
        else:
            db.unlink()
        await pilot.press("c", *"hello", "enter")
        await workers_done(app)
        await pilot.pause()
        expected = "was replaced since" if trouble == "replaced" else "is gone"
        assert any(expected in n.message for n in app._notifications)
        # The screen's own refresh fails the same way: said once, not on every poll.
        for _ in range(3):
            app.screen.poll()
            for worker in list(app.screen.workers):
                with contextlib.suppress(WorkerFailed, WorkerCancelled):
                    await worker.wait()
            await pilot.pause()
        refreshes = [n for n in app._notifications if n.message.startswith("refresh the proposal")]
        assert len(refreshes) == 1 and expected in refreshes[0].message
    # Closed first: the old file's connection shares the `-wal` and `-shm` paths with the new.
    store.close()
    if trouble == "removed":
        assert not db.exists()  # no empty store made in its place
    else:
        replaced = ReviewStore.open(db)
        assert replaced.conn.execute(
            "SELECT COUNT(*) FROM events WHERE action = 'comment'").fetchone()[0] == 0
        replaced.close()


async def test_quit_waits_for_a_change_still_being_saved(tmp_path):
    db, store = samples_file_store(tmp_path)
    pid = pid_of(store, "boot_ensemble")
    app = make_app(store, db_path=db)
    blocker = sqlite3.connect(db, isolation_level=None)
    async with app.run_test(size=SIZE) as pilot:
        await open_proposal(pilot, pid)
        blocker.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        await pilot.press("c", *"hello", "enter")
        await pilot.pause()
        assert app.saving() == 1
        [saving] = [w for w in app.workers if w.group == "store-write"]
        app.still_saving(saving, "comment")  # what the timer a second after the key says
        await pilot.pause()
        assert any("still saving (another process may be writing to the store)" in n.message
                   for n in app._notifications)
        await pilot.press("q")
        await pilot.pause()
        assert app.is_running and any("still being saved" in n.message
                                      for n in app._notifications)
        blocker.execute("ROLLBACK")
        for worker in list(app.workers):
            with contextlib.suppress(WorkerFailed, WorkerCancelled):
                await worker.wait()
        await pilot.pause()
        assert not app.is_running  # it quit once the comment was saved
    blocker.close()
    assert [e.payload["text"] for e in store.events(pid) if e.action == "comment"] == ["hello"]
    store.close()


async def test_rerun_on_seeds_the_reviewer_names(samples_store):
    # The prompt took only a count: choosing the seeds needed the CLI's --seed-list.
    pid = pid_of(samples_store, "confident_q70")
    app = make_app(samples_store)
    async with app.run_test(size=SIZE) as pilot:
        await open_proposal(pilot, pid)
        await pilot.press("r")
        assert isinstance(app.screen, PromptModal)
        await pilot.press("backspace", *"0-2000000000", "enter")  # refused, not expanded
        await pilot.pause()
        assert isinstance(app.screen, PromptModal)
        await pilot.press(*["backspace"] * 12, *"11-13,20", "enter")
        await pilot.pause()
    (job,) = samples_store.jobs.for_proposal(pid)
    assert job.params["seeds"] == [11, 12, 13, 20]
