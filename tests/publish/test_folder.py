"""Publishing into a plain folder: the files, their content, idempotence and refusals."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from reviewer.ingest import read_paths
from reviewer.publish import (
    NotConfigured,
    PublishConfig,
    PublishError,
    publish,
    publish_rejection,
    published,
)
from reviewer.publish.finding import safe_name
from tests.publish.helpers import (
    BASELINE_PGR,
    CLAIM,
    SEEDS,
    TRANSFER,
    add,
    approve,
    approved,
)

HOSTILE = "\x1b[2J\x1b]52;c;ZXZpbA==\x07[link=https://evil.example]x[/link]\u202e\x9b31m"


@pytest.fixture
def folder(tmp_path) -> Path:
    return tmp_path / "findings"


@pytest.fixture
def cfg(folder) -> PublishConfig:
    return PublishConfig(folder=folder)


def test_publish_writes_finding_patch_and_card(mem_store, cfg, folder):
    pid = approved(mem_store, 1)
    result = publish(mem_store, pid, actor="alice@example.org", config=cfg)
    stem = f"{pid[:12]}_idea_1"
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [f"{stem}.json", f"{stem}.patch", f"{stem}.md"])
    assert result.file == folder / f"{stem}.json"
    assert (folder / f"{stem}.patch").read_bytes() == mem_store.get(pid)["diff"]
    finding = json.loads(result.file.read_text())

    n = len(SEEDS)
    mean_transfer = sum(TRANSFER) / n
    pgrs = [(t - 0.7) / 0.2 for t in TRANSFER]
    assert finding["id"] == pid[:12] and finding["proposal_id"] == pid
    assert finding["finding_type"] == "result" and finding["idea_name"] == "idea_1"
    assert finding["pgr"] == pytest.approx(sum(pgrs) / n)
    assert finding["pgr"] != CLAIM["pgr"]  # the measurement, not the claim
    assert finding["transfer_acc"] == pytest.approx(mean_transfer)
    assert finding["transfer_acc_se"] > 0
    assert finding["weak_acc"] == pytest.approx(0.7) and finding["strong_acc"] == pytest.approx(0.9)
    assert finding["num_seeds"] == n and finding["seeds"] == list(SEEDS)
    assert finding["pgr_delta"] == pytest.approx(sum(pgrs) / n - sum(BASELINE_PGR) / n)
    assert finding["dataset"] == "blobs"
    assert finding["worked"] is True and finding["measured"]["verdict"] == "reproduced"
    assert finding["claimed"] == CLAIM
    assert finding["reviewed_by"] == ["alice@example.org"]
    approval = mem_store.latest_event(pid, "approve")
    assert finding["audit_hash"] == approval.hash and finding["created_at"] == approval.ts
    assert finding["diff_sha256"] == mem_store.get(pid)["diff_sha256"]
    assert isinstance(finding["checks"], list)

    card = (folder / f"{stem}.md").read_text()
    for needle in ("Claim vs measurement", "0.570 ± 0.020", f"{sum(pgrs) / n:.3f}",
                   "reproduced", "| 11 | 0.810 |", "alice@example.org",
                   "reproduced on 5 seeds", finding["diff_sha256"], approval.hash):
        assert needle in card, needle

    recorded = published(mem_store, pid)
    assert recorded["file"] == str(result.file) and recorded["commit"] is None
    assert recorded["finding_sha256"] == result.finding_sha256
    assert recorded["pushed"] is False and recorded["http"] is None
    assert mem_store.verify().ok


def test_the_finding_reads_back_as_a_sandbox_finding(mem_store, cfg, folder):
    pid = approved(mem_store, 2)
    result = publish(mem_store, pid, actor="alice", config=cfg)
    [read] = read_paths([result.file])
    [proposal] = read.proposals
    assert proposal.external_id == pid[:12] and proposal.idea == "idea_2"
    assert proposal.diff == mem_store.get(pid)["diff"]  # the patch beside it is attached


def test_publishing_twice_is_idempotent(mem_store, cfg, folder):
    pid = approved(mem_store, 3)
    first = publish(mem_store, pid, actor="alice", config=cfg)
    mtimes = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    events = len(list(mem_store.events(pid)))
    again = publish(mem_store, pid, actor="bob", config=cfg)
    assert again.unchanged and again.written == () and again.event_seq is None
    assert again.finding_sha256 == first.finding_sha256
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == mtimes
    assert len(list(mem_store.events(pid))) == events


def test_no_rerun_means_null_measurements(mem_store, cfg):
    pid = approved(mem_store, 4, rerun=False)
    result = publish(mem_store, pid, actor="alice", config=cfg)
    finding = json.loads(result.file.read_text())
    for key in ("pgr", "pgr_se", "transfer_acc", "transfer_acc_se", "weak_acc", "strong_acc",
                "num_seeds", "seeds", "pgr_delta", "measured", "worked"):
        assert finding[key] is None, key
    assert finding["claimed"]["pgr"] == CLAIM["pgr"]
    card = result.file.with_suffix(".md").read_text()
    assert "not verified" in card


def test_failed_rerun_is_not_a_measurement_and_a_later_good_one_is(mem_store, cfg):
    from tests.publish.helpers import finish_rerun, rerun_result

    pid = add(mem_store, 5)
    good = finish_rerun(mem_store, pid)
    failed = {**rerun_result(mem_store, pid), "per_seed": [], "pgr_mean": None,
              "verdict": "failed", "reason": "timed out"}
    finish_rerun(mem_store, pid, failed)
    approve(mem_store, pid)
    finding = json.loads(publish(mem_store, pid, actor="a", config=cfg).file.read_text())
    assert finding["measured"]["job"] == good and finding["pgr"] is not None


@pytest.mark.parametrize("idea", ["../../etc/x", "/abs/path", "a/../../b", "..", ".hidden",
                                  "-rf", "x\x1b[2J\ny\u202e", "é" * 200, "a" * 500, ""])
def test_hostile_idea_names_stay_inside_the_folder(mem_store, cfg, folder, idea):
    pid = approved(mem_store, 6, idea=idea)
    result = publish(mem_store, pid, actor="alice", config=cfg)
    files = list(folder.rglob("*"))
    assert files and all(p.parent == folder for p in files)
    name = result.file.name
    assert name.startswith(pid[:12] + "_") and len(name) <= 12 + 1 + 64 + 5
    stem = name[13:-5]
    assert stem == safe_name(idea)
    assert ".." not in stem and not stem.startswith((".", "-"))
    assert all(c.isascii() and (c.isalnum() or c in "_.-") for c in stem)
    finding = json.loads(result.file.read_text())
    assert finding["idea"] == idea and finding["idea_name"] == stem


def test_agent_text_is_verbatim_in_json_and_clean_in_the_card(mem_store, cfg):
    summary = "Sum" + HOSTILE + "\n```\n![x](https://evil.example/p.png) <img src=x>"
    pid = approved(mem_store, 7, title="Title " + HOSTILE, summary=summary)
    result = publish(mem_store, pid, actor="alice", config=cfg)
    raw = result.file.read_bytes()
    finding = json.loads(raw)
    assert finding["title"] == "Title " + HOSTILE and finding["content"] == summary
    assert b"\x1b" not in raw and "\u202e".encode() not in raw and "\x9b".encode() not in raw
    card = result.file.with_suffix(".md").read_text()
    assert "\x1b" not in card and "\u202e" not in card and "\x9b" not in card
    title_line = card.splitlines()[0]
    assert title_line.startswith("# Title ") and "<" not in title_line
    # The summary is fenced by a longer fence than the agent's own, so nothing renders.
    fence_start = card.index("````text\n")
    assert "![x](https://evil.example/p.png)" in card[fence_start:]
    assert card.rstrip().endswith("````")


def test_not_approved_is_refused_and_writes_nothing(mem_store, cfg, folder):
    pid = add(mem_store, 8)
    with pytest.raises(PublishError, match="pending: only approved"):
        publish(mem_store, pid, actor="alice", config=cfg)
    mem_store.reject(pid, reason="cheats", actor="bob")
    with pytest.raises(PublishError, match="rejected"):
        publish(mem_store, pid, actor="alice", config=cfg)
    assert not folder.exists() or not any(folder.iterdir())
    assert published(mem_store, pid) is None


def test_not_configured_says_how(mem_store):
    pid = approved(mem_store, 9)
    with pytest.raises(NotConfigured, match=r"\[publish\].*folder ="):
        publish(mem_store, pid, actor="alice", config=PublishConfig())


def test_a_symlink_where_a_file_goes_is_refused(mem_store, cfg, folder, tmp_path):
    pid = approved(mem_store, 10)
    folder.mkdir()
    outside = tmp_path / "outside.json"
    outside.write_text("keep")
    os.symlink(outside, folder / f"{pid[:12]}_idea_10.json")
    with pytest.raises(PublishError, match="symlink"):
        publish(mem_store, pid, actor="alice", config=cfg)
    assert outside.read_text() == "keep"


def test_another_proposals_record_under_the_same_name_is_never_replaced(mem_store, cfg, folder):
    # Files are named by a 12-hex id prefix, which an agent can grind two of its proposals
    # into sharing (about 2**24 tries): the second approval then overwrote the first record.
    pid = approved(mem_store, 11)
    other = pid[:12] + "f" * 52
    folder.mkdir()
    record = folder / f"{pid[:12]}_idea_11.json"
    record.write_text(json.dumps({"id": pid[:12], "proposal_id": other}))
    with pytest.raises(PublishError, match="the record of another proposal"):
        publish(mem_store, pid, actor="alice", config=cfg)
    assert json.loads(record.read_text())["proposal_id"] == other
    assert sorted(p.name for p in folder.iterdir()) == [record.name]
    record.write_text(json.dumps({"id": pid[:12], "proposal_id": pid}))  # its own: replaced
    publish(mem_store, pid, actor="alice", config=cfg)
    assert len(list(folder.iterdir())) == 3


def test_a_symlinked_rejected_folder_is_refused(mem_store, folder, tmp_path):
    pid = add(mem_store, 11)
    mem_store.reject(pid, reason="label leak", actor="bob")
    folder.mkdir()
    (tmp_path / "elsewhere").mkdir()
    os.symlink(tmp_path / "elsewhere", folder / "rejected")
    with pytest.raises(PublishError, match="symlink"):
        publish_rejection(mem_store, pid, actor="bob",
                          config=PublishConfig(folder=folder, rejected=True))
    assert not any((tmp_path / "elsewhere").iterdir())


def test_rejections_go_to_rejected_with_the_reason(mem_store, folder):
    pid = add(mem_store, 12)
    mem_store.reject(pid, reason="reads the test labels", actor="bob")
    assert publish_rejection(mem_store, pid, actor="bob",
                             config=PublishConfig(folder=folder)) is None
    result = publish_rejection(mem_store, pid, actor="bob",
                               config=PublishConfig(folder=folder, rejected=True))
    assert result.file == folder / "rejected" / f"{pid[:12]}_idea_12.json"
    record = json.loads(result.file.read_text())
    assert record["reasons"] == ["reads the test labels"] and record["rejected_by"] == ["bob"]
    assert record["finding_type"] == "rejected" and record["claimed"] == CLAIM
    assert [p.name for p in folder.iterdir()] == ["rejected"]  # not published as a finding
    assert published(mem_store, pid)["kind"] == "rejection"
    with pytest.raises(PublishError, match="rejected: only approved"):
        publish(mem_store, pid, actor="bob", config=PublishConfig(folder=folder, rejected=True))


def test_no_temp_files_are_left_behind(mem_store, cfg, folder):
    for i in range(13, 16):
        publish(mem_store, approved(mem_store, i), actor="alice", config=cfg)
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]


def test_the_card_names_what_the_finding_builds_on_and_where_it_came_from(mem_store, cfg):
    plain = publish(mem_store, approved(mem_store, 3), actor="alice@example.org", config=cfg)
    card = plain.file.with_suffix(".md").read_text()
    assert "| builds on |" not in card and "| from |" not in card
    sha = "a" * 40
    pid = approved(mem_store, 4, parent="b" * 40, external_id=sha)
    card = publish(mem_store, pid, actor="alice@example.org", config=cfg).file.with_suffix(
        ".md").read_text()
    assert f"| builds on | {'b' * 40} |" in card and f"| from | {sha} |" in card
