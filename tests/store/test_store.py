from __future__ import annotations

import itertools
import re
import sqlite3

import pytest

from store import (
    Ambiguous,
    Conflict,
    IllegalTransition,
    NewProposal,
    NotFound,
    ReviewStore,
    StoreError,
)
from tests.factories import make_proposal


def test_connection_settings(file_store):
    conn = file_store.conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000


def test_add_is_idempotent_by_content_hash(mem_store):
    p = make_proposal(1)
    first = mem_store.add_proposals([p], actor="a")
    second = mem_store.add_proposals([p], actor="a")
    assert first.added == [p.content_hash] and first.present == []
    assert second.added == [] and second.present == [p.content_hash]
    assert mem_store.count() == 1
    assert [e.action for e in mem_store.events()] == ["ingest"]


def test_batch_is_all_or_nothing(mem_store):
    with_diff = make_proposal(2, diff=b"diff --git a/x b/x\n")
    finding = NewProposal(
        agent="s",
        title="t",
        summary="c",
        harness="w2s-sandbox",
        source_format="sandbox_finding",
        original={"id": 7, "title": "t"},
        diff=b"one",
    )
    mem_store.add_proposals([finding], actor="a")
    clash = NewProposal(
        agent="s",
        title="t",
        summary="c",
        harness="w2s-sandbox",
        source_format="sandbox_finding",
        original={"id": 7, "title": "t"},
        diff=b"two",
    )
    with pytest.raises(Conflict, match="different diff"):
        mem_store.add_proposals([with_diff, clash], actor="a")
    assert mem_store.count() == 1
    assert len(list(mem_store.events())) == 1


def test_later_ingest_attaches_code_to_a_finding(mem_store):
    bare = NewProposal(
        agent="s",
        title="t",
        summary="c",
        harness="w2s-sandbox",
        source_format="sandbox_finding",
        original={"id": 9, "title": "t"},
    )
    patched = NewProposal(
        agent="s",
        title="t",
        summary="c",
        harness="w2s-sandbox",
        source_format="sandbox_finding",
        original={"id": 9, "title": "t"},
        diff=b"patch",
    )
    assert bare.content_hash == patched.content_hash
    mem_store.add_proposals([bare], actor="a")
    result = mem_store.add_proposals([patched], actor="a")
    assert result.attached == [bare.content_hash]
    row = mem_store.get(bare.content_hash)
    assert row["diff"] == b"patch" and row["diff_sha256"] == patched.diff_sha256
    assert mem_store.verify().ok


def test_get_resolves_prefixes(mem_store):
    ids = mem_store.add_proposals([make_proposal(i) for i in range(40)], actor="a").added
    full = ids[0]
    assert mem_store.get(full[:10])["id"] == full
    with pytest.raises(NotFound):
        mem_store.get("ffff" + "0" * 60 if not full.startswith("ffff") else "0000" * 16)
    with pytest.raises(NotFound, match="not a proposal id"):
        mem_store.get("xyz'; drop table")
    prefixes = [i[:1] for i in ids]
    common = max(set(prefixes), key=prefixes.count)
    with pytest.raises(NotFound):  # one hex digit is below the 4-digit minimum
        mem_store.get(common)
    four = [i[:4] for i in ids]
    dup = next((p for p in four if four.count(p) > 1), None)
    if dup:
        with pytest.raises(Ambiguous):
            mem_store.get(dup)


@pytest.mark.parametrize(
    ("first", "second"),
    [("approve", "approve"), ("approve", "reject"), ("reject", "reject"), ("reject", "approve")],
)
def test_decided_proposals_cannot_be_decided_again(mem_store, first, second):
    pid = mem_store.add_proposal(make_proposal(1), actor="a")
    mem_store.decide(pid, first, reason="r", actor="a")
    with pytest.raises(IllegalTransition, match="already"):
        mem_store.decide(pid, second, reason="r", actor="b")
    assert len([e for e in mem_store.events(pid) if e.action in ("approve", "reject")]) == 1


def test_undo_reverts_with_a_new_event(mem_store):
    pid = mem_store.add_proposal(make_proposal(1), actor="a")
    with pytest.raises(IllegalTransition, match="no decision"):
        mem_store.undo(pid, actor="a")
    approve = mem_store.approve(pid, reason="ok", actor="a")
    undo = mem_store.undo(pid, actor="b", reason="too fast")
    assert undo.payload == {
        "reverts": approve.seq,
        "reverted_action": "approve",
        "reason": "too fast",
    }
    assert mem_store.get(pid)["status"] == "pending"
    mem_store.reject(pid, reason="checks failed", actor="b")
    assert mem_store.get(pid)["status"] == "rejected"
    actions = [d["action"] for d in mem_store.decisions(pid)]
    assert actions == ["approve", "undo", "reject"]
    assert mem_store.verify().ok


