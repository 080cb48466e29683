"""Parsing in worker processes gives exactly what parsing in this process gives, in order."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import pytest

from reviewer.commands import ingest as ingest_cmd
from reviewer.commands.ingest import ingest_paths
from reviewer.ingest import parallel, read_paths
from store import ReviewStore
from store.db import BULK_CHECKPOINT_PAGES
from store.proposals import fields_hash, row_for
from tests.ingest.helpers import FINDING, NATIVE, write_json


@pytest.mark.parametrize(
    ("files", "cores", "workers"),
    [(10, 16, 0), (1999, 16, 0), (2000, 1, 0), (2000, 2, 1), (5000, 4, 3), (10**5, 64, 8)],
)
def test_worker_count(files, cores, workers):
    assert parallel.worker_count(files, cores) == workers


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Good files, bad ones and walk errors, in two folders, so order matters."""
    root = tmp_path / "in"
    for i in range(9):
        write_json(root / f"{i:02d}.json", {**NATIVE, "title": f"{NATIVE['title']} {i}"})
    (root / "03b.json").write_text("{ not json")
    (root / "04b.jsonl").write_text("".join(
        f'{{"agent": "a", "title": "line {i}", "summary": "s", "harness": "builtin"}}\n'
        for i in range(3)))
    write_json(root / "42_conf_weight.json", FINDING)
    (root / "42_conf_weight.patch").write_text("--- a/x\n+++ b/x\n")
    os.symlink(root / "00.json", root / "05b.json")
    write_json(root / "sub" / "10.json", {**NATIVE, "title": "in a subfolder"})
    (root / "sub" / "11.json").write_text('{"agent": "a"}')  # fields missing
    return root


@pytest.fixture(params=["fork", "spawn"])
def pooled(request, monkeypatch):
    """Use the pool for any number of files, with tiny windows, in each start method."""
    monkeypatch.setattr(parallel, "PARALLEL_MIN_FILES", 1)
    monkeypatch.setattr(parallel, "WINDOW", 2)
    monkeypatch.setattr(parallel, "AHEAD_FILES", 4)  # so results are taken while submitting
    monkeypatch.setattr(parallel, "usable_cores", lambda: 3)
    monkeypatch.setattr(parallel, "pool_context",
                        lambda: multiprocessing.get_context(request.param))
    return request.param


def _summary(results):
    return [
        (
            str(r.path),
            None if r.error is None else (r.error.line, r.error.field, r.error.message),
            [(p.content_hash, p.title, p.diff, p.original) for p in r.proposals],
        )
        for r in results
    ]


def where_and_what(proposal) -> tuple[int, str]:
    return os.getpid(), proposal.title


def test_the_pool_gives_what_read_paths_gives(folder, pooled):
    serial = read_paths([folder, folder / "01.json"])
    parsed = list(parallel.iter_read([folder, folder / "01.json"], prepare=where_and_what))
    pooled_results = [result for result, _ in parsed]
    assert _summary(pooled_results) == _summary(serial)
    assert sum(r.error is not None for r in serial) == 3  # the bad JSON, symlink and fields
    # The id was computed in the worker and came back cached with the proposal.
    assert all("content_hash" in vars(p) for r in pooled_results for p in r.proposals)
    # `prepare` ran in a worker, once per proposal, in order.
    for result, prepared in parsed:
        assert [title for _, title in prepared] == [p.title for p in result.proposals]
        assert all(pid != os.getpid() for pid, _ in prepared)
    assert sum(len(prepared) for _, prepared in parsed) == 14


def test_without_a_pool_prepare_runs_here(folder):
    parsed = list(parallel.iter_read([folder], prepare=where_and_what))
    assert {pid for _, prepared in parsed for pid, _ in prepared} == {os.getpid()}
    assert [r.path for r, _ in parsed] == [r.path for r in read_paths([folder])]


