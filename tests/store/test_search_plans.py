"""Full-text filters give the same pages whichever plan the store picks for them."""

from __future__ import annotations

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


def _statements(store: ReviewStore) -> list[str]:
    seen: list[str] = []
    store.conn.set_trace_callback(seen.append)
    return seen


def test_list_after_count_skips_the_match_probe(store):
    store.count(text="confidence")
    seen = _statements(store)
    try:
        page = store.list(text="confidence", sort="newest", limit=10)
    finally:
        store.conn.set_trace_callback(None)
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