def test_reason_and_actor_are_required(mem_store):
    pid = mem_store.add_proposal(make_proposal(1), actor="a")
    with pytest.raises(StoreError, match="reason"):
        mem_store.approve(pid, reason="  ", actor="a")
    with pytest.raises(StoreError, match="actor"):
        mem_store.approve(pid, reason="fine", actor="")
    with pytest.raises(StoreError, match="decision"):
        mem_store.decide(pid, "merge", reason="fine", actor="a")
    assert mem_store.get(pid)["status"] == "pending"


def test_comment_is_an_event_and_changes_no_state(mem_store):
    pid = mem_store.add_proposal(make_proposal(1), actor="a")
    mem_store.comment(pid, "looks like best-of-n", actor="c")
    events = list(mem_store.events(pid))
    assert [e.action for e in events] == ["ingest", "comment"]
    assert events[1].payload == {"text": "looks like best-of-n"}
    assert mem_store.get(pid)["status"] == "pending"


@pytest.mark.parametrize(("note", "why"), [
    ("x" * 10_001, "the note is too long (10001 > 10000 characters)"),
    ("\u200b\u200b", "the note shows nothing: write it in visible characters"),
    (["a list"], "the note must be text"),
])
def test_an_assessment_note_is_bounded_as_a_comment_is(mem_store, note, why):
    # The TUI's dialog checked the note; a script calling the store did not.
    pid = mem_store.add_proposal(make_proposal(1), actor="a")
    with pytest.raises(StoreError, match=re.escape(why)):
        mem_store.annotate(pid, "assessment", {"predicted_verdict": "reproduced", "note": note},
                           actor="c")
    assert [e.action for e in mem_store.events(pid)] == ["ingest"]
    mem_store.annotate(pid, "assessment", {"predicted_verdict": "reproduced", "note": ""},
                       actor="c")


def test_list_filters_sorts_and_pages(mem_store):
    ids = mem_store.add_proposals([make_proposal(i) for i in range(30)], actor="a").added
    mem_store.approve(ids[0], reason="ok", actor="a")
    mem_store.reject(ids[1], reason="no", actor="a")
    assert mem_store.count() == 30
    assert mem_store.count(status="approved") == 1
    assert [r["id"] for r in mem_store.list(status="rejected")] == [ids[1]]
    assert mem_store.count(agent="agent-0") == 10
    pages = [r["id"] for off in range(0, 30, 7) for r in mem_store.list(limit=7, offset=off)]
    assert sorted(pages) == sorted(ids) and len(set(pages)) == 30
    by_pgr = [r["claimed_pgr"] for r in mem_store.list(sort="pgr", limit=100)]
    assert by_pgr == sorted(by_pgr, reverse=True)
    titles = [r["title"].lower() for r in mem_store.list(sort="title", limit=100)]
    assert titles == sorted(titles)
    assert "summary" not in mem_store.list(limit=1)[0]
    with pytest.raises(ValueError, match="sort"):
        mem_store.list(sort="random()")
    with pytest.raises(ValueError, match="status"):
        mem_store.list(status="merged")


def test_full_text_search(mem_store):
    mem_store.add_proposals(
        [
            make_proposal(1, title="Bootstrapped ensembles", summary="Ensemble of students"),
            make_proposal(2, title="Confidence loss", summary="logconf with warm-up"),
            make_proposal(3, title="Other", summary="nothing", agent="ensemble-bot"),
        ],
        actor="a",
    )
    assert {r["title"] for r in mem_store.search("ensemble")} == {"Bootstrapped ensembles", "Other"}
    assert [r["title"] for r in mem_store.search("logco")] == ["Confidence loss"]
    assert mem_store.count(text="warm up") == 1
    # FTS5 operators and quotes typed by a user are plain words, never syntax errors.
    assert mem_store.search('" OR * NEAR(') == []
    assert mem_store.search("") == []
    assert mem_store.count(text="ensembles students") == 1


def test_ranked_search_orders_by_bm25_then_ingest_order(mem_store):
    mem_store.add_proposals(
        [
            make_proposal(1, title="one", summary="mixup " + "filler " * 40),
            make_proposal(2, title="two", summary="mixup mixup mixup"),
            make_proposal(3, title="three", summary="mixup " + "filler " * 40),
            make_proposal(4, title="four", summary="no match here"),
        ],
        actor="a",
    )
    scores = dict(mem_store.conn.execute(
        "SELECT rowid, bm25(proposals_fts) FROM proposals_fts WHERE proposals_fts MATCH 'mixup'"
    ).fetchall())
    assert scores[1] == scores[3] != scores[2]
    assert [r["title"] for r in mem_store.search("mixup")] == ["two", "one", "three"]
    assert [r["title"] for r in mem_store.search("mixup", limit=2)] == ["two", "one"]
    assert mem_store.search("mixup")[0]["id"] == mem_store.list(text="two")[0]["id"]