def test_ingest_through_the_pool_stores_the_same(folder, tmp_path, pooled):
    stores = []
    for name in ("serial", "pooled"):
        if name == "serial":
            with pytest.MonkeyPatch.context() as mp:
                mp.setattr(parallel, "PARALLEL_MIN_FILES", 10**9)
                store, report = _ingest(tmp_path / name, folder)
        else:
            store, report = _ingest(tmp_path / name, folder)
        events = [(e.action, e.proposal_id, e.payload) for e in store.events()]
        stores.append((report.to_json(), events))
        assert store.verify().ok
        store.close()
    assert stores[0] == stores[1]


def _ingest(path: Path, folder: Path):
    store = ReviewStore.open(path / "store.db", clock=lambda: "2026-11-27T09:00:00+00:00")
    return store, ingest_paths(store, [folder], "tester@example.org")


def test_a_reader_closed_early_stops_its_pool(folder, pooled):
    reader = parallel.iter_read([folder])
    first, _ = next(reader)
    reader.close()
    assert first.path.name == "00.json"


def test_ingest_reports_progress_after_each_batch(folder, tmp_path, monkeypatch):
    monkeypatch.setattr(ingest_cmd, "FILES_PER_TRANSACTION", 4)
    store = ReviewStore.open(tmp_path / "progress" / "store.db")
    seen: list[tuple[int, int]] = []
    checkpoints: list[int] = []

    def progress(done: int, files: int) -> None:
        seen.append((done, files))
        checkpoints.append(store.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0])

    report = ingest_paths(store, [folder], "tester@example.org", progress)
    after = store.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
    store.close()
    files = len(read_paths([folder]))
    assert (files, len(report.added), len(report.errors)) == (15, 14, 3)
    assert seen == [(4, files), (8, files), (12, files), (15, files)]
    # More than one batch: written with rare checkpoints, and the setting restored after.
    assert checkpoints == [BULK_CHECKPOINT_PAGES] * 4
    assert after == 1000


def test_what_the_store_would_compute_comes_back_from_the_workers(folder, pooled):
    parsed = list(parallel.iter_read([folder], prepare=ingest_cmd.prepare_for_store))
    proposals = [p for result, _ in parsed for p in result.proposals]
    assert len(proposals) == 14
    for p in proposals:
        assert {"stored_row", "stored_fields_hash"} <= set(vars(p))  # cached in the worker
        fresh = row_for(p, "", content_hash=p.content_hash, diff_sha256=p.diff_sha256)
        assert p.stored_row == fresh
        assert p.stored_fields_hash == fields_hash(fresh)
    # The claim checks came back too, for every proposal without code.
    judged = [(p.diff is None, found is not None) for result, founds in parsed
              for p, found in zip(result.proposals, founds, strict=True)]
    assert set(judged) == {(True, True), (False, False)}


_PARENT = os.getpid()
_REAL_PARSE = parallel._parse


def _die_in_a_worker(tasks, prepare):
    if os.getpid() != _PARENT:
        os._exit(9)  # as a worker killed for memory would
    return _REAL_PARSE(tasks, prepare)


def test_a_worker_that_dies_costs_no_file_and_no_hang(folder, monkeypatch):
    monkeypatch.setattr(parallel, "PARALLEL_MIN_FILES", 1)
    monkeypatch.setattr(parallel, "WINDOW", 2)
    monkeypatch.setattr(parallel, "usable_cores", lambda: 3)
    monkeypatch.setattr(parallel, "pool_context", lambda: multiprocessing.get_context("fork"))
    monkeypatch.setattr(parallel, "_parse", _die_in_a_worker)
    parsed = list(parallel.iter_read([folder], prepare=where_and_what))
    assert _summary([r for r, _ in parsed]) == _summary(read_paths([folder]))
    # Every window was parsed here instead, once the pool broke.
    assert {pid for _, prepared in parsed for pid, _ in prepared} == {os.getpid()}
