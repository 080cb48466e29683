"""`event_detail`: the text the audit screen shows under its table for one event."""

from __future__ import annotations

from reviewer.widgets.event_table import event_detail

ROW = {"seq": 9, "ts": "2026-11-27T09:00:00+00:00", "actor": "alice", "action": "override",
       "proposal_id": "ab" * 32}


def test_an_override_shows_its_reason_and_every_unmet_gate_whole():
    reason = "the gate is wrong for this harness\nsee the thread " + "x" * 300
    text = event_detail({**ROW, "payload": {"reason": reason,
                                            "unmet": ["seeds \x1b[2J>= 5", "ablation"]}})
    head, *rest = text.splitlines()
    assert head == f"seq 9 · 2026-11-27 09:00:00 · alice · override · proposal {'ab' * 32}"
    assert rest == ["reason: the gate is wrong for this harness", "see the thread " + "x" * 300,
                    "unmet: seeds >= 5; ablation"]


def test_an_event_without_text_fields_shows_the_tables_summary_and_blinding_hides_verdicts():
    row = {**ROW, "action": "rerun_done",
           "payload": {"job": 3, "result": {"verdict": "reproduced", "pgr_mean": 0.61}}}
    assert event_detail(row).splitlines()[1] == "verdict=reproduced pgr=0.610 job=3"
    assert "reproduced" not in event_detail(row, blinded=True)
    assert "verdict=hidden" in event_detail(row, blinded=True)


def test_blinding_hides_the_unmet_gates_which_name_the_verdict():
    row = {**ROW, "payload": {"reason": "ok", "unmet": ["the latest rerun (job 2) says "
                                                        "not_reproduced"]}}
    assert "not_reproduced" in event_detail(row)
    assert event_detail(row, blinded=True).splitlines()[1:] == [
        "reason: ok", "unmet: hidden (blinded review)"]


def test_no_row_shows_nothing():
    assert event_detail(None) == ""


def test_a_tampered_megabyte_reason_is_cut_and_says_how_much_is_left():
    row = {**ROW, "payload": {"reason": "ab " * 350_000}}
    reason = event_detail(row).splitlines()[1]
    assert reason.startswith("reason: ab ab") and len(reason) < 20_100
    assert reason.endswith("… (1,030,000 more characters)")
