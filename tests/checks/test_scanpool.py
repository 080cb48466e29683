"""The diff scans of a batch, in worker processes, say exactly what they say in this one."""

from __future__ import annotations

import multiprocessing
import os

import pytest

from reviewer.checks import scanpool
from reviewer.checks.run import check_proposals
from store import ReviewStore
from tests.checks.helpers import sample_proposals
from tests.spies import calls_to


@pytest.fixture(scope="module")
def subjects():
    """Every sample with its diff, under two ids each, plus one without code."""
    found = []
    with_code = [p for p in sample_proposals().values() if p.diff is not None]
    assert len(with_code) >= 8
    for n, proposal in enumerate(with_code):
        for copy in ("a", "b"):
            found.append((f"{copy}{n:02d}", proposal.harness, proposal.diff))
    found.append(("no-code", "builtin", None))
    return found


@pytest.fixture(params=["fork", "spawn"])
def pooled(request, monkeypatch):
    """The pool for any batch of two or more, on two workers, in each start method."""
    monkeypatch.setattr(scanpool, "PARALLEL_MIN", 2)
    monkeypatch.setattr(scanpool, "usable_cores", lambda: 2)
    started: list[str] = []

    def context():
        started.append(request.param)
        return multiprocessing.get_context(request.param)

    monkeypatch.setattr(scanpool, "pool_context", context)
    return started


def test_workers_give_what_this_process_gives(subjects, pooled, monkeypatch):
    with scanpool.workers(len(subjects)) as pool:
        assert pool is not None and pool.count == 2
        pooled_parts = scanpool.diff_parts(subjects, pool)
    assert len(pooled) == 1
    pids = calls_to(monkeypatch, scanpool, "_parts", lambda chunk: os.getpid())
    here = scanpool.diff_parts(subjects)
    assert pids == [os.getpid()]  # the second run really stayed here
    assert pooled_parts == here
    assert list(here) == [pid for pid, _, _ in subjects]
    assert here["no-code"] == scanpool.DiffPart("", ())
    codes = {c.code for part in here.values() for c in part.checks}
    assert {"protected_path", "teacher_unused"} <= codes  # the samples' hacks are seen
    assert all(part.code for pid, part in here.items() if pid != "no-code")


def test_a_batch_checked_with_workers_records_the_same_checks(tmp_path, pooled, monkeypatch):
    proposals = list(sample_proposals().values())

    def checked(name: str) -> dict[str, list[dict]]:
        store = ReviewStore.open(tmp_path / name / "store.db")
        try:
            ids = [store.add_proposal(p, actor="t") for p in proposals]
            check_proposals(store, ids, actor="t")
            return {pid: [(c["code"], c["message"]) for c in store.checks(pid)] for pid in ids}
        finally:
            store.close()

    with_workers = checked("pooled")
    assert len(pooled) == 1
    monkeypatch.setattr(scanpool, "usable_cores", lambda: 1)
    assert with_workers == checked("here")
    assert any(any(code == "duplicate" for code, _ in found) for found in with_workers.values())


@pytest.mark.parametrize(("with_code", "cores", "workers"), [
    (23, 16, 0), (24, 1, 0), (24, 16, 2), (100, 2, 2), (1000, 16, 8), (60, 16, 5)])
def test_worker_count(with_code, cores, workers):
    assert scanpool.worker_count(with_code, cores) == workers


def test_a_store_in_memory_searches_here_with_workers_about(pooled):
    store = ReviewStore.memory()
    try:
        proposals = [p for p in sample_proposals().values() if p.diff is not None]
        ids = [store.add_proposal(p, actor="t") for p in proposals]
        found = check_proposals(store, ids, actor="t")
        assert len(pooled) == 1  # the scans went to workers; the search could not
        assert any(c.code == "duplicate" for checks in found.values() for c in checks)
    finally:
        store.close()


def _die(chunk):
    os._exit(3)  # as a worker killed for memory would


def test_a_worker_that_dies_fails_the_batch_and_the_ingest_warns(tmp_path, monkeypatch):
    from concurrent.futures.process import BrokenProcessPool

    from reviewer.commands.ingest import run_checks
    from reviewer.commands.ingest_report import IngestReport

    monkeypatch.setattr(scanpool, "PARALLEL_MIN", 2)
    monkeypatch.setattr(scanpool, "usable_cores", lambda: 2)
    monkeypatch.setattr(scanpool, "pool_context", lambda: multiprocessing.get_context("fork"))
    with scanpool.workers(10) as pool, pytest.raises(BrokenProcessPool):
        pool.flat_map(_die, list(range(10)))
    monkeypatch.setattr(scanpool, "_parts", _die)
    store = ReviewStore.open(tmp_path / "store.db")
    try:
        ids = [store.add_proposal(p, actor="t") for p in sample_proposals().values()
               if p.diff is not None]
        report = IngestReport()
        run_checks(store, ids, "t", report)
        [warning] = report.warnings
        assert warning.startswith(f"static checks not recorded for {len(ids)} proposals "
                                  "(BrokenProcessPool")
        assert store.count() == len(ids) and all(store.checks(pid) == [] for pid in ids)
    finally:
        store.close()


def _budgets(_chunk):
    from reviewer.checks import duplicate, normalize

    return [(duplicate._SPLIT.budget, normalize._FORMS.budget, scanpool._CODES.budget)]


def test_workers_share_the_memory_one_process_may_use(pooled):
    from reviewer.checks import duplicate, normalize

    here = (duplicate._SPLIT.budget, normalize._FORMS.budget, scanpool._CODES.budget)
    with scanpool.workers(10) as pool:
        assert pool is not None
        budgets = set(pool.flat_map(_budgets, list(range(8))))
    assert budgets == {tuple(b // 2 for b in here)}
    assert (duplicate._SPLIT.budget, normalize._FORMS.budget, scanpool._CODES.budget) == here
