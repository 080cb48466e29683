"""A second diff offered for a sandbox finding becomes a high check on the proposal.

A finding's identity leaves its patch out, so anyone who can put a patch beside a copy of
it can attach code to another agent's finding; the later, real patch was then only an
error line of one ingest, and the hijacked proposal could be approved as it stood.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewer.commands.disputes import CODE, MAX_DISPUTES
from reviewer.commands.ingest import ingest_paths
from store import ReviewStore
from store.errors import GateError
from store.gates import GatePolicy
from tests.ingest.helpers import FINDING, write_json

STEM = "42_conf_weight"


def offer(tmp_path: Path, name: str, patch: str | None) -> Path:
    folder = tmp_path / name
    write_json(folder / f"{STEM}.json", FINDING)
    if patch is not None:
        (folder / f"{STEM}.patch").write_text(patch)
    return folder


def disputes(store: ReviewStore, pid: str) -> list[dict]:
    return [c for c in store.checks(pid) if c["code"] == CODE]


def test_a_second_diff_is_a_high_check_that_holds_the_approval(mem_store, tmp_path):
    [pid] = ingest_paths(mem_store, [offer(tmp_path, "plain", None)], "a").added
    first = ingest_paths(mem_store, [offer(tmp_path, "b", "agent B's code\n")], "a")
    assert first.attached == [pid] and disputes(mem_store, pid) == []

    real = offer(tmp_path, "a", "agent A's real code\n")
    report = ingest_paths(mem_store, [real], "a")
    [error] = report.errors
    assert error["message"].startswith(f"proposal {pid[:12]} already has a different diff")
    [check] = disputes(mem_store, pid)
    assert check["severity"] == "high" and check["resolved"] is None
    stored = mem_store.get(pid)["diff_sha256"]
    assert check["detail"]["stored_sha256"] == stored
    assert check["detail"]["path"] == str(real / f"{STEM}.json")
    assert check["detail"]["offered_sha256"] not in (None, stored)
    mem_store.gate_policy = GatePolicy(block_high_checks=True)
    with pytest.raises(GateError, match=CODE):
        mem_store.approve(pid, reason="looks fine", actor="alice")
    assert mem_store.verify().ok


def test_the_same_second_diff_is_recorded_once(mem_store, tmp_path):
    [pid] = ingest_paths(mem_store, [offer(tmp_path, "b", "agent B's code\n")], "a").added
    real = offer(tmp_path, "a", "agent A's real code\n")
    ingest_paths(mem_store, [real], "a")
    before = len(list(mem_store.events(pid)))
    ingest_paths(mem_store, [real], "a")  # as `ingest --every` retries the refused file
    assert len(list(mem_store.events(pid))) == before and len(disputes(mem_store, pid)) == 1
    ingest_paths(mem_store, [offer(tmp_path, "c", "a third party's code\n")], "a")
    assert len(disputes(mem_store, pid)) == 2


def test_a_resolved_dispute_stays_resolved_and_the_list_is_capped(mem_store, tmp_path):
    [pid] = ingest_paths(mem_store, [offer(tmp_path, "b", "agent B's code\n")], "a").added
    ingest_paths(mem_store, [offer(tmp_path, "a", "agent A's real code\n")], "a")
    [check] = disputes(mem_store, pid)
    mem_store.resolve_check(pid, check["id"], reason="A's patch is a copy of B's", actor="alice")
    for n in range(MAX_DISPUTES + 5):
        ingest_paths(mem_store, [offer(tmp_path, f"x{n}", f"flood {n}\n")], "a")
    found = disputes(mem_store, pid)
    assert len(found) == MAX_DISPUTES
    assert [c["resolved"] is not None for c in found].count(True) == 1
    assert mem_store.verify().ok
