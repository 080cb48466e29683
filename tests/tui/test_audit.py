"""The audit screen: the event log paged newest first, verify's verdict, a tampered chain."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from reviewer.screens.audit import AuditScreen
from reviewer.screens.proposal import ProposalScreen
from reviewer.widgets.event_table import EventTable
from store import ReviewStore
from tests.factories import make_proposal
from tests.tui.conftest import SIZE, fixed_clock, make_app, screen_text, settle

pytestmark = pytest.mark.anyio


async def test_events_newest_first_paged_and_enter_opens_the_proposal():
    store = ReviewStore.memory(clock=fixed_clock)
    ids = store.add_proposals([make_proposal(i) for i in range(1500)], actor="seed").added
    store.reject(ids[7], reason="reads \x1b[2Jlabels [bold]x[/bold]", actor="alice")
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("L")
        await pilot.pause()
        assert isinstance(app.screen, AuditScreen)
        table = app.screen.query_one(EventTable)
        assert table.total == 1501
        assert 0 < table.loaded_rows <= table.page_size
        text = screen_text(app)
        assert "chain OK · 1501 events · head" in text
        first_row = next(line for line in text.splitlines() if "alice" in line)
        assert "1501" in first_row and "reject" in first_row
        assert text.index("alice") < text.index(" 1500 ")  # newest first
        assert ids[7][:12] in first_row
        assert "reason=reads labels [bold]x[/bold]" in first_row  # escapes gone, markup literal
        # another reviewer acts: the poll shows it and the cursor stays on its event
        await pilot.press("j")
        store.comment(ids[3], "late", actor="bob")
        app.screen.poll()
        await pilot.pause()
        assert table.total == 1502
        assert table.current["seq"] == 1500
        assert "bob" in screen_text(app)
        await pilot.press("home", "j", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ProposalScreen)
        assert app.screen.proposal_id == ids[7]
        await pilot.press("escape")
        assert isinstance(app.screen, AuditScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, AuditScreen)
    store.close()


def tampered_store(db: Path, tamper: str) -> tuple[ReviewStore, list[str]]:
    """Three proposals, an approval (seq 4) and a comment (seq 5), then `tamper` run on the
    file past the append-only trigger, as someone with write access could."""
    store = ReviewStore.open(db, clock=fixed_clock)
    ids = store.add_proposals([make_proposal(i) for i in range(3)], actor="a").added
    store.approve(ids[0], reason="ok", actor="a")  # seq 4
    store.comment(ids[1], "hm", actor="b")  # seq 5
    store.close()
    raw = sqlite3.connect(db, isolation_level=None)
    raw.execute("DROP TRIGGER events_no_update")
    raw.execute(tamper)
    raw.close()
    return ReviewStore.open(db, clock=fixed_clock), ids


async def test_a_tampered_chain_names_its_first_bad_row(tmp_path):
    db = tmp_path / "t.db"
    store, _ = tampered_store(
        db, """UPDATE events SET payload = '{"reason":"ok, I was paid"}' WHERE seq = 4""")
    app = make_app(store, db_path=db)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(AuditScreen())
        # verify runs in a thread worker
        await settle(pilot, lambda: "chain BROKEN" in screen_text(app))
        text = screen_text(app)
        assert "chain BROKEN · first bad row seq 4 · seq 4: content hash mismatch" in text
        line = app.screen.query_one("#audit-verify")
        assert line.has_class("-bad") and not line.has_class("-ok")
        table = app.screen.query_one(EventTable)
        assert table.bad_seq == 4
        assert table.current["seq"] == 4  # the cursor waits on the bad row
        assert "! 4" in text and "ok, I was paid" in text
    store.close()


async def test_an_event_without_a_proposal_cannot_be_opened(tmp_path):
    store = ReviewStore.memory(clock=fixed_clock)
    pid = store.add_proposal(make_proposal(1), actor="seed")
    store.annotate(pid, "assessment", {"predicted_verdict": "unsure"}, actor="r")
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(AuditScreen())
        await pilot.pause()
        screen = app.screen
        assert screen.check_action("open", ()) is True
        screen.query_one(EventTable).bad_seq = None
        screen.open_proposal(EventTable.Opened({"seq": 9, "proposal_id": None}))
        await pilot.pause()
        assert any("belongs to no proposal" in n.message for n in app._notifications)
        screen.open_proposal(EventTable.Opened({"seq": 9, "proposal_id": "abcdef0123"}))
        await pilot.pause()
        assert any("no proposal with id" in n.message for n in app._notifications)
        assert isinstance(app.screen, AuditScreen)
    store.close()


def test_verify_file_reports_what_the_cli_says(tmp_path):
    from reviewer.verify_child import verify_file

    db = tmp_path / "r.db"
    store = ReviewStore.open(db)
    store.add_proposal(make_proposal(1), actor="seed")
    store.close()
    report = verify_file(db)
    assert report["ok"] and report["events"] == 1 and report["head"]["seq"] == 1
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database" * 100)
    report = verify_file(junk)
    assert report["ok"] is False and "junk.db" in report["problems"][0]


def test_verify_and_the_worker_never_run_a_reviewer_package_in_the_working_folder(
    tmp_path, monkeypatch
):
    """`python -m` put the working folder first: a `reviewer/` there (an agent's checkout)
    ran unsandboxed in the TUI's verify child and could print a chain OK for a broken one."""
    from reviewer.verify_child import verify_file
    from reviewer.worker_process import worker_argv

    fake = tmp_path / "checkout" / "reviewer"
    fake.mkdir(parents=True)
    marker = tmp_path / "ran"
    (fake / "__init__.py").write_text("")
    (fake / "__main__.py").write_text(
        f"open({str(marker)!r}, 'w').close()\n"
        'print(\'{"ok": true, "events": 0, "problems": [], "first_bad_seq": null}\')\n'
    )
    monkeypatch.chdir(fake.parent)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database" * 100)
    assert verify_file(junk)["ok"] is False
    out = subprocess.run([*worker_argv(junk)[:-3], "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and "reviewer" in out.stdout
    assert not marker.exists()


def test_a_cancelled_verify_stops_its_child(tmp_path):
    """A verify nobody waits for any more (the screen left, `v` again) ran on for half a
    minute and 400 MB on a big store, several at once."""
    from reviewer import verify_child

    db = tmp_path / "r.db"
    ReviewStore.open(db).close()
    seen: list = []

    def cancelled() -> bool:
        seen.extend(verify_child._running)
        return True

    assert verify_child.verify_file(db, cancelled) is None
    assert seen and all(proc.poll() is not None for proc in seen)
    assert verify_child._running == set()


async def test_leaving_the_audit_screen_stops_its_verify(tmp_path, monkeypatch):
    from reviewer import verify_child

    # A verify that never ends by itself: a real one on this small store may finish before
    # the screen is left (sooner since the CLI loads only the command it runs).
    monkeypatch.setattr(verify_child, "reviewer_argv",
                        lambda *_: [sys.executable, "-c", "import time; time.sleep(60)"])
    db = tmp_path / "r.db"
    store = ReviewStore.open(db)
    store.add_proposal(make_proposal(1), actor="a")
    app = make_app(store, db_path=db)
    started: set = set()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("L", "v", "v")
        started |= verify_child._running
        assert isinstance(app.screen, AuditScreen) and started
        await pilot.press("escape")
        for _ in range(200):  # a guard: each child dies within a poll of its worker's cancel
            if not verify_child._running:
                break
            await pilot.pause(0.05)
        assert verify_child._running == set()
    # Killed (SIGKILL), not finished: the ones `v` replaced and the one the screen left.
    assert {proc.wait() for proc in started} == {-9}
    store.close()


async def test_a_log_with_rows_cut_out_is_counted_off_the_ui_thread_and_paged_as_it_is(tmp_path):
    db = tmp_path / "cut.db"
    store = ReviewStore.open(db, clock=fixed_clock)
    ids = store.add_proposals([make_proposal(i) for i in range(6)], actor="a").added
    store.comment(ids[0], "last", actor="b")  # seq 7
    store.close()
    raw = sqlite3.connect(db, isolation_level=None)
    raw.execute("DROP TRIGGER events_no_delete")
    raw.execute("DELETE FROM events WHERE seq IN (2, 6)")
    raw.close()
    store = ReviewStore.open(db, clock=fixed_clock)
    app = make_app(store, db_path=db)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(AuditScreen())
        await pilot.pause()
        table = app.screen.query_one(EventTable)
        # Paged as gapless at first (seqs 1..7), until the count in its thread says otherwise.
        await settle(pilot, lambda: table.total == 5)
        assert app.screen._top is None
        seqs = [table.row_at(i)["seq"] for i in range(table.total)]
        assert seqs == [7, 5, 4, 3, 1]
    store.close()


async def test_a_sound_log_keeps_its_seq_range_pages(tmp_path):
    db = tmp_path / "sound.db"
    store = ReviewStore.open(db, clock=fixed_clock)
    store.add_proposals([make_proposal(i) for i in range(4)], actor="a")
    app = make_app(store, db_path=db)
    async with app.run_test(size=SIZE) as pilot:
        seen: list[str] = []
        store.conn.set_trace_callback(seen.append)
        app.push_screen(AuditScreen())
        await settle(pilot, lambda: "chain OK" in screen_text(app))
        table = app.screen.query_one(EventTable)
        assert (table.total, app.screen._top) == (4, 4)
        assert [table.row_at(i)["seq"] for i in range(4)] == [4, 3, 2, 1]
        store.conn.set_trace_callback(None)
        # The UI thread's connection never counted the log: a cold count can take seconds.
        assert seen and not [sql for sql in seen if "count(*) FROM events" in sql]
    store.close()


@pytest.mark.parametrize(
    "tamper",
    [
        "UPDATE events SET payload = 'not json{' WHERE seq = 4",
        "UPDATE events SET payload = '[1,2]' WHERE seq = 4",
        "UPDATE events SET payload = 'null' WHERE seq = 4",
        """UPDATE events SET payload = '{"reason": 5}' WHERE seq = 4""",
        "UPDATE events SET actor = X'41424344' WHERE seq = 4",
        "UPDATE events SET action = X'41' WHERE seq = 4",
    ],
)
async def test_a_row_of_the_wrong_type_is_shown_not_raised(tmp_path, tamper):
    # Bytes in a text column, or a payload that is no JSON object, crashed the audit table
    # as it drew, or the proposal screen as it opened.
    db = tmp_path / "t.db"
    store, ids = tampered_store(db, tamper)
    app = make_app(store, db_path=db)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(AuditScreen())
        await settle(pilot, lambda: "chain BROKEN" in screen_text(app))
        app.push_screen(ProposalScreen(ids[0]))
        await pilot.pause()
        assert isinstance(app.screen, ProposalScreen)
    store.close()
