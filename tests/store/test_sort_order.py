"""Every queue sort pages in its documented order, whichever plan the store picks, and
walks an index instead of sorting every row."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest

from store import ReviewStore
from store.query import SORTS, WALK_INDEX_MATCHES, Filters, list_sql, unserved
from tests.factories import make_proposal

N = WALK_INDEX_MATCHES + 300
REJECTED = range(0, N, 11)


def _clock() -> Callable[[], str]:
    # Seven proposals share each timestamp, so the rowid tie-break decides among them.
    ticks = itertools.count()

    def now() -> str:
        minute, second = divmod(next(ticks) // 7, 60)
        return f"2026-01-01T00:{minute:02d}:{second:02d}Z"

    return now


@pytest.fixture(scope="module")
def store() -> ReviewStore:
    s = ReviewStore.memory(clock=_clock())
    proposals = [
        make_proposal(
            i,
            # One agent has most rows, so filtering by it walks too; "agent-a" ties it in NOCASE.
            agent="Agent-A" if i % 10 else ("agent-a", "agent-1", "AGENT-0")[i % 3],
            title=("Zeta " if i % 4 == 0 else "alpha ") + f"{i % 50}",
            claimed=None if i % 9 == 0 else {"pgr": round((i % 13) / 10, 1), "seeds": [1]},
            summary="confidence " + ("rare" if i % 40 == 0 else "common"),
        )
        for i in range(N)
    ]
    s.add_proposals(proposals, actor="seed")
    ids = [p.content_hash for p in proposals]
    for i in REJECTED:
        s.reject(ids[i], reason="no", actor="alice")
    # Filtering by this agent walks a sort's index; "agent-1" has too few rows to.
    assert s.count(agent="agent-1") < WALK_INDEX_MATCHES < s.count(agent="Agent-A")
    yield s
    s.close()


def _fold(text: str) -> str:
    """SQLite's NOCASE: ASCII letters only."""
    return text.translate(str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz"))


def _desc(text: str) -> tuple[int, ...]:
    return (*(-ord(ch) for ch in text), 1)  # a longer string sorts first when reversed


SORT_KEYS: dict[str, Callable[[dict[str, Any]], tuple[Any, ...]]] = {
    "risk": lambda r: (-r["risk"], _desc(r["ingested_at"]), r["rowid"]),
    "newest": lambda r: (_desc(r["ingested_at"]), -r["rowid"]),
    "oldest": lambda r: (r["ingested_at"], r["rowid"]),
    "pgr": lambda r: (r["claimed_pgr"] is None, -(r["claimed_pgr"] or 0.0), r["rowid"]),
    "agent": lambda r: (_fold(r["agent"]), _desc(r["ingested_at"]), r["rowid"]),
    "title": lambda r: (_fold(r["title"]), r["rowid"]),
    "status": lambda r: (r["status"], _desc(r["ingested_at"]), r["rowid"]),
}


def _expected(store: ReviewStore, sort: str, where: Callable[[dict[str, Any]], bool]) -> list[str]:
    cursor = store.conn.execute(
        "SELECT rowid, id, risk, ingested_at, claimed_pgr, agent, title, status, summary "
        "FROM proposals"
    )
    names = [d[0] for d in cursor.description]
    rows = [dict(zip(names, values, strict=True)) for values in cursor]
    return [r["id"] for r in sorted(filter(where, rows), key=SORT_KEYS[sort])]


FILTERS: dict[str, tuple[dict[str, Any], Callable[[dict[str, Any]], bool]]] = {
    "none": ({}, lambda r: True),
    "pending": ({"status": "pending"}, lambda r: r["status"] == "pending"),
    "rejected": ({"status": "rejected"}, lambda r: r["status"] == "rejected"),
    "agent, many rows": ({"agent": "Agent-A"}, lambda r: r["agent"] == "Agent-A"),
    "agent, few rows": ({"agent": "agent-1"}, lambda r: r["agent"] == "agent-1"),
    "common word": ({"text": "confidence"}, lambda r: True),
    "rare word": ({"text": "rare"}, lambda r: "rare" in r["summary"]),
    "word and status": (
        {"text": "common", "status": "pending"},
        lambda r: "common" in r["summary"] and r["status"] == "pending",
    ),
}


def test_sort_keys_cover_every_sort():
    assert set(SORT_KEYS) == set(SORTS)


@pytest.mark.parametrize("sort", sorted(SORTS))
@pytest.mark.parametrize("name", sorted(FILTERS))
def test_pages_follow_the_documented_order(store, sort, name):
    kwargs, where = FILTERS[name]
    expected = _expected(store, sort, where)
    assert store.count(**kwargs) == len(expected)
    for offset in sorted({0, 7, len(expected) // 2, max(len(expected) - 30, 0)}):
        page = store.list(**kwargs, sort=sort, limit=40, offset=offset)
        assert [r["id"] for r in page] == expected[offset : offset + 40], (name, offset)


def _page_plan(store: ReviewStore, filters: Filters, sort: str) -> list[str]:
    """The query plan lines of the page's rowid walk (the co-routine's subtree)."""
    walk = unserved(filters, sort)
    sql, params = list_sql(filters, sort, 100, 5000, walk=walk)
    plan = store.conn.execute(f"EXPLAIN QUERY PLAN {sql}", params).fetchall()
    inside = {node for node, _, _, detail in plan if detail.startswith("CO-ROUTINE page")}
    lines = []
    for node, parent, _, detail in plan:
        if parent in inside:
            inside.add(node)
            lines.append(detail)
    return lines


@pytest.mark.parametrize("sort", sorted(SORTS))
@pytest.mark.parametrize("filters", [Filters(), Filters(status="pending"), Filters(agent="x")])
def test_a_page_walks_an_index_without_sorting_every_row(store, sort, filters):
    lines = _page_plan(store, filters, sort)
    assert lines and any("INDEX" in line for line in lines), lines
    assert not [line for line in lines if "TEMP B-TREE" in line], lines
