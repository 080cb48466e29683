"""Near-duplicate candidates: the nearest code sizes, chosen without reading every code."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from store import ReviewStore, fingerprints
from tests.factories import make_proposal

N = 40


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    store = ReviewStore.open(tmp_path_factory.mktemp("fp") / "store.db")
    ids = [store.add_proposal(make_proposal(i), actor="t") for i in range(N)]
    store.ids = ids
    yield store
    store.close()


def _reference(conn, pid, length, limit):
    """The plain query: every row of the band sorted whole (what the store used to run)."""
    low, high = int(length * 0.75), int(length / 0.75) + 1
    rows = conn.execute(
        "SELECT f.proposal_id, p.title, p.idea, p.status, f.code, f.diff_sha256, f.length "
        "FROM fingerprints f "
        "JOIN proposals p ON p.id = f.proposal_id "
        "WHERE f.length BETWEEN ? AND ? AND f.proposal_id != ? "
        "ORDER BY abs(f.length - ?), f.proposal_id LIMIT ?",
        (low, high, pid, length, limit)).fetchall()
    return [fingerprints.Candidate(*row) for row in rows]


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lengths=st.lists(st.integers(0, 60), min_size=N, max_size=N),
       me=st.integers(0, N - 1), limit=st.integers(1, 12))
def test_candidates_match_a_full_sort_of_the_band(store, monkeypatch, lengths, me, limit):
    # Few distinct lengths, so ties on length are common and the id decides.
    store.put_fingerprints([(pid, f"c{i}" + "x" * n) for i, (pid, n) in
                            enumerate(zip(store.ids, lengths, strict=True))])
    monkeypatch.setattr(fingerprints, "MAX_CANDIDATES", limit)
    pid, length = store.ids[me], lengths[me] + 2
    got = store.similar_sized(pid, length)
    assert got == _reference(store.conn, pid, length, limit)
    assert all(c.proposal_id != pid for c in got)
    # Without codes: the same candidates, whose codes one more query reads.
    bare = store.similar_sized(pid, length, code=False)
    assert [c.code for c in bare] == [None] * len(got)
    codes = store.fingerprint_codes([c.proposal_id for c in bare] + ["absent"])
    assert len(codes) == len(bare)
    assert [dataclasses.replace(c, code=codes[fingerprints.key(c)]) for c in bare] == got
