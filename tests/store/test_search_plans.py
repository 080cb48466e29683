"""Full-text filters give the same pages whichever plan the store picks for them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from store import ReviewStore
from store.query import WALK_INDEX_MATCHES
from tests.factories import make_proposal


@pytest.fixture(scope="module")
def store() -> ReviewStore:
    s = ReviewStore.memory()
    # Every summary says "confidence"; only every 500th title says "rare".
    s.add_proposals(
        [
            make_proposal(i, title=f"Proposal {i}" + (" rare" if i % 500 == 0 else ""))
            for i in range(WALK_INDEX_MATCHES + 300)
        ],
        actor="seed",
    )
    yield s
    s.close()


@pytest.mark.parametrize("sort", ["risk", "newest", "oldest", "title"])
def test_common_word_pages_match_the_unfiltered_order(store, sort):
    assert store.count(text="confidence") == store.count()
    for offset in (0, 1000, store.count() - 20):
        filtered = [r["id"] for r in store.list(text="confidence", sort=sort, limit=50,
                                                offset=offset)]
        plain = [r["id"] for r in store.list(sort=sort, limit=50, offset=offset)]
        assert filtered == plain


def test_rare_word_and_other_filters(store):
    rare = store.list(text="rare", sort="newest", limit=50)
    assert len(rare) == store.count(text="rare") == 5
    assert all("rare" in r["title"] for r in rare)
    agent = rare[0]["agent"]
    assert store.count(text="confidence", agent=agent) == store.count(agent=agent)
    assert {r["agent"] for r in store.list(text="confidence", agent=agent, limit=20)} == {agent}


@contextmanager
def _statements(store: ReviewStore) -> Iterator[list[str]]:
    """The SQL the store runs inside the block, parameters filled in."""
    seen: list[str] = []
    store.conn.set_trace_callback(seen.append)
    try:
        yield seen
    finally:
        store.conn.set_trace_callback(None)


def test_list_after_count_skips_the_match_probe(store):
    store.count(text="confidence")
    with _statements(store) as seen:
        page = store.list(text="confidence", sort="newest", limit=10)
    assert len(page) == 10
    assert not [s for s in seen if "LIMIT 2001" in s or "count(*)" in s]


def test_remembered_count_follows_own_and_other_writes(tmp_path):
    one = ReviewStore.open(tmp_path / "store.db")
    two = ReviewStore.open(tmp_path / "store.db")
    try:
        one.add_proposals([make_proposal(i, title=f"alpha {i}") for i in range(3)], actor="a")
        assert one.count(text="alpha") == 3
        one.add_proposals([make_proposal(10, title="alpha ten")], actor="a")
        assert one.count(text="alpha") == 4  # its own write
        two.add_proposals([make_proposal(11, title="alpha eleven")], actor="b")
        assert one.count(text="alpha") == 5  # another connection's commit
        assert len(one.list(text="alpha", limit=50)) == 5
    finally:
        one.close()
        two.close()


def test_a_capped_count_stops_at_its_cap_and_serves_the_page(store):
    total = store.count(text="confidence")
    store._match_count = None  # forget it: the capped count must stand on its own
    assert store.count(text="confidence", at_most=WALK_INDEX_MATCHES + 1) == WALK_INDEX_MATCHES + 1
    with _statements(store) as seen:
        page = store.list(text="confidence", sort="newest", limit=10)
    assert len(page) == 10
    assert not [s for s in seen if "count(*)" in s]  # the cap told it to walk the index
    assert store.count(text="confidence") == total  # the exact count is not the cap
    assert store.count(text="rare", at_most=100) == 5 == store.count(text="rare")
    assert store.count(status="pending", at_most=7) == 7
    assert store.count(text="confidence", at_most=3) == 3  # served by the exact count


def test_a_capped_count_asks_for_the_whole_word_first(store):
    store._match_count = None
    with _statements(store) as seen:
        assert store.count(text="confidence", at_most=50) == 50
    assert [s for s in seen if "MATCH" in s] == [
        s for s in seen if "MATCH '\"confidence\"'" in s
    ]  # enough whole-word matches: the prefix query never ran


def test_whole_word_matches_are_some_of_the_prefix_matches():
    # Porter stems the typed word in both queries: "runs" is "run", whole or as a prefix.
    s = ReviewStore.memory()
    texts = ["running fast"] * 3 + ["the runner"] * 2
    s.add_proposals([make_proposal(i, summary=t) for i, t in enumerate(texts)], actor="a")
    assert s.count(text="runs") == 5
    assert s.count(text="runs", at_most=4) == 4  # 3 whole-word matches are not enough
    assert s.count(text="runs", at_most=3) == 3
    s.close()
