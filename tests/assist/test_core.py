"""second_opinion and latest_assist over a store, against the local fake API."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from reviewer.assist import AssistConfig, AssistError, latest_assist, second_opinion
from store import NewProposal, StoreError
from tests.assist.fakeapi import FAKE_KEY, GOOD, error_reply
from tests.factories import make_proposal, new_file_diff

ROOT = Path(__file__).resolve().parents[2]
ENV = {"ANTHROPIC_API_KEY": FAKE_KEY}


def config(api, **extra) -> AssistConfig:
    return AssistConfig(base_url=api.url, max_retries=0, timeout_s=10, **extra)


def finding(diff: bytes | None) -> NewProposal:
    """A sandbox finding, whose identity does not include code attached later."""
    original = {"id": 7, "title": "Majority", "content": "We vote.", "pgr": 0.97}
    return NewProposal(agent="a", title="Majority", summary="We vote.", harness="builtin",
                       source_format="sandbox_finding", original=original, idea="majority",
                       diff=diff, claimed={"pgr": 0.97})


def test_records_and_reads_back(mem_store, api):
    pid = mem_store.add_proposal(make_proposal(1, diff=new_file_diff("methods/a.py", "x = 1\n")
                                               .encode()), actor="a")
    assert latest_assist(mem_store, pid) is None
    record = second_opinion(mem_store, pid[:6], config=config(api, model="claude-opus-4-6"),
                            actor="bob", checks=[], environ=ENV)
    assert record == latest_assist(mem_store, pid)
    assert record["answer"] == GOOD and record["actor"] == "bob" and record["checks_sent"] == []
    assert record["model"] == "claude-opus-4-6" and api.bodies[0]["model"] == "claude-opus-4-6"
    assert record["diff_sha256"] == mem_store.get(pid)["diff_sha256"]
    assert mem_store.get(pid)["status"] == "pending" and mem_store.verify().ok


def test_the_request_says_what_reviewers_decided_about_the_parent(mem_store, api):
    parent = mem_store.add_proposal(make_proposal(4), actor="a")
    mem_store.reject(parent, reason="Reads the test labels.", actor="carol")
    child = mem_store.add_proposal(make_proposal(5, parent=parent[:12]), actor="a")
    record = second_opinion(mem_store, child, config=config(api), actor="bob", checks=[],
                            environ=ENV)
    sent = api.bodies[0]["messages"][0]["content"]
    assert f"Parent 1 (id {parent[:12]}, matched by id): status rejected; latest decision: " \
           "reject by a reviewer; rerun verdicts: none finished" in sent
    assert "decision reason: Reads the test labels." in sent
    assert record["parents_sent"] == [parent] == latest_assist(mem_store, child)["parents_sent"]
    # The parent's own opinion names no parent.
    assert second_opinion(mem_store, parent, config=config(api), actor="bob", checks=[],
                          environ=ENV)["parents_sent"] == []
    assert "builds on" not in api.bodies[1]["messages"][0]["content"]


def test_the_request_shows_what_the_code_changes_from_the_parent(mem_store, api):
    parent = mem_store.add_proposal(
        make_proposal(6, diff=new_file_diff("methods/m.py", "a = 1\n").encode()), actor="a")
    child = mem_store.add_proposal(make_proposal(
        7, parent=parent, diff=new_file_diff("methods/m.py", "a = 1\npeek = 2\n").encode()),
        actor="a")  # fmt: skip
    second_opinion(mem_store, child, config=config(api), actor="bob", checks=[], environ=ENV)
    sent = api.bodies[0]["messages"][0]["content"]
    change = sent.split('field="change_from_parent_1">\n')[1].split("\n</untrusted-")[0]
    assert change.startswith("diff --git a/methods/m.py b/methods/m.py\nindex ")
    assert change.endswith("@@ -1 +1,2 @@\n a = 1\n+peek = 2\n")


def test_an_opinion_on_old_code_is_stale(mem_store, api):
    pid = mem_store.add_proposal(finding(None), actor="a")
    record = second_opinion(mem_store, pid, config=config(api), actor="bob", checks=[],
                            environ=ENV)
    assert record["diff_sha256"] is None and record["stale"] is False
    assert "no diff attached" in api.bodies[0]["messages"][0]["content"]
    diff = new_file_diff("methods/majority.py", "x = 1\n").encode()
    assert mem_store.add_proposals([finding(diff)], actor="a").attached == [pid]
    assert latest_assist(mem_store, pid)["stale"] is True


def test_failure_stores_nothing(mem_store, api):
    pid = mem_store.add_proposal(make_proposal(2), actor="a")
    before = [e.seq for e in mem_store.events()]
    api.replies = [error_reply(500, "api_error", "Internal server error")]
    with pytest.raises(AssistError, match=r"HTTP 500 \(api_error\): Internal server error"):
        second_opinion(mem_store, pid, config=config(api), actor="bob", checks=[], environ=ENV)
    assert [e.seq for e in mem_store.events()] == before
    assert latest_assist(mem_store, pid) is None


def test_no_key_asks_nothing(mem_store, api):
    pid = mem_store.add_proposal(make_proposal(3), actor="a")
    with pytest.raises(AssistError, match="ANTHROPIC_API_KEY is not set"):
        second_opinion(mem_store, pid, config=config(api), actor="b", checks=[],
                       environ={"ANTHROPIC_API_KEY": "  "})
    assert api.received == []


def test_unknown_proposal(mem_store, api):
    with pytest.raises(StoreError):
        second_opinion(mem_store, "abcdef", config=config(api), actor="b", checks=[], environ=ENV)
    assert api.received == []


def test_importing_assist_pulls_in_neither_textual_nor_the_sdk():
    code = (
        "import sys, reviewer.assist, reviewer.commands.assist\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'textual', 'anthropic'}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"
