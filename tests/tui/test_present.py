"""The pure rules behind the screens: ages, cells, diff flags, key remapping."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from reviewer import keys
from reviewer.diffmodel import build, eval_words
from reviewer.present import (
    active_rerun_id,
    age,
    checks_by_severity,
    children_note,
    duplicate_target,
    lineage_line,
    log_tail_lines,
    next_in,
    pm,
    queue_cells,
    timeline,
)
from reviewer.present_audit import event_cells, payload_summary, verify_lines
from store.verify import VerifyReport
from tests.factories import new_file_diff

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("then", "expected"),
    [
        ("2026-11-28T11:59:30+00:00", "0m"),
        ("2026-11-28T11:00:00Z", "1h"),
        ("2026-11-27T09:00:00+00:00", "1d"),
        ("2026-10-01T00:00:00", "8w"),
        ("2024-01-01T00:00:00+00:00", "2y"),
        (None, "-"),
        ("not a time", "-"),
    ],
)
def test_age(then, expected):
    assert age(then, NOW) == expected


def test_numbers_and_cycles():
    assert pm(0.5, 0.0213) == "0.500 ± 0.021"
    assert pm(0.5, None) == "0.500"
    assert pm(None, 0.1) == "-"
    assert next_in((None, "pending"), "pending") is None
    assert next_in(("a", "b"), "zzz") == "a"


def test_queue_cells_are_single_clean_lines():
    row = {
        "status": "pending",
        "agent": "a\x1b[31mgent",
        "idea": None,
        "title": "t\u202eitle\nsecond [bold]x[/bold]",
        "claimed_pgr": 0.5,
        "measured_pgr": 0.41,
        "measured_pgr_se": 0.02,
        "verdict": "not_reproduced",
        "ingested_at": "2026-11-27T12:00:00+00:00",
    }
    cells = queue_cells(row, NOW)
    assert cells["agent"] == "agent"
    assert cells["title"] == "title second [bold]x[/bold]"
    assert cells["measured"] == "0.410 ± 0.020"
    assert cells["idea"] == "-"
    assert cells["age"] == "1d"


def test_timeline_merges_decisions_and_comments_by_time():
    data = {
        "decisions": [{"actor": "r", "action": "approve", "reason": "ok", "at": "2"}],
        "comments": [{"actor": "r\x07", "text": "hm\x1b[2J", "at": "1"}],
    }
    entries = timeline(data)
    assert [(e.action, e.actor, e.text) for e in entries] == [
        ("comment", "r", "hm"),
        ("approve", "r", "ok"),
    ]


def test_eval_words():
    assert eval_words("x_test = view.x_test") == []
    assert eval_words("np.load('/data/test_labels.npy'); score = eval_acc(Labels)") == [
        "score",
        "eval_acc",
        "labels",
    ]
    assert eval_words("the Ground Truth and the salt") == ["ground truth", "salt"]


def test_suspicious_files_come_first_and_are_marked():
    diff = new_file_diff("methods/ok.py", "def run(view):\n    return 1\n")
    diff += new_file_diff("run.py", "acc = max(acc, 1 - acc)\n")
    diff += new_file_diff("methods/peek.py", "import os\nlabels = open('/data/x')\n")
    doc = build(diff)
    assert [f.path for f in doc.files] == ["run.py", "methods/peek.py", "methods/ok.py"]
    assert "outside the allow-list" in doc.files[0].reasons[0]
    assert doc.files[1].reasons == ["hunk at +1 mentions labels"]
    flagged = [line.text for line in doc.lines if line.flagged and line.kind == "added"]
    assert flagged == ["+acc = max(acc, 1 - acc)", "+labels = open('/data/x')"]
    assert doc.lines[doc.files[2].start].kind == "file"


def test_unparsable_and_missing_diffs_are_shown_not_raised():
    assert build(None).lines[0].text == "no code attached to this proposal"
    doc = build("diff --git a/x b/x\n@@ -1,5 +1,5 @@\n+only one line\n")
    assert doc.error is not None
    assert doc.lines[0].kind == "note"


def test_keymap_validation():
    keymap, problems = keys.validate_keymap(
        {"approve": "A", "reject": "ctrl+r,X", "nope": "z", "rerun": 5, "undo": "ctrl+m"}
    )
    assert keymap == {"approve": "A", "reject": "ctrl+r,X"}
    assert len(problems) == 3
    assert any(p.startswith("keys.nope: unknown binding") for p in problems)


def test_a_remap_that_clashes_or_names_no_key_keeps_the_default():
    # approve on escape took Back from the proposal screen; not_a_key was bound to nothing.
    keymap, problems = keys.validate_keymap(
        {"approve": "escape", "reject": "not_a_key", "comment": "question_mark"})
    assert keymap == {}
    assert problems == [
        "keys.reject: cannot bind 'not_a_key'",
        "keys.comment: 'question_mark' is already help's key on the same screen; "
        "comment keeps its default",
        "keys.approve: 'escape' is already back's key on the same screen; "
        "approve keeps its default",
    ]
    # A swap is no clash, and the same key on two screens is fine.
    assert keys.validate_keymap({"approve": "x", "reject": "a", "plot": "v"}) == (
        {"approve": "x", "reject": "a", "plot": "v"}, [])


def test_keymap_file_errors_are_messages(tmp_path):
    bad = tmp_path / "config.toml"
    bad.write_text("[keys\napprove = 'A'")
    assert keys.load_keymap(bad)[0] == {}
    assert "cannot read the key bindings" in keys.load_keymap(bad)[1][0]
    assert keys.load_keymap(tmp_path / "missing.toml") == ({}, [])
    bad.write_text("keys = 3\n")
    assert "expected a table" in keys.load_keymap(bad)[1][0]


def test_every_binding_has_an_id_and_description():
    ids = [s.id for s in keys.SPECS]
    assert len(ids) == len(set(ids))
    assert all(s.description and s.scope in keys.SCOPE_TITLES for s in keys.SPECS)


def test_queue_cells_hide_the_claim_and_verdict_in_blinded_review():
    row = {"status": "pending", "claimed_pgr": 1.06, "verdict": "not_reproduced"}
    assert queue_cells(row, NOW)["claimed"] == "1.060"
    hidden = queue_cells({**row, "claim_hidden": True}, NOW)
    assert hidden["claimed"] == "hidden" and hidden["verdict"] == "hidden"
    nothing = queue_cells({"claim_hidden": True, "claimed_pgr": None, "verdict": None}, NOW)
    assert nothing["claimed"] == "-" and nothing["verdict"] == "-"


def test_assessments_join_the_timeline():
    data = {
        "comments": [{"actor": "r", "text": "hm", "at": "1"}],
        "assessments": [
            {"actor": "r", "at": "2", "predicted_verdict": "unsure", "note": "", "blinded": False},
            {"actor": "s", "at": "0", "predicted_verdict": "reproduced", "note": "x\x1b[2J"},
        ],
    }
    assert [(e.action, e.text) for e in timeline(data)] == [
        ("assess", "predicted reproduced: x"),
        ("comment", "hm"),
        ("assess", "predicted unsure"),
    ]


def test_checks_by_severity_and_the_duplicate_to_open():
    checks = [
        {"code": "a", "severity": "low"},
        {"code": "duplicate", "severity": "medium", "detail": {"other_id": "bbbb"}},
        {"code": "b", "severity": "weird"},
        {"code": "duplicate", "severity": "high", "detail": {"other_id": "aaaa"}},
        "not a check",
    ]
    assert [(s, len(found)) for s, found in checks_by_severity(checks)] == [
        ("high", 1),
        ("medium", 1),
        ("low", 1),
        ("other", 1),
    ]
    assert duplicate_target(checks) == "aaaa"
    assert duplicate_target(checks[:1]) is None
    assert duplicate_target([{"code": "duplicate", "severity": "high", "detail": 3}]) is None


def test_log_tail_lines_of_a_running_rerun_only():
    tail = "".join(f"line {i}\n" for i in range(20)) + "\x1b]0;title\x07last \u202eone\n\n"
    running = {"state": "running", "progress": {"log_tail": tail}}
    lines = log_tail_lines(running)
    assert len(lines) == 8 and lines[0] == "line 13" and lines[-1] == "0;titlelast one"
    assert log_tail_lines({**running, "state": "done"}) == []
    assert log_tail_lines({"state": "running", "progress": {"log_tail": 5}}) == []
    assert log_tail_lines({"state": "running", "progress": None}) == []


def test_active_rerun_is_the_newest_queued_or_running():
    data = {"reruns": [{"id": 1, "state": "running"}, {"id": 2, "state": "done"}]}
    assert active_rerun_id(data) == 1
    data["reruns"].append({"id": 3, "state": "queued"})
    assert active_rerun_id(data) == 3
    assert active_rerun_id({"reruns": [{"id": 4, "state": "cancelled"}]}) is None


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"reason": "ok\x1b[31m", "diff_sha256": "a" * 64}, f"reason=ok diff_sha256={'a' * 12}"),
        ({"job": 3, "params": {"seeds": [1, 2, 3]}}, "seeds=3 job=3"),
        (
            {"job": 3, "attempt": 1, "result": {"verdict": "refused", "pgr_mean": None}},
            "verdict=refused job=3 attempt=1",
        ),
        ({"job": 3, "result": {"verdict": "reproduced", "pgr_mean": 0.5}}, "verdict=reproduced"),
        ({"content_hash": "x"}, '{"content_hash": "x"}'),
        ("not json\x07", "not json"),
    ],
)
def test_payload_summary(payload, expected):
    assert payload_summary(payload).startswith(expected)


def test_event_cells_and_verify_lines():
    row = {
        "seq": 7,
        "ts": "2026-11-27T09:00:00+00:00",
        "actor": "a\u202eb",
        "action": "comment",
        "proposal_id": "f" * 64,
        "payload": {"text": "[bold]hi[/bold]"},
    }
    cells = event_cells(row)
    assert cells["time"] == "2026-11-27 09:00:00" and cells["actor"] == "ab"
    assert cells["proposal"] == "f" * 12 and cells["payload"] == "text=[bold]hi[/bold]"
    assert event_cells({**row, "proposal_id": None})["proposal"] == "-"
    good = VerifyReport(events=3, head_seq=3, head_hash="ab" * 32).to_json()
    assert verify_lines(good) == (True, "chain OK · 3 events · head abababababab (seq 3)", [])
    bad = VerifyReport(events=3)
    for i in range(6):
        bad.add(f"seq {4 + i}: broken", 4 + i)
    ok, head, more = verify_lines(bad.to_json())
    assert not ok and head == "chain BROKEN · first bad row seq 4 · seq 4: broken"
    assert more[:3] == ["seq 5: broken", "seq 6: broken", "seq 7: broken"]
    assert "and 2 more" in more[3]
    for i in range(30):  # past a part's cap: counted, not listed, and still said
        bad.add(f"seq {10 + i}: broken", 10 + i)
    assert bad.not_shown == 16 and "and 32 more" in verify_lines(bad.to_json())[2][3]
    assert verify_lines({"ok": False, "problems": ["cannot open"], "first_bad_seq": None}) == (
        False,
        "chain BROKEN · damaged · cannot open",
        [],
    )


def test_publications_join_the_timeline_cleaned():
    data = {
        "decisions": [{"actor": "r", "action": "approve", "reason": "ok", "at": "1"}],
        "publications": [
            {"actor": "r", "at": "2", "action": "publish",
             "payload": {"file": "/f/abc_x.json", "commit": "0123456789abcdef", "pushed": True}},
            {"actor": "r", "at": "4", "action": "withdraw",
             "payload": {"reason": "approve undone\x1b[2J", "removed": ["a", "b", "c"]}},
            {"actor": "r", "at": "3", "action": "publish_failed",
             "payload": {"withdraw": True, "stage": "push", "error": "no\x07 remote"}},
        ],
    }
    assert [(e.action, e.text) for e in timeline(data)] == [
        ("approve", "ok"),
        ("publish", "/f/abc_x.json, commit 0123456789ab, pushed"),
        ("publish_failed", "withdrawal failed at push: no remote"),
        ("withdraw", "removed 3 file(s): approve undone"),
    ]


def test_lineage_line_is_clean_and_says_what_it_found():
    hostile = {"id": "f" * 64, "status": "rejected", "agent": "a\x1b[2Jb",
               "title": "T\u202e\x07itle", "via": "id"}
    other = {**hostile, "id": "e" * 64}
    line = lineage_line({"parent": "f" * 12, "parents": [hostile, other], "children": [],
                         "children_total": 4})
    assert line == f"builds on {'f' * 12} (rejected, ab): Title and 1 more  ·  built on by 4"
    assert lineage_line({"parent": "x" * 300, "parents": [], "children": [],
                         "children_total": 0}) == f"builds on {'x' * 63}… (not in this store)"
    assert lineage_line({"parent": None, "parents": [], "children": [],
                         "children_total": 0}) == ""
    assert lineage_line(None) == ""


def test_the_note_after_a_rejection_counts_the_line_below_it():
    pid = "ab" * 32
    assert children_note(1, pid) == f"1 pending proposal builds on {pid[:12]}"
    assert children_note(2, pid, 2) == f"2 pending proposals build on {pid[:12]}"
    assert children_note(2, pid, 5) == (
        f"2 pending proposals build on {pid[:12]}, and 3 more descend from it through pending ones")
    assert children_note(1, pid, 2, complete=False).endswith(
        ", and at least 1 more descend from it through pending ones")
    # Thousands of direct children: the capped walk counts fewer than the index does.
    assert children_note(3000, pid, 2001, complete=False) == (
        f"3000 pending proposals build on {pid[:12]}, and perhaps more descend from it through "
        "pending ones")


def test_the_queue_fits_80_columns_with_a_readable_title_and_every_verdict():
    # Nine fixed columns took 99 cells: at 80 the title got 8 and verdict, flags and age
    # were pushed off the screen.
    from reviewer.present import QUEUE_COLUMNS, column_widths

    keys = [c.key for c in QUEUE_COLUMNS]
    narrow = dict(zip(keys, column_widths(80), strict=True))
    shown = [w for w in narrow.values() if w]
    assert sum(shown) + len(shown) - 1 == 80
    assert narrow["title"] >= 16 and narrow["age"] == 0
    assert narrow["verdict"] >= 8 and narrow["flags"] == 5 and narrow["status"] == 8
    wide = dict(zip(keys, column_widths(200), strict=True))
    assert [wide[c.key] for c in QUEUE_COLUMNS if c.width] == [
        c.width for c in QUEUE_COLUMNS if c.width]
    assert wide["title"] == 200 - 99


def test_the_queue_cuts_agent_names_in_the_middle_and_titles_at_the_end():
    from reviewer.present import QUEUE_COLUMNS
    from reviewer.widgets.paged_table import fit

    agent = next(c for c in QUEUE_COLUMNS if c.key == "agent")
    title = next(c for c in QUEUE_COLUMNS if c.key == "title")
    assert agent.middle and not title.middle
    cells = [fit(f"w2s-research-agent-{n}", 14, middle=agent.middle) for n in (3, 12)]
    assert cells == ["w2s-re…agent-3", "w2s-re…gent-12"]
    assert fit("A title that goes on", 10, middle=title.middle) == "A title t…"


def test_timeline_keeps_audit_order_when_the_clock_steps_back():
    """A clock set back between an approval and its undo must not list the undo first (the
    proposal would read as approved while pending); `show` and the TUI read this timeline."""
    from reviewer.tuidata import proposal_view
    from store import ReviewStore
    from tests.factories import make_proposal

    times = iter(["2026-11-28T12:00:00+00:00", "2026-11-28T12:00:00+00:00",
                  "2026-11-28T13:00:00+00:00", "2026-11-29T12:00:00+00:00",
                  "2026-11-26T12:00:00+00:00", "2026-11-25T12:00:00+00:00"])
    store = ReviewStore.memory(clock=lambda: next(times))
    pid = store.add_proposal(make_proposal(1), actor="seed")
    store.approve(pid, reason="fine", actor="r", override="no rerun needed here")
    store.comment(pid, "later, by the clock", actor="r")
    store.undo(pid, actor="r", reason="second thoughts")
    actions = [e.action for e in timeline(proposal_view(store, pid))]
    store.close()
    assert actions.index("approve") < actions.index("comment") < actions.index("undo"), actions
