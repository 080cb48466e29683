"""Many files share one write transaction, yet each goes in whole or not at all."""

from __future__ import annotations

import json

import pytest

from reviewer.commands import ingest as ingest_cmd
from reviewer.commands.ingest import ingest_paths
from store import Conflict, NewProposal, ReviewStore
from tests.factories import make_proposal
from tests.ingest.helpers import FINDING, NATIVE, write_json


def native(i: int) -> dict:
    return {**NATIVE, "title": f"{NATIVE['title']} {i}", "idea": f"idea_{i}"}


def write_jsonl(path, objects) -> None:
    path.write_text("".join(json.dumps(o) + "\n" for o in objects), encoding="utf-8")


@pytest.fixture
def store(tmp_path) -> ReviewStore:
    s = ReviewStore.open(tmp_path / "db" / "store.db")
    yield s
    s.close()


def test_a_conflicting_file_rolls_back_alone_inside_a_shared_transaction(store, tmp_path):
    first = tmp_path / "first"
    write_json(first / "42_conf_weight.json", FINDING)
    (first / "42_conf_weight.patch").write_text("one diff\n")
    assert len(ingest_paths(store, [first], "a").added) == 1
    events_before = sum(1 for _ in store.events())

    later = tmp_path / "later"
    write_json(later / "a.json", native(1))
    # b.jsonl adds a new proposal, then brings the stored finding with a different patch.
    write_jsonl(later / "b.jsonl", [native(2), FINDING])
    (later / "42_conf_weight.patch").write_text("another diff\n")
    write_json(later / "c.json", native(3))
    report = ingest_paths(store, [later], "a")

    assert [e["path"] for e in report.errors] == [str(later / "b.jsonl")]
    assert "different diff" in report.errors[0]["message"]
    titles = {store.get(pid)["title"] for pid in report.added}
    assert titles == {f"{NATIVE['title']} 1", f"{NATIVE['title']} 3"}
    assert store.count() == 3  # the finding, a and c; nothing of b
    assert store.count(text="longer warm-up 2") == 0
    ingests = [e for e in store.events() if e.action == "ingest"]
    assert len(ingests) == 3
    assert sum(1 for _ in store.events()) > events_before
    assert store.verify().ok


def test_errors_keep_file_order_across_transactions(store, tmp_path, monkeypatch):
    monkeypatch.setattr(ingest_cmd, "FILES_PER_TRANSACTION", 2)
    folder = tmp_path / "in"
    names = []
    for i in range(7):
        name = f"{i:02d}.json"
        if i in (1, 4):
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text("{ not json")
        else:
            write_json(folder / name, native(i))
        names.append(name)
    report = ingest_paths(store, [folder], "a")
    assert [e["path"].rsplit("/", 1)[-1] for e in report.errors] == ["01.json", "04.json"]
    assert len(report.added) == 5
    assert [store.get(pid)["title"][-1] for pid in report.added] == ["0", "2", "3", "5", "6"]
    assert store.verify().ok


def store_and_clash(store: ReviewStore) -> NewProposal:
    """Store a finding with one diff; return the same finding with another, which conflicts."""

    def finding(diff: bytes) -> NewProposal:
        return NewProposal(agent="s", title="t", summary="c", harness="w2s-sandbox",
                           source_format="sandbox_finding", original={"id": 7, "title": "t"},
                           diff=diff)

    store.add_proposals([finding(b"one")], actor="a")
    return finding(b"two")


def test_store_groups_return_each_groups_outcome_in_place(mem_store):
    clash = store_and_clash(mem_store)
    outcomes = mem_store.add_proposal_groups(
        [[make_proposal(1)], [make_proposal(2), clash], [make_proposal(3)]], actor="a"
    )
    assert [type(o).__name__ for o in outcomes] == ["AddResult", "DiffConflict", "AddResult"]
    assert isinstance(outcomes[1], Conflict)
    assert mem_store.count() == 3  # the stored finding, 1 and 3
    assert outcomes[0].added[0] != outcomes[2].added[0]
    seqs = [e.seq for e in mem_store.events()]
    assert seqs == list(range(1, len(seqs) + 1))  # the rolled-back event left no gap
    assert mem_store.verify().ok


def traced(store, run):
    """What `run()` returns, and the SQL statements it ran on the store's connection."""
    seen: list[str] = []
    store.conn.set_trace_callback(seen.append)
    try:
        return run(), seen
    finally:
        store.conn.set_trace_callback(None)


def test_a_clean_batch_takes_no_savepoint(store):
    # Under a SAVEPOINT SQLite copies each page a batch touches into its sub-journal first
    # (half of what a big ingest wrote), and one per file makes the full-text index flush.
    outcomes, seen = traced(store, lambda: store.add_proposal_groups(
        [[make_proposal(i)] for i in range(20)], actor="a"))
    assert all(not isinstance(o, Conflict) and len(o.added) == 1 for o in outcomes)
    assert not [s for s in seen if "SAVEPOINT" in s.upper()]
    assert [s for s in seen if s in ("BEGIN IMMEDIATE", "COMMIT", "ROLLBACK")] == [
        "BEGIN IMMEDIATE", "COMMIT"]
    assert store.count() == 20 and store.verify().ok


def test_a_failing_group_sends_the_batch_to_a_new_transaction_of_one_savepoint_each(store):
    clash = store_and_clash(store)
    groups = [[make_proposal(1)], [clash], [make_proposal(2)]]
    outcomes, seen = traced(store, lambda: store.add_proposal_groups(groups, actor="a"))
    assert [type(o).__name__ for o in outcomes] == ["AddResult", "DiffConflict", "AddResult"]
    control = [s for s in seen if s in ("BEGIN IMMEDIATE", "COMMIT", "ROLLBACK")
               or s.startswith(("SAVEPOINT", "ROLLBACK TO", "RELEASE"))]
    # The first try goes back whole; the second gives each group its own savepoint.
    assert control == [
        "BEGIN IMMEDIATE", "ROLLBACK", "BEGIN IMMEDIATE",
        "SAVEPOINT add_group", "RELEASE add_group",
        "SAVEPOINT add_group", "ROLLBACK TO add_group", "RELEASE add_group",
        "SAVEPOINT add_group", "RELEASE add_group",
        "COMMIT",
    ]
    assert store.count() == 3
    assert [e.action for e in store.events()].count("ingest") == 3
    assert store.verify().ok
    assert audit_head_matches_checkpoint(store)


def audit_head_matches_checkpoint(store) -> bool:
    """The head checkpoint beside the store names the chain's real head."""
    from store import audit

    return audit.read_checkpoint(store.checkpoint_file) == audit.head(store.conn)
