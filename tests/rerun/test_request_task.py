"""A rerun measures the claim on what it is about: the claimed dataset, by default."""

from __future__ import annotations

import pytest

from reviewer.rerun.jobs import request_rerun
from store import ReviewStore, StoreError
from tests.factories import make_proposal, new_file_diff

DIFF = new_file_diff("methods/m.py", "def run(view):\n    return view.weak_probs\n").encode()


def _add(store: ReviewStore, i: int, dataset: str | None) -> str:
    claim = {"pgr": 0.9, "pgr_se": 0.01, "seeds": [1, 2, 3]}
    if dataset is not None:
        claim["dataset"] = dataset
    return store.add_proposal(make_proposal(i, diff=DIFF, claimed=claim), actor="ingest")


@pytest.mark.parametrize(
    ("dataset", "task"),
    [("imbalanced", "imbalanced"), ("entangled", "entangled"), (None, "clusters"),
     ("sciq", "clusters")],  # a dataset the built-in harness lacks: the default family
)
def test_the_task_defaults_to_the_claimed_dataset(mem_store, dataset, task):
    pid = _add(mem_store, 1, dataset)
    job = request_rerun(mem_store, pid, actor="alice", seeds=[1, 2])
    assert job.params["task"] == task


def test_an_explicit_task_wins_and_an_unknown_one_is_refused(mem_store):
    pid = _add(mem_store, 1, "imbalanced")
    assert request_rerun(mem_store, pid, actor="alice", seeds=[1], task="clusters"
                         ).params["task"] == "clusters"
    with pytest.raises(StoreError, match="unknown task 'nope'"):
        request_rerun(mem_store, pid, actor="alice", seeds=[1], task="nope")
