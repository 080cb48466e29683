"""Near-duplicate candidates: the nearest code sizes, chosen without reading every code."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from store import ReviewStore, fingerprints
from tests.factories import full_sort_candidates, make_proposal

N = 40


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    store = ReviewStore.open(tmp_path_factory.mktemp("fp") / "store.db")
    ids = [store.add_proposal(make_proposal(i), actor="t") for i in range(N)]
    store.ids = ids
    yield store
    store.close()


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
    bare = fingerprints.candidates(store.conn, pid, length)
    assert [c.code for c in bare] == [None] * len(bare)
    assert all(c.proposal_id != pid for c in bare)
    # One more query reads their codes: the same candidates as a full sort of the band.
    codes = fingerprints.codes(store.conn, [c.proposal_id for c in bare] + ["absent"])
    assert len(codes) == len(bare)
    got = [dataclasses.replace(c, code=codes[fingerprints.key(c)]) for c in bare]
    assert got == full_sort_candidates(store.conn, pid, length, limit)