def test_events_table_is_append_only(file_store):
    pid = file_store.add_proposal(make_proposal(1), actor="a")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        file_store.conn.execute("UPDATE events SET actor = 'x' WHERE seq = 1")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        file_store.conn.execute("DELETE FROM events")
    assert file_store.get(pid)["status"] == "pending"


def test_failed_write_leaves_nothing_behind(file_store):
    pid = file_store.add_proposal(make_proposal(1), actor="a")
    before = list(file_store.events())
    with pytest.raises(IllegalTransition):
        file_store.undo(pid, actor="a")
    assert list(file_store.events()) == before
    assert not file_store.conn.in_transaction


def test_checkpoint_follows_the_head(file_store):
    file_store.add_proposal(make_proposal(1), actor="a")
    pid = file_store.add_proposal(make_proposal(2), actor="a")
    event = file_store.approve(pid, reason="ok", actor="a")
    from store.audit import read_checkpoint

    assert read_checkpoint(file_store.checkpoint_file) == (event.seq, event.hash)


def test_reopen_keeps_everything(tmp_path):
    path = tmp_path / "r.db"
    store = ReviewStore.open(path)
    pid = store.add_proposal(make_proposal(1, diff=b"\xff\xfe binary-ish"), actor="a")
    store.approve(pid, reason="ok", actor="a")
    store.close()
    again = ReviewStore.open(path)
    assert again.applied_migrations == []
    row = again.get(pid)
    assert row["status"] == "approved" and row["diff"] == b"\xff\xfe binary-ish"
    assert again.verify().ok


def test_payload_values_are_distinct_strings_oldest_first(mem_store):
    pid = mem_store.add_proposal(make_proposal(1), actor="ingest")
    for value in ("b", "a", "b", 3, None):
        mem_store.annotate(pid, "publish", {"store": value}, actor="x")
    mem_store.annotate(pid, "publish_failed", {"store": "c"}, actor="x")
    mem_store.annotate(pid, "withdraw", {"store": "d"}, actor="x")
    assert mem_store.payload_values(["publish"], "store") == ["b", "a"]
    assert mem_store.payload_values(["publish", "publish_failed"], "store") == ["b", "a", "c"]
    assert mem_store.payload_values(["publish"], "nothing") == []
    with pytest.raises(ValueError, match="plain field name"):
        mem_store.payload_values(["publish"], "store') OR 1=1 --")


def test_payload_values_read_only_the_actions_asked_for(mem_store):
    """The lookup walks the (action, seq) index, not every event of a big store."""
    plan = " ".join(row[3] for row in mem_store.conn.execute(
        "EXPLAIN QUERY PLAN SELECT json_extract(payload, '$.store') FROM events "
        "WHERE action IN (?, ?) ORDER BY seq", ("publish", "publish_failed")))
    assert "USING INDEX events_action" in plan and "SCAN events" not in plan.replace(
        "SCAN events USING INDEX", "")


def test_events_of_some_actions_come_in_seq_order_across_batches(mem_store):
    from store import audit

    a = mem_store.add_proposal(make_proposal(1), actor="ingest")
    b = mem_store.add_proposal(make_proposal(2), actor="ingest")
    for i in range(5):
        mem_store.comment(a if i % 2 else b, f"note {i}", actor="x")
        mem_store.annotate(a, "publish", {"i": i}, actor="x")
    every = list(mem_store.events())
    want = [e.seq for e in every if e.action in ("publish", "comment")]
    got = audit.iter_events(mem_store.conn, actions=("publish", "comment"), batch=3)
    assert [e.seq for e in got] == want
    mine = mem_store.events(a, actions=("comment",))
    assert [e.payload["text"] for e in mine] == ["note 1", "note 3"]
    assert list(mem_store.events(actions=("nothing",))) == []


def test_select_in_binds_every_key_past_one_chunk_and_then_the_rest():
    import sqlite3

    from store.db import IN_CHUNK, select_in

    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (k INTEGER, tag TEXT)")
    conn.executemany("INSERT INTO t VALUES (?, ?)", [(k, "a" if k % 2 else "b")
                                                    for k in range(3 * IN_CHUNK)])
    keys = list(range(2 * IN_CHUNK + 1))
    cursors = list(select_in(conn, "SELECT k FROM t WHERE k IN ({marks}) AND tag = ?", keys, "a"))
    assert len(cursors) == 3
    assert sorted(k for c in cursors for (k,) in c) == [k for k in keys if k % 2]


def test_an_ambiguous_prefix_names_the_proposals_it_matches(mem_store):
    ids = mem_store.add_proposals([make_proposal(i) for i in range(1500)], actor="a").added
    four = sorted(i[:4] for i in ids)
    dup = next(a for a, b in itertools.pairwise(four) if a == b)  # certain at 1,500
    matching = sorted(i for i in ids if i.startswith(dup))
    with pytest.raises(Ambiguous) as caught:
        mem_store.get(dup)
    for pid in matching[:3]:
        assert pid[:12] in str(caught.value)
