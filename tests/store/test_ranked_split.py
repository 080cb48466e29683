"""Ranked search scored in parts on several threads gives exactly the one-pass ranking."""

from __future__ import annotations

import platform
import subprocess
import sys
from pathlib import Path

import pytest

import store.ranked
from store import ReviewStore
from store.query import search_sql
from store.ranked import RankedParts
from tests.factories import make_proposal

TERMS = ["confidence", "teacher", "warm", "confidence teacher", "rare", "nothingmatches"]


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ranked") / "store.db"
    s = ReviewStore.open(path)
    # Scores vary with how often a word comes and how long the summary is; every 7th
    # summary repeats another's, so ties (broken by rowid) come up too.
    s.add_proposals([
        make_proposal(i, summary=" ".join(["confidence"] * (1 + i % 5) + ["teacher"] * (i % 3)
                                          + ["padding"] * ((i * 7) % 11))
                      + (" rare" if i % 97 == 0 else ""))
        for i in range(420)
    ], actor="seed")
    s.close()
    return path


def _one_pass(s: ReviewStore, text: str, limit: int) -> list[str]:
    built = search_sql(text, limit)
    return [] if built is None else [r["id"] for r in s._dicts(*built)]


@pytest.mark.parametrize("parts", [2, 3, 4])
def test_the_parts_merged_are_the_whole_ranking(db: Path, parts: int,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store.ranked, "SPLIT_FROM", 10)
    s = ReviewStore.open(db)
    try:
        s._ranked = RankedParts(db, parts=parts)
        for text in TERMS:
            for limit in (1, 7, 50, 1000):
                assert [r["id"] for r in s.search(text, limit=limit)] == _one_pass(s, text, limit)
        # The split really ran: one helper connection per part beyond the caller's.
        assert len(s._ranked._conns) == parts - 1
    finally:
        s.close()
    assert s._ranked is not None and s._ranked._conns == []


def test_a_small_store_is_scored_in_one_pass(db: Path) -> None:
    s = ReviewStore.open(db)
    try:
        s._ranked = RankedParts(db, parts=4)
        assert s.search("confidence", limit=5) and s._ranked._conns == []
    finally:
        s.close()


def test_a_helper_that_cannot_open_leaves_the_one_pass_answer(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store.ranked, "SPLIT_FROM", 10)
    s = ReviewStore.open(db)
    try:
        # Helpers open the file read-only, which fails for one that is not there.
        s._ranked = RankedParts(tmp_path / "gone.db", parts=2)
        assert [r["id"] for r in s.search("teacher", limit=9)] == _one_pass(s, "teacher", 9)
        assert s._ranked._conns == []
    finally:
        s.close()


_MEMORY_USED = (
    "import ctypes, importlib.util, sqlite3\n"
    "c = sqlite3.connect(':memory:'); c.execute('CREATE TABLE t (x)')\n"
    "c.executemany('INSERT INTO t VALUES (?)', [(i,) for i in range(100)])\n"
    "lib = ctypes.CDLL(importlib.util.find_spec('_sqlite3').origin)\n"
    "used, high = ctypes.c_int64(), ctypes.c_int64()\n"
    "lib.sqlite3_status64(0, ctypes.byref(used), ctypes.byref(high), 0)\n"
    "print(used.value)\n"
)


@pytest.mark.skipif(sys.platform != "linux" or platform.machine() not in ("x86_64", "aarch64"),
                    reason="memory statistics are turned off only where ctypes can call it")
def test_importing_reviewer_turns_sqlites_memory_statistics_off() -> None:
    def used(first: str) -> int:
        out = subprocess.run([sys.executable, "-c", first + "\n" + _MEMORY_USED],
                             capture_output=True, text=True, check=True)
        return int(out.stdout)

    assert used("import reviewer") == 0
    # Imported after sqlite3 it can no longer change them; SQLite refuses, nothing breaks.
    assert used("import sqlite3, reviewer, store.memstatus as m; assert not "
                "m.MEMORY_STATISTICS_OFF") > 0


def test_a_write_between_the_parts_falls_back_to_one_pass(db: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Parts that saw the store before and after an ingest scored on different statistics;
    their merge matched neither ranking."""
    import shutil
    import threading

    copy = tmp_path / "copy.db"
    shutil.copy(db, copy)
    # A rare word: its weight (idf) moves with every row that says it, unlike a common one's.
    monkeypatch.setattr(store.ranked, "SPLIT_FROM", 1)
    written = threading.Event()
    score = store.ranked._score

    def racing(conn, match, span, limit, results, index):
        if index:  # a helper: only after the write
            written.wait(20)
            return score(conn, match, span, limit, results, index)
        score(conn, match, span, limit, results, index)
        other = ReviewStore.open(copy)
        other.add_proposals([make_proposal(1000 + i, summary="rare " * (1 + i % 4) + "x " * i)
                             for i in range(60)], actor="seed")
        other.close()
        written.set()
        return None

    monkeypatch.setattr(store.ranked, "_score", racing)
    s = ReviewStore.open(copy)
    try:
        s._ranked = RankedParts(copy, parts=2)
        found = [r["id"] for r in s.search("rare", limit=20)]
        assert written.is_set() and found == _one_pass(s, "rare", 20)
    finally:
        s.close()


def test_a_store_file_replaced_under_the_open_store_is_not_mixed_in(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    import shutil

    monkeypatch.setattr(store.ranked, "SPLIT_FROM", 10)
    mine, theirs = tmp_path / "mine.db", tmp_path / "theirs.db"
    shutil.copy(db, mine)
    other = ReviewStore.open(theirs)
    other.add_proposals([make_proposal(5000 + i, summary="teacher only here")
                         for i in range(420)], actor="seed")
    other.close()
    s = ReviewStore.open(mine)
    try:
        before = _one_pass(s, "teacher", 30)
        os.replace(theirs, mine)  # a restore; the open store still reads its own file
        s._ranked = RankedParts(mine, parts=2)  # helpers open the path: the new file
        assert [r["id"] for r in s.search("teacher", limit=30)] == before
    finally:
        s.close()
