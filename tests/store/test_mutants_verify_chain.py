"""audit verify's chain walk pinned where mutation testing found it unpinned: it stops at the
first bad row and names only that row, whatever the forger did to the rows after it."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from store import ReviewStore
from store.audit import checkpoint_path
from tests.factories import make_proposal
from tests.store.tampering import raw, rehash_from, restore_triggers, verify_file


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with 6 events: two ingests, an approve, a comment, an ingest and a comment."""
    path = tmp_path_factory.mktemp("chain") / "t.db"
    store = ReviewStore.open(path)
    try:
        first, second = store.add_proposals([make_proposal(i) for i in range(2)],
                                            actor="a").added  # seq 1, 2
        store.approve(first, reason="ok", actor="a")  # 3
        store.comment(second, "hm", actor="b")  # 4
        store.add_proposals([make_proposal(2)], actor="a")  # 5
        store.comment(first, "merged", actor="a")  # 6
        assert store.verify().ok
    finally:
        store.close()
    return path


@pytest.fixture
def forge(pristine: Path, tmp_path: Path) -> Iterator[tuple[Path, sqlite3.Connection]]:
    """A copy of the store and a connection that may edit its events, triggers dropped."""
    path = tmp_path / "t.db"
    path.write_bytes(pristine.read_bytes())
    checkpoint_path(path).write_bytes(checkpoint_path(pristine).read_bytes())
    conn = raw(path)
    yield path, conn
    conn.close()


def _cover_tracks(path: Path, conn: sqlite3.Connection, start: int | None) -> None:
    """What a careful forger does after an edit: rehash from `start`, point the head
    checkpoint at the new last row and put the append-only triggers back."""
    if start is not None:
        rehash_from(conn, start)
    seq, digest = conn.execute("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()
    checkpoint_path(path).write_text(json.dumps({"seq": seq, "hash": digest}))
    restore_triggers(conn)


def _problems(path: Path) -> tuple[list[str], int | None]:
    report = verify_file(path)
    return report.problems, report.first_bad_seq


# Seq 5 is made bad the same way: a walk that went on past seq 3 would name it too.
TAMPERS = [
    ("deleted", ["DELETE FROM events WHERE seq IN (3, 5)"], None,
     "seq 3: missing (the next row is seq 4)"),
    ("relinked", [f"UPDATE events SET prev_hash = '{'1' * 64}' WHERE seq IN (3, 5)"], None,
     "seq 3: prev_hash does not link to the hash of seq 2"),
    ("edited", ["UPDATE events SET actor = 'mallory' WHERE seq IN (3, 5)"], None,
     "seq 3: content hash mismatch (the row was edited)"),
    ("not_json", ["UPDATE events SET payload = '{oops' WHERE seq IN (3, 5)"], 3,
     "seq 3: payload is not valid JSON"),
    ("not_object", ["UPDATE events SET payload = '[1, 2]' WHERE seq IN (3, 5)"], 3,
     "seq 3: payload is not a JSON object"),
]


@pytest.mark.parametrize(("statements", "rehash", "problem"), [t[1:] for t in TAMPERS],
                         ids=[t[0] for t in TAMPERS])
def test_the_walk_stops_at_the_first_bad_row_and_names_only_it(
    forge: tuple[Path, sqlite3.Connection], statements: list[str], rehash: int | None,
    problem: str,
) -> None:
    """Each kind of bad row at seq 3 is the one problem reported (not the bad seq 5 after
    it), even with the tail rehashed, the head checkpoint moved and the triggers restored."""
    path, conn = forge
    for statement in statements:
        conn.execute(statement)
    _cover_tracks(path, conn, rehash)
    assert _problems(path) == ([problem], 3)


def test_a_bad_replay_ends_the_walk_before_a_later_bad_row(
    forge: tuple[Path, sqlite3.Connection],
) -> None:
    """A row the replay refuses (a second ingest) is reported and nothing after it is
    judged: the later illegal row at seq 6 is not reached."""
    path, conn = forge
    conn.execute("UPDATE events SET action = 'ingest' WHERE seq = 4")  # proposal 2 again
    conn.execute("UPDATE events SET action = 'ingest' WHERE seq = 6")  # proposal 1 again
    _cover_tracks(path, conn, 4)
    problems, first = _problems(path)
    assert first == 4 and len(problems) == 1
    assert problems[0].startswith("seq 4: proposal ") and problems[0].endswith(" ingested twice")


def test_a_first_row_of_a_type_the_store_never_writes_is_named_as_edited(
    forge: tuple[Path, sqlite3.Connection],
) -> None:
    """A blob in seq 1's ts cannot be hashed at all: verify names seq 1 as edited rather
    than failing to check the chain."""
    path, conn = forge
    conn.execute("UPDATE events SET ts = X'00' WHERE seq = 1")
    _cover_tracks(path, conn, None)
    assert _problems(path) == (["seq 1: content hash mismatch (the row was edited)"], 1)


def test_a_missing_head_checkpoint_is_a_warning(forge: tuple[Path, sqlite3.Connection]) -> None:
    """With the head checkpoint deleted the chain still verifies, and verify warns that
    truncation can no longer be detected."""
    path, conn = forge
    restore_triggers(conn)
    head = checkpoint_path(path)
    head.unlink()
    report = verify_file(path)
    assert report.problems == []
    assert report.warnings == [f"no head checkpoint at {head}; truncation cannot be detected"]


def test_an_unreadable_head_checkpoint_is_one_problem(
    forge: tuple[Path, sqlite3.Connection],
) -> None:
    """A head checkpoint that is not JSON is reported once, naming the file."""
    path, conn = forge
    restore_triggers(conn)
    head = checkpoint_path(path)
    head.write_text("{not json")
    problems, _first = _problems(path)
    assert len(problems) == 1 and problems[0].startswith(f"{head}: unreadable head checkpoint")


def test_cut_off_rows_are_named_from_the_first_missing_seq(
    forge: tuple[Path, sqlite3.Connection],
) -> None:
    """Rows cut off the end are named by the first missing seq and the checkpoint's seq."""
    path, conn = forge
    conn.execute("DELETE FROM events WHERE seq > 4")
    restore_triggers(conn)
    problems, first = _problems(path)
    assert first == 5 and problems[0] == ("seq 5: missing; the head checkpoint records seq 6"
                                          " but the log ends at seq 4 (rows were cut off the end)")
